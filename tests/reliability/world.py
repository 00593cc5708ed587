"""One review with an object of every kind, and the URL of every route filled from it.

The permission matrix, the page-size caps and schemathesis walk every route of the URL
configuration; this module gives each path parameter a real value (an object of ``review``),
so that a new route with a new kind of parameter fails loudly here until it is given one.
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from analysis import services as analysis_services
from core import services as core_services
from core.models import WorkerPing
from extraction import services as extraction
from reviews.models import Decision, DuplicateCandidate, Role, Stage
from reviews.services import screening
from tests.analysis.builders import dichotomous_review
from tests.conftest import make_user
from tests.reviews.import_helpers import import_now, ris
from tests.reviews.screening_support import add_records

ROLES = ["owner", "reviewer", "viewer", "outsider", "anonymous"]


@dataclass
class Route:
    """One URL pattern: its dotted name, Django route text and the OpenAPI path it corresponds to."""

    name: str
    route: str
    parameters: list[str]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def openapi_path(self) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def routes() -> list[Route]:
    """Every named route of the project (the admin site aside: Django's own, staff only)."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), joined)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith("admin/"):
                    continue
                assert pattern.name, f"every route is named, so tests and templates can reverse it: {route}"
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append(Route(name, route, re.findall(r"<(?:\w+:)?(\w+)>", route)))

    walk(get_resolver().url_patterns, "", None)
    # One name may serve several patterns; the first is the one reverse() builds.
    unique: dict[str, Route] = {}
    for route in found:
        unique.setdefault(route.name, route)
    return list(unique.values())


@dataclass
class World:
    review: object
    other_review: object
    people: dict = field(default_factory=dict)  # role -> user (None for anonymous)
    values: dict = field(default_factory=dict)  # path parameter -> value
    by_route: dict = field(default_factory=dict)  # route name -> {parameter: value} overrides

    def url(self, route: Route) -> str:
        kwargs = {}
        for parameter in route.parameters:
            overrides = self.by_route.get(route.name, {})
            if parameter in overrides:
                kwargs[parameter] = overrides[parameter]
            elif parameter in self.values:
                kwargs[parameter] = self.values[parameter]
            else:
                raise AssertionError(
                    f"{route.name} ({route.route}) has a path parameter {parameter!r} that "
                    "tests/reliability/world.py does not fill yet: give it an object of the review"
                )
        return reverse(route.name, kwargs=kwargs)


def build_world(*, review, other_review, owner, reviewer, viewer, outsider) -> World:
    """Objects of ``review`` for every path parameter, made through the services."""
    world = World(review, other_review)
    world.people = {
        "owner": owner,
        "reviewer": reviewer,
        "viewer": viewer,
        "outsider": outsider,
        "anonymous": None,
    }

    built = dichotomous_review(review, owner, reviewer)
    study = built.studies[0]
    experimental, control = built.arms[study.pk]
    comparison = extraction.comparison_create(
        study=study, user=owner, experimental_id=experimental.pk, control_id=control.pk
    )
    form_field = extraction.field_create(review=review, user=owner, name="Country")
    analysis = analysis_services.analysis_create(review=review, user=owner, outcome=built.outcome, name="TB")
    analysis_services.recompute(analysis_id=analysis.pk)

    baer = {"title": "Interleukin-2 maintenance after first remission in AML", "authors": ["Baer, M. R."]}
    first = import_now(review, reviewer, "a.ris", ris(baer))
    import_now(review, reviewer, "b.ris", ris({**baer, "doi": "10.1/x"}))
    candidate = DuplicateCandidate.objects.get(review=review)

    second_reviewer = make_user("amira")
    from reviews import services as review_services

    review_services.member_invite(
        review=review, invited_by=owner, user_identifier=second_reviewer.username, role=Role.REVIEWER
    )
    reasons = screening.exclusion_reasons_add_defaults(review=review)
    (record,) = add_records(review, 1, prefix="Conflict")
    for who, decision in ((reviewer, Decision.MAYBE), (second_reviewer, Decision.EXCLUDE)):
        screening.record_decision(
            review=review, record_id=record.pk, reviewer=who, stage=Stage.TITLE_ABSTRACT, decision=decision
        )

    token, _ = core_services.api_token_create(user=owner, name="owner's script")
    ping = WorkerPing.objects.create(requested_by=owner)

    world.values = {
        "review_id": review.pk,
        "membership_id": review.memberships.get(user=reviewer).pk,
        "import_id": first.pk,
        "candidate_id": candidate.pk,
        "record_id": record.pk,
        "stage_slug": "title-abstract",
        "reason_id": reasons[0].pk,
        "diagram_format": "svg",
        "fmt": "svg",
        "study_id": study.pk,
        "arm_id": experimental.pk,
        "comparison_id": comparison.pk,
        "extraction_id": built.extractions[study.pk].pk,
        "field_id": form_field.pk,
        "outcome_id": built.outcome.pk,
        "analysis_id": analysis.pk,
        "token_id": token.pk,
        "ping_id": ping.pk,
    }
    world.values["job_id"] = _download_job(owner, review)
    world.by_route = {
        "downloads:review-file": {"name": "prisma.csv"},
        "downloads_api:review-file": {"name": "prisma.csv"},
        "downloads:analysis-file": {"name": "pooled.csv"},
        "downloads_api:analysis-file": {"name": "pooled.csv"},
    }
    assert get_user_model().objects.filter(pk=outsider.pk).exists()
    return world


def _download_job(owner, review) -> int:
    """A download job the owner started, through the API (its worker never runs in these tests)."""
    client = APIClient()
    client.force_authenticate(owner)
    response = client.post(reverse("downloads_api:jobs", kwargs={"review_id": review.pk}), {"kind": "bundle"})
    assert response.status_code in (201, 202), response.content[:300]
    return response.json()["id"]
