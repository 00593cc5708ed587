"""A study's extraction laid out like a spreadsheet: arms as columns, fields and outcomes as rows."""

from dataclasses import dataclass, field

from extraction import cells
from extraction.models import (
    ExtractedValue,
    Extraction,
    ExtractionField,
    FieldLevel,
    Outcome,
    OutcomeKind,
    Study,
)


def display(value) -> str:
    """A stored value as typed back into a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, ".10g")
    return str(value)


@dataclass
class Cell:
    name: str
    label: str
    input_kind: str = "number"  # number, text, choice, yes_no
    choices: list = field(default_factory=list)
    span: int = 1
    value: object = None
    version: int = 0
    source: dict | None = None
    updated_by: str = ""

    @property
    def shown(self) -> str:
        return display(self.value)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    hint: str = ""


@dataclass
class Section:
    title: str
    kind: str  # study, arm, or an outcome kind
    rows: list[Row]
    outcome_id: int | None = None


@dataclass
class Sheet:
    study: Study
    arms: list
    comparisons: list
    sections: list[Section]

    def cells(self):
        for section in self.sections:
            for row in section.rows:
                yield from ((section, row, cell) for cell in row.cells)


def _field_label(form_field: ExtractionField) -> str:
    unit = f" ({form_field.unit})" if form_field.unit else ""
    return f"{form_field.name}{unit}{' *' if form_field.required else ''}"


def sheet_layout(*, study: Study) -> Sheet:
    """The rows and columns of a study's sheet, without values."""
    arms = list(study.arms.all())
    comparisons = list(study.comparisons.select_related("experimental", "control"))
    fields = list(ExtractionField.objects.filter(review_id=study.review_id))
    span = max(len(arms), 1)
    sections = []
    study_rows = [
        Row(_field_label(f), [Cell(cells.field_cell(f.pk), f.name, f.kind, f.choices, span=span)], f.unit)
        for f in fields
        if f.level == FieldLevel.STUDY
    ]
    if study_rows:
        sections.append(Section("Study characteristics", "study", study_rows))
    arm_rows = [
        Row(
            _field_label(f),
            [Cell(cells.field_cell(f.pk, a.pk), f"{f.name} · {a.label}", f.kind, f.choices) for a in arms],
        )
        for f in fields
        if f.level == FieldLevel.ARM
    ]
    if arm_rows and arms:
        sections.append(Section("Arm characteristics", "arm", arm_rows))
    for outcome in Outcome.objects.filter(review_id=study.review_id):
        rows = (
            [
                Row(
                    spec.label,
                    [
                        Cell(cells.arm_cell(outcome.pk, a.pk, spec.key), f"{spec.label} · {a.label}")
                        for a in arms
                    ],
                )
                for spec in cells.ARM_NUMBERS[outcome.kind]
            ]
            if arms
            else []
        )
        if outcome.kind == OutcomeKind.CONTINUOUS and rows:
            rows[1].hint = "or type “se 0.4” or “ci 1.2 3.4” (95% CI of the mean) to convert"
        for comparison in comparisons if outcome.kind in cells.COMPARISON_NUMBERS else []:
            rows += [
                Row(
                    f"{comparison}: {spec.label}",
                    [
                        Cell(
                            cells.comparison_cell(outcome.pk, comparison.pk, spec.key),
                            f"{comparison} · {spec.label}",
                            span=span,
                        )
                    ],
                )
                for spec in cells.COMPARISON_NUMBERS[outcome.kind]
            ]
        title = f"{outcome.name}{f' — {outcome.time_point}' if outcome.time_point else ''}"
        sections.append(Section(title, outcome.kind, rows, outcome_id=outcome.pk))
    return Sheet(study=study, arms=arms, comparisons=comparisons, sections=sections)


def values_of(extraction: Extraction | None) -> dict[str, ExtractedValue]:
    if extraction is None:
        return {}
    return {v.cell: v for v in extraction.values.select_related("updated_by")}


def fill(sheet: Sheet, values: dict[str, ExtractedValue]) -> Sheet:
    for _, _, cell in sheet.cells():
        stored = values.get(cell.name)
        if stored is not None:
            cell.value, cell.version, cell.source = stored.value, stored.version, stored.source
            cell.updated_by = stored.updated_by.username
    return sheet


def extraction_sheet(*, extraction: Extraction | None, study: Study) -> Sheet:
    """The sheet of one extraction, every cell with its value and version."""
    return fill(sheet_layout(study=study), values_of(extraction))
