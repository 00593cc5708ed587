"""Screening with the keyboard, resolving a conflict and a live PRISMA diagram, in Chromium."""

import re

from playwright.sync_api import expect

from reviews import services as review_services
from reviews.models import Decision, Record, RecordStatus, Role, ScreeningDecision, Stage
from reviews.services import screening as services
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user
from tests.reviews.screening_support import add_import, add_records


def _team(reviewers_per_record: int):
    owner = make_user("olivia")
    reviewer = make_user("rahul")
    review = review_services.review_create(
        owner=owner, title="IL-2 maintenance in AML", reviewers_per_record=reviewers_per_record
    )
    review_services.member_invite(
        review=review, invited_by=owner, user_identifier="rahul", role=Role.REVIEWER
    )
    return owner, reviewer, review


def test_screen_records_with_the_keyboard_and_undo(new_page, transactional_db):
    owner, reviewer, review = _team(reviewers_per_record=2)
    review_services.member_invite(
        review=review, invited_by=owner, user_identifier=make_user("amira").username, role=Role.REVIEWER
    )
    services.screening_settings_update(review=review, include_terms="randomi*", exclude_terms="mice")
    first, second, third = add_records(review, 3)
    page = new_page()
    sign_in(page, "rahul", PASSWORD)
    page.goto(f"/reviews/{review.pk}/screening/")
    card = page.locator("#screening-card")
    expect(card).to_have_attribute("data-record", str(first.pk))
    expect(card.locator("mark.term-include").first).to_have_text("randomised")
    expect(card.locator("[data-count=remaining]")).to_have_text("3")

    page.keyboard.press("i")
    expect(card).to_have_attribute("data-record", str(second.pk))
    expect(card.locator("[data-count=done]")).to_have_text("1")
    page.keyboard.press("e")
    expect(card).to_have_attribute("data-record", str(third.pk))
    page.keyboard.press("m")
    expect(card.locator(".all-done")).to_be_visible()
    expect(card.locator("[data-count=remaining]")).to_have_text("0")
    page.keyboard.press("u")
    expect(card).to_have_attribute("data-record", str(third.pk))
    expect(card.locator(".notice")).to_have_text("Your last decision was withdrawn.")
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()

    mine = dict(
        ScreeningDecision.objects.filter(reviewer=reviewer, stage=Stage.TITLE_ABSTRACT).values_list(
            "record_id", "decision"
        )
    )
    assert mine == {first.pk: Decision.INCLUDE, second.pk: Decision.EXCLUDE}
    # Two reviewers per record: nothing is resolved by one reviewer's decisions.
    assert set(Record.objects.values_list("status", flat=True)) == {RecordStatus.TITLE_ABSTRACT}


def test_owner_resolves_a_conflict(new_page, transactional_db):
    owner, reviewer, review = _team(reviewers_per_record=2)
    amira = make_user("amira")
    review_services.member_invite(
        review=review, invited_by=owner, user_identifier="amira", role=Role.REVIEWER
    )
    (record,) = add_records(review, 1)
    for user, decision in ((reviewer, Decision.INCLUDE), (amira, Decision.EXCLUDE)):
        services.record_decision(
            review=review, record_id=record.pk, reviewer=user, stage=Stage.TITLE_ABSTRACT, decision=decision
        )
    page = new_page()
    sign_in(page, "olivia", PASSWORD)
    page.goto(f"/reviews/{review.pk}/screening/")
    page.get_by_role("link", name="Conflicts").click()
    conflict = page.locator(f"#conflict-{record.pk}")
    expect(conflict).to_contain_text("rahul — Include")
    expect(conflict).to_contain_text("amira — Exclude")
    conflict.get_by_label("Final decision").select_option("include")
    conflict.get_by_label("Note").fill("Adults with AML: eligible")
    conflict.get_by_role("button", name="Resolve").click()
    expect(page.locator(".messages")).to_contain_text("resolved")
    expect(page.locator(f"#conflict-{record.pk}")).to_have_count(0)
    expect(page.locator("#adjudication-log")).to_contain_text("Adults with AML: eligible")
    assert Record.objects.get(pk=record.pk).status == RecordStatus.FULL_TEXT


def test_prisma_diagram_changes_after_a_decision(new_page, transactional_db):
    owner, reviewer, review = _team(reviewers_per_record=1)
    add_records(review, 2, source=add_import(review, owner, "MEDLINE"))
    diagram = new_page()
    sign_in(diagram, "olivia", PASSWORD)
    diagram.goto(f"/reviews/{review.pk}/prisma/")
    excluded = diagram.locator("[data-box=db-excluded] .n")
    expect(excluded).to_have_text("0")
    expect(diagram.locator("[data-box=db-screened]")).to_contain_text("2 awaiting screening")

    screening = new_page()
    sign_in(screening, "rahul", PASSWORD)
    screening.goto(f"/reviews/{review.pk}/screening/")
    expect(screening.locator("#screening-card [data-count=remaining]")).to_have_text("2")
    screening.keyboard.press("e")
    expect(screening.locator("#screening-card [data-count=done]")).to_have_text("1")

    # The open diagram polls and shows the exclusion without a reload.
    expect(excluded).to_have_text("1")
    expect(diagram.locator("[data-box=db-screened]")).to_contain_text("1 awaiting screening")
    with diagram.expect_download() as download:
        diagram.get_by_role("link", name="Download SVG").click()
    assert re.fullmatch(r"prisma-review-\d+\.svg", download.value.suggested_filename)
