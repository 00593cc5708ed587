"""A person signs in, creates a review and invites a colleague, in Chromium."""

from playwright.sync_api import expect

from reviews.models import Review, ReviewMembership, Role
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user


def test_sign_in_create_review_invite_member_sign_out(new_page, transactional_db):
    make_user("olivia")
    make_user("rahul")
    page = new_page()

    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")

    sign_in(page, "olivia", PASSWORD)
    expect(page.get_by_role("heading", name="Your reviews")).to_be_visible()

    page.get_by_role("link", name="New review").click()
    page.get_by_label("Title").fill("IL-2 maintenance in acute myeloid leukemia")
    page.get_by_label("Question").fill("Does IL-2 after remission prolong leukemia-free survival?")
    page.get_by_role("button", name="Create review").click()

    expect(page.locator(".messages")).to_contain_text("created")
    expect(page.locator("nav.stages")).to_contain_text("Screening")
    review = Review.objects.get(title="IL-2 maintenance in acute myeloid leukemia")

    page.get_by_label("Username or e-mail").fill("nobody-here")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("alert")).to_contain_text("No active user")

    page.get_by_label("Username or e-mail").fill("rahul@example.org")
    page.locator("#id_role").select_option(Role.REVIEWER)
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("#members tr[data-username=rahul]")).to_contain_text("Reviewer")
    assert ReviewMembership.objects.get(review=review, user__username="rahul").role == Role.REVIEWER

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/accounts/login/")


def test_invited_member_sees_the_review_and_an_outsider_gets_404(new_page, transactional_db):
    from reviews import services

    owner = make_user("olivia")
    make_user("rahul")
    make_user("oscar")
    review = services.review_create(owner=owner, title="Melanoma IL-2 response rates")
    services.member_invite(review=review, invited_by=owner, user_identifier="rahul", role=Role.VIEWER)

    page = new_page()
    sign_in(page, "rahul", PASSWORD)
    page.get_by_role("link", name="Melanoma IL-2 response rates").click()
    expect(page.locator(".facts")).to_contain_text("Viewer")
    expect(page.locator("nav.stages")).not_to_contain_text("Settings")

    other = new_page()
    sign_in(other, "oscar", PASSWORD)
    response = other.goto(f"/reviews/{review.pk}/")
    assert response.status == 404
