"""Analysis pages: the review's dashboard, one analysis with its figures, the owner's forms.

The analysis page polls a small status fragment every second; when the result it shows
is no longer the current one, the fragment carries the new result block out of band.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from analysis import presentation, selectors, services
from analysis.forms import AnalysisForm
from reviews.models import Role
from reviews.selectors.access import review_for_user

STAGE = "analyses"


def _context(review, membership, **extra) -> dict:
    return {"review": review, "membership": membership, "stage": STAGE, **extra}


@login_required
@require_GET
def analysis_list(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    rows = selectors.dashboard_rows(review=review)
    return render(
        request, "analysis/list.html", _context(review, membership, rows=rows, polling=_polling(rows))
    )


@login_required
@require_GET
def analysis_table(request, review_id: int):
    """The dashboard's table alone (htmx polls it while an analysis is recomputing)."""
    review, membership = review_for_user(user=request.user, review_id=review_id)
    rows = selectors.dashboard_rows(review=review)
    return render(
        request, "analysis/_table.html", _context(review, membership, rows=rows, polling=_polling(rows))
    )


def _polling(rows) -> bool:
    return any(row["status"].stale for row in rows)


def _detail_context(review, membership, analysis) -> dict:
    version = selectors.current_data_version(review_id=review.pk)
    status = selectors.status_of(
        analysis=analysis, data_version=version, changed_at=selectors.last_change_at(review=review)
    )
    return _context(
        review,
        membership,
        analysis=analysis,
        status=status,
        token=presentation.token(status),
        result_view=presentation.result_block(analysis=analysis, status=status),
    )


@login_required
@require_GET
def analysis_detail(request, review_id: int, analysis_id: int):
    review, membership, analysis = selectors.analysis_for_user(
        user=request.user, review_id=review_id, analysis_id=analysis_id
    )
    return render(request, "analysis/detail.html", _detail_context(review, membership, analysis))


@login_required
@require_GET
def analysis_status(request, review_id: int, analysis_id: int):
    """The status line; with the new result block (out of band) when the shown one is out of date."""
    review, membership, analysis = selectors.analysis_for_user(
        user=request.user, review_id=review_id, analysis_id=analysis_id
    )
    context = _detail_context(review, membership, analysis)
    context["swap_result"] = request.GET.get("shown", "") != context["token"]
    return render(request, "analysis/_status.html", context)


@login_required
def analysis_add(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
    form = AnalysisForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            analysis = services.analysis_create(review=review, user=request.user, **form.options())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Analysis “{analysis.name}” added; a worker is computing it.")
            return redirect("analysis:detail", review_id=review.pk, analysis_id=analysis.pk)
    return render(request, "analysis/form.html", _context(review, membership, form=form, analysis=None))


@login_required
def analysis_change(request, review_id: int, analysis_id: int):
    review, membership, analysis = selectors.analysis_for_user(
        user=request.user, review_id=review_id, analysis_id=analysis_id, min_role=Role.OWNER
    )
    form = AnalysisForm(request.POST or None, instance=analysis, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            services.analysis_update(analysis=analysis, user=request.user, **form.options())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Analysis changed; a worker is recomputing it.")
            return redirect("analysis:detail", review_id=review.pk, analysis_id=analysis.pk)
    return render(request, "analysis/form.html", _context(review, membership, form=form, analysis=analysis))


@login_required
@require_POST
def analysis_remove(request, review_id: int, analysis_id: int):
    review, _, analysis = selectors.analysis_for_user(
        user=request.user, review_id=review_id, analysis_id=analysis_id, min_role=Role.OWNER
    )
    name = analysis.name
    services.analysis_delete(analysis=analysis, user=request.user)
    messages.success(request, f"Analysis “{name}” removed.")
    return redirect("analysis:list", review_id=review.pk)


@login_required
@require_POST
def analysis_defaults(request, review_id: int):
    review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
    created = services.default_analyses_create(review_id=review.pk)
    messages.success(
        request, f"{len(created)} default analysis(es) added." if created else "No outcome needed one."
    )
    return redirect("analysis:list", review_id=review.pk)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
