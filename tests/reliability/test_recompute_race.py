"""Two tasks storing results of one analysis at once: a late, older result never replaces a newer one.

Real PostgreSQL, two connections: the test holds the analysis row's lock while a second thread's
store waits for it, makes a newer result current and commits; the waiting store must then see it.
"""

import threading
import time

from django.db import connection, transaction

from analysis import services
from analysis.models import Analysis, AnalysisResult, ResultStatus
from analysis.recompute import protocol
from tests.analysis.builders import dichotomous_review
from tests.conftest import require_service
from tests.workers import postgres_in_use


def _fields(name: str) -> dict:
    return {"status": ResultStatus.OK, "input_hash": name, "engine_version": "test"}


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_an_older_store_waiting_on_the_lock_never_replaces_the_newer_current_result(
    transactional_db, review, owner, reviewer
):
    require_service(postgres_in_use(), "PostgreSQL (DATABASE_URL=postgres://…)")
    built = dichotomous_review(review, owner, reviewer)
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="OR")
    services.recompute(analysis_id=analysis.pk)
    analysis.refresh_from_db()
    v, d = analysis.current_result.data_version, analysis.definition_version

    outcome: dict = {}

    def late_older_task():
        from django.db import connection as thread_connection

        outcome["pid"] = thread_connection.cursor().connection.info.backend_pid
        try:
            outcome["stored"] = protocol._store(analysis.pk, v + 1, d, _fields("older"))
        finally:
            thread_connection.close()

    with transaction.atomic():
        Analysis.objects.select_for_update().filter(pk=analysis.pk).first()
        waiting = threading.Thread(target=late_older_task)
        waiting.start()
        deadline = time.monotonic() + 20
        while not ("pid" in outcome and _waiting_for_a_lock(outcome["pid"])):
            assert time.monotonic() < deadline, "the second store never waited for the lock"
            time.sleep(0.05)
        newer = AnalysisResult.objects.create(
            analysis_id=analysis.pk, data_version=v + 2, definition_version=d, **_fields("newer")
        )
        Analysis.objects.filter(pk=analysis.pk).update(current_result=newer)
    waiting.join(timeout=20)

    analysis.refresh_from_db()
    assert outcome["stored"] is False
    assert analysis.current_result_id == newer.pk
    assert not AnalysisResult.objects.filter(analysis=analysis, data_version=v + 1).exists()
