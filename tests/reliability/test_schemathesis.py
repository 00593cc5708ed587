"""schemathesis against the OpenAPI schema, signed in (API token) as each role, in-process via WSGI.

Every operation of the schema gets generated query strings and bodies (valid ones, and invalid
ones in the negative round) with its path parameters pointing at real objects of one review
(tests/reliability/world.py), so the code behind the permission check runs too. Two things must
hold for every response: no server error (5xx), and a response the schema describes for its
status code has the documented shape and content type. Each request is rolled back, so an
owner's DELETE does not empty the review for the requests after it.

SCHEMATHESIS_EXAMPLES (an environment variable of the test run, not of the platform) raises
the examples per operation for a longer local run; CI runs the default, about a minute.
"""

import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from core import services as core_services
from tests.reliability.matrix_probe import openapi_schema
from tests.reliability.world import routes

ROLES = ["owner", "reviewer", "viewer", "outsider"]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "2"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


class _Rollback(Exception):
    pass


@contextmanager
def in_test_transaction():
    """Django's WSGI handler closes the connection after each request; the test's transaction must stay.

    Django's own test client disconnects the same signal for the same reason.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def path_values(world) -> dict[str, dict]:
    """OpenAPI path → the world's value for each of its path parameters."""
    filled = {}
    for route in routes():
        if route.is_api:
            filled[route.openapi_path] = {
                parameter: world.by_route.get(route.name, {}).get(parameter, world.values.get(parameter))
                for parameter in route.parameters
            }
    return filled


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_to_its_schema_and_never_fails_with_a_server_error(request, role, world):
    _, key = core_services.api_token_create(user=world.people[role], name="schemathesis")
    headers = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_dict(openapi_schema())
    schema.app = WSGIHandler()
    values = path_values(world)
    requests_made = 0
    failures: list[str] = []

    def exercise(operation, mode):
        nonlocal requests_made

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            nonlocal requests_made
            case.path_parameters = {**(case.path_parameters or {}), **values.get(operation.path, {})}
            if operation.path == "/api/auth/token/":
                # Wrong passwords would lock the person out (that is tested in tests/core).
                return
            requests_made += 1
            try:
                with transaction.atomic():
                    case.call_and_validate(headers=headers, checks=CHECKS)
                    raise _Rollback
            except _Rollback:
                pass

        run()

    with in_test_transaction():
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    exercise(operation, mode)
                except Unsatisfiable:
                    pass  # nothing to make invalid (no parameters and no body): no negative cases
                except (
                    Exception,
                    BaseExceptionGroup,
                ) as error:  # one operation's failure must not hide others'
                    failures.append(
                        f"{operation.method.upper()} {operation.path} ({mode.value}): {error!s:.1500}"
                    )

    request.node.user_properties.append(("figure", f"schemathesis ({role}): {requests_made} requests"))
    print(f"\nschemathesis as {role}: {requests_made} requests, {len(failures)} failing operations")
    assert not failures, "\n\n".join(failures)
