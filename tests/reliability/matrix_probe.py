"""Requests of the permission matrix: every route × method, as one person, each rolled back."""

from django.db import transaction
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.reliability.world import Route, World

PAGE_METHODS = ["get", "post"]
WRITE_METHODS = {"post", "put", "patch", "delete"}


class _Rollback(Exception):
    pass


def openapi_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def methods_of(route: Route, schema: dict) -> list[str]:
    """An API route's methods as its OpenAPI operations say; a page's GET and POST."""
    if route.is_api:
        operations = schema["paths"].get(route.openapi_path)
        if operations is not None:
            return [method for method in ["get", "post", "put", "patch", "delete"] if method in operations]
    return PAGE_METHODS


def outcome(response, *, api: bool) -> str:
    """One letter: o got through (2xx, 3xx, or 400/409 on the empty body), f 403, n 404, m 405, l sign in."""
    code = response.status_code
    if code == 302 and response["Location"].startswith(reverse("login")):
        return "l"
    if api and code == 401:
        return "l"
    if code in (403, 404, 405):
        return {403: "f", 404: "n", 405: "m"}[code]
    if code < 400 or code in (400, 409):
        return "o"
    return f"?{code}"


def body_format(route: Route, method: str, schema: dict) -> str:
    """multipart for operations that take only uploads (a JSON body would get 415), JSON otherwise."""
    operation = schema["paths"].get(route.openapi_path, {}).get(method, {})
    content = operation.get("requestBody", {}).get("content", {})
    return "multipart" if content and "application/json" not in content else "json"


def probe(world: World, role: str, route: Route, method: str, body: str = "json") -> str:
    """Send one request (empty body) and undo whatever it wrote."""
    user = world.people[role]
    client = APIClient() if route.is_api else Client()
    if user is not None:
        client.force_login(user)
    url = world.url(route)
    result = ""
    try:
        with transaction.atomic():
            if route.is_api and method in WRITE_METHODS:
                response = getattr(client, method)(url, {}, format=body)
            else:
                response = getattr(client, method)(url)
            result = outcome(response, api=route.is_api)
            if role == "anonymous" and result == "f" and route.is_api:
                result = "l"  # session-only endpoints answer 403 to nobody signed in
            raise _Rollback
    except _Rollback:
        pass
    return result
