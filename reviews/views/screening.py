"""Screening pages: the next record for me (htmx), conflicts, reasons, terms and agreement.

Thin: every page gets its review through ``review_for_user``; writes go through
``reviews.services.screening``. Reviewers and owners screen; viewers cannot (403).
The screening card is the same whatever other reviewers decided (blindness): it shows
only the record, my progress and, when the review is not blind, the others' decisions.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviews.models import Decision, Role, Stage
from reviews.screening_rules import ADJUDICATION_DECISIONS, SLUG_OF, STAGE_SLUGS
from reviews.screening_rules import stage_from_slug as _stage
from reviews.selectors import review_for_user
from reviews.selectors import screening as screening_selectors
from reviews.services import screening as screening_services


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


class TermsForm(forms.Form):
    include_terms = forms.CharField(
        label="Terms suggesting inclusion", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    exclude_terms = forms.CharField(
        label="Terms suggesting exclusion", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class ReasonForm(forms.Form):
    label = forms.CharField(label="New reason", max_length=200)
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.FULL_TEXT)


def _reason_from(review, stage: str, value: str | None):
    if not value:
        return None
    return screening_selectors.exclusion_reason_of_review(review=review, reason_id=value)


def _card_context(request, review, membership, stage: str, *, error: str = "", notice: str = "") -> dict:
    """What the screening card shows: my next record, my progress, and nothing of other reviewers (blind)."""
    record = screening_selectors.next_record_for(review=review, user=request.user, stage=stage)
    return {
        "review": review,
        "membership": membership,
        "screening_stage": stage,
        "stage_slug": SLUG_OF[stage],
        "stage_label": Stage(stage).label,
        "record": record,
        "terms": screening_selectors.highlight_terms(review=review) if record else None,
        "progress": screening_selectors.my_progress(review=review, user=request.user, stage=stage),
        "reasons": list(screening_selectors.exclusion_reasons(review=review, stage=stage, active_only=True)),
        "others": screening_selectors.others_decisions(
            review=review, user=request.user, record=record, stage=stage
        )
        if record
        else [],
        "error": error,
        "notice": notice,
    }


@login_required
@require_GET
def screening(request, review_id: int, stage_slug: str = SLUG_OF[Stage.TITLE_ABSTRACT]):
    stage = _stage(stage_slug)
    review, membership = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
    context = _card_context(request, review, membership, stage)
    context["stage"] = "screening"
    context["stages"] = [(slug, Stage(s).label, s == stage) for slug, s in STAGE_SLUGS.items()]
    return render(request, "reviews/screening/screen.html", context)


@login_required
@require_GET
def screening_card(request, review_id: int, stage_slug: str):
    stage = _stage(stage_slug)
    review, membership = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
    return render(request, "reviews/screening/_card.html", _card_context(request, review, membership, stage))


def _after_write(request, review, membership, stage: str, *, error: str = "", notice: str = ""):
    if request.htmx:
        context = _card_context(request, review, membership, stage, error=error, notice=notice)
        return render(request, "reviews/screening/_card.html", context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("reviews:screening_stage", review_id=review.pk, stage_slug=SLUG_OF[stage])


@login_required
@require_POST
def screening_decide(request, review_id: int, stage_slug: str, record_id: int):
    stage = _stage(stage_slug)
    review, membership = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
    screening_selectors.record_in_review(review=review, record_id=record_id)
    decision = request.POST.get("decision", "")
    # The full-text form sends its reason list with every button; a reason only goes with exclude.
    reason = request.POST.get("exclusion_reason") if decision == Decision.EXCLUDE else None
    try:
        screening_services.record_decision(
            review=review,
            record_id=record_id,
            reviewer=request.user,
            stage=stage,
            decision=decision,
            exclusion_reason=_reason_from(review, stage, reason),
            note=request.POST.get("note", "")[:2000],
        )
    except ValidationError as error:
        return _after_write(request, review, membership, stage, error=_messages_of(error))
    return _after_write(request, review, membership, stage, notice="Decision recorded.")


@login_required
@require_POST
def screening_undo(request, review_id: int, stage_slug: str):
    stage = _stage(stage_slug)
    review, membership = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
    try:
        record_id = screening_services.undo_last_decision(review=review, reviewer=request.user, stage=stage)
    except ValidationError as error:
        return _after_write(request, review, membership, stage, error=_messages_of(error))
    notice = "Your last decision was withdrawn." if record_id else "You have no decision to undo."
    return _after_write(request, review, membership, stage, notice=notice)


# Owner pages --------------------------------------------------------------------------------------


def _owner(request, review_id: int):
    return review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)


@login_required
@require_GET
def conflicts(request, review_id: int):
    review, membership = _owner(request, review_id)
    return render(
        request,
        "reviews/screening/conflicts.html",
        {
            "review": review,
            "membership": membership,
            "stage": "screening",
            "conflicts": screening_selectors.conflicts(review=review),
            "counts": screening_selectors.conflict_counts(review=review),
            "reasons": {
                stage: list(
                    screening_selectors.exclusion_reasons(review=review, stage=stage, active_only=True)
                )
                for stage in Stage.values
            },
            "choices": {
                stage: [(d, Decision(d).label) for d in ADJUDICATION_DECISIONS[stage]]
                for stage in Stage.values
            },
            "log": screening_selectors.adjudication_log(review=review),
        },
    )


@login_required
@require_POST
def adjudicate(request, review_id: int, record_id: int, stage_slug: str):
    stage = _stage(stage_slug)
    review, _ = _owner(request, review_id)
    screening_selectors.record_in_review(review=review, record_id=record_id)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("exclusion_reason") if decision == Decision.EXCLUDE else None
    try:
        screening_services.adjudicate(
            review=review,
            record_id=record_id,
            stage=stage,
            decision=decision,
            decided_by=request.user,
            exclusion_reason=_reason_from(review, stage, reason),
            note=request.POST.get("note", "")[:2000],
        )
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, f"Conflict on record {record_id} resolved.")
    return redirect("reviews:screening_conflicts", review_id=review.pk)


@login_required
@require_http_methods(["GET", "POST"])
def reasons(request, review_id: int):
    review, membership = _owner(request, review_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            screening_services.exclusion_reason_create(review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("label", _messages_of(error))
        else:
            messages.success(request, f"Reason “{form.cleaned_data['label']}” added.")
            return redirect("reviews:screening_reasons", review_id=review.pk)
    return render(
        request,
        "reviews/screening/reasons.html",
        {
            "review": review,
            "membership": membership,
            "stage": "screening",
            "form": form,
            "lists": [
                (Stage(stage).label, list(screening_selectors.exclusion_reasons(review=review, stage=stage)))
                for stage in Stage.values
            ],
            "defaults": screening_services.DEFAULT_FULL_TEXT_REASONS,
        },
    )


@login_required
@require_POST
def reasons_defaults(request, review_id: int):
    review, _ = _owner(request, review_id)
    try:
        screening_services.exclusion_reasons_add_defaults(review=review)
        messages.success(
            request, "The suggested reasons were added; rename, reorder or retire them as you need."
        )
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    return redirect("reviews:screening_reasons", review_id=review.pk)


@login_required
@require_POST
def reason_edit(request, review_id: int, reason_id: int):
    review, _ = _owner(request, review_id)
    reason = screening_selectors.exclusion_reason_of_review(review=review, reason_id=reason_id)
    action = request.POST.get("action")
    try:
        if action == "rename":
            screening_services.exclusion_reason_update(reason=reason, label=request.POST.get("label", ""))
        elif action in ("retire", "restore"):
            screening_services.exclusion_reason_update(reason=reason, active=action == "restore")
        elif action in ("up", "down"):
            siblings = list(
                screening_selectors.exclusion_reasons(review=review, stage=reason.stage).values_list(
                    "pk", flat=True
                )
            )
            index = siblings.index(reason.pk) + (-1 if action == "up" else 1)
            screening_services.exclusion_reason_move(reason=reason, position=max(0, index))
        else:
            raise ValidationError("Unknown change.")
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    return redirect("reviews:screening_reasons", review_id=review.pk)


@login_required
@require_http_methods(["GET", "POST"])
def terms(request, review_id: int):
    review, membership = _owner(request, review_id)
    current = screening_selectors.highlight_terms(review=review)
    initial = {"include_terms": "\n".join(current.include), "exclude_terms": "\n".join(current.exclude)}
    form = TermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            screening_services.screening_settings_update(review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, "Highlight terms saved.")
            return redirect("reviews:screening_terms", review_id=review.pk)
    return render(
        request,
        "reviews/screening/terms.html",
        {"review": review, "membership": membership, "stage": "screening", "form": form},
    )


@login_required
@require_GET
def agreement(request, review_id: int):
    review, membership = _owner(request, review_id)
    return render(
        request,
        "reviews/screening/agreement.html",
        {
            "review": review,
            "membership": membership,
            "stage": "screening",
            "pairs": screening_selectors.agreement(review=review),
            "stage_labels": dict(Stage.choices),
            "api_url": reverse("api-screening-agreement", kwargs={"review_id": review.pk}),
        },
    )
