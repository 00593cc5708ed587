"""The reviews app's models, one module per part of the review."""

from .duplicates import DuplicateCandidate, DuplicateMergeLog
from .records import Record, RecordStatus, SourceImport, SourceKind
from .review import Review, ReviewMembership, Role, require_role_at_least, role_at_least
from .screening import (
    Adjudication,
    Decision,
    ExclusionReason,
    PrismaManualCounts,
    ScreeningDecision,
    ScreeningProgress,
    ScreeningSettings,
    Stage,
)

__all__ = [
    "Adjudication",
    "Decision",
    "DuplicateCandidate",
    "DuplicateMergeLog",
    "ExclusionReason",
    "PrismaManualCounts",
    "Record",
    "RecordStatus",
    "Review",
    "ReviewMembership",
    "Role",
    "ScreeningDecision",
    "ScreeningProgress",
    "ScreeningSettings",
    "SourceImport",
    "SourceKind",
    "Stage",
    "require_role_at_least",
    "role_at_least",
]
