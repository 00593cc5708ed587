"""The recompute protocol: compute an analysis from the data of version v and store it only if still newest.

- The task reads the review's data version v and the input rows in one snapshot.
- A result of (v, definition) already current: nothing to do (duplicate deliveries are free).
- Input identical to the current result's: the current result is re-stamped with v, no computation.
- Otherwise the engine runs and the result is inserted under a lock on the analysis row, only
  if no result of a newer version became current meanwhile (a late, older task never wins).
- Data that moved on while computing: the task is queued again.
- The engine refusing the data (EngineError) or any other error of the computation itself is
  stored at once as a failed result with its message: a deterministic error gives the same answer
  on every retry. Only infrastructure errors (database, broker) leave the task to be retried.
- Each (version, definition) gets a bounded number of attempts, counted in the database, so a
  message redelivered after every kill of its worker ends as a failed result instead of a loop.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from analysis import engine
from analysis.models import Analysis, AnalysisResult, ResultStatus

from .compute import compute, definition_of, gather_input, input_hash, study_weights

logger = logging.getLogger(__name__)

# Errors of the services around the computation: worth a retry, unlike an error of the computation.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
KEEP_RESULTS = 20  # older results of an analysis are pruned (each holds its input rows)


@dataclass(frozen=True)
class Outcome:
    """What one run of the task did (for logs and tests)."""

    status: str  # gone, current, unchanged, stored, failed, superseded, gave_up
    data_version: int | None = None
    moved_on: bool = False


def _max_attempts() -> int:
    return settings.RECOMPUTE_MAX_ATTEMPTS


def _is_current(analysis: Analysis, v: int) -> bool:
    result = analysis.current_result
    return result is not None and (result.data_version, result.definition_version) >= (
        v,
        analysis.definition_version,
    )


def _snapshot(analysis_id: int):
    """(analysis, data version, input bundle) read in one consistent snapshot of the database."""
    outermost = not connection.in_atomic_block  # a caller's transaction (a test's) has its own snapshot
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # READ COMMITTED would let the rows come from a later commit than the version read first.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        analysis = (
            Analysis.objects.select_related("outcome", "current_result")
            .annotate(review_data_version=F("review__data_version"))  # one query, one snapshot
            .filter(pk=analysis_id)
            .first()
        )
        if analysis is None:
            return None, None, None
        v = analysis.review_data_version
        if _is_current(analysis, v):
            return analysis, v, None
        return analysis, v, gather_input(analysis)


def _count_attempt(analysis: Analysis, v: int) -> int:
    """Count one more attempt at (v, definition); returns the number of attempts so far."""
    d = analysis.definition_version
    now = timezone.now()
    # The usual case first (one query): a newer version than the one counted so far starts again at 1.
    newer = Q(attempt_data_version__lt=v) | Q(attempt_data_version=v, attempt_definition_version__lt=d)
    if (
        Analysis.objects.filter(pk=analysis.pk)
        .filter(newer)
        .update(attempt_data_version=v, attempt_definition_version=d, attempts=1, attempt_started_at=now)
    ):
        return 1
    same = Analysis.objects.filter(pk=analysis.pk, attempt_data_version=v, attempt_definition_version=d)
    if same.update(attempts=F("attempts") + 1, attempt_started_at=now):
        return Analysis.objects.filter(pk=analysis.pk).values_list("attempts", flat=True).get()
    return 1  # the counter is at a newer version already: never move it backwards


def _store(analysis_id: int, v: int, d: int, fields: dict) -> bool:
    """Insert a result and make it current, unless a result at least as new is current already."""
    with transaction.atomic():
        # Lock the analysis row alone, then read its current result in a second statement. Joined
        # into the locking statement, a result made current by a concurrent task while this one
        # waited would read as NULL (PostgreSQL re-checks only the locked row after the wait, and
        # the outer join then finds no match), and a late, older task would replace a newer result.
        locked = (
            Analysis.objects.select_for_update()
            .filter(pk=analysis_id)
            .values_list("definition_version", "current_result_id")
            .first()
        )
        if locked is None or locked[0] != d:
            return False
        current = (
            AnalysisResult.objects.filter(pk=locked[1])
            .values_list("data_version", "definition_version")
            .first()
            if locked[1] is not None
            else None
        )
        if current is not None and tuple(current) >= (v, d):
            return False
        result = AnalysisResult.objects.create(
            analysis_id=analysis_id, data_version=v, definition_version=d, **fields
        )
        Analysis.objects.filter(pk=analysis_id).update(current_result=result)
        stale_ids = list(
            AnalysisResult.objects.filter(analysis_id=analysis_id).values_list("pk", flat=True)[KEEP_RESULTS:]
        )
        if stale_ids:
            AnalysisResult.objects.filter(pk__in=stale_ids).delete()
        return True


def _restamp(analysis_id: int, v: int, d: int, digest: str) -> bool:
    """Carry the current result forward to version v when its input is unchanged."""
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().filter(pk=analysis_id).first()
        if analysis is None or analysis.definition_version != d or analysis.current_result_id is None:
            return False
        return bool(
            AnalysisResult.objects.filter(
                pk=analysis.current_result_id,
                definition_version=d,
                input_hash=digest,
                data_version__lt=v,
            ).update(data_version=v)
        )


def _test_delay() -> None:
    """Slow the computation down in tests only (a worker can then be killed in the middle)."""
    delay = getattr(settings, "RECOMPUTE_TEST_DELAY_MS", 0)
    if delay and settings.ENVIRONMENT == "test":
        time.sleep(delay / 1000)


def _test_fault() -> None:
    """Make every computation raise, in tests only (a deterministic error in a real worker)."""
    fault = getattr(settings, "RECOMPUTE_TEST_FAULT", "")
    if fault and settings.ENVIRONMENT == "test":
        raise ZeroDivisionError(fault)


def computation_error_message(error: Exception) -> str:
    """The real error, for the analysis page: its type and message (the traceback goes to the log)."""
    return f"The computation failed: {type(error).__name__}: {error}"


def recompute(*, analysis_id: int, worker: str = "") -> Outcome:
    """Bring one analysis's current result up to the data's current version (see the module docstring)."""
    analysis, v, bundle = _snapshot(analysis_id)
    if analysis is None:
        return Outcome("gone")
    if bundle is None:
        return Outcome("current", v)
    d = analysis.definition_version
    definition = definition_of(analysis)
    digest = input_hash(bundle, definition)
    # Only an unchanged input can be re-stamped: skip its locked transaction when the hash differs.
    current = analysis.current_result
    if current is not None and current.input_hash == digest and _restamp(analysis_id, v, d, digest):
        return Outcome("unchanged", v, moved_on=_moved_on(analysis, v))

    attempts = _count_attempt(analysis, v)
    base = {
        "input_hash": digest,
        "input_rows": bundle,
        "engine_version": engine.ENGINE_VERSION,
        "worker": worker,
    }
    if attempts > _max_attempts():
        # What is known: attempts started and none stored a result or an error. Why they stopped
        # (a killed worker, a lost connection) left no trace here, so the message guesses no cause.
        message = (
            f"Gave up after {attempts - 1} attempts at data version {v}: each attempt started and "
            "stopped before it stored a result, and no error was recorded (the worker process ended "
            "or lost its connection during the computation). Change the data or the analysis to try again."
        )
        # Not carried forward to a later version like an ordinary result: the next change tries again.
        base["input_hash"] = f"gave-up:{digest}"[:64]
        _store(analysis_id, v, d, {**base, "status": ResultStatus.FAILED, "error": message})
        return Outcome("gave_up", v)

    started = time.perf_counter()
    _test_delay()
    try:
        _test_fault()
        numbers = compute(analysis, bundle)
    except engine.EngineError as error:
        fields = {**base, "status": ResultStatus.FAILED, "error": str(error)}
        status = "failed"
    except INFRASTRUCTURE_ERRORS:
        raise  # the task's retry (and the sweep) try again once the service is back
    except Exception as error:
        logger.exception("analysis %s failed at data version %s", analysis_id, v)
        fields = {**base, "status": ResultStatus.FAILED, "error": computation_error_message(error)}
        status = "failed"
    else:
        fields = {
            **base,
            "status": ResultStatus.OK,
            "numbers": numbers,
            "weights": study_weights(numbers),
            "warnings": list(numbers.get("warnings", [])) + list(numbers.get("notes", [])),
        }
        status = "stored"
    fields["duration_ms"] = (time.perf_counter() - started) * 1000
    if not _store(analysis_id, v, d, fields):
        status = "superseded"
    return Outcome(status, v, moved_on=_moved_on(analysis, v))


def _moved_on(analysis: Analysis, v: int) -> bool:
    """Whether the data or the definition changed since version v was read."""
    now = (
        Analysis.objects.filter(pk=analysis.pk)
        .values_list("review__data_version", "definition_version")
        .first()
    )
    return now is not None and now > (v, analysis.definition_version)


def stale_analysis_ids(*, limit: int = 500) -> list[int]:
    """Analyses whose current result is older than their data or definition, and nobody is working on.

    An analysis whose attempt at the current version started less than
    ``RECOMPUTE_STALL_SECONDS`` ago is left alone: its task is probably still running.
    """
    stalled_before = timezone.now() - timedelta(seconds=settings.RECOMPUTE_STALL_SECONDS)
    stale = (
        Q(current_result__isnull=True)
        | Q(current_result__data_version__lt=F("review__data_version"))
        | Q(current_result__definition_version__lt=F("definition_version"))
    )
    busy = (
        Q(attempt_data_version=F("review__data_version"))
        & Q(attempt_definition_version=F("definition_version"))
        & Q(attempt_started_at__gte=stalled_before)
    )
    return list(
        Analysis.objects.filter(stale).exclude(busy).order_by("id").values_list("pk", flat=True)[:limit]
    )
