"""The demo review seeded through every app: references and screening, then extraction.

Each app seeds its own part (``reviews.demo``, ``extraction.demo``); this module, at the top of
the apps, puts them in order. Analyses follow by themselves: extraction's data-changed signal
makes the default analyses, as for any review.
"""

from extraction.demo import demo_extraction_load
from reviews.demo import demo_review_load
from reviews.models import Review


def demo_load() -> Review:
    """Create (or bring up to date) the demo review and its people; safe to run again."""
    review = demo_review_load()
    demo_extraction_load(review=review)
    return review
