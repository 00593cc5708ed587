"""Deciding duplicate candidates: confirm (merge), reject, and unmerge, every action logged.

A merge keeps the older record of the pair and removes the newer one from screening: its status
becomes DUPLICATE (PRISMA counts it among "duplicate records removed") and duplicate_of points to the
record kept. The merge log keeps the removed record's previous status, so unmerging puts it back
exactly where it was, even if it had been screened.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reviews.models import DuplicateCandidate, DuplicateMergeLog, Record, RecordStatus

from .screening_progress import record_moved_now

Status = DuplicateCandidate.Status
Action = DuplicateMergeLog.Action


def _locked(candidate: DuplicateCandidate) -> tuple[DuplicateCandidate, Record, Record]:
    """The candidate and its two records, locked, read afresh (another reviewer may have acted)."""
    fresh = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    records = {
        r.pk: r
        for r in Record.objects.select_for_update().filter(pk__in=[fresh.record_a_id, fresh.record_b_id])
    }
    return fresh, records[fresh.record_a_id], records[fresh.record_b_id]


def _kept_root(record: Record) -> Record:
    """The record a removed record finally stands for (follows duplicate_of to a record still in play)."""
    seen = set()
    while record.duplicate_of_id is not None and record.pk not in seen:
        seen.add(record.pk)
        record = Record.objects.select_for_update().get(pk=record.duplicate_of_id)
    return record


def _decide(candidate: DuplicateCandidate, status: str, user) -> None:
    candidate.status = status
    candidate.decided_by = user if status != Status.PENDING else None
    candidate.decided_at = timezone.now() if status != Status.PENDING else None
    candidate.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def duplicate_confirm(*, candidate: DuplicateCandidate, user) -> DuplicateCandidate:
    """Confirm a pair as the same report: the newer record leaves screening as a duplicate of the older."""
    candidate, record_a, record_b = _locked(candidate)
    if candidate.status == Status.CONFIRMED:
        raise ValidationError("This pair is already merged.")
    # Keep the older record unless it was itself removed already; then the newer one stays.
    if record_b.status != RecordStatus.DUPLICATE:
        kept, removed = _kept_root(record_a), record_b
    elif record_a.status != RecordStatus.DUPLICATE:
        kept, removed = _kept_root(record_b), record_a
    else:
        kept, removed = record_a, record_b
    previous_status = ""
    if removed.status != RecordStatus.DUPLICATE and kept.pk != removed.pk:
        previous_status = removed.status
        removed.status = RecordStatus.DUPLICATE
        removed.duplicate_of = kept
        removed.save(update_fields=["status", "duplicate_of"])
        # A screened record leaving its queue changes its reviewers' progress.
        record_moved_now(record=removed, old_status=previous_status, new_status=removed.status)
    _decide(candidate, Status.CONFIRMED, user)
    DuplicateMergeLog.objects.create(
        review_id=candidate.review_id,
        candidate=candidate,
        action=Action.MERGE,
        kept_record=kept,
        removed_record=removed,
        actor=user,
        previous_status=previous_status,
    )
    return candidate


@transaction.atomic
def duplicate_reject(*, candidate: DuplicateCandidate, user) -> DuplicateCandidate:
    """Mark a pair as two different reports; both stay in screening."""
    candidate, record_a, record_b = _locked(candidate)
    if candidate.status == Status.CONFIRMED:
        raise ValidationError("This pair is merged: unmerge it first.")
    if candidate.status == Status.REJECTED:
        raise ValidationError("This pair is already marked as not duplicate.")
    _decide(candidate, Status.REJECTED, user)
    DuplicateMergeLog.objects.create(
        review_id=candidate.review_id,
        candidate=candidate,
        action=Action.REJECT,
        kept_record=record_a,
        removed_record=record_b,
        actor=user,
    )
    return candidate


@transaction.atomic
def duplicate_unmerge(*, candidate: DuplicateCandidate, user) -> DuplicateCandidate:
    """Undo a merge: the removed record returns to the status it had; the pair is to decide again."""
    candidate, _, _ = _locked(candidate)
    if candidate.status != Status.CONFIRMED:
        raise ValidationError("Only a merged pair can be unmerged.")
    merge = candidate.log.filter(action=Action.MERGE).order_by("-created_at", "-pk").first()
    removed = Record.objects.select_for_update().get(pk=merge.removed_record_id)
    if merge.previous_status and removed.status == RecordStatus.DUPLICATE:
        removed.status = merge.previous_status
        removed.duplicate_of = None
        removed.save(update_fields=["status", "duplicate_of"])
        record_moved_now(record=removed, old_status=RecordStatus.DUPLICATE, new_status=removed.status)
    _decide(candidate, Status.PENDING, user)
    DuplicateMergeLog.objects.create(
        review_id=candidate.review_id,
        candidate=candidate,
        action=Action.UNMERGE,
        kept_record_id=merge.kept_record_id,
        removed_record=removed,
        actor=user,
    )
    return candidate
