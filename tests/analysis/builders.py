"""Reviews with extracted data built through extraction's own services, for the analysis tests."""

from dataclasses import dataclass, field

from extraction import services as extraction
from extraction.models import ExtractedValue, Outcome, OutcomeKind, Study

# Five two-arm trials (events, total) per arm: a small, heterogeneous dichotomous data set.
TRIALS = [
    ("Aronson 1948", (4, 123), (11, 139)),
    ("Ferguson 1949", (6, 306), (29, 303)),
    ("Rosenthal 1960", (3, 231), (11, 220)),
    ("Hart 1977", (62, 13598), (248, 12867)),
    ("Frimodt-Moller 1973", (33, 5069), (47, 5808)),
]


@dataclass
class Built:
    outcome: Outcome
    studies: list[Study] = field(default_factory=list)
    extractions: dict = field(default_factory=dict)  # study id -> FINAL extraction
    arms: dict = field(default_factory=dict)  # study id -> (experimental, control)


def save(extraction_, user, cell: str, value):
    """Save one cell based on its current version (as a reviewer who just loaded the page)."""
    stored = ExtractedValue.objects.filter(extraction=extraction_, cell=cell).first()
    return extraction.value_save(
        extraction=extraction_,
        user=user,
        cell=cell,
        value=value,
        based_on_version=stored.version if stored else 0,
    )


def events_cell(outcome, arm, key="events") -> str:
    return f"o{outcome.pk}:a{arm.pk}:{key}"


def dichotomous_review(review, owner, reviewer, trials=TRIALS, name="Tuberculosis") -> Built:
    """A dichotomous outcome with two-arm trials, every number entered by the reviewer."""
    outcome = extraction.outcome_create(review=review, user=owner, name=name, kind=OutcomeKind.DICHOTOMOUS)
    built = Built(outcome)
    for label, (e_events, e_total), (c_events, c_total) in trials:
        study = extraction.study_create(review=review, user=owner, label=label)
        experimental = extraction.arm_create(study=study, user=owner, label="Vaccine")
        control = extraction.arm_create(study=study, user=owner, label="Control")
        final = extraction.extraction_open(study=study, user=reviewer)
        for arm, events, total in ((experimental, e_events, e_total), (control, c_events, c_total)):
            save(final, reviewer, events_cell(outcome, arm), events)
            save(final, reviewer, events_cell(outcome, arm, "total"), total)
        built.studies.append(study)
        built.extractions[study.pk] = final
        built.arms[study.pk] = (experimental, control)
    return built
