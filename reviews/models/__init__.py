"""The reviews app's models, one module per part of the review."""

from .records import Record, RecordStatus, SourceImport, SourceKind
from .review import ROLE_RANK, Review, ReviewMembership, Role

__all__ = [
    "ROLE_RANK",
    "Record",
    "RecordStatus",
    "Review",
    "ReviewMembership",
    "Role",
    "SourceImport",
    "SourceKind",
]
