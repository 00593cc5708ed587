"""Two reviewers in two browsers: one changes an arm's events, the other's forest plot changes without reload.

A real worker process (Redis, PostgreSQL) recomputes the analysis; the analysis page polls its
status and swaps in the new result block when the result of the new data version is in.
"""

import re

import pytest
from playwright.sync_api import expect

from analysis import services as analysis_services
from analysis.models import Analysis
from reviews import services as review_services
from reviews.models import Review, Role
from tests.analysis.builders import dichotomous_review, events_cell
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user
from tests.workers import WorkerProcess, require_worker_services, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.services]


def current_version_result(analysis_id, review_id):
    version = Review.objects.get(pk=review_id).data_version
    result = Analysis.objects.select_related("current_result").get(pk=analysis_id).current_result
    return result if result and result.data_version == version else None


def test_one_reviewer_edits_events_and_the_others_forest_plot_changes_without_reload(
    new_page, transactional_db, tmp_path
):
    require_worker_services()
    from analysis.recompute.marks import forget_marks
    from config.celery import app

    app.control.purge()
    forget_marks()  # the purged messages' "task queued" marks too
    owner, rahul, sofia = make_user("olivia"), make_user("rahul"), make_user("sofia")
    review = review_services.review_create(owner=owner, title="BCG vaccine")
    for user in (rahul, sofia):
        review_services.member_invite(
            review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER
        )
    built = dichotomous_review(review, owner, rahul)
    analysis = analysis_services.analysis_create(
        review=review, user=owner, outcome=built.outcome, name="BCG, OR"
    )
    worker = WorkerProcess(tmp_path / "worker.log").start()
    try:
        wait_for(lambda: current_version_result(analysis.pk, review.pk), timeout=60, message=worker.log())

        watcher = new_page()
        sign_in(watcher, "sofia", PASSWORD)
        watcher.goto(f"/reviews/{review.pk}/analyses/{analysis.pk}/")
        result_block = watcher.locator(".analysis-result")
        expect(result_block).to_have_attribute("data-state", "current")
        before_version = result_block.get_attribute("data-result-version")
        before_forest = watcher.locator("#forest-plot svg").inner_html()
        before_pooled = watcher.locator("[data-pooled]").inner_text()
        watcher.evaluate("window.__notReloaded = true")

        editor = new_page()
        sign_in(editor, "rahul", PASSWORD)
        study = built.studies[0]
        editor.goto(f"/reviews/{review.pk}/studies/{study.pk}/")
        name = events_cell(built.outcome, built.arms[study.pk][0])
        cell = editor.locator(f'input.cell[data-cell="{name}"]')
        cell.fill("60")
        cell.press("Enter")
        expect(editor.locator(f'td:has(input.cell[data-cell="{name}"]) .cell-state')).to_have_attribute(
            "data-state", "saved"
        )

        expect(result_block).not_to_have_attribute("data-result-version", before_version, timeout=30_000)
        expect(watcher.locator("#analysis-status")).to_have_attribute("data-state", "current", timeout=30_000)
        expect(watcher.locator("[data-pooled]")).not_to_have_text(before_pooled)
        assert watcher.locator("#forest-plot svg").inner_html() != before_forest
        assert re.search(r"\b60\b", watcher.locator("#forest-plot svg").inner_html())  # Aronson's new events
        assert watcher.evaluate("window.__notReloaded") is True
    finally:
        worker.stop()
