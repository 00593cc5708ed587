from django.contrib import admin

from analysis.models import Analysis, AnalysisResult, OutcomeDefaults


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ("name", "review", "outcome", "measure", "method", "definition_version", "current_result")
    list_filter = ("measure", "method")
    search_fields = ("name", "review__title")
    raw_id_fields = ("review", "outcome", "current_result", "created_by")
    readonly_fields = ("definition_version", "attempt_data_version", "attempt_definition_version", "attempts")


@admin.register(AnalysisResult)
class AnalysisResultAdmin(admin.ModelAdmin):
    list_display = ("analysis", "data_version", "definition_version", "status", "duration_ms", "computed_at")
    list_filter = ("status",)
    raw_id_fields = ("analysis",)
    readonly_fields = ("input_hash", "engine_version", "computed_at")


@admin.register(OutcomeDefaults)
class OutcomeDefaultsAdmin(admin.ModelAdmin):
    list_display = ("outcome", "created_at")
    raw_id_fields = ("outcome",)
