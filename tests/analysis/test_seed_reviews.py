"""The two reviews the platform was built for, made end to end through the API.

1. IL-2 maintenance in AML (IPD): five trials with patient data and a sixth known only from
   its published hazard ratios; leukemia-free and overall survival; one-stage Cox stratified
   by trial with Kaplan-Meier curves per arm and prespecified interaction tests; two-stage
   pooling that includes the sixth trial.
2. IL-2 in melanoma: complete, partial and overall response of 41 arms from 34 studies,
   pooled on the logit scale and compared by dose level, combination and era.

The data are simulated with fixed seeds; each result must equal what the engine gives
on the same rows, computed here straight from the simulated data.
"""

import csv
import io

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis import engine, services

TRIALS = ["ALFA-9802 2006", "Baer 2008", "Blaise 2000", "GOELAMS 2007", "Kolitz 2014"]
PUBLISHED = ("Pautas 2010", {"lfs": (0.84, 0.64, 1.10), "os": (0.93, 0.70, 1.24)})
AGE_GROUPS = ["under 60", "60 or older"]
RISK = ["favourable", "intermediate", "adverse"]


class Api:
    """The owner's API client with the few calls a review team makes."""

    def __init__(self, client, review_id=None):
        self.client, self.review_id = client, review_id

    def post(self, path, data, status=201, **kwargs):
        response = self.client.post(f"/api/reviews/{self.review_id}/{path}", data, format="json", **kwargs)
        assert response.status_code == status, (path, response.content[:500])
        return response.json()

    def get(self, path):
        response = self.client.get(f"/api/reviews/{self.review_id}/{path}")
        assert response.status_code == 200, response.content[:500]
        return response.json()

    def study(self, label, arms):
        study = self.post("studies/", {"label": label})
        made = [self.post(f"studies/{study['id']}/arms/", {"label": arm}) for arm in arms]
        extraction = self.post(f"studies/{study['id']}/extractions/", None, status=200)
        return study, made, extraction

    def save(self, study, extraction, cell, value):
        self.post(
            f"studies/{study['id']}/extractions/{extraction['id']}/values/",
            {"cell": cell, "value": value, "based_on_version": 0},
            status=200,
        )


@pytest.fixture
def api(api_client_for, owner):
    client = api_client_for(owner)
    review = client.post("/api/reviews/", {"title": "IL-2", "question": "?"}, format="json").json()
    return Api(client, review["id"])


def result_of(api, analysis):
    services.recompute(analysis_id=analysis["id"])
    payload = api.get(f"analyses/{analysis['id']}/result/")
    assert payload["stale"] is False and payload["state"] == "current", payload.get("error")
    return payload["result"]["numbers"]


def page_of(api, analysis) -> str:
    """The analysis page as a signed-in member sees it."""
    from django.test import Client

    from analysis.models import Analysis

    client = Client()
    client.force_login(Analysis.objects.get(pk=analysis["id"]).review.memberships.get().user)
    response = client.get(f"/reviews/{api.review_id}/analyses/{analysis['id']}/")
    assert response.status_code == 200
    return response.content.decode()


def assert_same(got: dict, expected: dict, keys):
    for key in keys:
        assert got[key] == pytest.approx(expected[key], rel=1e-9, abs=1e-12), key


# --- 1. IL-2 / AML, patient-level data -------------------------------------------------------


def simulate_patients(seed=20140601) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for index, trial in enumerate(TRIALS):
        n = 70 + 15 * index
        for patient in range(n):
            il2 = patient % 2 == 0
            age = AGE_GROUPS[int(rng.random() < 0.35)]
            risk = RISK[rng.choice(3, p=[0.25, 0.5, 0.25])]
            hazard = 0.08 * (0.85 if il2 else 1.0) * (1.6 if risk == "adverse" else 1.0) * (1 + 0.15 * index)
            lfs = rng.exponential(1 / hazard)
            death_after_relapse = rng.exponential(1 / 0.25)
            censor = rng.uniform(6, 60)
            os_time = min(lfs + death_after_relapse, censor)
            rows.append(
                {
                    "study": trial,
                    "arm": "IL-2" if il2 else "Control",
                    "treatment": "experimental" if il2 else "control",
                    "time": round(min(lfs, censor), 2),
                    "event": int(lfs <= censor),
                    "os_time": round(os_time, 2),
                    "os_event": int(lfs + death_after_relapse <= censor),
                    "age_group": age,
                    "sex": int(rng.random() < 0.5),
                    "risk": risk,
                }
            )
    return pd.DataFrame(rows)


def csv_of(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    columns = ["arm", "time", "event", "os_time", "os_event", "age_group", "sex", "risk"]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in frame[columns].to_dict(orient="records"):
        writer.writerow(row)
    return out.getvalue().encode()


def test_il2_aml_ipd_review_built_through_the_api(api):
    patients = simulate_patients()
    lfs = api.post("outcomes/", {"name": "Leukemia-free survival", "kind": "time_to_event"})
    os_ = api.post("outcomes/", {"name": "Overall survival", "kind": "time_to_event"})
    for trial in TRIALS:
        study, _, _ = api.study(trial, ["IL-2", "Control"])
        upload = SimpleUploadedFile("ipd.csv", csv_of(patients[patients.study == trial]), "text/csv")
        response = api.client.post(
            f"/api/reviews/{api.review_id}/studies/{study['id']}/ipd/", {"file": upload}
        )
        assert response.status_code == 201, response.content[:500]
    label, hrs = PUBLISHED
    study, arms, extraction = api.study(label, ["IL-2", "Control"])
    comparison = api.get(f"studies/{study['id']}/")["comparisons"][0]["id"]
    for outcome, key in ((lfs, "lfs"), (os_, "os")):
        for cell_key, value in zip(("hr", "hr_lower", "hr_upper"), hrs[key], strict=True):
            api.save(study, extraction, f"o{outcome['id']}:c{comparison}:{cell_key}", value)

    options = {
        "hazard_source": "both",
        "one_stage_cox": True,
        "interaction_covariates": ["age_group", "risk"],
    }
    lfs_analysis = api.post("analyses/", {"outcome": lfs["id"], "name": "LFS", **options})
    os_analysis = api.post(
        "analyses/",
        {"outcome": os_["id"], "name": "OS", "time_column": "os_time", "event_column": "os_event", **options},
    )
    assert (lfs_analysis["measure"], lfs_analysis["method"]) == ("HR", "REML")

    for analysis, (time, event), key in (
        (lfs_analysis, ("time", "event"), "lfs"),
        (os_analysis, ("os_time", "os_event"), "os"),
    ):
        got = result_of(api, analysis)
        estimate, lower, upper = hrs[key]
        published = [{"study": label, "estimate": estimate, "ci_lower": lower, "ci_upper": upper}]
        common = {"time": time, "event": event, "treatment": "treatment", "control": "control"}
        expected = engine.two_stage(patients, trial="study", published=published, **common)
        assert got["k"] == 6
        assert_same(got, expected, ["estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q", "q_pval"])
        assert [s["source"] for s in got["studies"]].count("published") == 1
        one_stage = engine.analyse_ipd(patients, strata="study", **common)
        assert got["one_stage"]["comparisons"][0]["hr"] == pytest.approx(
            one_stage["comparisons"][0]["hr"], rel=1e-9
        )
        assert got["one_stage"]["logrank"]["chi2"] == pytest.approx(one_stage["logrank"]["chi2"], rel=1e-9)
        assert {curve["treatment"] for curve in got["one_stage"]["km_curves"]} == {"experimental", "control"}
        for test, covariate in zip(got["interactions"], ["age_group", "risk"], strict=True):
            reference = engine.analyse_ipd(patients, strata="study", interaction=covariate, **common)
            assert test["covariate"] == covariate
            assert test["pval"] == pytest.approx(reference["interaction"]["pval"], rel=1e-9)
        page = page_of(api, analysis)
        assert 'id="forest-plot"' in page and 'id="km-plot"' in page and "One-stage Cox model" in page


# --- 2. IL-2 / melanoma, response rates of 41 arms --------------------------------------------


def simulate_arms(seed=19981201) -> list[dict]:
    """41 arms of 34 studies (7 two-arm studies): dose level, combination, year, responders."""
    rng = np.random.default_rng(seed)
    arms = []
    for index in range(34):
        year = int(1985 + rng.integers(0, 20))
        study = f"Study {index + 1:02d} {year}"
        for arm in range(2 if index < 7 else 1):
            combined = bool(arm == 1 or rng.random() < 0.3)
            dose = "high" if rng.random() < 0.55 else "low"
            n = int(rng.integers(12, 90))
            rate_cr = 0.04 + (0.03 if dose == "high" else 0) + (0.02 if combined else 0)
            rate_pr = 0.10 + (0.05 if dose == "high" else 0) + (0.04 if combined else 0)
            cr = int(rng.binomial(n, rate_cr))
            pr = int(rng.binomial(n - cr, rate_pr))
            arms.append(
                {
                    "study": study,
                    "arm": "IL-2 + chemotherapy"
                    if combined and arm == 1
                    else ("IL-2 combined" if combined else "IL-2"),
                    "dose_level": dose,
                    "combination": "combined" if combined else "alone",
                    "year": year,
                    "era": "before 1995" if year < 1995 else "1995 or later",
                    "n": n,
                    "complete": cr,
                    "partial": pr,
                    "overall": cr + pr,
                }
            )
    return arms


def test_il2_melanoma_response_review_built_through_the_api(api):
    arms = simulate_arms()
    assert len(arms) == 41 and len({a["study"] for a in arms}) == 34
    fields = {
        name: api.post("extraction/fields/", spec)
        for name, spec in {
            "dose": {"name": "Dose level", "level": "arm", "kind": "choice", "choices": ["high", "low"]},
            "combination": {
                "name": "Combination",
                "level": "arm",
                "kind": "choice",
                "choices": ["alone", "combined"],
            },
            "year": {"name": "Year", "level": "study", "kind": "number"},
            "era": {
                "name": "Era",
                "level": "study",
                "kind": "choice",
                "choices": ["before 1995", "1995 or later"],
            },
        }.items()
    }
    outcomes = {
        key: api.post("outcomes/", {"name": f"{key.capitalize()} response", "kind": "proportion"})
        for key in ("complete", "partial", "overall")
    }
    by_study: dict[str, list[dict]] = {}
    for arm in arms:
        by_study.setdefault(arm["study"], []).append(arm)
    for label, study_arms in by_study.items():
        study, made, extraction = api.study(label, [a["arm"] for a in study_arms])
        api.save(study, extraction, f"f{fields['year']['id']}", study_arms[0]["year"])
        api.save(study, extraction, f"f{fields['era']['id']}", study_arms[0]["era"])
        for arm, stored in zip(study_arms, made, strict=True):
            api.save(study, extraction, f"f{fields['dose']['id']}:a{stored['id']}", arm["dose_level"])
            api.save(study, extraction, f"f{fields['combination']['id']}:a{stored['id']}", arm["combination"])
            for key, outcome in outcomes.items():
                api.save(study, extraction, f"o{outcome['id']}:a{stored['id']}:n", arm["n"])
                api.save(study, extraction, f"o{outcome['id']}:a{stored['id']}:responders", arm[key])

    arms_per_study = {label: len(a) for label, a in by_study.items()}

    def rows_for(key):
        return [
            {
                "study": f"{a['study']}, {a['arm']}" if arms_per_study[a["study"]] > 1 else a["study"],
                "xi": a[key],
                "ni": a["n"],
                **{c: a[c] for c in ("dose_level", "combination", "year", "era")},
            }
            for a in sorted(arms, key=lambda a: a["study"])
        ]

    for key, outcome in outcomes.items():
        analysis = api.post("analyses/", {"outcome": outcome["id"], "name": f"{key} response"})
        assert analysis["measure"] == "PLO" and analysis["prediction_interval"] is True
        got = result_of(api, analysis)
        expected = engine.run_pooled_analysis(rows_for(key), "PLO", "REML", egger=True)
        assert got["k"] == 41
        assert_same(got, expected, ["estimate", "ci_lower", "ci_upper", "tau2", "i2", "pi_lower", "pi_upper"])
        assert got["summary"]["estimate"] == pytest.approx(expected["summary"]["estimate"], rel=1e-9)
        assert 0 < got["summary"]["ci_lower"] < got["summary"]["estimate"] < got["summary"]["ci_upper"] < 1

    overall = outcomes["overall"]["id"]
    for subgroup in ("dose_level", "combination", "era"):
        analysis = api.post("analyses/", {"outcome": overall, "name": f"by {subgroup}", "subgroup": subgroup})
        got = result_of(api, analysis)
        expected = engine.run_pooled_analysis(
            rows_for("overall"), "PLO", "REML", subgroup=subgroup, egger=True
        )
        assert set(got["subgroups"]) == set(expected["subgroups"]) and len(got["subgroups"]) == 2
        assert_same(got, expected, ["q_between", "q_between_pval"])
        for name, group in got["subgroups"].items():
            assert_same(group, expected["subgroups"][name], ["estimate", "tau2", "k"])

    regression = api.post(
        "analyses/",
        {"outcome": overall, "name": "meta-regression", "moderators": ["year", "dose_level", "combination"]},
    )
    got = result_of(api, regression)
    expected = engine.run_pooled_analysis(
        rows_for("overall"), "PLO", "REML", mods=["year", "dose_level", "combination"], egger=True
    )
    assert_same(got, expected, ["qm", "qm_pval", "tau2"])
    assert "bubble-plot" in page_of(api, regression)
    for term, coefficient in expected["moderators"].items():
        assert got["moderators"][term]["estimate"] == pytest.approx(coefficient["estimate"], rel=1e-9)
