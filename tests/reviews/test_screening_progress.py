"""My progress counts stay equal to a count from scratch after every decision, undo, adjudication,
duplicate merge and unmerge; they are read in one query; and concurrent deciders neither deadlock
nor lose a count (PostgreSQL)."""

import random
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from reviews import services
from reviews.models import (
    Decision,
    DuplicateCandidate,
    Record,
    RecordStatus,
    Role,
    ScreeningDecision,
    ScreeningProgress,
    Stage,
)
from reviews.selectors import screening as selectors
from reviews.services import screening as screening_services
from reviews.services.screening_progress import progress_recount
from tests.conftest import make_user, require_service
from tests.reviews import screening_support
from tests.reviews.screening_support import add_records

second_reviewer = screening_support.second_reviewer

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
# Unresolved at a stage: waiting for decisions, or in conflict (which must look the same as
# waiting to every member but owners, so it stays in the queue of whoever has not decided it).
UNRESOLVED = {
    TA: (RecordStatus.TITLE_ABSTRACT, RecordStatus.TA_CONFLICT),
    FT: (RecordStatus.FULL_TEXT, RecordStatus.FT_CONFLICT),
}


def progress_from_scratch(review, user, stage) -> selectors.Progress:
    """What my progress means: my decisions at the stage, and records unresolved there that I have not decided."""
    done = ScreeningDecision.objects.filter(record__review=review, reviewer=user, stage=stage).count()
    remaining = (
        Record.objects.filter(review=review, status__in=UNRESOLVED[stage])
        .exclude(pk__in=ScreeningDecision.objects.filter(reviewer=user, stage=stage).values("record"))
        .count()
    )
    return selectors.Progress(done=done, remaining=remaining)


def assert_counts_right(review, people, context=""):
    for user in people:
        for stage in (TA, FT):
            assert selectors.my_progress(review=review, user=user, stage=stage) == progress_from_scratch(
                review, user, stage
            ), (user.username, stage, context)


@pytest.fixture
def third_reviewer(review, owner):
    user = make_user("noor")
    services.member_invite(review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER)
    return user


def test_counts_follow_decide_undo_and_adjudicate(review, owner, reviewer, second_reviewer):
    reasons = screening_services.exclusion_reasons_add_defaults(review=review)
    a, b, c = add_records(review, 3)
    people = [owner, reviewer, second_reviewer]

    def decide(record, user, decision, stage=TA, reason=None):
        screening_services.record_decision(
            review=review,
            record_id=record.pk,
            reviewer=user,
            stage=stage,
            decision=decision,
            exclusion_reason=reason,
        )
        assert_counts_right(review, people)

    decide(a, reviewer, Decision.INCLUDE)  # waiting for the second reviewer
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(1, 2)
    decide(a, reviewer, Decision.EXCLUDE)  # changing my mind counts once
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(1, 2)
    decide(a, second_reviewer, Decision.INCLUDE)  # a conflict: still waiting for those who did not decide it
    decide(b, reviewer, Decision.INCLUDE)
    decide(b, second_reviewer, Decision.MAYBE)  # agreed: b joins the full-text queue
    assert selectors.my_progress(review=review, user=reviewer, stage=FT) == selectors.Progress(0, 1)
    decide(c, second_reviewer, Decision.EXCLUDE)
    screening_services.undo_last_decision(review=review, reviewer=second_reviewer, stage=TA)  # c
    assert_counts_right(review, people)
    screening_services.undo_last_decision(review=review, reviewer=second_reviewer, stage=TA)  # b reopens
    assert_counts_right(review, people)
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(2, 1)
    decide(b, second_reviewer, Decision.INCLUDE)
    screening_services.adjudicate(
        review=review, record_id=a.pk, stage=TA, decision=Decision.INCLUDE, decided_by=owner
    )
    assert_counts_right(review, people)
    assert selectors.my_progress(review=review, user=second_reviewer, stage=FT) == selectors.Progress(0, 2)
    decide(a, reviewer, Decision.EXCLUDE, stage=FT, reason=reasons[0])
    decide(a, second_reviewer, Decision.EXCLUDE, stage=FT, reason=reasons[1])  # reasons differ: conflict
    screening_services.adjudicate(
        review=review,
        record_id=a.pk,
        stage=FT,
        decision=Decision.EXCLUDE,
        decided_by=owner,
        exclusion_reason=reasons[0],
    )
    assert_counts_right(review, people)


def test_counts_follow_a_duplicate_merge_and_unmerge(review, owner, reviewer, second_reviewer):
    kept, removed = add_records(review, 2)
    screening_services.record_decision(
        review=review, record_id=removed.pk, reviewer=reviewer, stage=TA, decision=Decision.INCLUDE
    )
    candidate = DuplicateCandidate.objects.create(
        review=review, record_a=kept, record_b=removed, reason=DuplicateCandidate.Reason.DOI, score=1.0
    )
    services.duplicate_confirm(candidate=candidate, user=owner)
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(1, 1)
    assert_counts_right(review, [reviewer, second_reviewer])
    services.duplicate_unmerge(candidate=candidate, user=owner)
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(1, 1)
    assert_counts_right(review, [reviewer, second_reviewer])
    # Merged after it moved on to full text, it leaves the full-text queue of both reviewers.
    screening_services.record_decision(
        review=review, record_id=removed.pk, reviewer=second_reviewer, stage=TA, decision=Decision.INCLUDE
    )
    assert selectors.my_progress(review=review, user=reviewer, stage=FT) == selectors.Progress(0, 1)
    services.duplicate_confirm(candidate=candidate, user=owner)
    assert_counts_right(review, [reviewer, second_reviewer])
    assert selectors.my_progress(review=review, user=reviewer, stage=FT) == selectors.Progress(0, 0)


def test_a_random_walk_of_every_action_keeps_every_count_right(
    review, owner, reviewer, second_reviewer, third_reviewer
):
    """Three reviewers, some records screened by one and some by two, 300 actions in random order."""
    reasons = screening_services.exclusion_reasons_add_defaults(review=review)
    records = add_records(review, 12)
    pairs = [
        DuplicateCandidate.objects.create(
            review=review, record_a=records[i], record_b=records[i + 1], reason="doi", score=1.0
        )
        for i in (0, 4, 8)
    ]
    people = [owner, reviewer, second_reviewer, third_reviewer]
    rng = random.Random(20261122)
    choices = {
        TA: [Decision.INCLUDE, Decision.EXCLUDE, Decision.MAYBE],
        FT: [Decision.INCLUDE, Decision.EXCLUDE],
    }
    for step in range(300):
        action = rng.choice(["decide"] * 6 + ["undo", "adjudicate", "merge", "unmerge", "needed"])
        user, stage = rng.choice(people), rng.choice([TA, FT])
        try:
            if action == "decide":
                decision = rng.choice(choices[stage])
                reason = rng.choice(reasons) if stage == FT and decision == Decision.EXCLUDE else None
                screening_services.record_decision(
                    review=review,
                    record_id=rng.choice(records).pk,
                    reviewer=user,
                    stage=stage,
                    decision=decision,
                    exclusion_reason=reason,
                )
            elif action == "undo":
                screening_services.undo_last_decision(review=review, reviewer=user, stage=stage)
            elif action == "adjudicate":
                screening_services.adjudicate(
                    review=review,
                    record_id=rng.choice(records).pk,
                    stage=stage,
                    decision=Decision.INCLUDE,
                    decided_by=owner,
                )
            elif action == "merge":
                services.duplicate_confirm(candidate=rng.choice(pairs), user=owner)
            elif action == "unmerge":
                services.duplicate_unmerge(candidate=rng.choice(pairs), user=owner)
            else:
                # The owner changes how many reviewers screen each record (applies to later resolutions).
                review.reviewers_per_record = rng.choice([1, 2, 3])
                review.save(update_fields=["reviewers_per_record"])
        except ValidationError:
            pass  # refused (not waiting, no conflict, moved on…): nothing changed
        assert_counts_right(review, people, f"step {step}: {action}")
    statuses = set(Record.objects.filter(review=review).values_list("status", flat=True))
    assert len(statuses) >= 4  # the walk went well beyond the first queue
    # A recount from the decisions writes exactly the rows the services kept.
    kept = set(
        ScreeningProgress.objects.filter(review=review).values_list(
            "reviewer", "stage", "decided", "decided_waiting"
        )
    )
    progress_recount(review=review)
    recounted = set(
        ScreeningProgress.objects.filter(review=review).values_list(
            "reviewer", "stage", "decided", "decided_waiting"
        )
    )
    assert {row for row in kept if row[2] or row[3]} == recounted


def test_counts_are_mine_only_and_read_in_one_query(
    review, reviewer, second_reviewer, other_review, outsider, django_assert_num_queries
):
    records = add_records(review, 4)
    add_records(other_review, 3)
    for record in records[:3]:
        screening_services.record_decision(
            review=review, record_id=record.pk, reviewer=second_reviewer, stage=TA, decision=Decision.EXCLUDE
        )
    with django_assert_num_queries(1):
        progress = selectors.my_progress(review=review, user=reviewer, stage=TA)
    assert progress == selectors.Progress(done=0, remaining=4)
    assert selectors.my_progress(review=review, user=second_reviewer, stage=TA) == selectors.Progress(3, 1)
    assert selectors.my_progress(review=other_review, user=outsider, stage=TA) == selectors.Progress(0, 3)


@pytest.mark.django_db(transaction=True)
def test_reviewers_deciding_the_same_records_at_once_neither_deadlock_nor_lose_counts(
    review, reviewer, second_reviewer
):
    """Two reviewers decide the same 40 records from opposite ends at the same time (PostgreSQL row locks)."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")
    records = add_records(review, 40)
    errors = []
    start = threading.Barrier(2)

    def screen(user, order):
        try:
            start.wait()
            for record in order:
                screening_services.record_decision(
                    review=review, record_id=record.pk, reviewer=user, stage=TA, decision=Decision.INCLUDE
                )
        except Exception as error:  # a deadlock would surface here
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=screen, args=(reviewer, records)),
        threading.Thread(target=screen, args=(second_reviewer, records[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert set(Record.objects.filter(review=review).values_list("status", flat=True)) == {
        RecordStatus.FULL_TEXT
    }
    for user in (reviewer, second_reviewer):
        assert selectors.my_progress(review=review, user=user, stage=TA) == selectors.Progress(40, 0)
        assert selectors.my_progress(review=review, user=user, stage=FT) == selectors.Progress(0, 40)


def test_the_migration_recounts_rows_kept_before_conflicts_counted_as_waiting(
    review, owner, reviewer, second_reviewer
):
    """Rows kept before a conflict counted as waiting are recounted by migration 0007 (as the services keep them)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reviews.migrations.0007_progress_counts_conflicts_as_waiting")
    conflict, waiting = add_records(review, 2)
    for record in (conflict, waiting):
        screening_services.record_decision(
            review=review, record_id=record.pk, reviewer=reviewer, stage=TA, decision=Decision.INCLUDE
        )
    screening_services.record_decision(
        review=review, record_id=conflict.pk, reviewer=second_reviewer, stage=TA, decision=Decision.EXCLUDE
    )
    kept = set(ScreeningProgress.objects.values_list("reviewer", "stage", "decided", "decided_waiting"))
    migration.recount_without_conflicts(apps, None)
    # Rows of the earlier meaning would leave my conflict as one more record to do.
    assert selectors.my_progress(review=review, user=reviewer, stage=TA) == selectors.Progress(2, 1)
    migration.recount(apps, None)
    assert (
        set(ScreeningProgress.objects.values_list("reviewer", "stage", "decided", "decided_waiting")) == kept
    )
    assert_counts_right(review, [owner, reviewer, second_reviewer])
