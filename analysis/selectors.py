"""Reads of analyses and their results, always through the user's membership of the review.

A result is shown as current only when it was computed from the review's current data
version and the analysis's current definition; otherwise the analysis is "recomputing"
(with the time since the change) and the older numbers, if shown at all, are labelled so.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone

from analysis.models import Analysis, AnalysisResult, ResultStatus
from extraction.models import ChangeLog, Outcome
from reviews.models import Review, Role
from reviews.selectors.access import review_for_user


@dataclass(frozen=True)
class AnalysisStatus:
    """Where an analysis stands against the review's current data."""

    state: str  # current, failed, recomputing
    data_version: int
    result_version: int | None
    result_id: int | None
    changed_at: datetime | None
    error: str = ""

    @property
    def stale(self) -> bool:
        return self.state == "recomputing"

    @property
    def seconds_since_change(self) -> float | None:
        if self.changed_at is None or not self.stale:
            return None
        return max(0.0, (timezone.now() - self.changed_at).total_seconds())

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "stale": self.stale,
            "data_version": self.data_version,
            "result_version": self.result_version,
            "result_id": self.result_id,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "seconds_since_change": self.seconds_since_change,
            "error": self.error,
        }


def analyses_of(*, review: Review) -> QuerySet[Analysis]:
    """The review's analyses with their outcomes and current results."""
    return Analysis.objects.filter(review=review).select_related("outcome", "current_result")


def analysis_for_user(*, user, review_id: int, analysis_id: int, min_role: str = Role.VIEWER):
    """(review, membership, analysis); 404 for another review's analysis or a non-member, 403 for a low role."""
    review, membership = review_for_user(user=user, review_id=review_id, min_role=min_role)
    analysis = analyses_of(review=review).filter(pk=analysis_id).first()
    if analysis is None:
        raise Http404("No such analysis in this review.")
    return review, membership, analysis


def outcomes_of(*, review: Review) -> QuerySet[Outcome]:
    return Outcome.objects.filter(review=review)


def last_change_at(*, review: Review) -> datetime | None:
    """When the review's extracted data last changed (from extraction's change log)."""
    return ChangeLog.objects.filter(review=review).aggregate(at=Max("created_at"))["at"]


def status_of(*, analysis: Analysis, data_version: int, changed_at: datetime | None = None) -> AnalysisStatus:
    """Whether the analysis's current result is of the current data version and definition."""
    result: AnalysisResult | None = analysis.current_result
    fresh = (
        result is not None
        and result.data_version >= data_version
        and result.definition_version >= analysis.definition_version
    )
    if not fresh:
        since = max([t for t in (changed_at, analysis.updated_at) if t is not None], default=None)
        return AnalysisStatus(
            "recomputing", data_version, result.data_version if result else None, result and result.pk, since
        )
    state = "failed" if result.status == ResultStatus.FAILED else "current"
    return AnalysisStatus(state, data_version, result.data_version, result.pk, None, result.error)


def current_data_version(*, review_id: int) -> int:
    return Review.objects.filter(pk=review_id).values_list("data_version", flat=True).get()


def dashboard_rows(*, review: Review) -> list[dict]:
    """Each analysis with its pooled estimate, CI, k, heterogeneity and status, for the review's list page."""
    version = current_data_version(review_id=review.pk)
    changed_at = last_change_at(review=review)
    rows = []
    for analysis in analyses_of(review=review):
        status = status_of(analysis=analysis, data_version=version, changed_at=changed_at)
        result = analysis.current_result
        numbers = result.numbers if result is not None and result.status == ResultStatus.OK else {}
        rows.append({"analysis": analysis, "status": status, "summary": summary_of(numbers)})
    return rows


def summary_of(numbers: dict) -> dict:
    """Pooled estimate and CI on the reported scale, k, tau², I², Q and its p."""
    if not numbers:
        return {}
    shown = numbers.get("summary") or {}
    return {
        "measure": numbers.get("measure"),
        "k": numbers.get("k"),
        "estimate": shown.get("estimate", numbers.get("estimate")),
        "ci_lower": shown.get("ci_lower", numbers.get("ci_lower")),
        "ci_upper": shown.get("ci_upper", numbers.get("ci_upper")),
        "pi_lower": shown.get("pi_lower"),
        "pi_upper": shown.get("pi_upper"),
        "pval": numbers.get("pval"),
        "tau2": numbers.get("tau2"),
        "i2": numbers.get("i2"),
        "q": numbers.get("q"),
        "q_pval": numbers.get("q_pval"),
    }


def result_payload(*, analysis: Analysis, status: AnalysisStatus) -> dict:
    """The current result as the API returns it, with its data version and whether it is stale."""
    result = analysis.current_result
    payload = {"analysis_id": analysis.pk, **status.as_dict(), "result": None}
    if result is not None:
        payload["result"] = {
            "id": result.pk,
            "data_version": result.data_version,
            "definition_version": result.definition_version,
            "status": result.status,
            "error": result.error,
            "numbers": result.numbers,
            "weights": result.weights,
            "warnings": result.warnings,
            "input_hash": result.input_hash,
            "input_rows": result.input_rows,
            "duration_ms": result.duration_ms,
            "engine_version": result.engine_version,
            "computed_at": result.computed_at.isoformat(),
        }
    return payload
