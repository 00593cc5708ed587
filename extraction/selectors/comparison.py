"""Two extractors side by side: every cell where they differ, and how often they agree per field type."""

from dataclasses import dataclass

from extraction.models import ExtractionKind, Study
from extraction.rules import DUAL

from .sheet import display, extraction_sheet, sheet_layout, values_of
from .studies import StudyStatus

TYPE_LABELS = {
    "study": "Study fields",
    "arm": "Arm fields",
    "dichotomous": "Dichotomous outcomes",
    "continuous": "Continuous outcomes",
    "proportion": "Proportions",
    "time_to_event": "Time-to-event outcomes",
}


@dataclass
class ComparedCell:
    name: str
    label: str
    section: str
    kind: str
    first: object
    second: object
    consensus: object
    consensus_version: int
    differs: bool

    @property
    def first_shown(self) -> str:
        return display(self.first)

    @property
    def second_shown(self) -> str:
        return display(self.second)

    @property
    def consensus_shown(self) -> str:
        return display(self.consensus)


def _copies(study: Study):
    return list(
        study.extractions.filter(kind=ExtractionKind.INDEPENDENT).select_related("extractor").order_by("id")
    )


def compare(*, study: Study) -> dict:
    """The two copies cell by cell (cells neither filled are left out), with the consensus where it exists."""
    copies = _copies(study)
    final = study.extractions.filter(kind=ExtractionKind.FINAL).first()
    first, second = (values_of(copies[0]), values_of(copies[1])) if len(copies) == DUAL else ({}, {})
    consensus = values_of(final)
    rows = []
    for section, _, cell in sheet_layout(study=study).cells():
        a, b = first.get(cell.name), second.get(cell.name)
        a_value, b_value = (a.value if a else None), (b.value if b else None)
        if a_value is None and b_value is None:
            continue
        c = consensus.get(cell.name)
        rows.append(
            ComparedCell(
                name=cell.name,
                label=cell.label,
                section=section.title,
                kind=section.kind,
                first=a_value,
                second=b_value,
                consensus=c.value if c else None,
                consensus_version=c.version if c else 0,
                differs=a_value != b_value,
            )
        )
    return {
        "extractors": [c.extractor.username for c in copies],
        "copies": copies,
        "final": final,
        "cells": rows,
        "agreement": agreement(rows),
    }


def agreement(rows: list[ComparedCell]) -> list[dict]:
    """Per field type: cells filled by either extractor, how many agree, and the share."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        key = "study" if row.kind == "study" else row.kind
        counts = totals.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += 0 if row.differs else 1
    return [
        {"type": key, "label": TYPE_LABELS.get(key, key), "cells": n, "agreeing": agree, "share": agree / n}
        for key, (n, agree) in totals.items()
    ]


def review_agreement(*, studies) -> list[dict]:
    """Agreement per field type over every study whose two copies are both done."""
    rows = []
    for study in studies:
        if getattr(study, "status", None) in (StudyStatus.AWAITING_CONSENSUS, StudyStatus.COMPLETE):
            if len(_copies(study)) == DUAL:
                rows += compare(study=study)["cells"]
    return agreement(rows)


def consensus_sheet(*, study: Study):
    final = study.extractions.filter(kind=ExtractionKind.FINAL).first()
    return extraction_sheet(extraction=final, study=study)
