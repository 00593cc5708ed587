"""Real exports from ../shared/imports (read in place, never copied) and large files built from ../shared/screening."""

import json
import os
import re
import time
from pathlib import Path

import pytest

from reviews.importing import find_duplicates_between, parse_file, parse_ris, write_ris

pytestmark = pytest.mark.shared

_TITLE_LINE = re.compile(r"^(TI|T1|CT|BT)  - \S", re.MULTILINE)


def _shared_dir() -> Path:
    shared = os.environ.get("SHARED_DIR")
    if not shared:
        pytest.skip("SHARED_DIR not set: the real exports in ../shared/imports are not on this machine")
    return Path(shared)


def _manifest() -> dict[str, int]:
    shared = os.environ.get("SHARED_DIR")
    path = Path(shared or ".") / "imports" / "manifest.json"
    return json.loads(path.read_text()) if shared and path.exists() else {}


@pytest.mark.parametrize("name", sorted(_manifest()) or ["(SHARED_DIR not set)"])
def test_real_export_parses_with_the_manifest_count(name):
    imports = _shared_dir() / "imports"
    expected = json.loads((imports / "manifest.json").read_text())[name]
    result = parse_file(imports / name)
    assert result.errors == [], [str(e) for e in result.errors]
    assert len(result.records) == expected
    assert not result.limit_exceeded
    if result.format == "ris":
        # A record may lack a title only where its block in the file has none.
        text = (imports / name).read_text(encoding="utf-8-sig")
        lines = text.replace("\r\n", "\n").split("\n")
        starts = [r.source_line for r in result.records] + [len(lines) + 1]
        for record, start, end in zip(result.records, starts, starts[1:], strict=False):
            block = "\n".join(lines[start - 1 : end - 1])
            assert bool(record.title) == bool(_TITLE_LINE.search(block)), record.source_line
    else:
        assert all(record.title for record in result.records)
    assert all(record.source_line >= 1 for record in result.records)


def test_baseline_empty_values_keeps_untitled_records_with_warnings():
    result = parse_file(_shared_dir() / "imports" / "baseline_empty_values.ris")
    assert [r.title for r in result.records] == ["Title of reference", "", "Title of reference", ""]
    assert [w.line for w in result.warnings] == [7, 18]


def test_embase_ris_and_csv_exports_are_found_to_be_duplicates():
    imports = _shared_dir() / "imports"
    ris = parse_file(imports / "embase.ris").records
    csv = parse_file(imports / "embase.csv").records
    pairs = find_duplicates_between(csv, ris)
    assert sorted((c.record_a, c.record_b) for c in pairs) == [(n, n) for n in range(6)]


def _screening_records():
    records = []
    for path in sorted((_shared_dir() / "screening").glob("*.csv")):
        records += parse_file(path).records
    if not records:
        pytest.skip("no screening sets in SHARED_DIR/screening")
    return records


def test_parsing_100k_ris_records_built_from_real_titles_and_abstracts():
    base = _screening_records()
    records = [base[n % len(base)] for n in range(100_000)]
    text = write_ris(records)
    started = time.perf_counter()
    result = parse_ris(text)
    elapsed = time.perf_counter() - started
    print(f"parsed {len(result.records)} RIS records ({len(text) / 1e6:.0f} MB) in {elapsed:.2f} s")
    assert len(result.records) == 100_000
    assert result.errors == []
    assert result.records[12_345].title == base[12_345 % len(base)].title
