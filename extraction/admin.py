"""Django admin for every extraction model."""

from django.contrib import admin

from extraction.models import (
    Arm,
    ChangeLog,
    Comparison,
    ExtractedValue,
    Extraction,
    ExtractionField,
    Outcome,
    PatientRecord,
    Study,
)


class ArmInline(admin.TabularInline):
    model = Arm
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["label", "review", "created_at"]
    list_filter = ["review"]
    search_fields = ["label"]
    raw_id_fields = ["records"]
    inlines = [ArmInline]


@admin.register(Arm)
class ArmAdmin(admin.ModelAdmin):
    list_display = ["label", "study", "intervention", "n_randomised", "version"]
    search_fields = ["label", "study__label"]


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ["study", "experimental", "control", "position"]


@admin.register(ExtractionField)
class ExtractionFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "review", "level", "kind", "required", "position"]
    list_filter = ["level", "kind"]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["name", "review", "kind", "time_point", "position"]
    list_filter = ["kind"]


@admin.register(Extraction)
class ExtractionAdmin(admin.ModelAdmin):
    list_display = ["study", "kind", "extractor", "status", "completed_at"]
    list_filter = ["kind", "status"]


@admin.register(ExtractedValue)
class ExtractedValueAdmin(admin.ModelAdmin):
    list_display = ["cell", "extraction", "value", "version", "updated_by", "updated_at"]
    search_fields = ["cell"]
    raw_id_fields = ["extraction", "field", "outcome", "arm", "comparison"]


@admin.register(PatientRecord)
class PatientRecordAdmin(admin.ModelAdmin):
    list_display = ["study", "line", "arm", "time", "event"]
    raw_id_fields = ["study", "arm"]


@admin.register(ChangeLog)
class ChangeLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "study", "what", "old_value", "new_value"]
    raw_id_fields = ["review", "study", "extraction"]
