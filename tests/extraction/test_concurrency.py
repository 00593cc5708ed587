"""Two people writing the same value: a stale write is a conflict, never a silent overwrite."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from extraction import cells, services
from extraction.models import ChangeLog, ExtractedValue
from tests.conftest import require_service
from tests.workers import postgres_in_use


@pytest.fixture
def shared(study, reviewer):
    """The shared extraction of a review with one extraction per study."""
    return services.extraction_open(study=study, user=reviewer)


def test_stale_write_is_refused_with_the_current_value(shared, form, arms, reviewer, owner, save):
    cell = cells.arm_cell(form["relapse"].pk, arms[0].pk, "events")
    save(shared, cell, 10, user=reviewer)  # version 1
    save(shared, cell, 11, user=owner, based_on=1)  # version 2
    with pytest.raises(services.StaleWrite) as excinfo:
        save(shared, cell, 12, user=reviewer, based_on=1)
    conflict = excinfo.value
    assert (conflict.current_value, conflict.current_version, conflict.updated_by) == (11, 2, "olivia")
    assert ExtractedValue.objects.get(extraction=shared, cell=cell).value == 11
    assert list(ChangeLog.objects.filter(cell=cell).values_list("new_value", flat=True)) == [11, 10]
    # Based on the current version, the same person's write goes through.
    assert save(shared, cell, 12, user=reviewer, based_on=2).version == 3


def test_two_first_writes_to_an_empty_cell_conflict(shared, form, arms, reviewer, owner, save):
    cell = cells.arm_cell(form["relapse"].pk, arms[0].pk, "total")
    save(shared, cell, 100, user=reviewer, based_on=0)
    with pytest.raises(services.StaleWrite) as excinfo:
        save(shared, cell, 101, user=owner, based_on=0)
    assert excinfo.value.current_value == 100


def test_saving_the_value_already_there_is_not_a_conflict(shared, form, arms, reviewer, owner, save):
    cell = cells.arm_cell(form["relapse"].pk, arms[0].pk, "total")
    save(shared, cell, 100, user=reviewer, based_on=0)
    assert save(shared, cell, "100", user=owner, based_on=0).version == 1


def test_api_answers_409_with_the_other_persons_value(
    api_client_for, review, study, shared, form, arms, reviewer, owner
):
    url = reverse("api-extraction-values", args=[review.pk, study.pk, shared.pk])
    cell = cells.arm_cell(form["relapse"].pk, arms[0].pk, "events")
    first = api_client_for(owner).post(
        url, {"cell": cell, "value": "7", "based_on_version": 0}, format="json"
    )
    assert first.status_code == 200 and first.json()["version"] == 1
    stale = api_client_for(reviewer).post(
        url, {"cell": cell, "value": "8", "based_on_version": 0}, format="json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert (body["current_value"], body["current_version"], body["updated_by"]) == (7, 1, "olivia")
    invalid = api_client_for(reviewer).post(
        url, {"cell": cell, "value": "-1", "based_on_version": 1}, format="json"
    )
    assert invalid.status_code == 400 and "cannot be negative" in invalid.json()["value"][0]


def test_stale_arm_edit_is_a_conflict_shown_with_the_other_value(
    client, review, study, arms, reviewer, owner
):
    il2 = arms[0]
    services.arm_update(arm=il2, user=owner, based_on_version=1, dose="6 MIU/m²")
    client.force_login(reviewer)
    response = client.post(
        reverse("extraction:study_update_arm", args=[review.pk, study.pk]),
        {"arm_id": il2.pk, "based_on_version": 1, "label": "IL-2", "dose": "9 MIU"},
        follow=True,
    )
    page = response.content.decode()
    assert "olivia changed this arm while you edited it" in page and "6 MIU/m²" in page
    il2.refresh_from_db()
    assert (il2.dose, il2.version) == ("6 MIU/m²", 2)


def _race(write) -> list[str]:
    """Run ``write(0)`` and ``write(1)`` in two threads at once, each with its own database connection."""
    barrier = threading.Barrier(2)
    results = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            write(i)
            results.append("saved")
        except services.StaleWrite:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


@pytest.mark.services
def test_two_threads_writing_at_once_get_one_success_and_one_conflict(
    transactional_db, review, study, form, owner, reviewer
):
    require_service(postgres_in_use(), "PostgreSQL (DATABASE_URL=postgres://…)")
    extraction = services.extraction_open(study=study, user=reviewer)
    people = [owner, reviewer]
    rounds = 8
    for arm in study.arms.all():
        cell = cells.arm_cell(form["qol"].pk, arm.pk, "mean")
        # First writes to an empty cell race on the unique constraint ...
        outcomes = [
            _race(
                lambda i, cell=cell: services.value_save(
                    extraction=extraction, user=people[i], cell=cell, value=1 + i, based_on_version=0
                )
            )
        ]
        # ... later writes on the version: each round both base their write on the same version.
        for round_number in range(rounds):
            version = ExtractedValue.objects.get(extraction=extraction, cell=cell).version
            outcomes += [
                _race(
                    lambda i, cell=cell, version=version, r=round_number: services.value_save(
                        extraction=extraction,
                        user=people[i],
                        cell=cell,
                        value=100 * (r + 1) + i,
                        based_on_version=version,
                    )
                )
            ]
        assert outcomes == [["conflict", "saved"]] * (rounds + 1)
        assert ExtractedValue.objects.get(extraction=extraction, cell=cell).version == rounds + 1
        # Every saved change is in the history; the refused ones left no trace.
        assert ChangeLog.objects.filter(cell=cell).count() == rounds + 1
