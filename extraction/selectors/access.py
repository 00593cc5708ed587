"""Finding a study, arm or extraction through the user's review: other reviews' objects answer 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from extraction.models import (
    Arm,
    Comparison,
    Extraction,
    ExtractionField,
    ExtractionKind,
    Outcome,
    Study,
)
from extraction.rules import DUAL, both_copies_done, is_dual
from reviews.models import Role
from reviews.selectors import review_for_user


def study_for_user(*, user, review_id: int, study_id: int, min_role: str = Role.VIEWER):
    """(review, membership, study) for a study of a review the user belongs to; 404/403 as review_for_user."""
    review, membership = review_for_user(user=user, review_id=review_id, min_role=min_role)
    study = Study.objects.filter(review=review, pk=study_id).select_related("review").first()
    if study is None:
        raise Http404("No such study in this review.")
    return review, membership, study


def _one(queryset, what: str):
    found = queryset.first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def arm_of(*, study: Study, arm_id: int) -> Arm:
    return _one(Arm.objects.filter(study=study, pk=arm_id).select_related("study"), "arm in this study")


def comparison_of(*, study: Study, comparison_id: int) -> Comparison:
    return _one(
        Comparison.objects.filter(study=study, pk=comparison_id).select_related("study"), "comparison"
    )


def field_of(*, review, field_id: int) -> ExtractionField:
    return _one(ExtractionField.objects.filter(review=review, pk=field_id), "field in this review")


def outcome_of(*, review, outcome_id: int) -> Outcome:
    return _one(Outcome.objects.filter(review=review, pk=outcome_id), "outcome in this review")


def may_see_extraction(*, extraction: Extraction, user, membership) -> bool:
    """Dual extraction is blind: another extractor's copy shows only once both copies are done."""
    if extraction.kind == ExtractionKind.FINAL or extraction.extractor_id == user.pk:
        return True
    return both_copies_done(
        extraction.study.extractions.filter(kind=ExtractionKind.INDEPENDENT).values_list("status", flat=True)
    )


def extraction_of(*, study: Study, extraction_id: int, user, membership) -> Extraction:
    """One extraction of the study the user may see; 404 for another study's, 403 while blind."""
    extraction = _one(
        Extraction.objects.filter(study=study, pk=extraction_id).select_related("study__review", "extractor"),
        "extraction of this study",
    )
    if not may_see_extraction(extraction=extraction, user=user, membership=membership):
        raise PermissionDenied(
            "Dual extraction is blind until both extractors have marked their copies done."
        )
    return extraction


def final_extraction(*, study: Study) -> Extraction | None:
    return study.extractions.filter(kind=ExtractionKind.FINAL).select_related("study__review").first()


def may_start_extraction(*, study: Study, own: Extraction | None) -> bool:
    """Whether a reviewer without a copy may start one: always, unless both dual places are taken."""
    if own is not None:
        return False
    if not is_dual(study.review.extractions_per_study):
        return True
    return study.extractions.filter(kind=ExtractionKind.INDEPENDENT).count() < DUAL


def own_extraction(*, study: Study, user) -> Extraction | None:
    """The copy this user works on, if it exists (the shared one when one extraction is required)."""
    if is_dual(study.review.extractions_per_study):
        return study.extractions.filter(kind=ExtractionKind.INDEPENDENT, extractor=user).first()
    return final_extraction(study=study)
