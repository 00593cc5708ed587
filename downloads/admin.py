"""Admin for download jobs (read-only: jobs are made by members and workers)."""

from django.contrib import admin

from downloads.models import DownloadJob


@admin.register(DownloadJob)
class DownloadJobAdmin(admin.ModelAdmin):
    list_display = ("id", "review", "kind", "requested_by", "status", "progress", "size", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("review__title", "requested_by__username")
    exclude = ("content",)
    readonly_fields = [f.name for f in DownloadJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request):
        return False
