"""The study page and its actions: each form posts to its own view, with its own small form.

The page only reads: a reviewer's extraction copy is made by "Start extraction" (a POST), so
looking at a study under dual extraction never takes one of its two extractor places.
"""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from extraction import forms, selectors, services
from extraction.models import ExtractionKind, ExtractionStatus
from extraction.rules import is_dual
from extraction.services.values import both_independent_done
from reviews.models import Role


def _to_study(study):
    return redirect("extraction:study", review_id=study.review_id, study_id=study.pk)


@login_required
def study(request, review_id: int, study_id: int):
    """The study's sheet: one's own copy (reviewers) or the final values (viewers, or after completion)."""
    review, membership, the_study = selectors.study_for_user(
        user=request.user, review_id=review_id, study_id=study_id
    )
    can_extract = membership.has_at_least(Role.REVIEWER)
    dual = is_dual(review.extractions_per_study)
    own = selectors.own_extraction(study=the_study, user=request.user) if can_extract else None
    extraction = own or selectors.final_extraction(study=the_study)
    editable = bool(
        own is not None
        and own.status != ExtractionStatus.DONE
        and (own.kind == ExtractionKind.INDEPENDENT or not dual)
    )
    sheet = selectors.extraction_sheet(extraction=extraction, study=the_study)
    return render(
        request,
        "extraction/study.html",
        {
            "review": review,
            "membership": membership,
            "stage": "extraction",
            "study": the_study,
            "extraction": extraction,
            "own": own,
            "may_start": can_extract and selectors.may_start_extraction(study=the_study, own=own),
            "sheet": sheet,
            "editable": editable,
            "can_extract": can_extract,
            "is_owner": membership.role == Role.OWNER,
            "dual": dual,
            "comparison_open": dual and both_independent_done(the_study),
            "status_label": selectors.StudyStatus.LABELS[selectors.study_status(study=the_study)],
            "records": the_study.records.all(),
            "patients": the_study.patients.count(),
            "values_url": reverse(
                "api-extraction-values",
                kwargs={"review_id": review.pk, "study_id": the_study.pk, "extraction_id": extraction.pk},
            )
            if extraction
            else "",
        },
    )


def study_action(form_class: type[django_forms.Form] | None = None, *, min_role: str = Role.REVIEWER):
    """A POST-only action of the study page: access checked, the form validated, the outcome as a message.

    The wrapped function gets (request, review, membership, study, data) and returns a
    response, or None to go back to the study page with "Saved.".
    """

    def decorate(action):
        @login_required
        @require_POST
        def view(request, review_id: int, study_id: int):
            review, membership, the_study = selectors.study_for_user(
                user=request.user, review_id=review_id, study_id=study_id, min_role=min_role
            )
            data = {}
            if form_class is not None:
                form = form_class(request.POST, request.FILES)
                if not form.is_valid():
                    messages.error(request, forms.form_errors(form))
                    return _to_study(the_study)
                data = form.cleaned_data
            try:
                response = action(request, review, membership, the_study, data)
            except services.StaleWrite as conflict:
                messages.error(request, _conflict_message(conflict))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if response is not None:
                    return response
                messages.success(request, "Saved.")
            return _to_study(the_study)

        view.__name__ = view.__qualname__ = action.__name__
        view.__doc__ = action.__doc__
        return view

    return decorate


def _conflict_message(conflict: services.StaleWrite) -> str:
    theirs = conflict.current_value or {}
    shown = ", ".join(f"{k}: {v if v not in (None, '') else '—'}" for k, v in theirs.items())
    return (
        f"{conflict.updated_by} changed this arm while you edited it; yours was not saved. Now: {shown}. "
        "Enter your change again if it still applies."
    )


@study_action()
def study_start(request, review, membership, the_study, data):
    """Make the reviewer's extraction: their own copy under dual extraction, else the shared one."""
    services.extraction_open(study=the_study, user=request.user)
    messages.success(request, "Extraction started: values are saved as you type them.")
    return _to_study(the_study)


@study_action(forms.ArmForm)
def study_add_arm(request, review, membership, the_study, data):
    services.arm_create(study=the_study, user=request.user, **data)


@study_action(forms.ArmChangeForm)
def study_update_arm(request, review, membership, the_study, data):
    arm = selectors.arm_of(study=the_study, arm_id=data.pop("arm_id"))
    based_on_version = data.pop("based_on_version")
    services.arm_update(arm=arm, user=request.user, based_on_version=based_on_version, **data)


@study_action(forms.ArmRemoveForm)
def study_delete_arm(request, review, membership, the_study, data):
    services.arm_delete(arm=selectors.arm_of(study=the_study, arm_id=data["arm_id"]), user=request.user)


@study_action(forms.ComparisonForm)
def study_add_comparison(request, review, membership, the_study, data):
    services.comparison_create(study=the_study, user=request.user, **data)


@study_action(forms.RecordLinkForm)
def study_link_record(request, review, membership, the_study, data):
    services.study_link_record(study=the_study, record_id=data["record_id"], user=request.user)


def _extraction(request, membership, the_study, data):
    return selectors.extraction_of(
        study=the_study, extraction_id=data["extraction_id"], user=request.user, membership=membership
    )


@study_action(forms.ExtractionChoiceForm)
def study_complete(request, review, membership, the_study, data):
    services.extraction_complete(
        extraction=_extraction(request, membership, the_study, data), user=request.user
    )


@study_action(forms.ExtractionChoiceForm)
def study_reopen(request, review, membership, the_study, data):
    services.extraction_reopen(
        extraction=_extraction(request, membership, the_study, data), user=request.user
    )


@study_action(forms.PatientUploadForm)
def study_upload_ipd(request, review, membership, the_study, data):
    count = services.ipd_replace(study=the_study, user=request.user, upload=data["file"])
    messages.success(request, f"{count} patients stored; any earlier upload was replaced.")
    return _to_study(the_study)


@study_action()
def study_delete(request, review, membership, the_study, data):
    if membership.role != Role.OWNER:
        raise PermissionDenied("Only owners remove studies.")
    services.study_delete(study=the_study, user=request.user)
    messages.success(request, f"Study “{the_study.label}” removed.")
    return redirect("extraction:studies", review_id=review.pk)
