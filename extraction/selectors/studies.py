"""Studies with their extraction status, and the study's history."""

from django.db.models import Count, Prefetch, Q

from extraction.models import ChangeLog, Extraction, ExtractionKind, ExtractionStatus, Study
from extraction.rules import both_copies_done, is_dual
from reviews.models import Review


class StudyStatus:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    AWAITING_CONSENSUS = "awaiting_consensus"
    COMPLETE = "complete"
    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        AWAITING_CONSENSUS: "Awaiting consensus",
        COMPLETE: "Complete",
    }


def status_of(*, dual: bool, extractions) -> str:
    """The study's status from its extractions (each annotated with ``value_count``)."""
    final = next((e for e in extractions if e.kind == ExtractionKind.FINAL), None)
    if final is not None and final.status == ExtractionStatus.DONE:
        return StudyStatus.COMPLETE
    if dual:
        copies = [e for e in extractions if e.kind == ExtractionKind.INDEPENDENT]
        if both_copies_done(e.status for e in copies):
            return StudyStatus.AWAITING_CONSENSUS
        if final is not None or any(e.value_count for e in copies):
            return StudyStatus.IN_PROGRESS
        return StudyStatus.NOT_STARTED
    return StudyStatus.IN_PROGRESS if final is not None and final.value_count else StudyStatus.NOT_STARTED


def studies_with_status(*, review) -> list[Study]:
    """The review's studies, each with ``status``, ``status_label``, ``extractors`` and its reports."""
    extractions = Extraction.objects.select_related("extractor").annotate(
        value_count=Count("values", filter=Q(values__value__isnull=False))
    )
    studies = list(
        Study.objects.filter(review=review)
        .annotate(arm_count=Count("arms", distinct=True), patient_count=Count("patients", distinct=True))
        .prefetch_related(Prefetch("extractions", queryset=extractions), "records")
        .order_by("label", "id")
    )
    dual = is_dual(review.extractions_per_study)
    for study in studies:
        copies = list(study.extractions.all())
        study.status = status_of(dual=dual, extractions=copies)
        study.status_label = StudyStatus.LABELS[study.status]
        study.extractors = [
            {"username": e.extractor.username, "status": e.status}
            for e in copies
            if e.kind == ExtractionKind.INDEPENDENT
        ]
    return studies


def study_status(*, study: Study) -> str:
    extractions = study.extractions.annotate(
        value_count=Count("values", filter=Q(values__value__isnull=False))
    )
    per_study = (
        Review.objects.filter(pk=study.review_id).values_list("extractions_per_study", flat=True).get()
    )
    return status_of(dual=is_dual(per_study), extractions=list(extractions))


def study_history(*, study: Study, user, limit: int = 500) -> list[ChangeLog]:
    """The study's changes, newest first; another extractor's blind copy stays hidden until both are done."""
    from .access import may_see_extraction

    entries = list(ChangeLog.objects.filter(study=study).select_related("user", "extraction__study")[:limit])
    visible = {}
    shown = []
    for entry in entries:
        extraction = entry.extraction
        if extraction is not None and extraction.kind == ExtractionKind.INDEPENDENT:
            if extraction.pk not in visible:
                visible[extraction.pk] = may_see_extraction(extraction=extraction, user=user, membership=None)
            if not visible[extraction.pk]:
                continue
        shown.append(entry)
    return shown
