"""Reads of a review's records, imports and duplicate candidates; callers pass a review they got
through review_for_user, and an id from another review answers 404."""

from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404

from reviews.models import DuplicateCandidate, Record, Review, SourceImport

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


def records_of(*, review: Review, search: str = "", status: str = "") -> QuerySet[Record]:
    """The review's records, optionally matching words of a search and one status."""
    records = Record.objects.filter(review=review)
    if status:
        records = records.filter(status=status)
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
