"""The screening rules on their own: agreement, statuses per stage, slugs and who sees conflicts."""

import pytest
from django.http import Http404

from reviews.models import Decision, RecordStatus, Role, Stage
from reviews.screening_rules import (
    STATUS_SEEN_WITHOUT_CONFLICTS,
    UNRESOLVED_STATUSES,
    resolved_status,
    sees_conflicts,
    stage_from_slug,
)

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
I, E, M, N = Decision.INCLUDE, Decision.EXCLUDE, Decision.MAYBE, Decision.NOT_RETRIEVED  # noqa: E741


@pytest.mark.parametrize(
    "stage,decisions,status",
    [
        (TA, [(I, None), (M, None)], RecordStatus.FULL_TEXT),  # maybe counts as include
        (TA, [(E, 1), (E, 2)], RecordStatus.TA_EXCLUDED),  # reasons make no conflict at title/abstract
        (TA, [(I, None), (E, None), (E, None)], RecordStatus.TA_CONFLICT),
        (FT, [(E, 1), (E, 1)], RecordStatus.FT_EXCLUDED),
        (FT, [(E, 1), (E, 2)], RecordStatus.FT_CONFLICT),  # one reason per excluded report
        (FT, [(M, None), (I, None)], RecordStatus.FT_CONFLICT),  # maybe is include at title/abstract only
        (FT, [(N, None)], RecordStatus.NOT_RETRIEVED),
    ],
)
def test_agreement_moves_a_record_on_and_anything_else_is_a_conflict(stage, decisions, status):
    assert resolved_status(stage, decisions) == status


def test_a_conflict_is_unresolved_and_shown_as_still_waiting_to_everyone_but_owners():
    for waiting, conflict in UNRESOLVED_STATUSES.values():
        assert STATUS_SEEN_WITHOUT_CONFLICTS[conflict] == waiting
    assert [sees_conflicts(role) for role in (Role.OWNER, Role.REVIEWER, Role.VIEWER)] == [True, False, False]


def test_stage_slugs():
    assert (stage_from_slug("title-abstract"), stage_from_slug("full-text")) == (TA, FT)
    with pytest.raises(Http404):
        stage_from_slug("title_abstract")
