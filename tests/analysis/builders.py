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


def continuous_review(review, owner, reviewer, trials, name="Pain score") -> Built:
    """A continuous outcome; ``trials`` are (label, (mean, sd, n) experimental, (mean, sd, n) control)."""
    outcome = extraction.outcome_create(review=review, user=owner, name=name, kind=OutcomeKind.CONTINUOUS)
    built = Built(outcome)
    for label, experimental_numbers, control_numbers in trials:
        study = extraction.study_create(review=review, user=owner, label=label)
        experimental = extraction.arm_create(study=study, user=owner, label="Treatment")
        control = extraction.arm_create(study=study, user=owner, label="Control")
        final = extraction.extraction_open(study=study, user=reviewer)
        for arm, numbers in ((experimental, experimental_numbers), (control, control_numbers)):
            for key, value in zip(("mean", "sd", "n"), numbers, strict=True):
                save(final, reviewer, events_cell(outcome, arm, key), value)
        built.studies.append(study)
        built.extractions[study.pk] = final
        built.arms[study.pk] = (experimental, control)
    return built


# Three trials with SD 2 and n 50 in every arm: every study has the same variance, so Egger's
# regression of the effect on its standard error has nothing to regress on.
EQUAL_VARIANCE_TRIALS = [
    ("Equal A 2001", (5.0, 2, 50), (4.0, 2, 50)),
    ("Equal B 2005", (6.0, 2, 50), (4.5, 2, 50)),
    ("Equal C 2010", (5.5, 2, 50), (5.0, 2, 50)),
]
