"""Individual patient data: a CSV per study, checked against the study's arms, stored whole or not at all."""

import csv
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from extraction.models import Outcome, OutcomeKind, PatientRecord, Study

from .common import data_changed, log_change

DEFAULT_MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 50
REQUIRED_COLUMNS = ("arm", "time", "event")


class IpdErrors(ValidationError):
    """The rows that were wrong, each with its line number; nothing was saved."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        shown = "; ".join(
            f"line {e['line']}: {e['message']}" if e["line"] else e["message"] for e in errors[:10]
        )
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(f"Nothing was saved. {shown}{more}")


def max_rows() -> int:
    return getattr(settings, "IPD_MAX_ROWS", DEFAULT_MAX_ROWS)


def _covariate(text: str):
    text = text.strip()
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IpdErrors(
            [{"line": None, "message": "The file is not UTF-8 text (save it as CSV UTF-8)."}]
        ) from None


def parse_patients(*, text: str, arms_by_label: dict) -> list[dict]:
    """The patients of a CSV (columns arm, time, event, then covariates); IpdErrors with line numbers."""
    # The header decides the delimiter (Excel in many locales writes ";"); csv.Sniffer guesses wrong on ragged rows.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise IpdErrors([{"line": 1, "message": "The file is empty; the first line names the columns."}])
    names = [name.strip() for name in header]
    lower = [name.lower() for name in names]
    missing = [c for c in REQUIRED_COLUMNS if c not in lower]
    if missing:
        raise IpdErrors([{"line": 1, "message": f"Missing column(s): {', '.join(missing)}."}])
    index = {c: lower.index(c) for c in REQUIRED_COLUMNS}
    covariates = [(i, name) for i, name in enumerate(names) if name.lower() not in REQUIRED_COLUMNS and name]
    known = ", ".join(sorted(arm.label for arm in arms_by_label.values()))
    patients, errors, limit = [], [], max_rows()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(patients) + len(errors) >= limit:
            raise IpdErrors([{"line": line, "message": f"More than {limit} patients; split the file."}])
        if len(row) != len(names):
            errors.append({"line": line, "message": f"{len(row)} values where the header has {len(names)}."})
            continue
        problems = []
        arm = arms_by_label.get(row[index["arm"]].strip().lower())
        if arm is None:
            problems.append(f"arm “{row[index['arm']].strip()}” is not an arm of this study ({known})")
        try:
            time = float(row[index["time"]])
            if not time >= 0 or time == float("inf"):
                problems.append("time must be 0 or more")
        except ValueError:
            problems.append(f"time “{row[index['time']]}” is not a number")
        event = row[index["event"]].strip()
        if event not in ("0", "1"):
            problems.append(f"event must be 0 or 1, not “{event}”")
        if problems:
            errors.append({"line": line, "message": "; ".join(problems)})
            continue
        patients.append(
            {
                "line": line,
                "arm": arm,
                "time": time,
                "event": int(event),
                "covariates": {name: _covariate(row[i]) for i, name in covariates},
            }
        )
    if errors:
        raise IpdErrors(errors[:MAX_REPORTED_ERRORS])
    if not patients:
        raise IpdErrors([{"line": None, "message": "The file has a header but no patients."}])
    return patients


@transaction.atomic
def ipd_replace(*, study: Study, user, upload) -> int:
    """Replace the study's patient-level data with an uploaded CSV; returns the number of patients."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise IpdErrors(
            [{"line": None, "message": f"The file is larger than {settings.MAX_UPLOAD_BYTES} bytes."}]
        )
    data = upload.read(settings.MAX_UPLOAD_BYTES + 1) if hasattr(upload, "read") else upload
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise IpdErrors(
            [{"line": None, "message": f"The file is larger than {settings.MAX_UPLOAD_BYTES} bytes."}]
        )
    arms = {arm.label.strip().lower(): arm for arm in study.arms.all()}
    if not arms:
        raise IpdErrors([{"line": None, "message": "Add the study's arms first; each patient names an arm."}])
    patients = parse_patients(text=_decode(data), arms_by_label=arms)
    Study.objects.select_for_update().filter(pk=study.pk).values_list("pk", flat=True).get()
    before = study.patients.count()
    study.patients.all().delete()
    PatientRecord.objects.bulk_create(
        [
            PatientRecord(
                study=study,
                arm=p["arm"],
                line=p["line"],
                time=p["time"],
                event=p["event"],
                covariates=p["covariates"],
            )
            for p in patients
        ],
        batch_size=2000,
    )
    log_change(
        review_id=study.review_id,
        study_id=study.pk,
        what="Patient-level data replaced (patients)",
        old=before,
        new=len(patients),
        user=user,
    )
    data_changed(review_id=study.review_id, outcome_ids=_time_to_event_outcomes(study))
    return len(patients)


@transaction.atomic
def ipd_delete(*, study: Study, user) -> None:
    before = study.patients.count()
    study.patients.all().delete()
    log_change(
        review_id=study.review_id,
        study_id=study.pk,
        what="Patient-level data removed (patients)",
        old=before,
        new=0,
        user=user,
    )
    data_changed(review_id=study.review_id, outcome_ids=_time_to_event_outcomes(study))


def _time_to_event_outcomes(study: Study) -> list[int]:
    return list(
        Outcome.objects.filter(review_id=study.review_id, kind=OutcomeKind.TIME_TO_EVENT).values_list(
            "pk", flat=True
        )
    )
