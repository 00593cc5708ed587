"""Every read in the reviews app, scoped to the reviews the user belongs to; re-exported here."""

from .access import (
    member_of_review,
    members_of,
    membership_for,
    review_for_user,
    review_list_for_user,
    reviews_for_user,
)

__all__ = [
    "member_of_review",
    "members_of",
    "membership_for",
    "review_for_user",
    "review_list_for_user",
    "reviews_for_user",
]
