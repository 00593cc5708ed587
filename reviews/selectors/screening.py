"""Screening reads: the next record for me, my progress, conflicts, reasons, terms and agreement.

Blindness: what a reviewer's queue, record and progress show depends only on whether a record
is resolved at the stage (``reviews.screening_rules``: a conflict is as unresolved as a record
still waiting) and on the reviewer's own decisions, never on another reviewer's decision. Other reviewers' decisions are read only by
``others_decisions`` (empty while screening is blind) and by the owner-only conflict and
agreement selectors. Callers check the role through ``review_for_user`` first.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce, Mod
from django.http import Http404

from reviews.agreement import cohen_kappa
from reviews.models import (
    Adjudication,
    ExclusionReason,
    Record,
    Review,
    Role,
    ScreeningDecision,
    ScreeningProgress,
    ScreeningSettings,
    Stage,
)
from reviews.screening_rules import CONFLICT_STATUS, UNRESOLVED_STATUSES, effective_decision


def _my_decisions(*, review: Review, user, stage: str):
    return ScreeningDecision.objects.filter(record__review=review, reviewer=user, stage=stage)


def screening_lane(*, review: Review, user) -> tuple[int, int]:
    """Which share of the queue comes first for me, as (my lane, number of lanes).

    When a review has more screeners than reviewers per record, screeners who all start at
    the same record would mostly read records that others resolve before they decide. So
    screeners are split, in the order they joined (which says nothing about anyone's
    decisions), into lanes of about ``reviewers_per_record`` people; lane i takes the records
    whose id % lanes == i first, then helps with the rest.
    """
    screeners = list(
        review.memberships.filter(role__in=[Role.OWNER, Role.REVIEWER])
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    lanes = max(1, len(screeners) // max(1, review.reviewers_per_record))
    position = screeners.index(user.pk) if user.pk in screeners else 0
    return position % lanes, lanes


def _first_undecided(waiting, *, last: int | None, stage: str, user) -> Record | None:
    """The first record of ``waiting`` that I have not decided; ``last`` is the highest record id I decided."""
    if last is None:
        return waiting.first()
    # No record after my last decided one can carry my decision: a plain index walk, no anti-join.
    mine = ScreeningDecision.objects.filter(record=OuterRef("pk"), stage=stage, reviewer=user)
    return waiting.filter(id__gt=last).first() or waiting.filter(id__lte=last).filter(~Exists(mine)).first()


def next_record_for(*, review: Review, user, stage: str) -> Record | None:
    """The next record I have to screen at a stage: a fixed number of queries whatever the review's size.

    Records come in id order starting after the last record I decided, so the lookup starts
    where my undecided records are instead of walking past every record I have done; records
    before that point (undone, unmerged, or reaching full text late) come after. Records of my
    lane (``screening_lane``) come first, then any other record still waiting for me. A record in
    conflict waits for everyone who has not decided it, as if its other decisions were not in.
    """
    last = (
        _my_decisions(review=review, user=user, stage=stage)
        .order_by("-record_id")
        .values_list("record_id", flat=True)
        .first()
    )
    waiting = Record.objects.filter(review=review, status__in=UNRESOLVED_STATUSES[stage]).order_by("id")
    lane, lanes = screening_lane(review=review, user=user)
    if lanes > 1:
        in_my_lane = waiting.annotate(lane=Mod("id", lanes)).filter(lane=lane)
        record = _first_undecided(in_my_lane, last=last, stage=stage, user=user)
        if record is not None:
            return record
    # One lane, or mine is done: any record still waiting for me, oldest first.
    return _first_undecided(waiting, last=last, stage=stage, user=user)


@dataclass(frozen=True)
class Progress:
    done: int
    remaining: int

    @property
    def total(self) -> int:
        return self.done + self.remaining

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def my_progress(*, review: Review, user, stage: str) -> Progress:
    """How many records I have decided at a stage and how many wait for me (one query).

    My counts come from my progress row, kept with every decision (no join over my decisions);
    records unresolved at the stage (waiting or in conflict) are an index-only count, minus those
    of them I decided.
    """
    waiting = (
        Record.objects.filter(review=OuterRef("pk"), status__in=UNRESOLVED_STATUSES[stage])
        .values("review")
        .annotate(n=Count("*"))
        .values("n")
    )
    mine = ScreeningProgress.objects.filter(review=OuterRef("pk"), reviewer=user, stage=stage)
    waiting_n, done, decided_waiting = (
        Review.objects.filter(pk=review.pk)
        .values_list(
            Coalesce(Subquery(waiting), 0),
            Coalesce(Subquery(mine.values("decided")), 0),
            Coalesce(Subquery(mine.values("decided_waiting")), 0),
        )
        .get()
    )
    return Progress(done=done, remaining=waiting_n - decided_waiting)


def others_decisions(*, review: Review, user, record: Record, stage: str) -> list[ScreeningDecision]:
    """Other reviewers' decisions on a record, shown only when the review is not blind."""
    if review.blind_screening:
        return []
    return list(
        ScreeningDecision.objects.filter(record=record, stage=stage)
        .exclude(reviewer=user)
        .select_related("reviewer", "exclusion_reason")
        .order_by("reviewer__username")
    )


def record_in_review(*, review: Review, record_id: int) -> Record:
    """One record of this review; another review's record answers 404."""
    try:
        return Record.objects.get(pk=record_id, review=review)
    except Record.DoesNotExist:
        raise Http404("No such record in this review.") from None


def exclusion_reasons(*, review: Review, stage: str = Stage.FULL_TEXT, active_only: bool = False):
    """A review's exclusion reasons for a stage, in the owner's order."""
    reasons = ExclusionReason.objects.filter(review=review, stage=stage)
    if active_only:
        reasons = reasons.filter(active=True)
    return reasons.order_by("position", "id")


def exclusion_reason_of_review(*, review: Review, reason_id) -> ExclusionReason:
    """One reason of this review; another review's reason answers 404."""
    try:
        return ExclusionReason.objects.get(pk=reason_id, review=review)
    except (ExclusionReason.DoesNotExist, ValueError, TypeError):
        raise Http404("No such exclusion reason in this review.") from None


def conflicts(*, review: Review, stage: str | None = None, limit: int = 200):
    """Records in conflict (owner-only: every decision shows), oldest first, with their decisions."""
    statuses = [CONFLICT_STATUS[stage]] if stage else list(CONFLICT_STATUS.values())
    decisions = ScreeningDecision.objects.select_related("reviewer", "exclusion_reason").order_by(
        "stage", "reviewer__username"
    )
    return (
        Record.objects.filter(review=review, status__in=statuses)
        .prefetch_related(Prefetch("decisions", queryset=decisions))
        .order_by("id")[:limit]
    )


def conflict_counts(*, review: Review) -> dict[str, int]:
    """Conflicts waiting per stage (owner-only)."""
    rows = (
        Record.objects.filter(review=review, status__in=list(CONFLICT_STATUS.values()))
        .values("status")
        .annotate(n=Count("id"))
    )
    by_status = {row["status"]: row["n"] for row in rows}
    return {stage: by_status.get(status, 0) for stage, status in CONFLICT_STATUS.items()}


def adjudication_log(*, review: Review, limit: int = 50):
    """The latest adjudications, for the owner's log."""
    return (
        Adjudication.objects.filter(record__review=review)
        .select_related("record", "decided_by", "exclusion_reason")
        .order_by("-created_at", "-id")[:limit]
    )


# Highlighting ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HighlightTerms:
    include: list[str]
    exclude: list[str]


def highlight_terms(*, review: Review) -> HighlightTerms:
    """The review's highlight terms (none until an owner sets them)."""
    settings = ScreeningSettings.objects.filter(review=review).first()
    if settings is None:
        return HighlightTerms(include=[], exclude=[])
    return HighlightTerms(
        include=[t for t in settings.include_terms.splitlines() if t],
        exclude=[t for t in settings.exclude_terms.splitlines() if t],
    )


# Agreement -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairAgreement:
    stage: str
    reviewer_a: str
    reviewer_b: str
    records: int
    agreed: int
    percent_agreement: float | None
    kappa: float | None
    table: dict  # {decision_a: {decision_b: n}}, maybe counted as include at title/abstract


def agreement(*, review: Review) -> list[PairAgreement]:
    """Cohen's kappa and percent agreement per pair of reviewers and stage (owner-only; one query).

    Counts every record both reviewers decided at the stage; a maybe counts as include at
    title/abstract, as it does when records are resolved. Full-text exclusions agree on the
    decision here even when their reasons differ.
    """
    rows = (
        ScreeningDecision.objects.filter(
            record__review=review,
            record__decisions__stage=F("stage"),
            record__decisions__reviewer__gt=F("reviewer"),
        )
        .values(
            "stage",
            "reviewer__username",
            "record__decisions__reviewer__username",
            "decision",
            "record__decisions__decision",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    tables: dict[tuple, dict] = {}
    for row in rows:
        stage = row["stage"]
        # Order each pair by username so the table reads the same way whoever was first.
        a, b = row["reviewer__username"], row["record__decisions__reviewer__username"]
        da = effective_decision(stage, row["decision"])
        db = effective_decision(stage, row["record__decisions__decision"])
        if a > b:
            a, b, da, db = b, a, db, da
        table = tables.setdefault((stage, a, b), {})
        table.setdefault(da, {})
        table[da][db] = table[da].get(db, 0) + row["n"]
    stage_order = {Stage.TITLE_ABSTRACT: 0, Stage.FULL_TEXT: 1}
    result = []
    for (stage, a, b), table in sorted(
        tables.items(), key=lambda item: (stage_order[item[0][0]], item[0][1:])
    ):
        n, agreed, percent, kappa = cohen_kappa(table)
        result.append(
            PairAgreement(
                stage=stage,
                reviewer_a=a,
                reviewer_b=b,
                records=n,
                agreed=agreed,
                percent_agreement=percent,
                kappa=kappa,
                table=table,
            )
        )
    return result
