"""Names typed by members cannot run code on the machine of whoever runs the reproducibility bundle.

Every user string that reaches ``reproduce.R`` or ``commands.sh`` (analysis, outcome, study and
column names, which reach the data as column slugs) holds newlines, quotes, backslashes, ``$()``, backticks and ``#``, each shaped to
write a marker file if it escaped its string or comment. Both scripts are run for real; no marker
file may appear, and R must still print every number the platform stored.
"""

import io
import shutil
import subprocess
import zipfile

import pytest

from analysis import services as analysis_services
from downloads.exports import bundle, r_script, tabular
from extraction import services as extraction
from extraction.models import FieldKind
from extraction.selectors.analysis_input import column_name
from reviews.models import ReviewMembership
from tests.analysis.builders import TRIALS, dichotomous_review, save
from tests.conftest import require_service


def hostile(tag: str, first: str = "r") -> str:
    """A name that writes a file named ``<letter><tag>`` if R (``first="r"``) or sh (``first="sh"``)
    ever read a part of it as code; the other language's line after it is a syntax error there."""
    r_line, sh_line = f'writeLines("","r{tag}")', f"touch h{tag}"
    lines = (r_line, sh_line) if first == "r" else (sh_line, r_line)
    return (
        f'{tag}"\'\\#$(touch s{tag})`touch t{tag}`\n{lines[0]}\n{lines[1]}\r\n#`)+writeLines("","f{tag}")+(`'
    )


def unpacked(review, owner, reviewer, folder, first: str):
    """The bundle of a review whose every name is hostile(..., first), unpacked into folder."""

    def named(tag: str) -> str:
        return hostile(tag, first)

    trials = [(f"{named(f'-s{i}')} {label}", *arms) for i, (label, *arms) in enumerate(TRIALS)]
    built = dichotomous_review(review, owner, reviewer, trials=trials, name=named("-outcome"))
    group = extraction.field_create(review=review, user=owner, name=named("-group"), kind=FieldKind.TEXT)
    slope = extraction.field_create(review=review, user=owner, name=named("-slope"), kind=FieldKind.NUMBER)
    for index, study in enumerate(built.studies):
        final = built.extractions[study.pk]
        save(final, reviewer, f"f{group.pk}", "first" if index % 2 else "second")
        save(final, reviewer, f"f{slope.pk}", 10 + 7 * index)
    common = {"review": review, "user": owner, "outcome": built.outcome}
    analyses = [
        analysis_services.analysis_create(
            **common, name=named("-a1"), measure="OR", subgroup=column_name(group.name)
        ),
        analysis_services.analysis_create(
            **common,
            name=named("-a2"),
            measure="RR",
            method="REML",
            moderators=[column_name(slope.name), column_name(group.name)],
        ),
    ]
    for analysis in analyses:
        outcome = analysis_services.recompute(analysis_id=analysis.pk)
        analysis.refresh_from_db()
        assert outcome.status == "stored", analysis.current_result.error
        analysis.refresh_from_db()
        assert analysis.current_result.status == "ok", analysis.current_result.error
    membership = ReviewMembership.objects.get(review=review, user=owner)
    zipfile.ZipFile(io.BytesIO(bundle.build_bundle(review=review, membership=membership))).extractall(folder)
    return folder


def run(command: list[str], folder, timeout: int):
    """Run one of the bundle's scripts in its folder; the files it wrote besides the bundle's own."""
    before = {path.name for path in folder.rglob("*")}
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=timeout)
    return done, sorted({path.name for path in folder.rglob("*")} - before)


def test_r_script_runs_no_injected_code_and_reproduces_the_numbers(review, owner, reviewer, tmp_path):
    require_service(shutil.which("Rscript") is not None, "R (Rscript with metafor)")
    folder = unpacked(review, owner, reviewer, tmp_path, first="r")
    done, written = run(["Rscript", "reproduce.R"], folder, timeout=300)
    assert written == []
    assert done.returncode == 0, done.stderr[-3000:]
    from_r = r_script.parse_numbers(done.stdout)
    platform = r_script.parse_numbers((folder / "platform_numbers.txt").read_text())
    assert len(platform) > 40
    mismatched = {
        k: (v, from_r.get(k))
        for k, v in platform.items()
        if k not in from_r or from_r[k] != pytest.approx(v, rel=1e-6, abs=1e-12)
    }
    assert not mismatched, mismatched


def test_command_lines_run_no_injected_code(review, owner, reviewer, tmp_path):
    folder = unpacked(review, owner, reviewer, tmp_path, first="sh")
    # manage.py is not in the bundle's folder, so the python lines fail; only injected code could write
    _, written = run(["sh", "commands.sh"], folder, timeout=60)
    assert written == []
    text = (folder / "commands.sh").read_text()
    assert all(line == "" or line.startswith(("#", "python ")) for line in text.splitlines()), text


def test_r_string_literals_read_back_as_the_same_text(tmp_path):
    require_service(shutil.which("Rscript") is not None, "R (Rscript)")
    texts = ['a"b', "back\\slash", "line\nbreak", "cr\r\nlf", "tab\there", "bell\x07del\x7f", "é ü 中",
             "sep\u2028par\u2029", "emoji \U0001f600", "#$(x)`y`", "nul\x00end"]  # fmt: skip
    (tmp_path / "read.R").write_text(
        "texts <- c(" + ", ".join(r_script.r_string(t) for t in texts) + ")\n"
        'writeLines(vapply(texts, function(t) paste(as.integer(charToRaw(enc2utf8(t))), collapse = " "), ""),'
        ' "bytes.txt")\n',
        encoding="utf-8",
    )
    done = subprocess.run(["Rscript", "read.R"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = [bytes(int(b) for b in line.split()) for line in (tmp_path / "bytes.txt").read_text().splitlines()]
    assert got == [t.replace("\x00", "\ufffd").encode() for t in texts]


def test_a_moderator_column_name_is_never_read_as_r_code(tmp_path):
    """The platform's columns are slugs today; the script does not rely on it."""
    require_service(shutil.which("Rscript") is not None, "R (Rscript with metafor)")
    column = 'ai` + I(writeLines("", "formula-written")) + `ai'
    rows = [
        {"study": label, "ai": e, "n1i": n1, "ci": c, "n2i": n2, column: 10 + 7 * index}
        for index, (label, (e, n1), (c, n2)) in enumerate(TRIALS)
    ]
    (tmp_path / "d.csv").write_bytes(tabular.csv_bytes(rows))
    (tmp_path / "run.R").write_text(
        r_script.R_PRELUDE
        + 'd <- read_data("d.csv")\n'
        + f'run_pooled(d, P = "a1", measure = "OR", method = "REML", test = "z", mods = {r_script.r_vector([column])})\n'
    )
    done, written = run(["Rscript", "run.R"], tmp_path, timeout=120)
    assert written == []
    # metafor's escalc renames a column that is not a syntactic R name, so R stops: with an error
    # that names the column, not by running it
    assert "not found" in done.stderr, done.stderr
