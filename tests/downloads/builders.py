"""A review with every kind of analysis, built through extraction's and analysis's own services."""

from dataclasses import dataclass, field

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis import services as analysis_services
from analysis.models import Analysis
from extraction import services as extraction
from extraction.models import FieldKind, OutcomeKind
from tests.analysis.builders import dichotomous_review, save

# (label, allocation, absolute latitude) of the dichotomous trials in tests.analysis.builders.TRIALS
CHARACTERISTICS = {
    "Aronson 1948": ("random", 44),
    "Ferguson 1949": ("systematic", 55),
    "Rosenthal 1960": ("random", 42),
    "Hart 1977": ("random", 52),
    "Frimodt-Moller 1973": ("alternate", 13),
}
# responders / n of single-arm studies (one study with two arms)
PROPORTIONS = [("Atkins 1999", [("High dose", 16, 270)]), ("Rosenberg 1994", [("Bolus", 12, 134), ("Infusion", 5, 42)]),
               ("Phan 2001", [("IL-2", 3, 40)]), ("Parkinson 1990", [("IL-2", 8, 46)])]  # fmt: skip
# published hazard ratios: (label, form, values)
PUBLISHED_HR = [
    ("Lowenberg 2003", "ci", {"hr": 0.84, "hr_lower": 0.64, "hr_upper": 1.10}),
    ("Pautas 2010", "log_hr", {"log_hr": -0.105, "se_log_hr": 0.09}),
    ("Baer 2008", "logrank", {"o_minus_e": -4.2, "v": 21.5}),
    ("Kolitz 2014", "ci", {"hr": 1.05, "hr_lower": 0.80, "hr_upper": 1.38}),
]
IPD_TRIALS = ["ALFA 2006", "Blaise 2000", "GOELAMS 2007"]


@dataclass
class FullReview:
    analyses: dict[str, Analysis] = field(default_factory=dict)


def ipd_csv(trial_index: int, seed: int = 7) -> bytes:
    rng = np.random.default_rng(seed + trial_index)
    lines = ["arm,time,event,age_group,age"]
    for patient in range(40 + 10 * trial_index):
        il2 = patient % 2 == 0
        hazard = 0.1 * (0.8 if il2 else 1.0) * (1 + 0.2 * trial_index)
        time, censor = rng.exponential(1 / hazard), rng.uniform(5, 40)
        age = int(rng.integers(25, 75))
        group = "60 or older" if age >= 60 else "under 60"
        lines.append(
            f"{'IL-2' if il2 else 'Control'},{min(time, censor):.3f},{int(time <= censor)},{group},{age}"
        )
    return ("\n".join(lines) + "\n").encode()


def full_review(review, owner, reviewer) -> FullReview:
    built = FullReview()
    dichotomous = dichotomous_review(review, owner, reviewer)
    alloc = extraction.field_create(review=review, user=owner, name="alloc", kind=FieldKind.TEXT)
    ablat = extraction.field_create(review=review, user=owner, name="ablat", kind=FieldKind.NUMBER)
    for study in dichotomous.studies:
        final = dichotomous.extractions[study.pk]
        allocation, latitude = CHARACTERISTICS[study.label]
        save(final, reviewer, f"f{alloc.pk}", allocation)
        save(final, reviewer, f"f{ablat.pk}", latitude)

    proportion = extraction.outcome_create(
        review=review, user=owner, name="Response", kind=OutcomeKind.PROPORTION
    )
    for label, arms in PROPORTIONS:
        study = extraction.study_create(review=review, user=owner, label=label)
        final = extraction.extraction_open(study=study, user=reviewer)
        for arm_label, responders, n in arms:
            arm = extraction.arm_create(study=study, user=owner, label=arm_label)
            save(final, reviewer, f"o{proportion.pk}:a{arm.pk}:responders", responders)
            save(final, reviewer, f"o{proportion.pk}:a{arm.pk}:n", n)

    published = extraction.outcome_create(
        review=review, user=owner, name="Relapse-free survival", kind=OutcomeKind.TIME_TO_EVENT
    )
    survival = extraction.outcome_create(
        review=review, user=owner, name="Leukemia-free survival", kind=OutcomeKind.TIME_TO_EVENT
    )
    for label, _form, values in PUBLISHED_HR:
        study = extraction.study_create(review=review, user=owner, label=label)
        extraction.arm_create(study=study, user=owner, label="IL-2")
        extraction.arm_create(study=study, user=owner, label="Control")
        comparison = study.comparisons.get()
        final = extraction.extraction_open(study=study, user=reviewer)
        for outcome in (published, survival):
            for key, value in values.items():
                save(final, reviewer, f"o{outcome.pk}:c{comparison.pk}:{key}", value)
    for index, label in enumerate(IPD_TRIALS):
        study = extraction.study_create(review=review, user=owner, label=label)
        extraction.arm_create(study=study, user=owner, label="IL-2")
        extraction.arm_create(study=study, user=owner, label="Control")
        extraction.ipd_replace(study=study, user=owner, upload=SimpleUploadedFile("ipd.csv", ipd_csv(index)))

    def add(name, outcome, **options):
        analysis = analysis_services.analysis_create(
            review=review, user=owner, outcome=outcome, name=name, **options
        )
        built.analyses[name] = analysis

    add("OR by allocation", dichotomous.outcome, measure="OR", method="REML", subgroup="alloc")
    add("RR on latitude", dichotomous.outcome, measure="RR", method="REML", moderators=["ablat"])
    add("RR Mantel-Haenszel", dichotomous.outcome, measure="RR", method="MH")
    add("OR Hartung-Knapp", dichotomous.outcome, measure="OR", method="DL", confidence_method="knha")
    add("Response (logit)", proportion, measure="PLO", method="REML")
    add("Relapse-free survival, published", published, measure="HR", method="REML")
    add(
        "LFS two-stage with one-stage Cox",
        survival,
        measure="HR",
        method="REML",
        hazard_source="both",
        one_stage_cox=True,
        interaction_covariates=["age_group", "age"],
    )
    for analysis in built.analyses.values():
        outcome = analysis_services.recompute(analysis_id=analysis.pk)
        assert outcome.status == "stored", (analysis.name, outcome)
        analysis.refresh_from_db()
        assert analysis.current_result.status == "ok", (analysis.name, analysis.current_result.error)
    return built
