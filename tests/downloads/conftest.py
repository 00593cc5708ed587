import pytest

from tests.downloads.builders import full_review


@pytest.fixture
def built(review, owner, reviewer):
    """The review with every kind of analysis computed (see builders.full_review)."""
    return full_review(review, owner, reviewer)
