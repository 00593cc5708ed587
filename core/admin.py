from django.contrib import admin

from core.models import ApiToken, WorkerPing


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = ("id", "requested_by", "requested_at", "answered_at", "worker_hostname")
    readonly_fields = ("requested_at",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_digest", "prefix", "created_at", "last_used_at")
