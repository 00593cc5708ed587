"""The reproducibility bundle's R script, run by R metafor and survival, prints the platform's numbers.

A review built here has dichotomous analyses (subgroups, meta-regression, Mantel-Haenszel,
Hartung-Knapp), a pooled proportion, published hazard ratios and a patient-level analysis
(two-stage with a published trial, one-stage Cox stratified by trial, Kaplan-Meier,
interaction tests). Every number R prints must equal the stored result to a relative 1e-6,
and the bundle's `manage.py pool` / `ipd` lines must give the same numbers.
"""

import io
import json
import shlex
import shutil
import subprocess
import zipfile

import pytest
from django.core.management import call_command

from downloads.exports import bundle, r_script
from reviews.models import ReviewMembership
from tests.conftest import require_service
from tests.downloads.builders import full_review

REL = 1e-6


def close(got: float, expected: float) -> bool:
    return got == pytest.approx(expected, rel=REL, abs=1e-12)


@pytest.fixture
def built(review, owner, reviewer):
    return full_review(review, owner, reviewer)


@pytest.fixture
def unpacked(built, review, owner, tmp_path):
    membership = ReviewMembership.objects.get(review=review, user=owner)
    data = bundle.build_bundle(review=review, membership=membership)
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    return tmp_path


def test_r_script_prints_every_number_of_every_analysis(built, unpacked):
    require_service(shutil.which("Rscript") is not None, "R (Rscript with metafor)")
    run = subprocess.run(
        ["Rscript", "reproduce.R"], cwd=unpacked, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    from_r = r_script.parse_numbers(run.stdout)
    platform = r_script.parse_numbers((unpacked / "platform_numbers.txt").read_text())

    # the platform_numbers file is the stored result itself, not a copy made some other way
    for analysis in built.analyses.values():
        analysis.refresh_from_db()
        numbers = analysis.current_result.numbers
        p = f"a{analysis.pk}"
        if "moderators" in numbers:
            assert platform[f"{p}.mod[ablat].estimate"] == numbers["moderators"]["ablat"]["estimate"]
        else:
            assert platform[f"{p}.estimate"] == numbers["estimate"]
            assert platform[f"{p}.summary.estimate"] == numbers["summary"]["estimate"]

    mismatched = {
        k: (v, platform.get(k)) for k, v in from_r.items() if k not in platform or not close(v, platform[k])
    }
    assert not mismatched, mismatched
    missing = sorted(set(platform) - set(from_r))
    assert not missing, missing

    # every part of every analysis was checked
    ids = {name: f"a{a.pk}" for name, a in built.analyses.items()}
    expected_keys = [
        ids["OR by allocation"] + ".subgroup[random].tau2",
        ids["OR by allocation"] + ".q_between",
        ids["OR by allocation"] + ".egger.pval",
        ids["OR by allocation"] + ".tau2_ci_upper",
        ids["RR on latitude"] + ".mod[ablat].estimate",
        ids["RR on latitude"] + ".qm",
        ids["RR Mantel-Haenszel"] + ".estimate",
        ids["OR Hartung-Knapp"] + ".ci_lower",
        ids["Response (logit)"] + ".summary.estimate",
        ids["Response (logit)"] + ".study[Rosenberg 1994, Bolus].weight",
        ids["Relapse-free survival, published"] + ".study[Baer 2008].yi",
        ids["LFS two-stage with one-stage Cox"] + ".trial[ALFA 2006].yi",
        ids["LFS two-stage with one-stage Cox"] + ".study[Pautas 2010].weight",
        ids["LFS two-stage with one-stage Cox"] + ".cox.log_hr",
        ids["LFS two-stage with one-stage Cox"] + ".logrank.chi2",
        ids["LFS two-stage with one-stage Cox"] + ".km[control].surv.10",
        ids["LFS two-stage with one-stage Cox"] + ".interaction[age_group].chi2",
        ids["LFS two-stage with one-stage Cox"] + ".interaction[age].chi2",
    ]
    assert not [key for key in expected_keys if key not in from_r], from_r.keys()
    assert len(from_r) > 300


def test_command_lines_give_the_same_numbers(built, unpacked, monkeypatch):
    monkeypatch.chdir(unpacked)
    platform = r_script.parse_numbers((unpacked / "platform_numbers.txt").read_text())
    lines = [
        line for line in (unpacked / "commands.sh").read_text().splitlines() if line.startswith("python")
    ]
    assert len(lines) == 10  # 7 pooled analyses + one-stage Cox and 2 interaction tests
    by_file = {}
    for line in lines:
        words = shlex.split(line)
        command, args = words[2], words[3:]
        out = io.StringIO()
        call_command(command, *args, stdout=out)
        analysis_id = args[0].split("analysis-")[1].split("-")[0].split(".")[0]
        by_file.setdefault(analysis_id, []).append((command, args, json.loads(out.getvalue())))
    for analysis_id, runs in by_file.items():
        p = f"a{analysis_id}"
        command, args, result = runs[0]
        assert command == "pool"
        if "moderators" in result:
            assert close(result["moderators"]["ablat"]["estimate"], platform[f"{p}.mod[ablat].estimate"])
            assert close(result["qm"], platform[f"{p}.qm"])
        else:
            for key in ("estimate", "se", "ci_lower", "ci_upper", "tau2", "q"):
                if f"{p}.{key}" in platform:
                    assert close(result[key], platform[f"{p}.{key}"]), (p, key)
        if "--subgroup" in args:
            assert close(result["q_between"], platform[f"{p}.q_between"])
        for command, args, result in runs[1:]:
            assert command == "ipd"
            if "--interaction" in args:
                covariate = args[args.index("--interaction") + 1]
                assert close(result["interaction"]["chi2"], platform[f"{p}.interaction[{covariate}].chi2"])
            else:
                assert close(result["log_hr"], platform[f"{p}.cox.log_hr"])
                assert close(result["logrank"]["chi2"], platform[f"{p}.logrank.chi2"])
