"""What the sweep looks for besides stale results: outcomes whose default analysis was never made."""

from django.db.models import Exists, OuterRef, Q

from extraction.models import ExtractedValue, ExtractionKind, Outcome, PatientRecord


def reviews_missing_defaults(limit: int = 100) -> list[int]:
    """Reviews with an outcome that has data but never had its default analysis (a lost signal)."""
    has_values = Exists(
        ExtractedValue.objects.filter(
            outcome=OuterRef("pk"), extraction__kind=ExtractionKind.FINAL, value__isnull=False
        )
    )
    has_patients = Exists(PatientRecord.objects.filter(study__review_id=OuterRef("review_id")))
    outcomes = Outcome.objects.filter(analysis_defaults__isnull=True).filter(
        Q(has_values) | Q(kind="time_to_event") & Q(has_patients)
    )
    return list(outcomes.values_list("review_id", flat=True).distinct()[:limit])
