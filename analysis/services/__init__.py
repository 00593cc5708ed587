"""Every write of the analysis app: analysis definitions and the recompute protocol."""

from analysis.recompute.protocol import recompute, stale_analysis_ids

from .definitions import (
    analysis_create,
    analysis_delete,
    analysis_update,
    default_analyses_create,
    default_options,
)

__all__ = [
    "analysis_create",
    "analysis_delete",
    "analysis_update",
    "default_analyses_create",
    "default_options",
    "recompute",
    "stale_analysis_ids",
]
