"""Helpers for the screening and PRISMA tests: records built directly, a second reviewer, masking."""

import re

import pytest

from reviews import services
from reviews.models import Record, RecordStatus, Role, SourceImport, SourceKind
from tests.conftest import make_user


@pytest.fixture
def second_reviewer(review, owner):
    """A second reviewer ("amira") in ``review``, so records can be screened in pairs."""
    user = make_user("amira")
    services.member_invite(review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER)
    return user


def add_import(review, user, name="MEDLINE (Ovid)", kind=SourceKind.DATABASE) -> SourceImport:
    return SourceImport.objects.create(
        review=review,
        source_name=name,
        source_kind=kind,
        file_name=f"{name}.ris",
        status=SourceImport.Status.DONE,
        created_by=user,
    )


def add_records(
    review, n, *, source=None, status=RecordStatus.TITLE_ABSTRACT, prefix="Record"
) -> list[Record]:
    """``n`` records of a review, made with bulk_create (the import pipeline is tested elsewhere)."""
    Record.objects.bulk_create(
        Record(
            review=review,
            source_import=source,
            title=f"{prefix} {i}: interleukin-2 maintenance after remission",
            abstract=f"A randomised trial {i} of IL-2 in adults with AML. Mice were not studied.",
            authors=[f"Author{i} A", "Second B"],
            year=2000 + i % 20,
            status=status,
        )
        for i in range(n)
    )
    return list(Record.objects.filter(review=review, title__startswith=f"{prefix} ").order_by("id"))


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "[^"]+"')


def masked(body: bytes) -> bytes:
    """A response body with its CSRF tokens masked (they differ on every render)."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return body  # an image
    text = CSRF_INPUT.sub('name="csrfmiddlewaretoken" value="…"', text)
    return CSRF_HEADER.sub('"X-CSRFToken": "…"', text).encode()


@pytest.fixture
def third_reviewer(review, owner):
    """A third reviewer ("noor"), who screens records the other two also screen."""
    user = make_user("noor")
    services.member_invite(review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER)
    return user
