"""Which downloads exist, who may have them, and their bytes: one registry for the pages and the API.

Review files: ``data.zip`` (extracted data, one CSV per table), ``prisma.svg``/``.png``/``.csv``
for every member; ``screening.csv``/``.xlsx`` (every reviewer's decision, with reasons and
adjudications) for owners only, because screening is blind until a record is resolved and
owners are the ones who resolve. Analysis files: ``<table>.csv`` for each table of the result,
``results.xlsx``, ``results.json``, ``forest``/``funnel``/``km`` as ``.svg`` or ``.png``, from
the CURRENT stored result only (see ``analysis_results``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from analysis.models import Analysis
from reviews import prisma_diagram
from reviews.models import Review, ReviewMembership, Role
from reviews.screening_rules import sees_conflicts
from reviews.selectors.prisma import prisma_counts

from . import analysis_results, review_data, tabular

CSV, XLSX, JSON, ZIP = (
    "text/csv; charset=utf-8",
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "application/json",
    "application/zip",
)
IMAGE = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class File:
    name: str
    content_type: str
    content: bytes


REVIEW_FILES = {
    # name: (label, owners only)
    "data.zip": ("Extracted data: one CSV per table, zipped", False),
    "prisma.svg": ("PRISMA 2020 flow diagram (SVG)", False),
    "prisma.png": ("PRISMA 2020 flow diagram (PNG)", False),
    "prisma.csv": ("PRISMA 2020 counts (CSV)", False),
    "screening.csv": ("Screening decisions, reasons and adjudications (CSV)", True),
    "screening.xlsx": ("Screening decisions, reasons and adjudications (XLSX)", True),
}


def review_files_for(membership: ReviewMembership) -> list[tuple[str, str]]:
    owner = membership.role == Role.OWNER
    return [(name, label) for name, (label, owners) in REVIEW_FILES.items() if owner or not owners]


def review_file(*, review: Review, membership: ReviewMembership, name: str) -> File:
    """One review-level download; 404 for an unknown name, 403 for a file above the member's role."""
    if name not in REVIEW_FILES:
        raise Http404("No such download.")
    if REVIEW_FILES[name][1] and membership.role != Role.OWNER:
        raise PermissionDenied("Screening decisions of every reviewer are for the review's owners.")
    stem = f"review-{review.pk}"
    if name == "data.zip":
        tables = review_data.review_tables(review=review, user=membership.user, membership=membership)
        content = review_data.data_zip(tables, readme=review_data.data_readme(review))
        return File(f"{stem}-data-v{review.data_version}.zip", ZIP, content)
    if name.startswith("prisma."):
        fmt = name.split(".")[1]
        counts = prisma_counts(review=review, include_conflicts=sees_conflicts(membership.role))
        if fmt == "csv":
            return File(f"{stem}-prisma.csv", CSV, tabular.csv_bytes(review_data.prisma_rows(counts)))
        return File(f"{stem}-prisma.{fmt}", IMAGE[fmt], prisma_diagram.render(counts, fmt))
    rows = review_data.screening_rows(review=review)
    if name == "screening.csv":
        return File(f"{stem}-screening.csv", CSV, tabular.csv_bytes(rows))
    return File(f"{stem}-screening.xlsx", XLSX, tabular.xlsx_bytes({"screening": rows}))


def analysis_file_names(analysis: Analysis, result) -> list[tuple[str, str]]:
    tables = analysis_results.result_tables(analysis, result)
    names = [(f"{table}.csv", f"{table.replace('_', ' ')} (CSV)") for table in tables]
    names += [("results.xlsx", "all tables (XLSX)"), ("results.json", "the stored result (JSON)")]
    for figure in analysis_results.available_figures(analysis, result):
        names += [(f"{figure}.svg", f"{figure} plot (SVG)"), (f"{figure}.png", f"{figure} plot (PNG)")]
    return names


def analysis_file(*, analysis: Analysis, name: str) -> File:
    """One download of the analysis's current result; NotExportable when there is none, 404 for a bad name."""
    stem, _, ext = name.rpartition(".")
    if not stem or ext not in ("csv", "xlsx", "json", "svg", "png"):
        raise Http404("No such download.")
    result = analysis_results.current_result(analysis)
    base = analysis_results.file_stem(analysis, result)
    if ext == "csv":
        tables = analysis_results.result_tables(analysis, result)
        if stem not in tables:
            raise Http404("This analysis has no such table.")
        return File(f"{base}-{stem}.csv", CSV, tabular.csv_bytes(tables[stem]))
    if name == "results.xlsx":
        return File(f"{base}.xlsx", XLSX, analysis_results.result_xlsx(analysis, result))
    if name == "results.json":
        return File(f"{base}.json", JSON, analysis_results.result_json(analysis, result))
    if ext in IMAGE and stem in analysis_results.FIGURES:
        if stem not in analysis_results.available_figures(analysis, result):
            raise Http404("This analysis has no such figure.")
        return File(f"{base}-{stem}.{ext}", IMAGE[ext], analysis_results.figure(analysis, result, stem, ext))
    raise Http404("No such download.")
