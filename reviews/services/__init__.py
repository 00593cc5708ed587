"""Every write in the reviews app, one module per part; re-exported here for callers."""

from .members import (
    REVIEW_SETTINGS,
    member_change_role,
    member_invite,
    member_remove,
    review_create,
    review_update_settings,
)

__all__ = [
    "REVIEW_SETTINGS",
    "member_change_role",
    "member_invite",
    "member_remove",
    "review_create",
    "review_update_settings",
]
