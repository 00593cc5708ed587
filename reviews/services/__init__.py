"""Every write in the reviews app, one module per part; re-exported here for callers."""

from .duplicates import duplicate_confirm, duplicate_reject, duplicate_unmerge
from .imports import ImportPlan, import_create, import_plan, import_run
from .members import (
    REVIEW_SETTINGS,
    member_change_role,
    member_invite,
    member_remove,
    review_create,
    review_update_settings,
)

__all__ = [
    "ImportPlan",
    "duplicate_confirm",
    "duplicate_reject",
    "duplicate_unmerge",
    "import_create",
    "import_plan",
    "import_run",
    "REVIEW_SETTINGS",
    "member_change_role",
    "member_invite",
    "member_remove",
    "review_create",
    "review_update_settings",
]
