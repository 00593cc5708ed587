"""Reads of a review's records, imports and duplicate candidates; callers pass a review they got
through review_for_user, and an id from another review answers 404."""

from django.db.models import Case, CharField, Count, F, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.http import Http404

from reviews.models import (
    DuplicateCandidate,
    Record,
    RecordStatus,
    Review,
    ReviewMembership,
    SourceImport,
)
from reviews.screening_rules import STATUS_SEEN_WITHOUT_CONFLICTS, sees_conflicts


def conflicts_hidden_from(*, review: Review, membership: ReviewMembership) -> bool:
    """Whether this member must not see which records are in conflict.

    A conflict is still undecided, and showing it would tell a reviewer that another reviewer
    decided differently. In a blind review, members other than owners see a record in conflict
    as still being screened at its stage, in every list, filter and count.
    """
    return review.blind_screening and not sees_conflicts(membership.role)


def shown_status(status: str, *, hidden: bool) -> str:
    """The status a member may see of a record."""
    return STATUS_SEEN_WITHOUT_CONFLICTS.get(status, status) if hidden else status


def record_statuses_for(*, review: Review, membership: ReviewMembership) -> list[tuple[str, str]]:
    """The statuses a member may filter the records list by."""
    hidden = conflicts_hidden_from(review=review, membership=membership)
    return [
        (value, label)
        for value, label in RecordStatus.choices
        if not (hidden and value in STATUS_SEEN_WITHOUT_CONFLICTS)
    ]


# Columns the records list shows; the abstract stays in the database until a record is opened.
_LIST_FIELDS = (
    "id",
    "title",
    "authors",
    "year",
    "journal",
    "doi",
    "pmid",
    "status",
    "duplicate_of_id",
    "source_import_id",
    "source_line",
)


def records_of(
    *, review: Review, membership: ReviewMembership, search: str = "", status: str = ""
) -> QuerySet[Record]:
    """The review's records as this member may see them (``shown_status``), optionally filtered."""
    records = Record.objects.filter(review=review)
    if conflicts_hidden_from(review=review, membership=membership):
        masked = [
            When(status=real, then=Value(shown)) for real, shown in STATUS_SEEN_WITHOUT_CONFLICTS.items()
        ]
        records = records.annotate(shown_status=Case(*masked, default=F("status"), output_field=CharField()))
    else:
        records = records.annotate(shown_status=F("status"))
    if status:
        records = records.filter(shown_status=status)
    words = search.split()[:8]
    if words:
        records = records.annotate(authors_text=Cast("authors", TextField()))
    for word in words:
        records = records.filter(
            Q(title__icontains=word)
            | Q(doi__iexact=word)
            | Q(pmid=word)
            | Q(journal__icontains=word)
            | Q(authors_text__icontains=word)
        )
    return (
        records.select_related("source_import")
        .only(*_LIST_FIELDS, "source_import__source_name")
        .order_by("id")
    )


def imports_of(*, review: Review) -> QuerySet[SourceImport]:
    """The review's imports, newest first."""
    return (
        SourceImport.objects.filter(review=review).select_related("created_by").order_by("-created_at", "-pk")
    )


def import_of_review(*, review: Review, import_id: int) -> SourceImport:
    """One import of this review; another review's import answers 404."""
    try:
        return SourceImport.objects.select_related("created_by").get(pk=import_id, review=review)
    except SourceImport.DoesNotExist:
        raise Http404("No such import in this review.") from None


def duplicate_candidates_of(*, review: Review, status: str = "") -> QuerySet[DuplicateCandidate]:
    """The review's candidate pairs with both records (and who decided), best scores first."""
    candidates = DuplicateCandidate.objects.filter(review=review).select_related(
        "record_a", "record_b", "decided_by", "record_a__source_import", "record_b__source_import"
    )
    if status:
        candidates = candidates.filter(status=status)
    return candidates.order_by("-score", "id")


def duplicate_candidate_of_review(*, review: Review, candidate_id: int) -> DuplicateCandidate:
    """One candidate pair of this review; another review's pair answers 404."""
    try:
        return duplicate_candidates_of(review=review).get(pk=candidate_id)
    except DuplicateCandidate.DoesNotExist:
        raise Http404("No such duplicate candidate in this review.") from None


def duplicate_counts(*, review: Review) -> dict[str, int]:
    """How many candidate pairs of each status the review has."""
    counts = dict.fromkeys(DuplicateCandidate.Status.values, 0)
    rows = (
        DuplicateCandidate.objects.filter(review=review).values("status").annotate(n=Count("id")).order_by()
    )
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
