"""Screening writes: decisions, undo, adjudication, exclusion reasons and highlight terms.

Each record is screened independently by ``review.reviewers_per_record`` reviewers.
When the last needed decision arrives the record is resolved at once: agreement
moves it on, disagreement makes a conflict an owner adjudicates. A "maybe" counts
as include at title/abstract. At full text two excludes agree only when they give
the same reason, so every excluded report has exactly one reason in PRISMA.

Blindness: nothing a service returns to a reviewer tells whether their decision
resolved the record or made a conflict; callers show "recorded" and the next record.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from reviews.models import (
    Adjudication,
    Decision,
    ExclusionReason,
    PrismaManualCounts,
    Record,
    RecordStatus,
    Review,
    ScreeningDecision,
    ScreeningSettings,
    Stage,
)

from .screening_progress import Deltas, record_moved

# The status a record has while waiting for decisions at a stage, and in conflict.
PENDING_STATUS = {Stage.TITLE_ABSTRACT: RecordStatus.TITLE_ABSTRACT, Stage.FULL_TEXT: RecordStatus.FULL_TEXT}
CONFLICT_STATUS = {Stage.TITLE_ABSTRACT: RecordStatus.TA_CONFLICT, Stage.FULL_TEXT: RecordStatus.FT_CONFLICT}
# Where an agreed (or adjudicated) decision sends the record.
OUTCOME_STATUS = {
    Stage.TITLE_ABSTRACT: {
        Decision.INCLUDE: RecordStatus.FULL_TEXT,
        Decision.MAYBE: RecordStatus.FULL_TEXT,
        Decision.EXCLUDE: RecordStatus.TA_EXCLUDED,
    },
    Stage.FULL_TEXT: {
        Decision.INCLUDE: RecordStatus.INCLUDED,
        Decision.EXCLUDE: RecordStatus.FT_EXCLUDED,
        Decision.NOT_RETRIEVED: RecordStatus.NOT_RETRIEVED,
    },
}
ALLOWED_DECISIONS = {stage: tuple(outcomes) for stage, outcomes in OUTCOME_STATUS.items()}
ADJUDICATION_DECISIONS = {
    Stage.TITLE_ABSTRACT: (Decision.INCLUDE, Decision.EXCLUDE),
    Stage.FULL_TEXT: (Decision.INCLUDE, Decision.EXCLUDE, Decision.NOT_RETRIEVED),
}

DEFAULT_FULL_TEXT_REASONS = [
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcome",
    "Wrong study design",
    "Duplicate report",
    "Not retrievable",
]


def _effective(stage: str, decision: str) -> str:
    """The decision as agreement sees it: maybe counts as include at title/abstract."""
    return Decision.INCLUDE if stage == Stage.TITLE_ABSTRACT and decision == Decision.MAYBE else decision


def _check_decision(*, review: Review, stage: str, decision: str, exclusion_reason, choices) -> None:
    if stage not in Stage.values:
        raise ValidationError({"stage": f"Unknown stage “{stage}”."})
    if decision not in choices:
        allowed = ", ".join(Decision(d).label.lower() for d in choices)
        raise ValidationError({"decision": f"At {Stage(stage).label.lower()} the choices are: {allowed}."})
    if exclusion_reason is not None:
        if decision != Decision.EXCLUDE:
            raise ValidationError({"exclusion_reason": "A reason goes with an exclusion only."})
        if exclusion_reason.review_id != review.pk or exclusion_reason.stage != stage:
            raise ValidationError({"exclusion_reason": "Choose a reason from this review's list."})
        if not exclusion_reason.active:
            raise ValidationError({"exclusion_reason": f"“{exclusion_reason.label}” has been retired."})
    elif stage == Stage.FULL_TEXT and decision == Decision.EXCLUDE:
        raise ValidationError({"exclusion_reason": "An exclusion at full text needs a reason."})


def _locked_record(*, review: Review, record_id: int) -> Record:
    try:
        return Record.objects.select_for_update().get(pk=record_id, review=review)
    except Record.DoesNotExist:
        raise ValidationError({"record": "No such record in this review."}) from None


def _resolve(*, record: Record, stage: str, needed: int, deltas: Deltas) -> None:
    """Move the record on, or into conflict, once every needed decision is in (one query + one update)."""
    rows = list(
        ScreeningDecision.objects.filter(record=record, stage=stage).values_list(
            "decision", "exclusion_reason", "reviewer_id"
        )
    )
    if len(rows) < needed:
        return
    decisions = [(d, reason) for d, reason, _ in rows]
    outcomes = {(_effective(stage, d), reason if d == Decision.EXCLUDE else None) for d, reason in decisions}
    if stage == Stage.TITLE_ABSTRACT:
        # Reasons are optional at title/abstract and do not make a conflict there.
        outcomes = {(decision, None) for decision, _ in outcomes}
    if len(outcomes) == 1:
        (decision, _reason) = outcomes.pop()
        record.status = OUTCOME_STATUS[stage][decision]
    else:
        record.status = CONFLICT_STATUS[stage]
    record.save(update_fields=["status"])
    holders = {stage: [reviewer_id for _, _, reviewer_id in rows]}
    record_moved(
        deltas, record=record, old_status=PENDING_STATUS[stage], new_status=record.status, holders=holders
    )


@transaction.atomic
def record_decision(
    *,
    review: Review,
    record_id: int,
    reviewer,
    stage: str,
    decision: str,
    exclusion_reason: ExclusionReason | None = None,
    note: str = "",
) -> ScreeningDecision:
    """Record one reviewer's decision on a record at a stage; resolve the record when all are in."""
    _check_decision(
        review=review,
        stage=stage,
        decision=decision,
        exclusion_reason=exclusion_reason,
        choices=ALLOWED_DECISIONS.get(stage, ()),
    )
    # The lock serialises reviewers deciding the same record, so exactly one of them resolves it.
    record = _locked_record(review=review, record_id=record_id)
    if record.status != PENDING_STATUS[stage]:
        raise ValidationError(
            {"record": f"This record is not waiting for {Stage(stage).label.lower()} screening."}
        )
    values = {"decision": decision, "exclusion_reason": exclusion_reason, "note": note.strip()}
    # The record lock makes update-then-create safe here, without update_or_create's savepoints.
    mine = ScreeningDecision.objects.filter(record=record, stage=stage, reviewer=reviewer)
    deltas = Deltas(review.pk)
    if mine.update(**values, updated_at=timezone.now()):
        screening_decision = mine.get()
    else:
        screening_decision = ScreeningDecision.objects.create(
            record=record, stage=stage, reviewer=reviewer, **values
        )
        deltas.add(reviewer.pk, stage, decided=1, waiting=1)
    _resolve(record=record, stage=stage, needed=review.reviewers_per_record, deltas=deltas)
    deltas.apply()
    return screening_decision


def _later_work_exists(*, record: Record, stage: str) -> bool:
    if Adjudication.objects.filter(record=record, stage=stage).exists():
        return True
    if stage == Stage.TITLE_ABSTRACT:
        return ScreeningDecision.objects.filter(record=record, stage=Stage.FULL_TEXT).exists()
    return False


@transaction.atomic
def undo_last_decision(*, review: Review, reviewer, stage: str) -> int | None:
    """Withdraw the reviewer's latest decision at a stage; returns the record id, or None if there is none.

    The record goes back to the stage's queue, also when that decision resolved it or made a
    conflict (so undo behaves the same whatever the other reviewers decided). It is refused
    once the record has moved on: adjudicated, or screened at full text.
    """
    if stage not in Stage.values:
        raise ValidationError({"stage": f"Unknown stage “{stage}”."})
    latest = (
        ScreeningDecision.objects.filter(record__review=review, reviewer=reviewer, stage=stage)
        .order_by("-updated_at", "-id")
        .values_list("pk", "record_id")
        .first()
    )
    if latest is None:
        return None
    decision_id, record_id = latest
    record = _locked_record(review=review, record_id=record_id)
    reopenable = {PENDING_STATUS[stage], CONFLICT_STATUS[stage], *OUTCOME_STATUS[stage].values()}
    if record.status not in reopenable or _later_work_exists(record=record, stage=stage):
        raise ValidationError(
            "That record has moved on (adjudicated or screened further); it can't be undone."
        )
    ScreeningDecision.objects.filter(pk=decision_id).delete()
    deltas = Deltas(review.pk)
    deltas.add(reviewer.pk, stage, decided=-1, waiting=-1 if record.status == PENDING_STATUS[stage] else 0)
    if record.status != PENDING_STATUS[stage]:
        # Back in the queue: the other reviewers' decisions on it are waiting again.
        old_status, record.status = record.status, PENDING_STATUS[stage]
        record.save(update_fields=["status"])
        record_moved(deltas, record=record, old_status=old_status, new_status=record.status)
    deltas.apply()
    return record_id


@transaction.atomic
def adjudicate(
    *,
    review: Review,
    record_id: int,
    stage: str,
    decision: str,
    decided_by,
    exclusion_reason: ExclusionReason | None = None,
    note: str = "",
) -> Adjudication:
    """An owner's final decision on a record in conflict at a stage; the record moves on and it is logged."""
    _check_decision(
        review=review,
        stage=stage,
        decision=decision,
        exclusion_reason=exclusion_reason,
        choices=ADJUDICATION_DECISIONS.get(stage, ()),
    )
    record = _locked_record(review=review, record_id=record_id)
    if record.status != CONFLICT_STATUS[stage]:
        raise ValidationError({"record": f"This record has no {Stage(stage).label.lower()} conflict."})
    # A record reopened by undo after an earlier adjudication cannot exist (undo refuses), so one row per stage.
    adjudication = Adjudication.objects.create(
        record=record,
        stage=stage,
        decision=decision,
        exclusion_reason=exclusion_reason,
        note=note.strip(),
        decided_by=decided_by,
    )
    old_status, record.status = record.status, OUTCOME_STATUS[stage][decision]
    record.save(update_fields=["status"])
    # A conflict was in no queue; included at title/abstract it joins the full-text queue.
    deltas = Deltas(review.pk)
    record_moved(deltas, record=record, old_status=old_status, new_status=record.status)
    deltas.apply()
    return adjudication


# Exclusion reasons -----------------------------------------------------------------------------


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError({"label": "Give the reason a name."})
    if len(label) > 200:
        raise ValidationError({"label": "Keep the reason under 200 characters."})
    return label


def _check_unique_label(*, review: Review, stage: str, label: str, exclude_pk=None) -> None:
    clash = ExclusionReason.objects.filter(review=review, stage=stage, label__iexact=label)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"label": f"“{label}” is already in the list."})


@transaction.atomic
def exclusion_reason_create(*, review: Review, label: str, stage: str = Stage.FULL_TEXT) -> ExclusionReason:
    """Add a reason at the end of the review's list for a stage."""
    if stage not in Stage.values:
        raise ValidationError({"stage": f"Unknown stage “{stage}”."})
    label = _clean_label(label)
    _check_unique_label(review=review, stage=stage, label=label)
    last = ExclusionReason.objects.filter(review=review, stage=stage).aggregate(last=Max("position"))["last"]
    return ExclusionReason.objects.create(
        review=review, stage=stage, label=label, position=0 if last is None else last + 1
    )


@transaction.atomic
def exclusion_reasons_add_defaults(*, review: Review) -> list[ExclusionReason]:
    """Fill an empty full-text list with the suggested reasons (an owner can change them after)."""
    if ExclusionReason.objects.filter(review=review, stage=Stage.FULL_TEXT).exists():
        raise ValidationError("The list already has reasons; add or edit them one by one.")
    return ExclusionReason.objects.bulk_create(
        ExclusionReason(review=review, stage=Stage.FULL_TEXT, label=label, position=position)
        for position, label in enumerate(DEFAULT_FULL_TEXT_REASONS)
    )


@transaction.atomic
def exclusion_reason_update(
    *, reason: ExclusionReason, label: str | None = None, active: bool | None = None
) -> ExclusionReason:
    """Rename a reason, or retire/restore it (retired reasons stay on the decisions that used them)."""
    if label is not None:
        reason.label = _clean_label(label)
        _check_unique_label(
            review=reason.review, stage=reason.stage, label=reason.label, exclude_pk=reason.pk
        )
    if active is not None:
        reason.active = active
    reason.save(update_fields=["label", "active"])
    return reason


@transaction.atomic
def exclusion_reason_move(*, reason: ExclusionReason, position: int) -> ExclusionReason:
    """Put a reason at a position (0 first) of its list, renumbering the others."""
    siblings = list(
        ExclusionReason.objects.select_for_update()
        .filter(review_id=reason.review_id, stage=reason.stage)
        .exclude(pk=reason.pk)
        .order_by("position", "id")
    )
    position = max(0, min(position, len(siblings)))
    siblings.insert(position, reason)
    for index, item in enumerate(siblings):
        item.position = index
    ExclusionReason.objects.bulk_update(siblings, ["position"])
    reason.position = position
    return reason


# Highlight terms and PRISMA counts entered by hand ---------------------------------------------------


def _clean_terms(text: str) -> str:
    terms = []
    for line in (text or "").replace(",", "\n").splitlines():
        term = " ".join(line.split())
        if term and term.lower() not in {t.lower() for t in terms}:
            terms.append(term[:100])
    if len(terms) > 200:
        raise ValidationError("Keep each list under 200 terms.")
    return "\n".join(terms)


@transaction.atomic
def screening_settings_update(*, review: Review, include_terms: str, exclude_terms: str) -> ScreeningSettings:
    """Store the terms highlighted on the screening page (one per line or comma-separated)."""
    settings, _ = ScreeningSettings.objects.update_or_create(
        review=review,
        defaults={"include_terms": _clean_terms(include_terms), "exclude_terms": _clean_terms(exclude_terms)},
    )
    return settings


@transaction.atomic
def prisma_manual_counts_update(
    *,
    review: Review,
    updated_by,
    duplicates_removed_before_import: int,
    removed_by_automation: int,
    removed_other_reasons: int,
) -> PrismaManualCounts:
    """Store the PRISMA counts the tool cannot know (records removed before they were imported)."""
    values = {
        "duplicates_removed_before_import": duplicates_removed_before_import,
        "removed_by_automation": removed_by_automation,
        "removed_other_reasons": removed_other_reasons,
    }
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 100_000_000:
            raise ValidationError({name: "Enter a whole number of records, 0 or more."})
    counts, _ = PrismaManualCounts.objects.update_or_create(
        review=review, defaults={**values, "updated_by": updated_by}
    )
    return counts
