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
    Review,
    ScreeningDecision,
    ScreeningSettings,
    Stage,
)
from reviews.screening_rules import (
    ADJUDICATION_DECISIONS,
    ALLOWED_DECISIONS,
    CONFLICT_STATUS,
    OUTCOME_STATUS,
    PENDING_STATUS,
    PRISMA_COUNT_MAX,
    UNRESOLVED_STATUSES,
    resolved_status,
)

from .screening_progress import Deltas, record_moved

DEFAULT_FULL_TEXT_REASONS = [
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcome",
    "Wrong study design",
    "Duplicate report",
    "Not retrievable",
]


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


def _move(*, record: Record, new_status: str, deltas: Deltas, holders: dict | None = None) -> None:
    if new_status == record.status:
        return
    old_status, record.status = record.status, new_status
    record.save(update_fields=["status"])
    record_moved(deltas, record=record, old_status=old_status, new_status=new_status, holders=holders)


def _resolve(*, record: Record, stage: str, needed: int, deltas: Deltas, reopen: bool = False) -> None:
    """Give a record the status its decisions at a stage make (one query, at most one update).

    With every needed decision in, agreement moves it on and disagreement keeps or makes a
    conflict, which the owner adjudicates (and every other member sees as still waiting). With
    fewer, ``reopen`` puts it back in the stage's queue; otherwise its status stays.
    """
    rows = list(
        ScreeningDecision.objects.filter(record=record, stage=stage).values_list(
            "decision", "exclusion_reason", "reviewer_id"
        )
    )
    if len(rows) >= needed:
        new_status = resolved_status(stage, [(decision, reason) for decision, reason, _ in rows])
    elif reopen:
        new_status = PENDING_STATUS[stage]
    else:
        return
    holders = {stage: [reviewer_id for _, _, reviewer_id in rows]}
    _move(record=record, new_status=new_status, deltas=deltas, holders=holders)


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
    """Record (or change) one reviewer's decision on an unresolved record; resolve it when all are in.

    A record in conflict is unresolved too: its reviewers may change their decisions and others
    may add theirs, exactly as while it waits, so no answer tells a conflict from a wait (blind).
    """
    _check_decision(
        review=review,
        stage=stage,
        decision=decision,
        exclusion_reason=exclusion_reason,
        choices=ALLOWED_DECISIONS.get(stage, ()),
    )
    # The lock serialises reviewers deciding the same record, so exactly one of them resolves it.
    record = _locked_record(review=review, record_id=record_id)
    if record.status not in UNRESOLVED_STATUSES[stage]:
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

    The record is resolved again from the decisions left: back in the stage's queue when fewer
    than needed remain, so undo behaves the same whatever the other reviewers decided. It is
    refused once the record has moved on: adjudicated, or screened at full text.
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
    was_waiting = record.status in UNRESOLVED_STATUSES[stage]
    deltas.add(reviewer.pk, stage, decided=-1, waiting=-1 if was_waiting else 0)
    _resolve(record=record, stage=stage, needed=review.reviewers_per_record, deltas=deltas, reopen=True)
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
    # Out of the stage's queue of everyone who decided it; included at title/abstract, into the next.
    deltas = Deltas(review.pk)
    _move(record=record, new_status=OUTCOME_STATUS[stage][decision], deltas=deltas)
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
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > PRISMA_COUNT_MAX:
            raise ValidationError({name: "Enter a whole number of records, 0 or more."})
    counts, _ = PrismaManualCounts.objects.update_or_create(
        review=review, defaults={**values, "updated_by": updated_by}
    )
    return counts
