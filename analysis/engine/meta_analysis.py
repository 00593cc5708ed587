"""One pooled analysis from study rows to a JSON-able result: the engine's main entry point."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .effect_sizes import EffectSizes, back_transform, compute_effect_sizes
from .errors import EngineError, InputError
from .io import rows_from, study_label
from .moderators import design_matrix, level_name, meta_regression, test_of_subgroup_differences
from .pooling import (
    INVERSE_VARIANCE_METHODS,
    METHODS,
    TESTS,
    PooledEstimate,
    check_variances,
    critical_value,
    pool_inverse_variance,
    pool_mantel_haenszel,
    pool_peto,
)
from .results import (
    ESTIMATE_KEYS,
    HETEROGENEITY_KEYS,
    INTERVAL_KEYS,
    PI_KEYS,
    SUMMARY_KEYS,
    MetaRegressionResult,
    PooledResult,
    StudyResult,
    SubgroupResult,
    Summary,
)
from .small_study import egger_test, leave_one_out_rows

# Parts of an analysis that may be not applicable to some data while the rest of it stands.
PART_NAMES = {
    "egger": "Egger's test",
    "leave_one_out": "Leave-one-out analysis",
    "subgroups": "Subgroup analysis",
    "moderators": "Meta-regression",
}


def _part(name: str, compute, not_applicable: dict[str, str], *, requested: bool):
    """Run one optional part; an exception marks it not applicable (with the reason) and gives None.

    A part the analysis asks for by name (a subgroup column, moderators: ``requested``) still
    refuses data the reviewer can fix: an EngineError names the problem and fails the analysis.
    Anything else inside a part (a singular matrix, an overflow) leaves the rest of the analysis
    standing, so one part can never keep a whole analysis from being stored.
    """
    try:
        return compute()
    except Exception as error:
        if requested and isinstance(error, EngineError):
            raise
        reason = str(error) or type(error).__name__
        if not isinstance(error, EngineError):
            reason = f"{type(error).__name__}: {reason}"
        not_applicable[name] = reason
        return None


def pool_effects(effects: EffectSizes, method: str, test: str = "z", level: float = 95.0) -> PooledEstimate:
    """Pool computed effect sizes with any method: inverse variance, Mantel-Haenszel or Peto."""
    method = method.upper()
    if method in ("MH", "PETO"):
        if effects.tables is None:
            raise InputError(f"method {method} needs 2×2 counts (ai, bi, ci, di or ai, n1i, ci, n2i)")
        if test != "z":
            raise InputError(f"the {test} test applies to random-effects models, not to {method}")
        if method == "MH":
            return pool_mantel_haenszel(effects.tables, effects.measure, effects.yi, effects.vi, level)
        if effects.measure != "OR":
            raise InputError(f"Peto's method gives an odds ratio; use --measure OR, not {effects.measure}")
        return pool_peto(effects.tables, effects.k, level)
    return pool_inverse_variance(effects.yi, effects.vi, method, test, level)


def leave_one_out(
    effects: EffectSizes, method: str = "REML", test: str = "z", level: float = 95.0
) -> list[dict]:
    """Pool the studies again without each one in turn (one row per study left out)."""
    return leave_one_out_rows(
        effects.studies, lambda mask: pool_effects(_subset(effects, mask), method, test, level)
    )


def run_pooled_analysis(*args, **kwargs) -> dict:
    """``pooled_analysis`` as the JSON stored with a result and printed by ``manage.py pool``."""
    return pooled_analysis(*args, **kwargs).to_json()


def pooled_analysis(
    data,
    measure: str,
    method: str = "REML",
    test: str = "z",
    subgroup: str | None = None,
    mods: list[str] | None = None,
    egger: bool = False,
    level: float = 95.0,
    leave_one_out_analysis: bool = False,
) -> PooledResult:
    """Compute effect sizes, pool them, and run the parts asked for (see ``PooledResult``).

    Parts: ``subgroup`` (each level pooled, and the test of subgroup differences), ``mods``
    (a meta-regression, whose residual heterogeneity then replaces the pooled model's),
    ``egger`` and ``leave_one_out_analysis``. A part that cannot be computed for these
    studies is listed in ``not_applicable`` with the reason and a note.
    """
    measure, method = measure.upper(), method.upper()
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if test not in TESTS:
        raise InputError(f"unknown test {test!r}; choose 'z' or 'knha'")
    if not 0 < level < 100:
        raise InputError(f"the confidence level must be between 0 and 100, not {level}")
    mods = list(mods or [])
    if mods and method not in INVERSE_VARIANCE_METHODS:
        raise InputError(f"meta-regression needs an inverse-variance method (FE, REML, ...), not {method}")
    rows = rows_from(data)
    warnings: list[str] = []
    rows = _drop_rows_missing(rows, [c for c in [subgroup, *mods] if c], warnings)
    effects = compute_effect_sizes(rows, measure)
    warnings.extend(effects.warnings)
    notes = list(effects.notes)
    check_variances(effects.vi, effects.studies)

    overall = pool_effects(effects, method, test, level)
    notes.extend(overall.notes)
    result = _level_result(overall, effects, level)

    not_applicable: dict[str, str] = {}
    subgroups = None
    if subgroup:
        subgroups = _part(
            "subgroups",
            lambda: _subgroups(rows, subgroup, measure, method, test, level, notes),
            not_applicable,
            requested=True,
        )
    if mods:
        regression = _part(
            "moderators",
            lambda: meta_regression(
                effects.yi,
                effects.vi,
                *design_matrix(effects.rows, mods, effects.studies),
                method,
                test,
                level,
            ),
            not_applicable,
            requested=True,
        )
        if regression is not None:
            result = _with_regression(result, regression)
    small_study = None
    if egger:
        small_study = _part(
            "egger", lambda: egger_test(effects.yi, effects.vi), not_applicable, requested=False
        )
    left_out = None
    if leave_one_out_analysis:
        left_out = _part(
            "leave_one_out",
            lambda: leave_one_out(effects, method, test, level),
            not_applicable,
            requested=False,
        )
    for name, reason in not_applicable.items():
        notes.append(f"{PART_NAMES[name]} not applicable: {reason}")
    if measure == "PFT":
        warnings.append(
            "Freeman-Tukey (PFT) results are back-transformed with the harmonic mean of the sample sizes; "
            "the back-transformed proportions can be misleading when study sizes differ a lot"
        )
    result = replace(
        result,
        measure=measure,
        level=level,
        input_kind=effects.input_kind,
        subgroups=subgroups,
        egger=small_study,
        leave_one_out=left_out,
        not_applicable=not_applicable,
        warnings=warnings,
        notes=notes,
    )
    # Read back from its JSON: plain floats, and None where a number is not finite, as when stored.
    return PooledResult.from_json(result.to_json())


def _level_result(fit: PooledEstimate, effects: EffectSizes, level: float) -> PooledResult:
    """The pooled estimate of these effect sizes with its back-transformed summary and study rows."""
    return PooledResult(
        **fit.as_dict(), summary=_summary(fit, effects), studies=_study_rows(effects, fit, level)
    )


def _with_regression(result: PooledResult, regression) -> PooledResult:
    """The meta-regression's coefficients, with its residual heterogeneity in place of the pooled model's."""
    numbers = regression.as_dict()
    studies = [
        replace(row, weight=float(weight))
        for row, weight in zip(result.studies, regression.weights, strict=True)
    ]
    changed = dict.fromkeys((*ESTIMATE_KEYS, *PI_KEYS, *INTERVAL_KEYS))
    changed.update({key: numbers[key] for key in ("k", "method", "test", "df", *HETEROGENEITY_KEYS)})
    return replace(
        result,
        **changed,
        summary=None,
        studies=studies,
        regression=MetaRegressionResult.from_json(numbers),
    )


def _drop_rows_missing(rows: list[dict], columns: list[str], warnings: list[str]) -> list[dict]:
    """Drop rows without a value in a subgroup or moderator column (with a warning)."""
    if not rows or not columns:
        return rows
    absent = [c for c in columns if all(c not in row for row in rows)]
    if absent:
        raise InputError(
            f"column(s) not found: {', '.join(absent)}; the data has: {', '.join(rows[0].keys())}"
        )
    kept = []
    for index, row in enumerate(rows):
        missing = [c for c in columns if row.get(c) is None or str(row.get(c)).strip() in ("", "NA", "nan")]
        if missing:
            warnings.append(
                f"study '{study_label(row, index)}' dropped: missing value in {', '.join(missing)}"
            )
        else:
            kept.append(row)
    return kept


def _subset(effects: EffectSizes, mask: np.ndarray) -> EffectSizes:
    """The effect sizes of the studies where mask is True (2×2 tables follow along)."""
    tables, table_mask = None, None
    if effects.tables is not None:
        table_index = np.flatnonzero(effects.table_has_effect)
        keep_tables = np.ones(effects.table_has_effect.size, dtype=bool)
        keep_tables[table_index[~mask]] = False
        tables = {name: column[keep_tables] for name, column in effects.tables.items()}
        table_mask = effects.table_has_effect[keep_tables]
    return EffectSizes(
        measure=effects.measure,
        input_kind=effects.input_kind,
        studies=[s for s, m in zip(effects.studies, mask, strict=True) if m],
        yi=effects.yi[mask],
        vi=effects.vi[mask],
        rows=[r for r, m in zip(effects.rows, mask, strict=True) if m],
        sample_sizes=None if effects.sample_sizes is None else effects.sample_sizes[mask],
        tables=tables,
        table_has_effect=table_mask,
    )


def _summary(fit: PooledEstimate, effects: EffectSizes) -> Summary:
    """Estimate, CI and PI back on the reported scale (ratios, proportions)."""
    values = [getattr(fit, key) for key in SUMMARY_KEYS]
    present = [v for v in values if v is not None]
    sizes = effects.all_sample_sizes if effects.all_sample_sizes is not None else effects.sample_sizes
    transformed = iter(back_transform(effects.measure, present, sizes).tolist())
    return Summary(
        **{
            key: (next(transformed) if value is not None else None)
            for key, value in zip(SUMMARY_KEYS, values, strict=True)
        }
    )


def _study_rows(effects: EffectSizes, fit: PooledEstimate, level: float) -> list[StudyResult]:
    """Per-study rows for a forest plot: yi, vi, its CI, and the weight in percent."""
    crit = critical_value(level, None)
    sei = effects.sei
    weights = fit.weights
    if effects.table_has_effect is not None and weights is not None and weights.size != effects.k:
        weights = weights[effects.table_has_effect]
    lower, upper = effects.yi - crit * sei, effects.yi + crit * sei
    shown = back_transform(effects.measure, np.concatenate([effects.yi, lower, upper]), effects.sample_sizes)
    k = effects.k
    return [
        StudyResult(
            study=effects.studies[i],
            yi=effects.yi[i],
            vi=effects.vi[i],
            sei=sei[i],
            ci_lower=lower[i],
            ci_upper=upper[i],
            weight=None if weights is None else weights[i],
            summary=Summary(estimate=shown[i], ci_lower=shown[k + i], ci_upper=shown[2 * k + i]),
        )
        for i in range(k)
    ]


def _subgroups(rows, column, measure, method, test, level, notes) -> SubgroupResult:
    """Pool each level of ``column`` on its own and test the differences between levels."""
    by_level: dict[str, list[dict]] = {}
    for row in rows:
        by_level.setdefault(level_name(row.get(column)), []).append(row)
    levels, estimates, ses = {}, [], []
    for name in sorted(by_level):
        effects = compute_effect_sizes(by_level[name], measure)
        if effects.k == 0:
            notes.append(f"subgroup '{name}' has no study with an effect size; left out")
            continue
        level_method, level_test = method, test
        if effects.k == 1 and method in INVERSE_VARIANCE_METHODS:
            # metafor fits k = 1 with tau² = 0 and a z test
            level_method, level_test = "FE", "z"
            notes.append(f"subgroup '{name}' has a single study; it is reported as that study (tau² = 0)")
        fit = pool_effects(effects, level_method, level_test, level)
        levels[name] = replace(_level_result(fit, effects, level), method=method)
        estimates.append(fit.estimate)
        ses.append(fit.se)
    between = test_of_subgroup_differences(np.asarray(estimates), np.asarray(ses))
    return SubgroupResult(column=column, levels=levels, **between)
