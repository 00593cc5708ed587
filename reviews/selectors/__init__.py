"""Every read in the reviews app, scoped to the reviews the user belongs to; re-exported here."""

from .access import (
    member_of_review,
    members_of,
    membership_for,
    review_for_user,
    review_list_for_user,
    reviews_for_user,
)
from .prisma import prisma_counts
from .references import (
    conflicts_hidden_from,
    duplicate_candidate_of_review,
    duplicate_candidates_of,
    duplicate_counts,
    import_of_review,
    imports_of,
    record_statuses_for,
    records_of,
    shown_status,
)
from .screening import (
    adjudication_log,
    agreement,
    conflict_counts,
    conflicts,
    exclusion_reasons,
    highlight_terms,
    my_progress,
    next_record_for,
    others_decisions,
)

__all__ = [
    "duplicate_candidate_of_review",
    "duplicate_candidates_of",
    "duplicate_counts",
    "import_of_review",
    "imports_of",
    "conflicts_hidden_from",
    "record_statuses_for",
    "records_of",
    "shown_status",
    "member_of_review",
    "members_of",
    "membership_for",
    "review_for_user",
    "review_list_for_user",
    "reviews_for_user",
    "adjudication_log",
    "agreement",
    "conflict_counts",
    "conflicts",
    "exclusion_reasons",
    "highlight_terms",
    "my_progress",
    "next_record_for",
    "others_decisions",
    "prisma_counts",
]
