"""Analysis API under /api/reviews/<review_id>/analyses/."""

from django.urls import path

from analysis import api

ANALYSIS = "reviews/<int:review_id>/analyses/<int:analysis_id>/"

urlpatterns = [
    path("reviews/<int:review_id>/analyses/", api.AnalysisListApi.as_view(), name="api-analyses"),
    path(ANALYSIS, api.AnalysisDetailApi.as_view(), name="api-analysis"),
    path(ANALYSIS + "result/", api.AnalysisResultApi.as_view(), name="api-analysis-result"),
    path(ANALYSIS + "status/", api.AnalysisStatusApi.as_view(), name="api-analysis-status"),
]
