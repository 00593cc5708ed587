"""The PRISMA 2020 flow of a review, counted from the records' statuses in four queries.

Every record carries its place in the flow (``Record.status``), so the boxes are one
GROUP BY over (source, kind, status), two small GROUP BYs for the full-text exclusion
reasons and one read of the counts an owner entered by hand, whatever the review's size.

PRISMA 2020 has two identification columns: databases and registers, and other methods.
This tool screens every record at title/abstract, whichever column it comes from, so both
columns carry the same boxes; the diagram draws the other-methods column as PRISMA does and
notes its records removed before retrieval. Records added without an import count as other
methods. Counts entered by hand are records removed before they were imported: they are
added to the databases column's identified records and shown as entered.

Blindness: conflicts are counted with the records awaiting screening unless the caller asks
for them (owners only), so a reviewer cannot tell a conflict from a record still being screened.
"""

from dataclasses import asdict, dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef

from reviews.models import (
    Adjudication,
    Decision,
    PrismaManualCounts,
    Record,
    RecordStatus,
    Review,
    ScreeningDecision,
    SourceImport,
    SourceKind,
    Stage,
)
from reviews.screening_rules import CONFLICT_STATUS, UNRESOLVED_STATUSES

DATABASES, OTHER = "databases", "other"
UNNAMED_SOURCE = "Records added without an import"


@dataclass
class PrismaColumn:
    """The boxes of one identification column."""

    identified: int = 0
    sources: list[dict] = field(default_factory=list)
    duplicates: int = 0
    screened: int = 0
    excluded: int = 0
    awaiting_screening: int = 0
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    reports_excluded: int = 0
    exclusion_reasons: list[dict] = field(default_factory=list)
    awaiting_assessment: int = 0
    included: int = 0


def _column_of(kind: str | None) -> str:
    return OTHER if kind is None else SourceKind.identification_column(kind)


def _status_counts(review: Review) -> list[dict]:
    """Records per source and status (one query).

    Grouped on the records alone first, so PostgreSQL reads only the (review, source, status)
    index, then the few groups are named; the ORM would join every record to its import first.
    """
    records = connection.ops.quote_name(Record._meta.db_table)
    imports = connection.ops.quote_name(SourceImport._meta.db_table)
    sql = (
        "SELECT i.source_name, i.source_kind, g.status, g.n FROM ("
        f"SELECT source_import_id, status, COUNT(*) AS n FROM {records} WHERE review_id = %s "
        "GROUP BY source_import_id, status"
        f") g LEFT JOIN {imports} i ON i.id = g.source_import_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk])
        return [
            {"source_import__source_name": name, "source_import__source_kind": kind, "status": status, "n": n}
            for name, kind, status, n in cursor.fetchall()
        ]


def _exclusion_reasons(review: Review) -> dict[str, list[dict]]:
    """Reports excluded at full text per reason and column: the adjudicated reason, else the agreed one."""
    adjudicated = Adjudication.objects.filter(record=OuterRef("record"), stage=Stage.FULL_TEXT)
    agreed = (
        ScreeningDecision.objects.filter(
            record__review=review,
            record__status=RecordStatus.FT_EXCLUDED,
            stage=Stage.FULL_TEXT,
            decision=Decision.EXCLUDE,
        )
        .filter(~Exists(adjudicated))
        .values(
            "record__source_import__source_kind",
            "exclusion_reason__label",
            "exclusion_reason__position",
            "exclusion_reason_id",
        )
        .annotate(n=Count("record", distinct=True))
        .order_by()
    )
    decided_by_owner = (
        Adjudication.objects.filter(
            record__review=review, record__status=RecordStatus.FT_EXCLUDED, stage=Stage.FULL_TEXT
        )
        .values(
            "record__source_import__source_kind",
            "exclusion_reason__label",
            "exclusion_reason__position",
            "exclusion_reason_id",
        )
        .annotate(n=Count("record", distinct=True))
        .order_by()
    )
    merged: dict[str, dict] = {DATABASES: {}, OTHER: {}}
    for row in [*agreed, *decided_by_owner]:
        column = merged[_column_of(row["record__source_import__source_kind"])]
        key = row["exclusion_reason_id"]
        entry = column.setdefault(
            key,
            {
                "reason": row["exclusion_reason__label"] or "No reason given",
                "position": row["exclusion_reason__position"] or 0,
                "reports": 0,
            },
        )
        entry["reports"] += row["n"]
    return {
        name: [
            {"reason": e["reason"], "reports": e["reports"]}
            for e in sorted(entries.values(), key=lambda e: (e["position"], e["reason"]))
        ]
        for name, entries in merged.items()
    }


def prisma_counts(
    *, review: Review, include_conflicts: bool = False, studies_included: int | None = None
) -> dict:
    """Every box of the review's PRISMA 2020 flow diagram, as a JSON-ready dict (four queries).

    ``studies_included``: the hook for the extraction app, which will know when several
    reports belong to one study; until it passes a number, studies = reports included.
    ``include_conflicts``: owners see conflicts per stage; for everyone else they stay among
    the records awaiting screening or assessment.
    """
    columns = {DATABASES: PrismaColumn(), OTHER: PrismaColumn()}
    sources: dict[tuple, dict] = {}
    conflicts = {Stage.TITLE_ABSTRACT.value: 0, Stage.FULL_TEXT.value: 0}
    for row in _status_counts(review):
        kind, status, n = row["source_import__source_kind"], row["status"], row["n"]
        name = row["source_import__source_name"] or UNNAMED_SOURCE
        column_name = _column_of(kind)
        column = columns[column_name]
        column.identified += n
        source = sources.setdefault(
            (column_name, name, kind), {"name": name, "kind": kind or SourceKind.OTHER.value, "records": 0}
        )
        source["records"] += n
        if status == RecordStatus.DUPLICATE:
            column.duplicates += n
            continue
        column.screened += n
        if status in UNRESOLVED_STATUSES[Stage.TITLE_ABSTRACT]:
            column.awaiting_screening += n
        elif status == RecordStatus.TA_EXCLUDED:
            column.excluded += n
        else:
            column.sought += n
            if status == RecordStatus.NOT_RETRIEVED:
                column.not_retrieved += n
            elif status in UNRESOLVED_STATUSES[Stage.FULL_TEXT]:
                column.awaiting_assessment += n
            elif status == RecordStatus.FT_EXCLUDED:
                column.reports_excluded += n
            elif status == RecordStatus.INCLUDED:
                column.included += n
        for stage, conflict in CONFLICT_STATUS.items():
            if status == conflict:
                conflicts[stage.value] += n
    for (column_name, _, _), source in sorted(sources.items(), key=lambda item: (item[0][0], item[0][1])):
        columns[column_name].sources.append(source)
    for name, reasons in _exclusion_reasons(review).items():
        columns[name].exclusion_reasons = reasons
    for column in columns.values():
        column.assessed = column.sought - column.not_retrieved

    manual = PrismaManualCounts.objects.filter(review=review).first()
    entered = {
        "duplicates_removed_before_import": manual.duplicates_removed_before_import if manual else 0,
        "removed_by_automation": manual.removed_by_automation if manual else 0,
        "removed_other_reasons": manual.removed_other_reasons if manual else 0,
    }
    databases = columns[DATABASES]
    imported = databases.identified
    databases.identified += sum(entered.values())
    reports_included = databases.included + columns[OTHER].included
    counts = {
        "review": review.pk,
        "databases": {**asdict(databases), "identified_imported": imported},
        "other": {**asdict(columns[OTHER]), "identified_imported": columns[OTHER].identified},
        "removed_before_screening": {
            "duplicates": databases.duplicates + entered["duplicates_removed_before_import"],
            "duplicates_found": databases.duplicates,
            **entered,
        },
        "entered_by_owner": entered,
        "reports_included": reports_included,
        "studies_included": reports_included if studies_included is None else studies_included,
    }
    if include_conflicts:
        counts["conflicts"] = conflicts
    return counts
