"""Every write in the reviews app, one module per part; re-exported here for callers.

Except the upload of a reference file (reviews.services.imports): it queues reviews.tasks, whose
tasks call this package, so importing it here would make a cycle. Callers import it directly.
"""

from .duplicates import duplicate_confirm, duplicate_reject, duplicate_unmerge
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
