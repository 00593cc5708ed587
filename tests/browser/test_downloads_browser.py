"""A viewer prepares the reproducibility bundle, watches a real worker's progress, and downloads it."""

import io
import zipfile

from playwright.sync_api import expect

from analysis import services
from reviews import services as review_services
from reviews.models import Role
from tests.analysis.builders import dichotomous_review
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user
from tests.reliability.conftest import celery_worker_process  # noqa: F401 - the real worker fixture


def test_viewer_prepares_and_downloads_the_bundle(new_page, celery_worker_process):  # noqa: F811
    owner = make_user("olivia")
    make_user("vera")
    review = review_services.review_create(owner=owner, title="BCG vaccine")
    review_services.member_invite(review=review, invited_by=owner, user_identifier="vera", role=Role.VIEWER)
    built = dichotomous_review(review, owner, owner)
    analysis = services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    services.recompute(analysis_id=analysis.pk)

    page = new_page()
    sign_in(page, "vera", PASSWORD)
    page.goto(f"/reviews/{review.pk}/")
    page.locator("nav.stages").get_by_role("link", name="Downloads").click()
    expect(page.locator(f'[data-analysis="{analysis.pk}"]')).to_contain_text("forest plot (SVG)")
    page.get_by_role("button", name="Prepare: Reproducibility bundle (zip)").click()

    job = page.locator("#job-bundle .job")
    expect(job).to_have_attribute("data-status", "done", timeout=60_000)
    with page.expect_download() as download:
        job.get_by_role("link").click()
    content = open(download.value.path(), "rb").read()
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "reproduce.R" in names and f"data/analysis-{analysis.pk}.csv" in names
