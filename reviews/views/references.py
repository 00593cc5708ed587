"""HTML pages for references: records, imports with live progress, and duplicate candidates."""

import difflib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from reviews import selectors, services
from reviews.models import DuplicateCandidate, RecordStatus, Role, SourceKind
from reviews.services import imports as import_services

RECORDS_PER_PAGE = 50
CANDIDATES_PER_PAGE = 25


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Reference file",
        help_text="RIS, PubMed MEDLINE (nbib), BibTeX, EndNote XML or CSV; the format is told from the content.",
    )
    source_name = forms.CharField(
        label="Source", max_length=200, help_text="e.g. MEDLINE via Ovid, Embase, ClinicalTrials.gov"
    )
    source_kind = forms.ChoiceField(
        label="Kind of source", choices=SourceKind.choices, initial=SourceKind.DATABASE
    )


def _references_page(request, review, membership, form, status=200):
    search = request.GET.get("q", "").strip()[:200]
    record_status = request.GET.get("status", "")
    if record_status not in RecordStatus.values:
        record_status = ""
    records = selectors.records_of(review=review, membership=membership, search=search, status=record_status)
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "review": review,
        "membership": membership,
        "stage": "references",
        "can_import": membership.has_at_least(Role.REVIEWER),
        "form": form,
        "imports": selectors.imports_of(review=review)[:50],
        "page": page,
        "search": search,
        "record_status": record_status,
        "record_statuses": selectors.record_statuses_for(review=review, membership=membership),
        "duplicate_counts": selectors.duplicate_counts(review=review),
        "max_upload_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_records": settings.MAX_IMPORT_RECORDS,
    }
    return render(request, "reviews/references/index.html", context, status=status)


@login_required
def references(request, review_id: int):
    review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
    return _references_page(request, review, membership, ImportForm())


@login_required
@require_POST
def import_create(request, review_id: int):
    review, membership = selectors.review_for_user(
        user=request.user, review_id=review_id, min_role=Role.REVIEWER
    )
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            created = import_services.import_create(
                review=review,
                user=request.user,
                file=form.cleaned_data["file"],
                source_name=form.cleaned_data["source_name"],
                source_kind=form.cleaned_data["source_kind"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"“{created.file_name}” is being imported.")
            return redirect(reverse("reviews:references", kwargs={"review_id": review.pk}) + "#imports")
    return _references_page(request, review, membership, form, status=400)


@login_required
def import_detail(request, review_id: int, import_id: int):
    review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
    source_import = selectors.import_of_review(review=review, import_id=import_id)
    return render(
        request,
        "reviews/references/import_detail.html",
        {"review": review, "membership": membership, "stage": "references", "import": source_import},
    )


@login_required
def import_progress(request, review_id: int, import_id: int):
    """The status of one import, as an htmx fragment that polls itself until the import is finished."""
    review, _ = selectors.review_for_user(user=request.user, review_id=review_id)
    source_import = selectors.import_of_review(review=review, import_id=import_id)
    return render(
        request, "reviews/references/_import_status.html", {"review": review, "import": source_import}
    )


def _marked_words(text: str, other: str):
    """The text with the words that the other text lacks in <mark>, for a side-by-side comparison."""
    words, other_words = text.split(), other.split()
    matcher = difflib.SequenceMatcher(a=[w.lower() for w in words], b=[w.lower() for w in other_words])
    marked = [False] * len(words)
    for tag, a_start, a_end, _, _ in matcher.get_opcodes():
        if tag != "equal":
            for position in range(a_start, a_end):
                marked[position] = True
    return format_html_join(
        " ",
        "{}",
        ((format_html("<mark>{}</mark>", w) if m else w,) for w, m in zip(words, marked, strict=True)),
    )


def _comparison(candidate: DuplicateCandidate, *, conflicts_hidden: bool) -> list[dict]:
    """Rows of the side-by-side view: field, the two values, and whether they differ."""
    a, b = candidate.record_a, candidate.record_b

    def status_label(record) -> str:
        return RecordStatus(selectors.shown_status(record.status, hidden=conflicts_hidden)).label

    rows = []
    for label, value_a, value_b in [
        ("Title", a.title, b.title),
        ("Authors", "; ".join(a.authors[:6]), "; ".join(b.authors[:6])),
        ("Year", str(a.year or ""), str(b.year or "")),
        ("Journal", a.journal, b.journal),
        ("DOI", a.doi, b.doi),
        ("PMID", a.pmid, b.pmid),
        ("Source", _source(a), _source(b)),
        ("Status", status_label(a), status_label(b)),
    ]:
        differs = value_a.strip().lower() != value_b.strip().lower()
        if label == "Title" and differs:
            value_a, value_b = _marked_words(value_a, value_b), _marked_words(value_b, value_a)
        rows.append({"label": label, "a": value_a, "b": value_b, "differs": differs})
    return rows


def _source(record) -> str:
    if record.source_import is None:
        return ""
    line = f", line {record.source_line}" if record.source_line else ""
    return f"{record.source_import.source_name} ({record.source_import.file_name}{line})"


def _candidate_context(review, membership, candidate) -> dict:
    return {
        "review": review,
        "candidate": candidate,
        "rows": _comparison(
            candidate, conflicts_hidden=selectors.conflicts_hidden_from(review=review, membership=membership)
        ),
        "can_decide": membership.has_at_least(Role.REVIEWER),
    }


@login_required
def duplicates(request, review_id: int):
    review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
    status = request.GET.get("status", DuplicateCandidate.Status.PENDING)
    if status not in DuplicateCandidate.Status.values and status != "all":
        status = DuplicateCandidate.Status.PENDING
    counts = selectors.duplicate_counts(review=review)
    candidates = selectors.duplicate_candidates_of(review=review, status="" if status == "all" else status)
    page = Paginator(candidates, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/references/duplicates.html",
        {
            "review": review,
            "membership": membership,
            "stage": "references",
            "status": status,
            "statuses": [(value, label, counts[value]) for value, label in DuplicateCandidate.Status.choices],
            "page": page,
            "items": [_candidate_context(review, membership, c) for c in page.object_list],
            "can_decide": membership.has_at_least(Role.REVIEWER),
        },
    )


_ACTIONS = {
    "confirm": services.duplicate_confirm,
    "reject": services.duplicate_reject,
    "unmerge": services.duplicate_unmerge,
}


@login_required
@require_POST
def duplicate_decide(request, review_id: int, candidate_id: int, action: str):
    """Confirm, reject or unmerge one candidate pair; htmx gets the pair's new card, others a redirect."""
    review, membership = selectors.review_for_user(
        user=request.user, review_id=review_id, min_role=Role.REVIEWER
    )
    candidate = selectors.duplicate_candidate_of_review(review=review, candidate_id=candidate_id)
    error = ""
    try:
        _ACTIONS[action](candidate=candidate, user=request.user)
    except ValidationError as refused:
        error = " ".join(refused.messages)
    if request.headers.get("HX-Request"):
        candidate = selectors.duplicate_candidate_of_review(review=review, candidate_id=candidate_id)
        context = _candidate_context(review, membership, candidate) | {"error": error}
        # htmx swaps only successful answers, so a refusal (another reviewer decided first) comes
        # back as the card with its message.
        return render(request, "reviews/references/_candidate.html", context)
    if error:
        messages.error(request, error)
    url = reverse("reviews:duplicates", kwargs={"review_id": review.pk})
    return redirect(f"{url}?status={request.POST.get('return_status', 'pending')}")
