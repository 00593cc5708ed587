"""Reviewers' progress counts (``ScreeningProgress``), kept in the transaction of every change.

A reviewer's row at a stage changes when they decide (``decided`` and ``decided_waiting`` +1),
when they undo (−1), and when a record they decided becomes resolved or unresolved at the stage
(``UNRESOLVED_STATUSES``: waiting or in conflict): agreed, adjudicated, reopened by an undo,
merged as a duplicate or unmerged (``decided_waiting`` ±1 for every reviewer with a decision on
it). A conflict counts as waiting, so nobody's counts change when a record goes into conflict. Every service that changes ``Record.status`` calls
``record_moved`` in its own transaction, after locking the record.

All of a transaction's changes are one upsert (a reviewer's first decision creates their row)
whose rows are in reviewer-id order, so two transactions touching the same reviewers lock them
in the same order and cannot deadlock.
"""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Q

from reviews.models import Record, Review, ScreeningDecision, ScreeningProgress
from reviews.screening_rules import UNRESOLVED_STATUSES


class Deltas:
    """Changes to some reviewers' rows at some stages, gathered first and applied in one order."""

    def __init__(self, review_id: int):
        self.review_id = review_id
        self.changes: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, reviewer_id: int, stage: str, *, decided: int = 0, waiting: int = 0) -> None:
        change = self.changes[(reviewer_id, str(stage))]
        change[0] += decided
        change[1] += waiting

    def apply(self) -> None:
        """One upsert for every changed row, in (reviewer, stage) order: the order rows are locked in."""
        rows = [
            (self.review_id, reviewer_id, stage, decided, waiting)
            for (reviewer_id, stage), (decided, waiting) in sorted(self.changes.items())
            if decided or waiting
        ]
        if not rows:
            return
        table = connection.ops.quote_name(ScreeningProgress._meta.db_table)
        # Django's upsert (bulk_create with update_conflicts) sets values; these rows add to them.
        sql = (
            f"INSERT INTO {table} (review_id, reviewer_id, stage, decided, decided_waiting) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
            + " ON CONFLICT (review_id, reviewer_id, stage) DO UPDATE SET "
            f"decided = {table}.decided + EXCLUDED.decided, "
            f"decided_waiting = {table}.decided_waiting + EXCLUDED.decided_waiting"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in rows for value in row])


def record_moved(
    deltas: Deltas, *, record: Record, old_status: str, new_status: str, holders: dict | None = None
) -> None:
    """Count a record's move between statuses for every reviewer who decided it at an affected stage.

    ``holders``: {stage: [reviewer ids]} the caller has already read; other affected stages are
    read here in one query (none when the move touches no stage's queue).
    """
    holders = dict(holders or {})
    affected = [
        stage
        for stage, unresolved in UNRESOLVED_STATUSES.items()
        if (old_status in unresolved) != (new_status in unresolved)
    ]
    unknown = [stage for stage in affected if stage not in holders]
    if unknown:
        for reviewer_id, stage in ScreeningDecision.objects.filter(
            record=record, stage__in=unknown
        ).values_list("reviewer_id", "stage"):
            holders.setdefault(stage, []).append(reviewer_id)
    for stage in affected:
        step = 1 if new_status in UNRESOLVED_STATUSES[stage] else -1
        for reviewer_id in holders.get(stage, []):
            deltas.add(reviewer_id, stage, waiting=step)


def record_moved_now(*, record: Record, old_status: str, new_status: str) -> None:
    """``record_moved`` applied at once, for services that move one record (duplicates)."""
    deltas = Deltas(record.review_id)
    record_moved(deltas, record=record, old_status=old_status, new_status=new_status)
    deltas.apply()


@transaction.atomic
def progress_recount(*, review: Review) -> int:
    """Rebuild a review's progress rows from its decisions (after a bulk load, while nobody screens).

    Returns the number of rows written.
    """
    waiting = Q()
    for stage, unresolved in UNRESOLVED_STATUSES.items():
        waiting |= Q(stage=stage, record__status__in=unresolved)
    rows = (
        ScreeningDecision.objects.filter(record__review=review)
        .values("reviewer_id", "stage")
        .annotate(decided=Count("id"), decided_waiting=Count("id", filter=waiting))
        .order_by()
    )
    ScreeningProgress.objects.filter(review=review).delete()
    created = ScreeningProgress.objects.bulk_create(
        ScreeningProgress(
            review=review,
            reviewer_id=row["reviewer_id"],
            stage=row["stage"],
            decided=row["decided"],
            decided_waiting=row["decided_waiting"],
        )
        for row in rows
    )
    return len(created)
