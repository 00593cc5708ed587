"""The reproducibility bundle of a review: data, R script, command lines, methods and PRISMA counts.

Built from the STORED current results (the numbers a reviewer sees); an analysis whose result
is being recomputed or failed is left out and named in the README and the methods text.

Layout of the zip::

    README.txt              what is here and how to run it
    reproduce.R             runs every analysis with metafor / survival, prints name=value lines
    platform_numbers.txt    the platform's numbers under the same names
    commands.sh             python manage.py pool / ipd lines that give the same numbers
    methods.txt             a methods paragraph (estimators, CI method, software, data version, hash)
    analyses.json           each analysis's definition and stored result
    prisma_counts.csv       the PRISMA 2020 counts
    data/analysis-<id>*.csv the rows of each analysis in metafor's column names
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from analysis import selectors
from analysis.models import Analysis, AnalysisResult
from analysis.recompute.compute import definition_of
from reviews.models import Review
from reviews.screening_rules import sees_conflicts
from reviews.selectors.prisma import prisma_counts

from . import methods_text, r_script, review_data, tabular
from .analysis_results import NotExportable, current_result, provenance


def exportable_analyses(review: Review) -> tuple[list[tuple[Analysis, AnalysisResult]], list[str]]:
    """(analysis, current result) pairs, and why any other analysis was left out."""
    included, left_out = [], []
    for analysis in selectors.analyses_of(review=review):
        try:
            included.append((analysis, current_result(analysis)))
        except NotExportable as reason:
            left_out.append(str(reason))
    return included, left_out


def data_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def build_bundle(*, review: Review, membership, progress: Callable[[int, str], None] | None = None) -> bytes:
    """The zip of the review's reproducibility bundle."""
    report = progress or (lambda percent, step: None)
    review.refresh_from_db(fields=["data_version"])
    included, left_out = exportable_analyses(review)
    blocks, data_files, numbers, commands, described = [], {}, {}, [], []
    for index, (analysis, result) in enumerate(included):
        report(
            5 + int(80 * index / max(1, len(included))),
            f"Analysis {index + 1} of {len(included)}: {analysis.name}",
        )
        block = r_script.analysis_bundle(analysis, result)
        blocks.append(block)
        data_files.update(block.files)
        numbers.update(block.numbers)
        commands += [f"# a{analysis.pk}: {r_script.comment_text(analysis.name)}", *block.commands, ""]
        described.append(
            {**provenance(analysis, result), "definition": _definition(analysis), "numbers": result.numbers}
        )
    report(88, "Methods text and PRISMA counts")
    digest = data_hash(data_files)
    counts = prisma_counts(review=review, include_conflicts=sees_conflicts(membership.role))
    files = {
        "README.txt": _readme(review, included, left_out, digest),
        "reproduce.R": r_script.script(blocks),
        "platform_numbers.txt": r_script.format_numbers(numbers),
        "commands.sh": "#!/bin/sh\n# Run from an OpenSynth checkout, with the bundle's data/ folder beside manage.py.\n\n"
        + "\n".join(commands),
        "methods.txt": methods_text.methods_text(
            review=review, analyses=included, left_out=left_out, data_hash=digest
        ),
        "analyses.json": json.dumps(
            {
                "review": review.pk,
                "data_version": review.data_version,
                "data_sha256": digest,
                "analyses": described,
            },
            indent=2,
            allow_nan=False,
        ),
        "prisma_counts.csv": tabular.csv_bytes(review_data.prisma_rows(counts)),
        **dict(sorted(data_files.items())),
    }
    report(95, "Packing the zip")
    return tabular.zip_bytes(files)


def _definition(analysis: Analysis) -> dict:
    return definition_of(analysis)


def _readme(review: Review, included, left_out: list[str], digest: str) -> str:
    lines = [
        f"Reproducibility bundle of review {review.pk}: {review.title}",
        f"Data version {review.data_version}; SHA-256 of the data files: {digest}",
        "",
        "Run the analyses in R (needs the packages metafor and survival):",
        "    Rscript reproduce.R > r_numbers.txt",
        "and compare with platform_numbers.txt (same name=value lines).",
        "commands.sh has the OpenSynth command lines that give the same numbers from the same files.",
        "",
        f"Analyses ({len(included)}):",
    ]
    lines += [
        f"  a{a.pk}: {a.name} ({a.outcome}), result of data version {r.data_version}" for a, r in included
    ]
    if left_out:
        lines += ["", "Left out (download the bundle again once they are current):"]
        lines += [f"  {reason}" for reason in left_out]
    lines += ["", "Text cells a spreadsheet would run as a formula start with ' in every CSV file."]
    return "\n".join(lines) + "\n"
