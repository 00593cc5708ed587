"""A reviewer uploads a RIS file, watches the progress bar finish, and merges a duplicate by keyboard."""

from playwright.sync_api import expect

from reviews import services
from reviews.models import Record, RecordStatus, Role, SourceImport
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user
from tests.reliability.conftest import celery_worker_process  # noqa: F401 - the real worker fixture
from tests.reviews.import_helpers import ris


def test_upload_ris_watch_progress_and_merge_a_duplicate(new_page, celery_worker_process, tmp_path):  # noqa: F811
    owner = make_user("olivia")
    make_user("rahul")
    review = services.review_create(owner=owner, title="IL-2 maintenance in AML")
    services.member_invite(review=review, invited_by=owner, user_identifier="rahul", role=Role.REVIEWER)
    record = {
        "title": "Interleukin-2 maintenance after first remission",
        "authors": ["Baer, M."],
        "year": 2008,
    }
    export = tmp_path / "medline_export.ris"
    export.write_bytes(
        ris(record, {**record, "doi": "10.1200/jco.2008.1"}, {"title": "A cohort of remission", "year": 2001})
    )

    page = new_page()
    sign_in(page, "rahul", PASSWORD)
    page.goto(f"/reviews/{review.pk}/")
    page.locator("nav.stages").get_by_role("link", name="References").click()
    page.get_by_label("Reference file").set_input_files(str(export))
    page.get_by_label("Source:", exact=True).fill("MEDLINE via Ovid")
    page.get_by_label("Kind of source").select_option("database")
    page.get_by_role("button", name="Import").click()

    # The status polls itself until the worker has finished; the bar ends full.
    status = page.locator(".import-status").first
    expect(status).to_have_attribute("data-status", "done", timeout=60_000)
    expect(status).to_contain_text("3 records imported")
    expect(status.locator("progress")).to_have_attribute("value", "1")
    source_import = SourceImport.objects.get(review=review)
    try:
        assert source_import.records_imported == 3
        page.reload()
        expect(page.locator("table.records tbody tr")).to_have_count(3)

        status.get_by_role("link", name="1 possible duplicate").click()
        card = page.locator(".candidate").first
        expect(card).to_have_class("card candidate selected")
        page.keyboard.press("d")
        expect(page.locator(".candidate").first).to_have_attribute("data-status", "confirmed")
        removed = Record.objects.get(review=review, doi="10.1200/jco.2008.1")
        assert removed.status == RecordStatus.DUPLICATE
    finally:
        source_import.file.delete(save=False)
