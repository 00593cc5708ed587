"""Finding 10: response headers, login lockout, expiring and revocable API tokens, schema access."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core import services
from core.models import ApiToken
from tests.conftest import PASSWORD


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("url_name", ["login", "home"])
def test_pages_carry_a_content_security_policy_without_inline_script(client, reviewer, url_name):
    client.force_login(reviewer)
    response = client.get(reverse(url_name))
    directives = csp_directives(response)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_api_and_errors_carry_the_headers_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


def test_permissions_policy_turns_off_powerful_features(client):
    policy = client.get(reverse("login"))["Permissions-Policy"]
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert f"{feature}=()" in policy


def failed_logins(client, username: str, count: int) -> list[int]:
    return [
        client.post(reverse("login"), {"username": username, "password": "wrong"}).status_code
        for _ in range(count)
    ]


def test_login_form_locks_out_after_repeated_failures_then_cools_off(client, reviewer):
    limit = settings.AXES_FAILURE_LIMIT
    assert failed_logins(client, reviewer.username, limit - 1) == [200] * (limit - 1)
    assert failed_logins(client, reviewer.username, 1) == [429]
    # Locked: even the right password is refused during the cool-off.
    locked = client.post(reverse("login"), {"username": reviewer.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    signed_in = client.post(reverse("login"), {"username": reviewer.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(reviewer.pk)


def test_lockout_of_one_account_leaves_others_alone(client, reviewer, viewer):
    failed_logins(client, reviewer.username, settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})
    assert response.status_code == 302


def token_request(api: APIClient, username: str, password: str):
    return api.post(reverse("api-token"), {"username": username, "password": password}, format="json")


def test_token_endpoint_locks_out_after_repeated_failures_then_cools_off(reviewer):
    api = APIClient()
    limit = settings.AXES_FAILURE_LIMIT
    codes = [token_request(api, reviewer.username, "wrong").status_code for _ in range(limit)]
    assert codes == [400] * (limit - 1) + [429]
    assert token_request(api, reviewer.username, PASSWORD).status_code == 429
    assert not ApiToken.objects.filter(user=reviewer).exists()

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = token_request(api, reviewer.username, PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_token_works_until_it_expires(reviewer, review):
    response = token_request(APIClient(), reviewer.username, PASSWORD)
    key = response.json()["token"]
    expires_at = response.json()["expires_at"]
    assert expires_at
    token = ApiToken.objects.get(user=reviewer)
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - timedelta(days=settings.API_TOKEN_DAYS)) < timedelta(minutes=1)
    # Only a digest of the key is stored.
    assert key not in {token.key_digest, token.prefix}

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = reverse("api-review", kwargs={"review_id": review.pk})
    assert api.get(url).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api.get(url)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"].lower()


def test_owner_lists_and_revokes_own_tokens(reviewer, viewer, review):
    mine, key = services.api_token_create(user=reviewer, name="laptop")
    theirs, _ = services.api_token_create(user=viewer, name="theirs")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    listed = api.get(reverse("api-tokens"))
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["name"] == "laptop"
    assert "key" not in rows[0] and "token" not in rows[0]

    # Somebody else's token: as if it did not exist.
    assert api.delete(reverse("api-token-detail", kwargs={"token_id": theirs.pk})).status_code == 404
    assert api.delete(reverse("api-token-detail", kwargs={"token_id": mine.pk})).status_code == 204
    assert api.get(reverse("api-review", kwargs={"review_id": review.pk})).status_code == 401
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_tokens_page_lists_and_revokes(client, reviewer):
    token, _ = services.api_token_create(user=reviewer, name="script on the lab server")
    client.force_login(reviewer)
    page = client.get(reverse("api-tokens-page"))
    assert page.status_code == 200
    assert b"script on the lab server" in page.content
    response = client.post(reverse("api-token-revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_page_does_not_revoke_another_users_token(client, reviewer, viewer):
    token, _ = services.api_token_create(user=viewer, name="theirs")
    client.force_login(reviewer)
    assert client.post(reverse("api-token-revoke", kwargs={"token_id": token.pk})).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_schema_and_docs_are_behind_sign_in(client, reviewer):
    # Decision: the schema lists every endpoint and field; only signed-in people read it.
    assert APIClient().get(reverse("api-schema")).status_code == 401
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    client.force_login(reviewer)
    assert client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").status_code == 200
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    # Swagger UI's own start-up script is served from the same origin, not inline.
    assert b"<script>" not in docs.content


def test_no_template_holds_inline_script_or_event_handler_attributes():
    """The policy forbids inline script; any that crept into a template would silently not run."""
    import re
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    templates = [p for p in root.rglob("templates/**/*.html") if ".venv" not in p.parts]
    assert templates
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(root))
        for path in templates
        if inline_script.search(path.read_text()) or handler.search(path.read_text())
    ]
    assert offenders == []


def test_behind_the_proxy_failures_count_against_the_address_the_proxy_saw(settings, rf):
    from core.security import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY = True
    # The first entry is whatever the client claimed; the last is the proxy's own word.
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY = False
    assert client_ip(request) == "10.0.0.2"
