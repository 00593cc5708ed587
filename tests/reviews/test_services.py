"""Reviews and members: what the services allow and refuse."""

import pytest
from django.core.exceptions import ValidationError

from reviews import selectors, services
from reviews.models import ReviewMembership, Role


def test_creator_becomes_owner(owner):
    review = services.review_create(
        owner=owner, title="  Melanoma IL-2 response rates ", reviewers_per_record=1
    )
    assert review.title == "Melanoma IL-2 response rates"
    assert review.memberships.get().role == Role.OWNER
    assert review.blind_screening is True


@pytest.mark.parametrize("count", [0, 6])
def test_reviewers_per_record_is_bounded(owner, count):
    with pytest.raises(ValidationError):
        services.review_create(owner=owner, title="Bad", reviewers_per_record=count)


def test_invite_by_email_case_insensitive(review, owner, outsider):
    membership = services.member_invite(
        review=review, invited_by=owner, user_identifier=outsider.email.upper(), role=Role.VIEWER
    )
    assert membership.user == outsider


def test_invite_unknown_user_and_twice(review, owner, reviewer):
    with pytest.raises(ValidationError, match="No active user"):
        services.member_invite(review=review, invited_by=owner, user_identifier="nobody", role=Role.VIEWER)
    with pytest.raises(ValidationError, match="already a member"):
        services.member_invite(
            review=review, invited_by=owner, user_identifier=reviewer.username, role=Role.VIEWER
        )


def test_last_owner_cannot_leave_or_be_demoted(review, owner, reviewer):
    only_owner = ReviewMembership.objects.get(review=review, user=owner)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.member_change_role(membership=only_owner, role=Role.VIEWER)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.member_remove(membership=only_owner)
    services.member_change_role(
        membership=ReviewMembership.objects.get(review=review, user=reviewer), role=Role.OWNER
    )
    services.member_change_role(membership=only_owner, role=Role.VIEWER)
    assert ReviewMembership.objects.get(review=review, user=owner).role == Role.VIEWER


def test_update_settings_refuses_unknown_fields(review):
    with pytest.raises(ValidationError, match="Unknown review setting"):
        services.review_update_settings(review=review, data_version=99)
    services.review_update_settings(review=review, blind_screening=False, reviewers_per_record=3)
    review.refresh_from_db()
    assert (review.blind_screening, review.reviewers_per_record, review.data_version) == (False, 3, 0)


def test_selector_scopes_to_membership(review, other_review, reviewer, outsider):
    assert list(selectors.reviews_for_user(user=reviewer)) == [review]
    assert list(selectors.reviews_for_user(user=outsider)) == [other_review]


def test_demo_review_loads_twice_without_duplicates(db):
    from reviews.demo import demo_review_load

    first = demo_review_load()
    second = demo_review_load()
    assert first.pk == second.pk
    assert sorted(first.memberships.values_list("user__username", "role")) == [
        ("alice", "owner"),
        ("bob", "reviewer"),
        ("carol", "viewer"),
    ]
