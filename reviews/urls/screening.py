"""Pages of screening, conflicts, exclusion reasons, agreement and the PRISMA 2020 flow."""

from django.urls import path, register_converter

from reviews.views import prisma as prisma_views
from reviews.views import screening as views


class DiagramFormat:
    regex = "svg|png"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DiagramFormat, "diagram_format")

urlpatterns = [
    path("<int:review_id>/screening/", views.screening, name="screening"),
    path("<int:review_id>/screening/conflicts/", views.conflicts, name="screening_conflicts"),
    path(
        "<int:review_id>/screening/conflicts/<int:record_id>/<slug:stage_slug>/",
        views.adjudicate,
        name="screening_adjudicate",
    ),
    path("<int:review_id>/screening/reasons/", views.reasons, name="screening_reasons"),
    path(
        "<int:review_id>/screening/reasons/defaults/",
        views.reasons_defaults,
        name="screening_reasons_defaults",
    ),
    path(
        "<int:review_id>/screening/reasons/<int:reason_id>/", views.reason_edit, name="screening_reason_edit"
    ),
    path("<int:review_id>/screening/terms/", views.terms, name="screening_terms"),
    path("<int:review_id>/screening/agreement/", views.agreement, name="screening_agreement"),
    path("<int:review_id>/screening/<slug:stage_slug>/", views.screening, name="screening_stage"),
    path("<int:review_id>/screening/<slug:stage_slug>/card/", views.screening_card, name="screening_card"),
    path(
        "<int:review_id>/screening/<slug:stage_slug>/records/<int:record_id>/decide/",
        views.screening_decide,
        name="screening_decide",
    ),
    path("<int:review_id>/screening/<slug:stage_slug>/undo/", views.screening_undo, name="screening_undo"),
    path("<int:review_id>/prisma/", prisma_views.prisma, name="prisma"),
    path("<int:review_id>/prisma/live/", prisma_views.prisma_live, name="prisma_live"),
    path(
        "<int:review_id>/prisma/manual-counts/",
        prisma_views.prisma_manual_counts,
        name="prisma_manual_counts",
    ),
    path(
        "<int:review_id>/prisma/diagram.<diagram_format:fmt>",
        prisma_views.prisma_download,
        name="prisma_download",
    ),
]
