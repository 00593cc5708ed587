"""Shared helpers for the reference-import tests."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_path():
    """Path of a hand-written fixture file by name."""
    return lambda name: FIXTURES / name
