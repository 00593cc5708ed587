"""Every write in the reviews app, one module per part; re-exported here for callers."""

from .duplicates import duplicate_confirm, duplicate_reject, duplicate_unmerge

# Not .imports (the upload): it queues reviews.tasks, which imports this package; see import_jobs.py.
from .import_jobs import ImportPlan, import_files_sweep, import_plan, import_run, imports_restart_stalled
from .members import (
    REVIEW_SETTINGS,
    member_change_role,
    member_invite,
    member_remove,
    review_create,
    review_update_settings,
)
from .screening import (
    adjudicate,
    exclusion_reason_create,
    exclusion_reason_move,
    exclusion_reason_update,
    exclusion_reasons_add_defaults,
    prisma_manual_counts_update,
    record_decision,
    screening_settings_update,
    undo_last_decision,
)

__all__ = [
    "ImportPlan",
    "duplicate_confirm",
    "duplicate_reject",
    "duplicate_unmerge",
    "import_files_sweep",
    "import_plan",
    "import_run",
    "imports_restart_stalled",
    "REVIEW_SETTINGS",
    "member_change_role",
    "member_invite",
    "member_remove",
    "review_create",
    "review_update_settings",
    "adjudicate",
    "exclusion_reason_create",
    "exclusion_reason_move",
    "exclusion_reason_update",
    "exclusion_reasons_add_defaults",
    "prisma_manual_counts_update",
    "record_decision",
    "screening_settings_update",
    "undo_last_decision",
]
