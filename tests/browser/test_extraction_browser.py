"""An extractor fills a study's sheet with the keyboard; a second extractor differs; the consensus is made."""

from playwright.sync_api import expect

from extraction import cells, services
from extraction.models import FieldKind, OutcomeKind
from extraction.selectors.analysis_input import analysis_rows
from reviews import services as review_services
from reviews.models import Role
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user


def cell(page, name):
    return page.locator(f'input.cell[data-cell="{name}"]')


def state(page, name):
    return page.locator(f'td:has(input.cell[data-cell="{name}"]) .cell-state')


def test_keyboard_extraction_comparison_and_consensus(new_page, transactional_db):
    owner, rahul, sofia = make_user("olivia"), make_user("rahul"), make_user("sofia")
    review = review_services.review_create(owner=owner, title="IL-2 maintenance", extractions_per_study=2)
    for user in (rahul, sofia):
        review_services.member_invite(
            review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER
        )
    year = services.field_create(review=review, user=owner, name="Year", kind=FieldKind.NUMBER)
    relapse = services.outcome_create(review=review, user=owner, name="Relapse", kind=OutcomeKind.DICHOTOMOUS)
    study = services.study_create(review=review, user=owner, label="Baer 2008")
    page = new_page()
    sign_in(page, "rahul", PASSWORD)
    page.goto(f"/reviews/{review.pk}/studies/{study.pk}/")
    page.get_by_role("button", name="Start extraction").click()

    # Rahul adds the two arms through the page.
    for label in ("IL-2", "Observation"):
        page.get_by_label("Arm label").fill(label)
        page.get_by_role("button", name="Add arm").click()
        expect(page.locator("#sheet thead")).to_contain_text(label)
    il2, obs = study.arms.order_by("position")
    events_il2, events_obs = (cells.arm_cell(relapse.pk, a.pk, "events") for a in (il2, obs))
    total_il2, total_obs = (cells.arm_cell(relapse.pk, a.pk, "total") for a in (il2, obs))

    # Keyboard only from the first cell: Enter goes down, → at the end of a value goes right.
    cell(page, f"f{year.pk}").click()
    page.keyboard.type("2008")
    page.keyboard.press("Enter")
    expect(cell(page, events_il2)).to_be_focused()
    page.keyboard.type("20")
    page.keyboard.press("ArrowRight")
    expect(cell(page, events_obs)).to_be_focused()
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    expect(cell(page, total_obs)).to_be_focused()
    page.keyboard.type("100")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    expect(cell(page, total_il2)).to_be_focused()
    page.keyboard.type("100")
    page.keyboard.press("ArrowUp")
    expect(cell(page, events_il2)).to_be_focused()
    expect(state(page, total_il2)).to_have_attribute("data-state", "saved")
    # 150 events of 100 patients is refused beside the cell; the stored 20 stays.
    page.keyboard.type("150")
    page.keyboard.press("Enter")
    message = page.locator(f'td:has(input.cell[data-cell="{events_il2}"]) .cell-msg')
    expect(message).to_contain_text("exceeds the total of this arm (100)")
    expect(state(page, events_il2)).to_have_attribute("data-state", "error")
    cell(page, events_il2).click()
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    expect(message).to_be_empty()
    for name in (f"f{year.pk}", events_il2, events_obs, total_il2, total_obs):
        expect(state(page, name)).to_have_attribute("data-state", "saved")
    page.reload()  # the values were saved as typed, without a form submit
    expect(cell(page, events_il2)).to_have_value("20")
    expect(cell(page, total_obs)).to_have_value("100")
    page.get_by_role("button", name="Mark extraction done").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")

    # Sofia extracted the same study independently and counted 31 relapses under observation.
    copy = services.extraction_open(study=study, user=sofia)
    for name, value in [
        (f"f{year.pk}", 2008),
        (events_il2, 20),
        (total_il2, 100),
        (total_obs, 100),
        (events_obs, 31),
    ]:
        services.value_save(extraction=copy, user=sofia, cell=name, value=value, based_on_version=0)
    services.extraction_complete(extraction=copy, user=sofia)

    page.goto(f"/reviews/{review.pk}/studies/{study.pk}/consensus/")
    differing = page.locator("tr.differs")
    expect(differing).to_have_count(1)
    expect(differing).to_contain_text("Events · Observation")
    expect(differing.locator("td.first")).to_contain_text("30")
    expect(differing.locator("td.second")).to_contain_text("31")
    expect(page.locator("#agreement")).to_contain_text("Dichotomous outcomes")
    page.get_by_role("button", name="Start consensus").click()
    expect(cell(page, events_obs)).to_have_value("")
    expect(cell(page, total_obs)).to_have_value("100")  # agreed values were copied

    # The owner writes the disputed cell meanwhile: Rahul's stale write is a conflict, nothing is lost.
    final = study.extractions.get(kind="final")
    services.value_save(extraction=final, user=owner, cell=events_obs, value=29, based_on_version=0)
    differing.locator("td.first button.use").click()
    expect(state(page, events_obs)).to_have_attribute("data-state", "conflict")
    conflict_note = page.locator(f'td:has(input.cell[data-cell="{events_obs}"]) .cell-msg')
    expect(conflict_note).to_contain_text("olivia changed this to 29")
    expect(cell(page, events_obs)).to_have_value("30")
    differing.locator(
        "td.second button.use"
    ).click()  # decide for Sofia's count, now based on the owner's version
    expect(conflict_note).to_contain_text("olivia changed this to 29")
    conflict_note.get_by_role("button", name="Keep mine").click()
    expect(state(page, events_obs)).to_have_attribute("data-state", "saved")
    page.get_by_role("button", name="Mark consensus done").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")

    page.goto(f"/reviews/{review.pk}/studies/")
    expect(page.locator("tr[data-study='Baer 2008']")).to_contain_text("Complete")
    rows = analysis_rows(review_id=review.pk, outcome_id=relapse.pk)
    assert [(r["ai"], r["n1i"], r["ci"], r["n2i"], r["year"]) for r in rows] == [(20, 100, 31, 100, 2008)]
