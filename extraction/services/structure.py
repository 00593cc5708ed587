"""Writes to the shared structure: the extraction form, outcomes, studies, arms and comparisons."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from extraction.models import (
    Arm,
    Comparison,
    ExtractionField,
    FieldKind,
    FieldLevel,
    Outcome,
    OutcomeKind,
    Study,
)
from reviews.models import Record, RecordStatus, Review

from .common import StaleWrite, data_changed, log_change

ARM_ATTRIBUTES = ("label", "intervention", "dose", "n_randomised")


def _next_position(queryset) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def _clean_choices(kind: str, choices) -> list[str]:
    if kind != FieldKind.CHOICE:
        return []
    if isinstance(choices, str):
        choices = choices.replace("\n", ",").split(",")
    cleaned = list(dict.fromkeys(str(c).strip() for c in choices or [] if str(c).strip()))
    if not cleaned:
        raise ValidationError({"choices": "A choice field needs its choices, separated by commas."})
    return cleaned


# ---- the extraction form ---------------------------------------------------------------------------


@transaction.atomic
def field_create(
    *,
    review: Review,
    user,
    name: str,
    level: str = FieldLevel.STUDY,
    kind: str = FieldKind.TEXT,
    choices=None,
    unit: str = "",
    required: bool = False,
) -> ExtractionField:
    """Add a study- or arm-level field to the review's extraction form."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the field a name."})
    if level not in FieldLevel.values:
        raise ValidationError({"level": f"Unknown level “{level}”."})
    if kind not in FieldKind.values:
        raise ValidationError({"kind": f"Unknown kind “{kind}”."})
    if ExtractionField.objects.filter(review=review, level=level, name__iexact=name).exists():
        raise ValidationError({"name": f"The form already has a {level} field “{name}”."})
    field = ExtractionField.objects.create(
        review=review,
        name=name,
        level=level,
        kind=kind,
        choices=_clean_choices(kind, choices),
        unit=(unit or "").strip(),
        required=bool(required),
        position=_next_position(ExtractionField.objects.filter(review=review, level=level)),
    )
    log_change(review_id=review.pk, what=f"Form field “{name}” added ({level}, {kind})", user=user)
    data_changed(review_id=review.pk)
    return field


@transaction.atomic
def field_delete(*, field: ExtractionField, user) -> None:
    """Remove a field from the form, with every value extracted for it."""
    log_change(review_id=field.review_id, what=f"Form field “{field.name}” removed", user=user)
    review_id = field.review_id
    field.delete()
    data_changed(review_id=review_id)


@transaction.atomic
def outcome_create(*, review: Review, user, name: str, kind: str, time_point: str = "") -> Outcome:
    """Add an outcome the review extracts from every study."""
    name, time_point = (name or "").strip(), (time_point or "").strip()
    if not name:
        raise ValidationError({"name": "Give the outcome a name."})
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": f"Unknown outcome type “{kind}”."})
    if Outcome.objects.filter(review=review, name__iexact=name, time_point__iexact=time_point).exists():
        raise ValidationError({"name": f"The review already has the outcome “{name}” at this time point."})
    outcome = Outcome.objects.create(
        review=review,
        name=name,
        kind=kind,
        time_point=time_point,
        position=_next_position(Outcome.objects.filter(review=review)),
    )
    log_change(review_id=review.pk, what=f"Outcome “{outcome}” added ({kind})", user=user)
    data_changed(review_id=review.pk, outcome_ids=[outcome.pk])
    return outcome


@transaction.atomic
def outcome_delete(*, outcome: Outcome, user) -> None:
    """Remove an outcome with every value extracted for it."""
    review_id, outcome_id = outcome.review_id, outcome.pk
    log_change(review_id=review_id, what=f"Outcome “{outcome}” removed", user=user)
    outcome.delete()
    data_changed(review_id=review_id, outcome_ids=[outcome_id])


# ---- studies ---------------------------------------------------------------------------------------


def _label_for(record: Record) -> str:
    surname = ""
    if record.first_author:
        surname = str(record.first_author).split(",")[0].strip() or str(record.first_author)
    label = " ".join(part for part in (surname, str(record.year or "")) if part)
    return (label or (record.title or f"Record {record.pk}")[:80])[:200]


@transaction.atomic
def study_create(*, review: Review, user, label: str, record_ids=()) -> Study:
    """Add a study by hand, optionally with the records (reports) that describe it."""
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": "Give the study a label, e.g. “Aronson 1948”."})
    records = list(Record.objects.filter(review=review, pk__in=list(record_ids)))
    if len(records) != len(set(record_ids)):
        raise ValidationError({"record_ids": "Some of these records are not in this review."})
    study = Study.objects.create(review=review, label=label, created_by=user)
    for record in records:
        _move_record(study=study, record=record)
    log_change(review_id=review.pk, study_id=study.pk, what=f"Study “{label}” added", user=user)
    data_changed(review_id=review.pk)
    return study


def _move_record(*, study: Study, record: Record) -> list[Study]:
    """Link the record to this study; a report belongs to one study of the review, so it leaves others."""
    left = list(Study.objects.filter(review_id=study.review_id, records=record).exclude(pk=study.pk))
    for other in left:
        other.records.remove(record)
    study.records.add(record)
    return left


@transaction.atomic
def studies_sync_from_included_records(*, review: Review, user=None) -> list[Study]:
    """A study for every record included at full text that no study has yet; returns the new ones."""
    # Lock the review so two syncs at once cannot both create a study for the same record.
    Review.objects.select_for_update().filter(pk=review.pk).values_list("pk", flat=True).get()
    linked = Study.records.through.objects.filter(study__review=review).values("record_id")
    new_records = (
        Record.objects.filter(review=review, status=RecordStatus.INCLUDED, duplicate_of__isnull=True)
        .exclude(pk__in=linked)
        .order_by("id")
    )
    created = []
    for record in new_records:
        study = Study.objects.create(review=review, label=_label_for(record), created_by=user)
        study.records.add(record)
        log_change(
            review_id=review.pk,
            study_id=study.pk,
            what=f"Study “{study.label}” added from an included record",
            user=user,
        )
        created.append(study)
    if created:
        data_changed(review_id=review.pk)
    return created


@transaction.atomic
def study_link_record(*, study: Study, record_id: int, user) -> Study:
    """Link another report to an existing study (it leaves any other study of the review)."""
    record = Record.objects.filter(review_id=study.review_id, pk=record_id).first()
    if record is None:
        raise ValidationError({"record_id": "No such record in this review."})
    for other in _move_record(study=study, record=record):
        # The study made for this report alone goes, if nothing was extracted into it yet.
        if (
            not other.records.exists()
            and not other.arms.exists()
            and not other.extractions.filter(values__isnull=False).exists()
        ):
            log_change(
                review_id=study.review_id,
                what=f"Study “{other.label}” merged into “{study.label}”",
                user=user,
            )
            other.delete()
    log_change(
        review_id=study.review_id,
        study_id=study.pk,
        what=f"Report {record.pk} linked to “{study.label}”",
        new=record.pk,
        user=user,
    )
    data_changed(review_id=study.review_id)
    return study


@transaction.atomic
def study_rename(*, study: Study, label: str, user) -> Study:
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": "Give the study a label."})
    old = study.label
    Study.objects.filter(pk=study.pk).update(label=label)
    study.label = label
    log_change(
        review_id=study.review_id, study_id=study.pk, what="Study label", old=old, new=label, user=user
    )
    data_changed(review_id=study.review_id)
    return study


@transaction.atomic
def study_delete(*, study: Study, user) -> None:
    """Remove a study with its arms, values and patient data (owners only; checked by callers)."""
    review_id = study.review_id
    log_change(review_id=review_id, what=f"Study “{study.label}” removed", user=user)
    study.delete()
    data_changed(review_id=review_id)


# ---- arms and comparisons --------------------------------------------------------------------------


def _clean_arm(changes: dict) -> dict:
    cleaned = {}
    for name, value in changes.items():
        if name not in ARM_ATTRIBUTES:
            raise ValidationError({name: "Not an attribute of an arm."})
        if name == "n_randomised":
            if value in (None, ""):
                cleaned[name] = None
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValidationError({name: "The number randomised must be a whole number."}) from None
            if number != int(number) or number <= 0:
                raise ValidationError({name: "The number randomised must be a whole number above 0."})
            cleaned[name] = int(number)
        else:
            cleaned[name] = (value or "").strip()
    if "label" in cleaned and not cleaned["label"]:
        raise ValidationError({"label": "Give the arm a label, e.g. “Vaccinated”."})
    return cleaned


@transaction.atomic
def arm_create(
    *, study: Study, user, label: str, intervention: str = "", dose: str = "", n_randomised=None
) -> Arm:
    """Add an arm; a study's second arm makes its first comparison (first arm vs second)."""
    values = _clean_arm(
        {"label": label, "intervention": intervention, "dose": dose, "n_randomised": n_randomised}
    )
    if study.arms.filter(label__iexact=values["label"]).exists():
        raise ValidationError({"label": f"The study already has an arm “{values['label']}”."})
    arm = Arm.objects.create(study=study, position=_next_position(study.arms.all()), **values)
    arms = list(study.arms.order_by("position", "id")[:3])
    if len(arms) == 2 and not study.comparisons.exists():
        Comparison.objects.create(study=study, experimental=arms[0], control=arms[1])
    log_change(
        review_id=study.review_id, study_id=study.pk, what=f"Arm “{arm.label}” added", new=values, user=user
    )
    data_changed(review_id=study.review_id)
    return arm


@transaction.atomic
def arm_update(*, arm: Arm, user, based_on_version: int, **changes) -> Arm:
    """Change an arm's label, intervention, dose or number randomised; a stale version is a conflict."""
    values = _clean_arm(changes)
    if "label" in values and arm.study.arms.filter(label__iexact=values["label"]).exclude(pk=arm.pk).exists():
        raise ValidationError({"label": f"The study already has an arm “{values['label']}”."})
    old = {name: getattr(arm, name) for name in values}
    try:
        with transaction.atomic():
            updated = Arm.objects.filter(pk=arm.pk, version=based_on_version).update(
                version=F("version") + 1, **values
            )
    except IntegrityError:
        raise ValidationError({"label": "Another arm of the study has this label."}) from None
    if not updated:
        current = Arm.objects.filter(pk=arm.pk).first()
        last = arm.study.changes.filter(cell=f"arm{arm.pk}").select_related("user").first()
        raise StaleWrite(
            cell=f"arm{arm.pk}",
            current_value={name: getattr(current, name) for name in ARM_ATTRIBUTES} if current else None,
            current_version=current.version if current else 0,
            updated_by=last.user.username if last and last.user else "someone",
            updated_at=last.created_at if last else timezone.now(),
        )
    arm.refresh_from_db()
    log_change(
        review_id=arm.study.review_id,
        study_id=arm.study_id,
        cell=f"arm{arm.pk}",
        what=f"Arm “{arm.label}”",
        old=old,
        new=values,
        user=user,
    )
    data_changed(review_id=arm.study.review_id)
    return arm


@transaction.atomic
def arm_delete(*, arm: Arm, user) -> None:
    """Remove an arm with its values, comparisons and patients."""
    study = arm.study
    log_change(review_id=study.review_id, study_id=study.pk, what=f"Arm “{arm.label}” removed", user=user)
    arm.delete()
    data_changed(review_id=study.review_id)


@transaction.atomic
def comparison_create(*, study: Study, user, experimental_id: int, control_id: int) -> Comparison:
    """Say which two arms a two-arm outcome compares (for multi-arm studies)."""
    arms = {arm.pk: arm for arm in study.arms.filter(pk__in=[experimental_id, control_id])}
    if experimental_id == control_id or len(arms) != 2:
        raise ValidationError({"control_id": "Choose two different arms of this study."})
    comparison, created = Comparison.objects.get_or_create(
        study=study,
        experimental=arms[experimental_id],
        control=arms[control_id],
        defaults={"position": _next_position(study.comparisons.all())},
    )
    if created:
        log_change(
            review_id=study.review_id, study_id=study.pk, what=f"Comparison “{comparison}” added", user=user
        )
        data_changed(review_id=study.review_id)
    return comparison


@transaction.atomic
def comparison_delete(*, comparison: Comparison, user) -> None:
    study = comparison.study
    log_change(
        review_id=study.review_id, study_id=study.pk, what=f"Comparison “{comparison}” removed", user=user
    )
    comparison.delete()
    data_changed(review_id=study.review_id)
