"""Writes of extracted values: open an extraction, save a cell (versioned), mark done, consensus."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from extraction import cells
from extraction.models import (
    Arm,
    Comparison,
    ExtractedValue,
    Extraction,
    ExtractionField,
    ExtractionKind,
    ExtractionStatus,
    FieldLevel,
    Outcome,
    Study,
)
from extraction.rules import DUAL, both_copies_done, is_dual
from reviews.models import Review, ReviewMembership, Role, require_role_at_least

from .common import StaleWrite, data_changed, log_change, require_role


def _dual(study: Study) -> bool:
    # Read from the database: the owner may have changed the setting since ``study.review`` was loaded.
    return is_dual(
        Review.objects.filter(pk=study.review_id).values_list("extractions_per_study", flat=True).get()
    )


def independent_extractions(study: Study):
    return study.extractions.filter(kind=ExtractionKind.INDEPENDENT).select_related("extractor")


@transaction.atomic
def extraction_open(*, study: Study, user) -> Extraction:
    """The extraction this user works on: the shared one, or (dual extraction) their own copy."""
    require_role(user=user, review_id=study.review_id, min_role=Role.REVIEWER)
    if not _dual(study):
        extraction, _ = Extraction.objects.get_or_create(study=study, kind=ExtractionKind.FINAL)
        return extraction
    mine = study.extractions.filter(kind=ExtractionKind.INDEPENDENT, extractor=user).first()
    if mine:
        return mine
    # Lock the study so a third extractor cannot slip in beside two starting at once.
    Study.objects.select_for_update().filter(pk=study.pk).values_list("pk", flat=True).get()
    others = [e.extractor.username for e in independent_extractions(study)]
    if len(others) >= DUAL:
        raise ValidationError(f"{' and '.join(others)} already extract this study independently.")
    return Extraction.objects.create(study=study, kind=ExtractionKind.INDEPENDENT, extractor=user)


def both_independent_done(study: Study) -> bool:
    return both_copies_done(independent_extractions(study).values_list("status", flat=True))


def check_may_write(*, extraction: Extraction, user) -> None:
    """Who may change which copy: one's own; the shared one; the consensus for owners and the extractors."""
    # The role and the review's setting in one query (a save runs this first, every time).
    found = (
        ReviewMembership.objects.filter(review_id=extraction.study.review_id, user=user)
        .values_list("role", "review__extractions_per_study")
        .first()
    )
    role, per_study = found or (None, None)
    require_role_at_least(role, Role.REVIEWER)
    if extraction.kind == ExtractionKind.INDEPENDENT:
        if extraction.extractor_id != user.pk:
            raise PermissionDenied("This is another extractor's copy.")
    elif is_dual(per_study):
        extractor_ids = {e.extractor_id for e in independent_extractions(extraction.study)}
        if role != Role.OWNER and user.pk not in extractor_ids:
            raise PermissionDenied("The consensus is made by the owner or the study's extractors.")
    if extraction.status == ExtractionStatus.DONE:
        raise ValidationError("This extraction is marked done; reopen it to change values.")


def _describe_and_clean(*, extraction: Extraction, ref: cells.CellRef, raw):
    """Resolve a cell's target in this study, validate the raw input: (label, value, source, outcome_id, key, siblings prefix)."""
    study = extraction.study
    arm = comparison = None
    if ref.arm_id:
        arm = Arm.objects.filter(pk=ref.arm_id, study=study).first()
        if arm is None:
            raise ValidationError({"cell": "No such arm in this study."})
    if ref.comparison_id:
        comparison = (
            Comparison.objects.filter(pk=ref.comparison_id, study=study)
            .select_related("experimental", "control")
            .first()
        )
        if comparison is None:
            raise ValidationError({"cell": "No such comparison in this study."})
    if ref.field_id:
        field = ExtractionField.objects.filter(pk=ref.field_id, review_id=study.review_id).first()
        if field is None or (field.level == FieldLevel.ARM) != (arm is not None):
            raise ValidationError({"cell": "No such field of the form at this level."})
        value = cells.clean_field_value(kind=field.kind, name=field.name, choices=field.choices, raw=raw)
        label = f"{field.name} · {arm.label}" if arm else field.name
        return {"label": label, "value": value, "source": None, "outcome": None, "field": field, "arm": arm}
    outcome = Outcome.objects.filter(pk=ref.outcome_id, review_id=study.review_id).first()
    if outcome is None:
        raise ValidationError({"cell": "No such outcome in this review."})
    spec = cells.number_spec(outcome.kind, ref.key, per_comparison=comparison is not None)
    prefix = cell_prefix(ref)
    # The cell's own row comes with its siblings: one query fewer for the save.
    rows = list(ExtractedValue.objects.filter(extraction=extraction, cell__startswith=prefix))
    siblings = {row.key: row.value for row in rows if row.cell != prefix + ref.key}
    existing = next((row for row in rows if row.cell == prefix + ref.key), None)
    source = None
    entry = cells.parse_sd_entry(raw) if ref.key == "sd" else None
    if entry:
        value, source = cells.sd_from_entry(how=entry[0], numbers=entry[1], n=siblings.get("n"))
    else:
        value = cells.clean_number(spec, raw)
    cells.check_against_siblings(ref.key, value, siblings)
    where = arm.label if arm else str(comparison)
    return {
        "label": f"{outcome} · {where} · {spec.label}",
        "value": value,
        "source": source,
        "outcome": outcome,
        "field": None,
        "arm": arm,
        "comparison": comparison,
        "key": ref.key,
        "cell": prefix + ref.key,
        "existing": existing,
    }


def cell_prefix(ref: cells.CellRef) -> str:
    where = f"a{ref.arm_id}" if ref.arm_id else f"c{ref.comparison_id}"
    return f"o{ref.outcome_id}:{where}:"


def _conflict(extraction: Extraction, cell: str) -> StaleWrite:
    current = (
        ExtractedValue.objects.filter(extraction=extraction, cell=cell).select_related("updated_by").first()
    )
    if current is None:
        return StaleWrite(cell=cell, current_value=None, current_version=0, updated_by="nobody")
    return StaleWrite(
        cell=cell,
        current_value=current.value,
        current_version=current.version,
        updated_by=current.updated_by.username,
        updated_at=current.updated_at,
    )


@transaction.atomic
def value_save(*, extraction: Extraction, user, cell: str, value, based_on_version: int) -> ExtractedValue:
    """Save one cell if nobody changed it since ``based_on_version`` (0: it was empty); else StaleWrite.

    The write is a conditional UPDATE … WHERE version = based_on (or an INSERT that a
    unique constraint guards), so of two writers based on the same version exactly one wins.
    """
    check_may_write(extraction=extraction, user=user)
    ref = cells.parse_cell(cell)
    cell = cells.field_cell(ref.field_id, ref.arm_id) if ref.field_id else cell
    target = _describe_and_clean(extraction=extraction, ref=ref, raw=value)
    new_value, source = target["value"], target["source"]
    if target.get("cell") == cell:
        existing = target["existing"]
    else:
        existing = ExtractedValue.objects.filter(extraction=extraction, cell=cell).first()
    if existing is not None and existing.value == new_value and existing.source == source:
        return existing  # saving what is already there changes nothing, whatever it was based on
    old_value = existing.value if existing else None
    if existing is None:
        if based_on_version:
            raise _conflict(extraction, cell)
        try:
            with transaction.atomic():
                saved = ExtractedValue.objects.create(
                    extraction=extraction,
                    cell=cell,
                    field=target["field"],
                    outcome=target["outcome"],
                    arm=target["arm"],
                    comparison=target.get("comparison"),
                    key=target.get("key", ""),
                    value=new_value,
                    source=source,
                    updated_by=user,
                )
        except IntegrityError:
            raise _conflict(extraction, cell) from None
    else:
        now = timezone.now()
        updated = ExtractedValue.objects.filter(pk=existing.pk, version=based_on_version).update(
            value=new_value, source=source, version=F("version") + 1, updated_by=user, updated_at=now
        )
        if not updated:
            raise _conflict(extraction, cell)
        # The conditional UPDATE matched version ``based_on_version``: the row is now exactly this.
        saved = existing
        saved.value, saved.source, saved.version = new_value, source, based_on_version + 1
        saved.updated_by, saved.updated_at = user, now
    _record(extraction, cell, target["label"], old_value, new_value, source, user)
    if target.get("key") == "n":
        _rederive_sd(extraction=extraction, ref=ref, n=new_value, user=user)
    if extraction.kind == ExtractionKind.FINAL:
        outcome = target["outcome"]
        data_changed(review_id=extraction.study.review_id, outcome_ids=[outcome.pk] if outcome else None)
    return saved


def _record(extraction, cell, label, old, new, source, user):
    copy = "" if extraction.kind == ExtractionKind.FINAL else f" ({extraction.extractor.username}'s copy)"
    log_change(
        review_id=extraction.study.review_id,
        study_id=extraction.study_id,
        extraction_id=extraction.pk,
        cell=cell,
        what=f"{label}{copy}" + (f" — {source['formula']}" if source else ""),
        old=old,
        new=new,
        user=user,
    )


def _rederive_sd(*, extraction: Extraction, ref: cells.CellRef, n, user) -> None:
    """An SD computed from an SE or a CI follows a changed n (the entered SE or CI is kept)."""
    sd = ExtractedValue.objects.filter(extraction=extraction, cell=cell_prefix(ref) + "sd").first()
    if sd is None or not sd.source or n is None:
        return
    numbers = (
        [sd.source["se"]]
        if sd.source["entered_as"] == "se"
        else [sd.source["ci_lower"], sd.source["ci_upper"]]
    )
    try:
        value, source = cells.sd_from_entry(how=sd.source["entered_as"], numbers=numbers, n=n)
    except ValidationError:
        return
    ExtractedValue.objects.filter(pk=sd.pk).update(
        value=value, source=source, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    _record(extraction, sd.cell, f"SD recomputed for n = {n}", sd.value, value, source, user)


def _missing_required(extraction: Extraction) -> list[str]:
    study = extraction.study
    filled = set(
        extraction.values.exclude(value__isnull=True)
        .exclude(field__isnull=True)
        .values_list("cell", flat=True)
    )
    arms = list(study.arms.all())
    missing = []
    for field in ExtractionField.objects.filter(review_id=study.review_id, required=True):
        if field.level == FieldLevel.STUDY:
            if cells.field_cell(field.pk) not in filled:
                missing.append(field.name)
        else:
            missing += [
                f"{field.name} · {arm.label}"
                for arm in arms
                if cells.field_cell(field.pk, arm.pk) not in filled
            ]
    return missing


def _unresolved_for_consensus(final: Extraction) -> list[str]:
    """Cells either extractor filled that the consensus has left empty."""
    wanted = set(
        ExtractedValue.objects.filter(
            extraction__in=independent_extractions(final.study), value__isnull=False
        ).values_list("cell", flat=True)
    )
    filled = set(final.values.exclude(value__isnull=True).values_list("cell", flat=True))
    return sorted(wanted - filled)


@transaction.atomic
def extraction_complete(*, extraction: Extraction, user) -> Extraction:
    """Mark an extraction done once its required fields (and, for a consensus, every disagreement) are filled."""
    check_may_write(extraction=extraction, user=user)
    missing = _missing_required(extraction)
    if missing:
        raise ValidationError(f"Fill the required fields first: {', '.join(missing)}.")
    if extraction.kind == ExtractionKind.FINAL and _dual(extraction.study):
        unresolved = _unresolved_for_consensus(extraction)
        if unresolved:
            raise ValidationError(f"{len(unresolved)} value(s) still need a consensus.")
    Extraction.objects.filter(pk=extraction.pk).update(
        status=ExtractionStatus.DONE, completed_at=timezone.now()
    )
    extraction.refresh_from_db()
    log_change(
        review_id=extraction.study.review_id,
        study_id=extraction.study_id,
        extraction_id=extraction.pk,
        what=f"{extraction} marked done",
        user=user,
    )
    return extraction


@transaction.atomic
def extraction_reopen(*, extraction: Extraction, user) -> Extraction:
    """Open a done extraction for changes again (its owner, the extractor, or the owner of the review)."""
    role = require_role(user=user, review_id=extraction.study.review_id, min_role=Role.REVIEWER)
    if (
        extraction.kind == ExtractionKind.INDEPENDENT
        and extraction.extractor_id != user.pk
        and role != Role.OWNER
    ):
        raise PermissionDenied("Only the extractor or an owner reopens this copy.")
    if (
        extraction.kind == ExtractionKind.INDEPENDENT
        and extraction.study.extractions.filter(kind=ExtractionKind.FINAL).exists()
    ):
        raise ValidationError("The consensus has started; change values in the consensus instead.")
    Extraction.objects.filter(pk=extraction.pk).update(status=ExtractionStatus.IN_PROGRESS, completed_at=None)
    extraction.refresh_from_db()
    log_change(
        review_id=extraction.study.review_id,
        study_id=extraction.study_id,
        extraction_id=extraction.pk,
        what=f"{extraction} reopened",
        user=user,
    )
    return extraction


@transaction.atomic
def consensus_start(*, study: Study, user) -> Extraction:
    """Open the consensus once both extractors are done, with every value they agree on already in it."""
    if not _dual(study):
        raise ValidationError("This review has one extraction per study; there is no consensus to make.")
    Study.objects.select_for_update().filter(pk=study.pk).values_list("pk", flat=True).get()
    final = study.extractions.filter(kind=ExtractionKind.FINAL).first()
    if final is not None:
        return final
    if not both_independent_done(study):
        raise ValidationError("The consensus starts when both extractors have marked their copies done.")
    final = Extraction.objects.create(study=study, kind=ExtractionKind.FINAL)
    check_may_write(extraction=final, user=user)
    first, second = [
        {v.cell: v for v in extraction.values.all()} for extraction in independent_extractions(study)
    ]
    copied = 0
    touched_outcomes = set()
    for cell, value in first.items():
        other = second.get(cell)
        if value.value is None or other is None or other.value != value.value:
            continue
        ExtractedValue.objects.create(
            extraction=final,
            cell=cell,
            field_id=value.field_id,
            outcome_id=value.outcome_id,
            arm_id=value.arm_id,
            comparison_id=value.comparison_id,
            key=value.key,
            value=value.value,
            source=value.source,
            updated_by=user,
        )
        copied += 1
        touched_outcomes.add(value.outcome_id)
    log_change(
        review_id=study.review_id,
        study_id=study.pk,
        extraction_id=final.pk,
        what=f"Consensus started: {copied} agreeing value(s) copied",
        user=user,
    )
    if copied:
        data_changed(review_id=study.review_id, outcome_ids=None)
    return final
