"""HTML pages of extraction: studies, the extraction form, the consensus, the history (the study page: ``study``).

Thin: access through selectors, writes through services. Cells are saved by the
page's script through the REST API (one request per cell, with its version).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from extraction import selectors, services
from extraction.models import ExtractionStatus, FieldKind, FieldLevel, OutcomeKind
from extraction.services.values import both_independent_done
from reviews.models import Record, RecordStatus, Role
from reviews.selectors import review_for_user


def _error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _to_study(study):
    return redirect("extraction:study", review_id=study.review_id, study_id=study.pk)


@login_required
def studies(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    study_list = selectors.studies_with_status(review=review)
    counts = {}
    for study in study_list:
        counts[study.status] = counts.get(study.status, 0) + 1
    return render(
        request,
        "extraction/studies.html",
        {
            "review": review,
            "membership": membership,
            "stage": "extraction",
            "studies": study_list,
            "counts": [(label, counts.get(key, 0)) for key, label in selectors.StudyStatus.LABELS.items()],
            "can_extract": membership.has_at_least(Role.REVIEWER),
            "agreement": selectors.review_agreement(studies=study_list)
            if review.extractions_per_study == 2
            else [],
            "included_without_study": Record.objects.filter(review=review, status=RecordStatus.INCLUDED)
            .exclude(studies__review=review)
            .count(),
        },
    )


@login_required
@require_POST
def studies_sync(request, review_id: int):
    review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
    created = services.studies_sync_from_included_records(review=review, user=request.user)
    messages.success(
        request, f"{len(created)} new stud{'y' if len(created) == 1 else 'ies'} from included records."
    )
    return redirect("extraction:studies", review_id=review.pk)


@login_required
@require_POST
def study_add(request, review_id: int):
    review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
    try:
        study = services.study_create(review=review, user=request.user, label=request.POST.get("label", ""))
    except ValidationError as error:
        _error(request, error)
        return redirect("extraction:studies", review_id=review.pk)
    return _to_study(study)


@login_required
def form_setup(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    return render(
        request,
        "extraction/form_setup.html",
        {
            "review": review,
            "membership": membership,
            "stage": "extraction",
            "fields": review.extraction_fields.all(),
            "outcomes": review.outcomes.all(),
            "is_owner": membership.role == Role.OWNER,
            "levels": FieldLevel.choices,
            "kinds": FieldKind.choices,
            "outcome_kinds": OutcomeKind.choices,
        },
    )


@login_required
@require_POST
def form_change(request, review_id: int):
    """Add or remove a field or an outcome (owners)."""
    review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
    action, post = request.POST.get("action"), request.POST
    try:
        if action == "add_field":
            services.field_create(
                review=review,
                user=request.user,
                name=post.get("name", ""),
                level=post.get("level", FieldLevel.STUDY),
                kind=post.get("kind", FieldKind.TEXT),
                choices=post.get("choices", ""),
                unit=post.get("unit", ""),
                required=post.get("required") == "on",
            )
        elif action == "add_outcome":
            services.outcome_create(
                review=review,
                user=request.user,
                name=post.get("name", ""),
                kind=post.get("kind", ""),
                time_point=post.get("time_point", ""),
            )
        elif action == "delete_field":
            field = selectors.field_of(review=review, field_id=_int(post.get("field_id")))
            services.field_delete(field=field, user=request.user)
        elif action == "delete_outcome":
            outcome = selectors.outcome_of(review=review, outcome_id=_int(post.get("outcome_id")))
            services.outcome_delete(outcome=outcome, user=request.user)
        else:
            messages.error(request, "Unknown change.")
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, "Extraction form saved.")
    return redirect("extraction:form", review_id=review.pk)


def _int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


@login_required
def consensus(request, review_id: int, study_id: int):
    """Both extractors' values side by side, differences highlighted, and the consensus made cell by cell."""
    review, membership, the_study = selectors.study_for_user(
        user=request.user, review_id=review_id, study_id=study_id
    )
    ready = both_independent_done(the_study)
    compared = selectors.compare(study=the_study) if ready else None
    final = compared["final"] if compared else None
    may_decide = False
    if final is not None and final.status != ExtractionStatus.DONE:
        extractor_ids = {copy.extractor_id for copy in compared["copies"]}
        may_decide = membership.role == Role.OWNER or (
            membership.has_at_least(Role.REVIEWER) and request.user.pk in extractor_ids
        )
    return render(
        request,
        "extraction/consensus.html",
        {
            "review": review,
            "membership": membership,
            "stage": "extraction",
            "study": the_study,
            "ready": ready,
            "compared": compared,
            "final": final,
            "may_decide": may_decide,
            "can_extract": membership.has_at_least(Role.REVIEWER),
            "values_url": reverse(
                "api-extraction-values",
                kwargs={"review_id": review.pk, "study_id": the_study.pk, "extraction_id": final.pk},
            )
            if final
            else "",
        },
    )


@login_required
@require_POST
def consensus_start(request, review_id: int, study_id: int):
    _, _, the_study = selectors.study_for_user(
        user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
    )
    try:
        services.consensus_start(study=the_study, user=request.user)
    except ValidationError as error:
        _error(request, error)
    return redirect("extraction:consensus", review_id=review_id, study_id=study_id)


@login_required
def history(request, review_id: int, study_id: int):
    review, membership, the_study = selectors.study_for_user(
        user=request.user, review_id=review_id, study_id=study_id
    )
    return render(
        request,
        "extraction/history.html",
        {
            "review": review,
            "membership": membership,
            "stage": "extraction",
            "study": the_study,
            "entries": selectors.study_history(study=the_study, user=request.user),
        },
    )
