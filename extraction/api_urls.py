"""Extraction API under /api/reviews/<review_id>/."""

from django.urls import path

from extraction.api import structure as s
from extraction.api import values as v

STUDY = "reviews/<int:review_id>/studies/<int:study_id>/"
EXTRACTION = STUDY + "extractions/<int:extraction_id>/"

urlpatterns = [
    path(
        "reviews/<int:review_id>/extraction/fields/", s.FieldListApi.as_view(), name="api-extraction-fields"
    ),
    path(
        "reviews/<int:review_id>/extraction/fields/<int:field_id>/",
        s.FieldDetailApi.as_view(),
        name="api-extraction-field",
    ),
    path("reviews/<int:review_id>/extraction/agreement/", v.AgreementApi.as_view(), name="api-agreement"),
    path("reviews/<int:review_id>/outcomes/", s.OutcomeListApi.as_view(), name="api-outcomes"),
    path(
        "reviews/<int:review_id>/outcomes/<int:outcome_id>/", s.OutcomeDetailApi.as_view(), name="api-outcome"
    ),
    path(
        "reviews/<int:review_id>/outcomes/<int:outcome_id>/analysis-input/",
        s.OutcomeAnalysisInputApi.as_view(),
        name="api-outcome-analysis-input",
    ),
    path("reviews/<int:review_id>/studies/", s.StudyListApi.as_view(), name="api-studies"),
    path("reviews/<int:review_id>/studies/sync/", s.StudySyncApi.as_view(), name="api-studies-sync"),
    path(STUDY, s.StudyDetailApi.as_view(), name="api-study"),
    path(STUDY + "records/", s.StudyRecordsApi.as_view(), name="api-study-records"),
    path(STUDY + "arms/", s.ArmListApi.as_view(), name="api-arms"),
    path(STUDY + "arms/<int:arm_id>/", s.ArmDetailApi.as_view(), name="api-arm"),
    path(STUDY + "comparisons/", s.ComparisonListApi.as_view(), name="api-comparisons"),
    path(STUDY + "comparisons/<int:comparison_id>/", s.ComparisonDetailApi.as_view(), name="api-comparison"),
    path(STUDY + "extractions/", v.ExtractionListApi.as_view(), name="api-extractions"),
    path(EXTRACTION, v.ExtractionDetailApi.as_view(), name="api-extraction"),
    path(EXTRACTION + "values/", v.ExtractionValuesApi.as_view(), name="api-extraction-values"),
    path(EXTRACTION + "complete/", v.ExtractionCompleteApi.as_view(), name="api-extraction-complete"),
    path(EXTRACTION + "reopen/", v.ExtractionReopenApi.as_view(), name="api-extraction-reopen"),
    path(STUDY + "comparison/", v.StudyComparisonApi.as_view(), name="api-study-comparison"),
    path(STUDY + "consensus/", v.ConsensusApi.as_view(), name="api-consensus"),
    path(STUDY + "history/", v.StudyHistoryApi.as_view(), name="api-study-history"),
    path(STUDY + "ipd/", v.IpdApi.as_view(), name="api-ipd"),
]
