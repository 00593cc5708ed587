from django.contrib import admin

from reviews.models import Review, ReviewMembership


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
