"""What the result block shows when one of its figures cannot be drawn."""

from analysis import presentation, services
from extraction import services as extraction
from extraction.models import OutcomeKind


def test_a_figure_that_cannot_be_drawn_is_not_applicable_with_its_reason(review, owner):
    outcome = extraction.outcome_create(review=review, user=owner, name="Pain", kind=OutcomeKind.CONTINUOUS)
    analysis = services.analysis_create(review=review, user=owner, outcome=outcome, name="Pain")
    study = {"study": "A", "yi": "not a number", "vi": 0.1, "sei": "not a number", "weight": 50.0}
    numbers = {"measure": "MD", "method": "REML", "test": "z", "level": 95.0, "k": 3, "studies": [study] * 3}

    shown = presentation.figures(analysis, numbers, {"rows": []})

    assert shown["funnel"] == ""
    assert "could not convert" in shown["not_drawn"]["Funnel plot"]
