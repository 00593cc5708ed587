from django.contrib import admin

from reviews.models import (
    Adjudication,
    DuplicateCandidate,
    DuplicateMergeLog,
    ExclusionReason,
    PrismaManualCounts,
    Record,
    Review,
    ReviewMembership,
    ScreeningDecision,
    ScreeningProgress,
    ScreeningSettings,
    SourceImport,
)


class MembershipInline(admin.TabularInline):
    model = ReviewMembership
    fk_name = "review"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "reviewers_per_record",
        "blind_screening",
        "data_version",
        "created_by",
        "created_at",
    )
    search_fields = ("title", "question")
    readonly_fields = ("data_version", "created_at", "updated_at")
    inlines = [MembershipInline]


@admin.register(ReviewMembership)
class ReviewMembershipAdmin(admin.ModelAdmin):
    list_display = ("review", "user", "role", "invited_by", "created_at")
    list_filter = ("role",)
    search_fields = ("review__title", "user__username", "user__email")


@admin.register(SourceImport)
class SourceImportAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "review",
        "source_name",
        "source_kind",
        "status",
        "records_imported",
        "created_at",
    )
    list_filter = ("status", "source_kind")
    search_fields = ("file_name", "source_name", "review__title")
    readonly_fields = ("created_at", "finished_at")


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("id", "review", "short_title", "year", "doi", "pmid", "status")
    list_filter = ("status",)
    search_fields = ("title", "doi", "pmid")
    raw_id_fields = ("review", "source_import", "duplicate_of")
    list_select_related = ("review",)

    @admin.display(description="title")
    def short_title(self, record: Record) -> str:
        return record.title[:80]


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("id", "review", "record_a", "record_b", "reason", "score", "status")
    list_filter = ("status", "reason")
    raw_id_fields = ("review", "record_a", "record_b", "decided_by")


@admin.register(DuplicateMergeLog)
class DuplicateMergeLogAdmin(admin.ModelAdmin):
    list_display = ("id", "review", "action", "kept_record", "removed_record", "actor", "created_at")
    raw_id_fields = ("review", "candidate", "kept_record", "removed_record")


@admin.register(ExclusionReason)
class ExclusionReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "review", "stage", "position", "active")
    list_filter = ("stage", "active")


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(admin.ModelAdmin):
    list_display = ("id", "record", "stage", "reviewer", "decision", "exclusion_reason", "updated_at")
    list_filter = ("stage", "decision")
    raw_id_fields = ("record", "exclusion_reason")


@admin.register(ScreeningProgress)
class ScreeningProgressAdmin(admin.ModelAdmin):
    """Read-only: the screening services keep these counts; editing them by hand would make them wrong."""

    list_display = ("review", "reviewer", "stage", "decided", "decided_waiting")
    list_filter = ("stage",)
    raw_id_fields = ("review", "reviewer")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ("id", "record", "stage", "decision", "decided_by", "created_at")
    list_filter = ("stage", "decision")
    raw_id_fields = ("record", "exclusion_reason")


@admin.register(PrismaManualCounts)
class PrismaManualCountsAdmin(admin.ModelAdmin):
    list_display = (
        "review",
        "duplicates_removed_before_import",
        "removed_by_automation",
        "removed_other_reasons",
    )


@admin.register(ScreeningSettings)
class ScreeningSettingsAdmin(admin.ModelAdmin):
    list_display = ("review", "updated_at")
