"""What every extraction service shares: the data-version bump, the change log, conflicts, roles."""

from django.db import connection, transaction

from extraction.events import extraction_data_changed
from extraction.models import ChangeLog
from reviews.models import Review, ReviewMembership, require_role_at_least


class StaleWrite(Exception):
    """A write based on a version someone else has already replaced; nothing was saved."""

    def __init__(self, *, cell: str, current_value, current_version: int, updated_by: str, updated_at=None):
        super().__init__(f"{cell} was changed by {updated_by} (now version {current_version}).")
        self.cell = cell
        self.current_value = current_value
        self.current_version = current_version
        self.updated_by = updated_by
        self.updated_at = updated_at

    def as_dict(self) -> dict:
        return {
            "detail": "Someone else changed this value since you loaded it; nothing was saved.",
            "cell": self.cell,
            "current_value": self.current_value,
            "current_version": self.current_version,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def data_changed(*, review_id: int, outcome_ids=None) -> int:
    """Bump the review's data version in this transaction and announce it once it commits.

    Call it last in the service: the bump locks the review row until commit, and every editor of
    the review waits for that lock, so nothing but the commit should follow it.
    """
    table, pk, column = (
        Review._meta.db_table,
        Review._meta.pk.column,
        Review._meta.get_field("data_version").column,
    )
    with connection.cursor() as cursor:
        # One round trip under the lock: the increment (in the database, as F() would do it) and
        # the version it made (RETURNING: PostgreSQL, SQLite 3.35+).
        cursor.execute(
            f'UPDATE "{table}" SET "{column}" = "{column}" + 1 WHERE "{pk}" = %s RETURNING "{column}"',
            [review_id],
        )
        (version,) = cursor.fetchone()
    ids = None if outcome_ids is None else sorted(set(outcome_ids))

    def announce():
        extraction_data_changed.send(
            sender=Review, review_id=review_id, data_version=version, outcome_ids=ids
        )

    transaction.on_commit(announce)
    return version


def log_change(*, review_id, study_id=None, extraction_id=None, cell="", what, old=None, new=None, user):
    """Record one change for the study's history."""
    return ChangeLog.objects.create(
        review_id=review_id,
        study_id=study_id,
        extraction_id=extraction_id,
        cell=cell,
        what=what[:300],
        old_value=old,
        new_value=new,
        user=user,
    )


def role_of(*, user, review_id: int) -> str | None:
    membership = ReviewMembership.objects.filter(review_id=review_id, user=user).only("role").first()
    return membership.role if membership else None


def require_role(*, user, review_id: int, min_role: str) -> str:
    """The user's role; PermissionDenied when it is below ``min_role`` (callers found the review already)."""
    role = role_of(user=user, review_id=review_id)
    require_role_at_least(role, min_role)
    return role
