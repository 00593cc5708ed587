"""Reads of the extraction app, always reached through the user's review (see ``access``)."""

from .access import (
    arm_of,
    comparison_of,
    extraction_of,
    field_of,
    final_extraction,
    may_see_extraction,
    may_start_extraction,
    outcome_of,
    own_extraction,
    study_for_user,
)
from .comparison import compare, consensus_sheet, review_agreement
from .sheet import extraction_sheet, sheet_layout
from .studies import StudyStatus, studies_with_status, study_history, study_status

__all__ = [
    "StudyStatus",
    "arm_of",
    "compare",
    "comparison_of",
    "consensus_sheet",
    "extraction_of",
    "extraction_sheet",
    "field_of",
    "final_extraction",
    "may_see_extraction",
    "may_start_extraction",
    "outcome_of",
    "own_extraction",
    "review_agreement",
    "sheet_layout",
    "studies_with_status",
    "study_for_user",
    "study_history",
    "study_status",
]
