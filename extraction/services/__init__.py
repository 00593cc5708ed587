"""Every write of the extraction app: keyword arguments, one transaction each, data version bumped."""

from .common import StaleWrite, data_changed
from .ipd import IpdErrors, ipd_delete, ipd_replace
from .structure import (
    arm_create,
    arm_delete,
    arm_update,
    comparison_create,
    comparison_delete,
    field_create,
    field_delete,
    outcome_create,
    outcome_delete,
    studies_sync_from_included_records,
    study_create,
    study_delete,
    study_link_record,
    study_rename,
)
from .values import (
    consensus_start,
    extraction_complete,
    extraction_open,
    extraction_reopen,
    value_save,
)

__all__ = [
    "IpdErrors",
    "StaleWrite",
    "arm_create",
    "arm_delete",
    "arm_update",
    "comparison_create",
    "comparison_delete",
    "consensus_start",
    "data_changed",
    "extraction_complete",
    "extraction_open",
    "extraction_reopen",
    "field_create",
    "field_delete",
    "ipd_delete",
    "ipd_replace",
    "outcome_create",
    "outcome_delete",
    "studies_sync_from_included_records",
    "study_create",
    "study_delete",
    "study_link_record",
    "study_rename",
    "value_save",
]
