"""Every download opened and read back against the stored result; formula injection; stale results; jobs."""

import csv
import io
import json
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
from django.urls import reverse
from PIL import Image

from downloads import building as download_building
from downloads import services as download_services
from downloads.exports.files import analysis_file_names
from downloads.models import DownloadJob
from extraction import services as extraction
from extraction.models import FieldKind, OutcomeKind
from reviews.models import Decision, Record, Stage
from reviews.selectors.prisma import prisma_counts
from reviews.services import screening
from tests.analysis.builders import dichotomous_review, save
from tests.reviews.screening_support import add_records

INJECTION = '=HYPERLINK("http://x","y")'


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return response


def svg_texts(content: bytes) -> str:
    root = ElementTree.fromstring(content)
    assert root.tag.endswith("svg")
    return " ".join(t for t in root.itertext())


def test_every_analysis_download_equals_the_stored_result(client, review, owner, built):
    client.force_login(owner)
    for analysis in built.analyses.values():
        analysis.refresh_from_db()
        result = analysis.current_result
        numbers = result.numbers
        base = {"review_id": review.pk, "analysis_id": analysis.pk}
        names = [name for name, _ in analysis_file_names(analysis, result)]
        for name in names:
            response = get(client, reverse("downloads:analysis-file", kwargs={**base, "name": name}))
            assert f"-v{result.data_version}" in response["Content-Disposition"]
            content = response.content
            if name == "pooled.csv":
                rows = read_csv(content)
                if "moderators" not in numbers:
                    overall = rows[0]
                    assert overall["part"] == "overall"
                    for key in ("estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q"):
                        expected = numbers.get(key)
                        assert (float(overall[key]) if overall[key] else None) == expected, (
                            analysis.name,
                            key,
                        )
                    assert float(overall["summary_estimate"]) == numbers["summary"]["estimate"]
                for level, group in (numbers.get("subgroups") or {}).items():
                    row = next(r for r in rows if r["part"] == "subgroup" and r["group"] == level)
                    assert float(row["estimate"]) == group["estimate"]
            elif name == "studies.csv":
                rows = read_csv(content)
                assert [r["study"] for r in rows] == [s["study"] for s in numbers["studies"]]
                assert [float(r["weight"]) for r in rows] == [s["weight"] for s in numbers["studies"]]
                assert [float(r["yi"]) for r in rows] == [s["yi"] for s in numbers["studies"]]
            elif name == "moderators.csv":
                rows = {r["term"]: r for r in read_csv(content)}
                assert float(rows["ablat"]["estimate"]) == numbers["moderators"]["ablat"]["estimate"]
            elif name == "cox.csv":
                row = read_csv(content)[0]
                assert float(row["log_hr"]) == numbers["one_stage"]["coefficients"][0]["log_hr"]
            elif name == "km.csv":
                rows = read_csv(content)
                steps = [s for c in numbers["one_stage"]["km_curves"] for s in c["steps"]]
                assert [float(r["surv"]) for r in rows] == [s["surv"] for s in steps]
            elif name == "per_trial.csv":
                rows = read_csv(content)
                assert [float(r["yi"]) for r in rows] == [t["yi"] for t in numbers["per_trial"]]
            elif name == "results.json":
                payload = json.loads(content)
                assert payload["numbers"] == numbers
                assert payload["data_version"] == result.data_version
                assert payload["input_hash"] == result.input_hash
            elif name == "results.xlsx":
                book = openpyxl.load_workbook(io.BytesIO(content))
                assert {"about", "pooled", "studies"} <= set(book.sheetnames)
                sheet = book["studies"]
                header = [c.value for c in sheet[1]]
                weights = [
                    row[header.index("weight")] for row in sheet.iter_rows(min_row=2, values_only=True)
                ]
                # XLSX keeps 15 significant digits (as Excel does)
                assert weights == pytest.approx([s["weight"] for s in numbers["studies"]], rel=1e-14)
                assert all(isinstance(w, float) for w in weights)
            elif name.endswith(".svg"):
                text = svg_texts(content)
                if name.startswith("forest"):
                    assert analysis.name in text
                    assert all(s["study"] in text for s in numbers["studies"])
            elif name.endswith(".png"):
                image = Image.open(io.BytesIO(content))
                assert image.format == "PNG" and image.size[0] > 300
        assert "forest.svg" in names and "results.xlsx" in names
    km = built.analyses["LFS two-stage with one-stage Cox"]
    assert "km.png" in [n for n, _ in analysis_file_names(km, km.current_result)]


def test_a_result_older_than_the_data_is_refused_and_left_out_of_the_bundle(
    client, api_client_for, review, owner, reviewer
):
    from analysis import services

    built = dichotomous_review(review, owner, reviewer)
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    services.recompute(analysis_id=analysis.pk)
    study = built.studies[0]
    experimental, _ = built.arms[study.pk]
    save(built.extractions[study.pk], reviewer, f"o{built.outcome.pk}:a{experimental.pk}:events", 5)

    client.force_login(owner)
    url = reverse(
        "downloads:analysis-file",
        kwargs={"review_id": review.pk, "analysis_id": analysis.pk, "name": "pooled.csv"},
    )
    response = client.get(url)
    assert response.status_code == 409
    assert "being recomputed" in response.content.decode()
    api = api_client_for(owner).get(reverse("downloads_api:list", kwargs={"review_id": review.pk}))
    assert "being recomputed" in api.json()["analyses"][0]["unavailable"]
    assert (
        "being recomputed"
        in get(client, reverse("downloads:index", kwargs={"review_id": review.pk})).content.decode()
    )

    job = download_services.download_job_start(review=review, user=owner, kind="bundle")
    download_building.download_job_run(job_id=job.pk)
    archive = zipfile.ZipFile(io.BytesIO(bytes(DownloadJob.objects.get(pk=job.pk).content)))
    assert "being recomputed" in archive.read("README.txt").decode()
    assert not [n for n in archive.namelist() if n.startswith("data/")]

    services.recompute(analysis_id=analysis.pk)
    rows = read_csv(get(client, url).content)
    analysis.refresh_from_db()
    assert float(rows[0]["estimate"]) == analysis.current_result.numbers["estimate"]


def test_formula_text_comes_out_inert_and_numbers_stay_numbers(client, review, owner, reviewer):
    from analysis import services

    trials = [
        (INJECTION, (4, 123), (11, 139)),
        ("@SUM(1+1)", (6, 306), (29, 303)),
        ("Hart 1977", (62, 13598), (248, 12867)),
    ]
    built = dichotomous_review(review, owner, reviewer, trials=trials)
    note = extraction.field_create(review=review, user=owner, name="note", kind=FieldKind.TEXT)
    shift = extraction.field_create(review=review, user=owner, name="shift", kind=FieldKind.NUMBER)
    for study in built.studies:
        save(built.extractions[study.pk], reviewer, f"f{note.pk}", "-2+3*cmd|' /C calc'!A0")
        save(built.extractions[study.pk], reviewer, f"f{shift.pk}", -0.5)
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    services.recompute(analysis_id=analysis.pk)
    client.force_login(owner)

    archive = zipfile.ZipFile(
        io.BytesIO(
            get(
                client, reverse("downloads:review-file", kwargs={"review_id": review.pk, "name": "data.zip"})
            ).content
        )
    )
    studies = {r["study_id"]: r for r in read_csv(archive.read("studies.csv"))}
    by_label = {r["study"]: r for r in studies.values()}
    assert "'" + INJECTION in by_label and INJECTION not in by_label
    assert "'@SUM(1+1)" in by_label
    assert all(r["note"] == "'-2+3*cmd|' /C calc'!A0" for r in studies.values())
    assert all(r["shift"] == "-0.5" for r in studies.values())
    raw = archive.read("studies.csv").decode()
    assert "\n=" not in raw and ",=" not in raw and ',"=' not in raw

    job = download_services.download_job_start(review=review, user=owner, kind="data_xlsx")
    download_building.download_job_run(job_id=job.pk)
    file = get(client, reverse("downloads:job-file", kwargs={"review_id": review.pk, "job_id": job.pk}))
    book = openpyxl.load_workbook(io.BytesIO(file.content))
    assert {"studies", "arms", "final_values", "extractor_values", "patients"} <= set(book.sheetnames)
    sheet = book["studies"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        label, note_cell, shift_cell = (row[header.index(c)] for c in ("study", "note", "shift"))
        assert label.data_type == "s" and not str(label.value).startswith(("=", "@"))
        assert note_cell.data_type == "s" and note_cell.value.startswith("'")
        assert shift_cell.data_type == "n" and shift_cell.value == -0.5
    assert all(not c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)

    # the analysis's own files: the labels are inert, the effects numbers
    base = {"review_id": review.pk, "analysis_id": analysis.pk}
    rows = read_csv(
        get(client, reverse("downloads:analysis-file", kwargs={**base, "name": "studies.csv"})).content
    )
    assert "'" + INJECTION in [r["study"] for r in rows]
    book = openpyxl.load_workbook(
        io.BytesIO(
            get(client, reverse("downloads:analysis-file", kwargs={**base, "name": "results.xlsx"})).content
        )
    )
    cells = [row for row in book["studies"].iter_rows(min_row=2)]
    assert {c[0].value for c in cells} >= {"'" + INJECTION, "'@SUM(1+1)"}
    assert all(c[3].data_type == "n" for c in cells)  # yi


def test_review_data_zip_holds_every_table_and_dual_extraction_stays_blind(
    client, review, owner, reviewer, built
):
    client.force_login(owner)
    archive = zipfile.ZipFile(
        io.BytesIO(
            get(
                client, reverse("downloads:review-file", kwargs={"review_id": review.pk, "name": "data.zip"})
            ).content
        )
    )
    assert set(archive.namelist()) == {
        "README.txt", "studies.csv", "arms.csv", "comparisons.csv", "outcomes.csv", "fields.csv",
        "final_values.csv", "extractor_values.csv", "patients.csv",
    }  # fmt: skip
    finals = read_csv(archive.read("final_values.csv"))
    aronson = [r for r in finals if r["study"] == "Aronson 1948" and r["key"] == "events"]
    assert sorted(int(r["value"]) for r in aronson) == [4, 11]
    assert {r["alloc"] for r in read_csv(archive.read("studies.csv")) if r["study"] == "Aronson 1948"} == {
        "random"
    }
    assert len(read_csv(archive.read("patients.csv"))) == 40 + 50 + 60

    review.extractions_per_study = 2
    review.save(update_fields=["extractions_per_study"])
    outcome = extraction.outcome_create(
        review=review, user=owner, name="Deaths", kind=OutcomeKind.DICHOTOMOUS
    )
    study = extraction.study_create(review=review, user=owner, label="Dual 2020")
    arm = extraction.arm_create(study=study, user=owner, label="A")
    extraction.arm_create(study=study, user=owner, label="B")
    own = extraction.extraction_open(study=study, user=reviewer)
    save(own, reviewer, f"o{outcome.pk}:a{arm.pk}:events", 7)

    def extractor_rows(user):
        client.force_login(user)
        response = get(
            client, reverse("downloads:review-file", kwargs={"review_id": review.pk, "name": "data.zip"})
        )
        return read_csv(zipfile.ZipFile(io.BytesIO(response.content)).read("extractor_values.csv"))

    assert extractor_rows(owner) == []  # blind until both copies are done
    mine = extractor_rows(reviewer)
    assert [(r["extractor"], r["study"], r["value"]) for r in mine] == [(reviewer.username, "Dual 2020", "7")]


def test_prisma_and_screening_downloads(client, review, owner, reviewer):
    add_records(review, 3)
    reason = screening.exclusion_reason_create(
        review=review, label="Wrong population", stage=Stage.TITLE_ABSTRACT
    )
    first = Record.objects.filter(review=review).order_by("pk").first()
    for person in (owner, reviewer):
        screening.record_decision(
            review=review, record_id=first.pk, reviewer=person, stage=Stage.TITLE_ABSTRACT,
            decision=Decision.EXCLUDE, exclusion_reason=reason, note=INJECTION,
        )  # fmt: skip
    client.force_login(owner)
    base = {"review_id": review.pk}
    rows = read_csv(
        get(client, reverse("downloads:review-file", kwargs={**base, "name": "prisma.csv"})).content
    )
    counts = prisma_counts(review=review, include_conflicts=True)
    got = {(r["column"], r["box"]): int(r["count"]) for r in rows if not r["detail"]}
    assert got[("databases", "screened")] + got[("other", "screened")] == 3
    assert got[("other", "excluded")] == counts["other"]["excluded"] == 1
    assert got[("included", "reports_included")] == counts["reports_included"]
    svg = get(client, reverse("downloads:review-file", kwargs={**base, "name": "prisma.svg"})).content
    svg_texts(svg)  # a well-formed SVG document
    assert svg.count(b"<path") > 10  # boxes and arrows
    png = Image.open(
        io.BytesIO(
            get(client, reverse("downloads:review-file", kwargs={**base, "name": "prisma.png"})).content
        )
    )
    assert png.format == "PNG"

    decisions = read_csv(
        get(client, reverse("downloads:review-file", kwargs={**base, "name": "screening.csv"})).content
    )
    assert {(r["person"], r["decision"], r["exclusion_reason"]) for r in decisions} == {
        (owner.username, "exclude", "Wrong population"),
        (reviewer.username, "exclude", "Wrong population"),
    }
    assert all(r["note"] == "'" + INJECTION for r in decisions)
    book = openpyxl.load_workbook(
        io.BytesIO(
            get(client, reverse("downloads:review-file", kwargs={**base, "name": "screening.xlsx"})).content
        )
    )
    assert book["screening"].max_row == 3


def test_bundle_job_through_the_api(api_client_for, review, viewer, built):
    client = api_client_for(viewer)
    started = client.post(
        reverse("downloads_api:jobs", kwargs={"review_id": review.pk}), {"kind": "bundle"}, format="json"
    )
    assert started.status_code == 202 and started.json()["status"] == "queued"
    job_id = started.json()["id"]
    assert download_building.download_job_run(job_id=job_id) == "done"
    status = client.get(
        reverse("downloads_api:job", kwargs={"review_id": review.pk, "job_id": job_id})
    ).json()
    assert status["status"] == "done" and status["progress"] == 100
    response = client.get(status["file_url"])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "README.txt",
        "reproduce.R",
        "platform_numbers.txt",
        "commands.sh",
        "methods.txt",
        "analyses.json",
        "prisma_counts.csv",
    } <= names
    for analysis in built.analyses.values():
        assert any(n.startswith(f"data/analysis-{analysis.pk}") for n in names)
    methods = archive.read("methods.txt").decode()
    review.refresh_from_db()
    assert f"Data version {review.data_version}" in methods and "restricted maximum likelihood" in methods
    described = json.loads(archive.read("analyses.json"))
    assert {a["analysis_id"] for a in described["analyses"]} == {a.pk for a in built.analyses.values()}
    for entry in described["analyses"]:
        analysis = next(a for a in built.analyses.values() if a.pk == entry["analysis_id"])
        assert entry["numbers"] == analysis.current_result.numbers
        assert entry["input_hash"] in methods


@pytest.mark.parametrize("kind", ["nope", ""])
def test_unknown_job_kind_is_refused(client, review, owner, kind):
    client.force_login(owner)
    response = client.post(reverse("downloads:job-start", kwargs={"review_id": review.pk}), {"kind": kind})
    assert response.status_code == 400
    assert not DownloadJob.objects.exists()
