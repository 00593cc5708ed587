"""Every read in the reviews app, scoped to the reviews the user belongs to; re-exported here."""

from .access import (
    member_of_review,
    members_of,
    membership_for,
    review_for_user,
    review_list_for_user,
    reviews_for_user,
)
from .references import (
    duplicate_candidate_of_review,
    duplicate_candidates_of,
    duplicate_counts,
    import_of_review,
    imports_of,
    records_of,
)

__all__ = [
    "duplicate_candidate_of_review",
    "duplicate_candidates_of",
    "duplicate_counts",
    "import_of_review",
    "imports_of",
    "records_of",
    "member_of_review",
    "members_of",
    "membership_for",
    "review_for_user",
    "review_list_for_user",
    "reviews_for_user",
]
