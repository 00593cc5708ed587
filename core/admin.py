from django.contrib import admin

from core.models import WorkerPing


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = ("id", "requested_by", "requested_at", "answered_at", "worker_hostname")
    readonly_fields = ("requested_at",)
