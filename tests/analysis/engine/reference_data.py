"""Published data sets the engine tests share, read from the copied metafor reference file."""

import json
from pathlib import Path

CASES_PATH = Path(__file__).parent / "data" / "metafor_cases.json"


def bcg_trials() -> list[dict]:
    """The 13 BCG vaccine trials of metafor's dat.bcg: study, 2×2 counts, latitude and allocation."""
    cases = json.loads(CASES_PATH.read_text())
    data = next(case["data"] for case in cases if case["id"] == "bcg_rr_reml")
    return [{key: value for key, value in row.items() if key != "year"} for row in data]
