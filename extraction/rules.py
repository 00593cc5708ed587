"""Rules of dual extraction, in one home: how many independent copies, and when both are done."""

from collections.abc import Iterable

from extraction.models import ExtractionStatus

# Under dual extraction two reviewers extract each study independently, then agree a consensus.
DUAL = 2


def is_dual(extractions_per_study: int) -> bool:
    return extractions_per_study == DUAL


def both_copies_done(statuses: Iterable[str]) -> bool:
    """True when the study has its two independent copies and both are marked done."""
    statuses = list(statuses)
    return len(statuses) == DUAL and all(status == ExtractionStatus.DONE for status in statuses)
