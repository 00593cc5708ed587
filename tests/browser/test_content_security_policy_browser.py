"""Under the Content-Security-Policy, Chromium refuses nothing the pages need.

Every kind of page (with htmx, the screening and extraction scripts, the plots and Swagger UI)
is opened signed in as the owner; Chromium reports each refused script, style or connection on
the console ("Refused to ... because it violates the following Content Security Policy").
"""

import pytest
from playwright.sync_api import expect

from analysis import services as analysis_services
from tests.analysis.builders import dichotomous_review
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.reviews.screening_support import add_records

pytestmark = pytest.mark.browser


def test_pages_run_under_the_policy_without_a_violation(new_page, transactional_db, review, owner, reviewer):
    built = dichotomous_review(review, owner, reviewer)
    analysis = analysis_services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    analysis_services.recompute(analysis_id=analysis.pk)
    add_records(review, 3)
    study = built.studies[0]

    page = new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    sign_in(page, owner.username, PASSWORD)
    base = f"/reviews/{review.pk}"
    for path in [
        "/",
        f"{base}/",
        f"{base}/references/",
        f"{base}/screening/title-abstract/",
        f"{base}/studies/",
        f"{base}/studies/{study.pk}/",
        f"{base}/analyses/",
        f"{base}/analyses/{analysis.pk}/",
        f"{base}/prisma/",
        f"{base}/downloads/",
        "/accounts/tokens/",
        "/api/docs/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")

    # Swagger UI started from its same-origin script and drew the operations.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    # htmx runs: the status page's button swaps in the ping it asked for.
    page.goto("/status/")
    page.get_by_role("button", name="Check the worker").click()
    expect(page.locator("#ping")).not_to_be_empty()
    assert violations == []
