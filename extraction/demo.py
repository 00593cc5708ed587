"""The demo review's extraction: the 13 BCG trials of metafor's dat.bcg, entered as a reviewer would."""

from django.db import transaction

from extraction import services
from extraction.models import ExtractedValue, ExtractionField, FieldKind, Outcome, OutcomeKind, Study
from reviews.demo import demo_record_title
from reviews.models import Record, Review

OUTCOME = "Tuberculosis cases"
# trial, author and year, tpos, tneg, cpos, cneg, ablat, alloc (metafor 3.8-1, dat.bcg)
BCG_TRIALS = [
    (1, "Aronson", 1948, 4, 119, 11, 128, 44, "random"),
    (2, "Ferguson & Simes", 1949, 6, 300, 29, 274, 55, "random"),
    (3, "Rosenthal et al", 1960, 3, 228, 11, 209, 42, "random"),
    (4, "Hart & Sutherland", 1977, 62, 13536, 248, 12619, 52, "random"),
    (5, "Frimodt-Moller et al", 1973, 33, 5036, 47, 5761, 13, "alternate"),
    (6, "Stein & Aronson", 1953, 180, 1361, 372, 1079, 44, "alternate"),
    (7, "Vandiviere et al", 1973, 8, 2537, 10, 619, 19, "random"),
    (8, "TPT Madras", 1980, 505, 87886, 499, 87892, 13, "random"),
    (9, "Coetzee & Berjak", 1968, 29, 7470, 45, 7232, 27, "random"),
    (10, "Rosenthal et al", 1961, 17, 1699, 65, 1600, 42, "systematic"),
    (11, "Comstock et al", 1974, 186, 50448, 141, 27197, 18, "systematic"),
    (12, "Comstock & Webster", 1969, 5, 2493, 3, 2338, 33, "systematic"),
    (13, "Comstock et al", 1976, 27, 16886, 29, 17825, 33, "systematic"),
]
VACCINATED, CONTROL = "Vaccinated", "Not vaccinated"


def _field(review, user, name, kind, **extra) -> ExtractionField:
    found = ExtractionField.objects.filter(review=review, level="study", name=name).first()
    return found or services.field_create(review=review, user=user, name=name, kind=kind, **extra)


def _set(extraction, user, cell: str, value) -> None:
    stored = ExtractedValue.objects.filter(extraction=extraction, cell=cell).first()
    if stored is None or stored.value != value:
        services.value_save(
            extraction=extraction,
            user=user,
            cell=cell,
            value=value,
            based_on_version=stored.version if stored else 0,
        )


@transaction.atomic
def demo_extraction_load(*, review: Review) -> None:
    """Fill the demo review's form, outcome, studies, arms and counts; running it again changes nothing."""
    user = review.created_by
    latitude = _field(review, user, "Latitude", FieldKind.NUMBER, unit="degrees from the equator")
    allocation = _field(
        review, user, "Allocation", FieldKind.CHOICE, choices=["random", "alternate", "systematic"]
    )
    year = _field(review, user, "Year", FieldKind.NUMBER)
    outcome = Outcome.objects.filter(review=review, name=OUTCOME).first() or services.outcome_create(
        review=review, user=user, name=OUTCOME, kind=OutcomeKind.DICHOTOMOUS
    )
    for _, author, published, tpos, tneg, cpos, cneg, ablat, alloc in BCG_TRIALS:
        label = f"{author} {published}"
        study = Study.objects.filter(review=review, label=label).first() or services.study_create(
            review=review, user=user, label=label
        )
        if not study.records.exists():
            report = Record.objects.filter(review=review, title=demo_record_title(author, published)).first()
            if report is not None:
                services.study_link_record(study=study, record_id=report.pk, user=user)
        arms = {arm.label: arm for arm in study.arms.all()}
        for arm_label, intervention in ((VACCINATED, "BCG vaccine"), (CONTROL, "No vaccine")):
            if arm_label not in arms:
                arms[arm_label] = services.arm_create(
                    study=study, user=user, label=arm_label, intervention=intervention
                )
        extraction = services.extraction_open(study=study, user=user)
        if extraction.status == "done":
            continue
        _set(extraction, user, f"f{latitude.pk}", ablat)
        _set(extraction, user, f"f{allocation.pk}", alloc)
        _set(extraction, user, f"f{year.pk}", published)
        vaccinated, control = arms[VACCINATED].pk, arms[CONTROL].pk
        _set(extraction, user, f"o{outcome.pk}:a{vaccinated}:total", tpos + tneg)
        _set(extraction, user, f"o{outcome.pk}:a{vaccinated}:events", tpos)
        _set(extraction, user, f"o{outcome.pk}:a{control}:total", cpos + cneg)
        _set(extraction, user, f"o{outcome.pk}:a{control}:events", cpos)
        services.extraction_complete(extraction=extraction, user=user)
