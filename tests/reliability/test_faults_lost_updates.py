"""No lost updates: 1,000 writes to one value by concurrent writers, 0 lost.

Four reviewers' sessions (threads, each with its own PostgreSQL connection) each save values of
their own to the same extracted total, based on the version they last saw; a write based on a
version someone replaced meanwhile is refused (StaleWrite) and made again on the version it
reports, as a reviewer does after the conflict message. Every acknowledged write must be in the
history, each one replacing exactly the value before it (none overwrote a value its writer had
not seen), and the value stored is the last one acknowledged. Prints its figures.
"""

import threading

import pytest
from django.db import connection

from extraction.models import ChangeLog, ExtractedValue
from extraction.services import StaleWrite, value_save
from tests.analysis.builders import dichotomous_review, events_cell
from tests.conftest import require_service
from tests.workers import postgres_in_use

pytestmark = pytest.mark.services

ROUNDS = 1000
WRITERS = 4


def test_a_thousand_concurrent_increments_of_one_value_lose_none(
    transactional_db, review, owner, reviewer, capsys
):
    require_service(postgres_in_use(), "PostgreSQL (DATABASE_URL=postgres://…)")
    built = dichotomous_review(review, owner, reviewer)
    study = built.studies[3]
    extraction = built.extractions[study.pk]
    cell = events_cell(built.outcome, built.arms[study.pk][0], "total")
    start = ExtractedValue.objects.get(extraction=extraction, cell=cell)
    history_before = ChangeLog.objects.filter(cell=cell).count()
    conflicts, failures, acknowledged = [0] * WRITERS, [], {}
    barrier = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            version = ExtractedValue.objects.get(extraction=extraction, cell=cell).version
            for round_number in range(ROUNDS // WRITERS):
                value = start.value + 1 + index + WRITERS * round_number  # no two writes store the same
                while True:
                    try:
                        saved = value_save(
                            extraction=extraction,
                            user=reviewer,
                            cell=cell,
                            value=value,
                            based_on_version=version,
                        )
                        version = saved.version
                        acknowledged[version] = value
                        break
                    except StaleWrite as stale:  # someone wrote first: write again on what they stored
                        conflicts[index] += 1
                        version = stale.current_version
        except Exception as error:  # reported below with the figures
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    final = ExtractedValue.objects.get(extraction=extraction, cell=cell)
    history = list(
        ChangeLog.objects.filter(cell=cell)
        .order_by("id")
        .values_list("old_value", "new_value")[history_before:]
    )
    in_history = {new for _, new in history}
    lost = sum(1 for value in acknowledged.values() if value not in in_history)
    overwritten_unseen = sum(
        1
        for (_, before), (old, _) in zip([(None, start.value), *history], history, strict=False)
        if old != before
    )
    with capsys.disabled():
        print(
            f"\nlost updates: {len(acknowledged)} writes acknowledged to one value by {WRITERS} concurrent writers; "
            f"{sum(conflicts)} refused as stale and made again; {len(history)} changes in the history; "
            f"lost {lost}; overwritten unseen {overwritten_unseen}"
        )
    assert not failures, failures
    assert len(acknowledged) == ROUNDS == len(history)  # versions are distinct: one per write
    assert lost == 0 and overwritten_unseen == 0
    assert final.version == start.version + ROUNDS and final.value == acknowledged[final.version]
