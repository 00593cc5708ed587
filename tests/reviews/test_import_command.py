"""manage.py import_references: checking a file, a dry run, importing into a review; real exports."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reviews.models import DuplicateCandidate, Record, Role, SourceImport
from tests.reviews.import_helpers import FIXTURES, media_root  # noqa: F401

pytestmark = pytest.mark.usefixtures("media_root")


def run(*args) -> str:
    out = StringIO()
    call_command("import_references", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_text_report_lists_bad_records_with_their_lines(db):
    out = run(FIXTURES / "garbage_middle.ris")
    assert out.splitlines()[0] == "garbage_middle.ris: ris, 3 records"
    assert "error: line 7:" in out and "error: line 16:" in out


def test_json_report_of_a_check(db):
    report = json.loads(run(FIXTURES / "unbalanced.bib", "--format", "json"))
    assert report["records"] == 2 and report["format"] == "bibtex"
    assert report["errors"] == [{"line": 7, "message": report["errors"][0]["message"]}]
    assert "imported" not in report and "duplicates_found" not in report


def test_format_is_told_from_the_content_not_the_name(db, tmp_path):
    disguised = tmp_path / "export.txt"
    disguised.write_bytes((FIXTURES / "pubmed.nbib").read_bytes())
    report = json.loads(run(disguised, "--format", "json"))
    assert (report["format"], report["records"]) == ("medline", 4)


def test_dry_run_imports_nothing_but_counts_duplicates(review, owner):
    run(FIXTURES / "pubmed.nbib", "--review", review.pk)
    report = json.loads(run(FIXTURES / "pubmed.nbib", "--review", review.pk, "--dry-run", "--format", "json"))
    assert report["records"] == 4 and report["duplicates_found"] >= 4
    assert "imported" not in report
    assert SourceImport.objects.count() == 1 and Record.objects.count() == 4
    assert not DuplicateCandidate.objects.exists()


def test_review_import_is_the_same_as_an_upload(review, owner, reviewer):
    report = json.loads(
        run(
            FIXTURES / "garbage_middle.ris",
            "--review",
            review.pk,
            "--format",
            "json",
            "--source-name",
            "Hand search",
            "--source-kind",
            "citation_search",
        )
    )
    assert (report["records"], report["imported"], report["duplicates_found"]) == (3, 3, 0)
    assert [e["line"] for e in report["errors"]] == [7, 16]
    source_import = SourceImport.objects.get(pk=report["import_id"])
    assert source_import.status == "done" and source_import.created_by == owner  # the first owner by default
    assert (source_import.source_name, source_import.source_kind) == ("Hand search", "citation_search")
    assert source_import.file_name == "garbage_middle.ris" and source_import.file.name
    assert Record.objects.filter(source_import=source_import).count() == 3

    text = run(FIXTURES / "zotero.ris", "--review", review.pk, "--user", reviewer.username)
    assert "done, 2 records imported" in text
    assert SourceImport.objects.latest("pk").created_by == reviewer


def test_refusals(review, viewer, settings, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.ris")
    with pytest.raises(CommandError, match="No review with id"):
        run(FIXTURES / "zotero.ris", "--review", 999_999)
    with pytest.raises(CommandError, match="not an owner or reviewer"):
        run(FIXTURES / "zotero.ris", "--review", review.pk, "--user", viewer.username)
    settings.MAX_IMPORT_RECORDS = 2
    with pytest.raises(CommandError, match="more than 2 records"):
        run(FIXTURES / "pubmed.nbib", "--review", review.pk)
    assert SourceImport.objects.get().status == "failed" and not Record.objects.exists()
    settings.MAX_UPLOAD_BYTES = 10
    with pytest.raises(CommandError, match="OPENSYNTH_MAX_UPLOAD_BYTES"):
        run(FIXTURES / "pubmed.nbib")


def test_default_user_is_the_first_owner(review, owner, reviewer):
    review.memberships.filter(user=reviewer).update(role=Role.OWNER)
    run(FIXTURES / "zotero.ris", "--review", review.pk)
    assert SourceImport.objects.get().created_by == owner


# ---- the real exports in $SHARED_DIR/imports ----------------------------------------------------


def _imports_dir() -> Path:
    shared = os.environ.get("SHARED_DIR")
    if not shared:
        pytest.skip("SHARED_DIR not set: the real exports in $SHARED_DIR/imports are not on this machine")
    return Path(shared) / "imports"


def _manifest_names() -> list[str]:
    shared = os.environ.get("SHARED_DIR")
    path = Path(shared or ".") / "imports" / "manifest.json"
    return sorted(json.loads(path.read_text())) if shared and path.exists() else ["(SHARED_DIR not set)"]


@pytest.mark.shared
@pytest.mark.parametrize("name", _manifest_names())
def test_real_export_imports_with_the_manifest_count(review, name):
    imports = _imports_dir()
    expected = json.loads((imports / "manifest.json").read_text())[name]
    checked = json.loads(run(imports / name, "--format", "json"))
    assert checked["records"] == expected and checked["errors"] == []
    report = json.loads(run(imports / name, "--review", review.pk, "--format", "json"))
    assert report["status"] == "done"
    assert report["records"] == report["imported"] == expected
    records = Record.objects.filter(source_import_id=report["import_id"])
    assert records.count() == expected
    if name != "baseline_empty_values.ris":  # the one file with records that have no title
        assert all(records.values_list("title", flat=True))


@pytest.mark.shared
def test_embase_ris_and_csv_of_the_same_search_are_paired_as_duplicates(review):
    imports = _imports_dir()
    run(imports / "embase.ris", "--review", review.pk)
    report = json.loads(run(imports / "embase.csv", "--review", review.pk, "--format", "json"))
    assert report["imported"] == 6 and report["duplicates_found"] == 6
