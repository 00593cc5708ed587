"""API URLs of screening, conflicts, exclusion reasons, agreement and PRISMA."""

from django.urls import path

from reviews.api import screening as api

BASE = "reviews/<int:review_id>/"

urlpatterns = [
    path(BASE + "screening/conflicts/", api.ConflictListApi.as_view(), name="api-screening-conflicts"),
    path(
        BASE + "screening/conflicts/<int:record_id>/adjudication/",
        api.AdjudicationApi.as_view(),
        name="api-screening-adjudication",
    ),
    path(BASE + "screening/exclusion-reasons/", api.ReasonListApi.as_view(), name="api-exclusion-reasons"),
    path(
        BASE + "screening/exclusion-reasons/defaults/",
        api.ReasonDefaultsApi.as_view(),
        name="api-exclusion-reasons-defaults",
    ),
    path(
        BASE + "screening/exclusion-reasons/<int:reason_id>/",
        api.ReasonDetailApi.as_view(),
        name="api-exclusion-reason",
    ),
    path(BASE + "screening/agreement/", api.AgreementApi.as_view(), name="api-screening-agreement"),
    path(BASE + "screening/terms/", api.TermsApi.as_view(), name="api-screening-terms"),
    path(BASE + "screening/<slug:stage_slug>/next/", api.NextRecordApi.as_view(), name="api-screening-next"),
    path(
        BASE + "screening/<slug:stage_slug>/decisions/",
        api.DecisionApi.as_view(),
        name="api-screening-decisions",
    ),
    path(BASE + "screening/<slug:stage_slug>/undo/", api.UndoApi.as_view(), name="api-screening-undo"),
    path(
        BASE + "screening/<slug:stage_slug>/progress/",
        api.ProgressApi.as_view(),
        name="api-screening-progress",
    ),
    path(BASE + "prisma/", api.PrismaApi.as_view(), name="api-prisma"),
    path(
        BASE + "prisma/manual-counts/", api.PrismaManualCountsApi.as_view(), name="api-prisma-manual-counts"
    ),
]
