"""A plain-text rendering of a pooled-analysis result, for the terminal."""

from __future__ import annotations

import math

from .results import PooledResult, StudyResult, SubgroupResult

RATIO_LABELS = {"OR": "odds ratio", "RR": "risk ratio", "HR": "hazard ratio"}


def _number(value, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    if value != 0 and (abs(value) < 10 ** -(digits - 1) or abs(value) >= 1e6):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}f}"


def p_text(p: float | None) -> str:
    """A p-value as every page, figure, download and report writes it: 'p < 0.001', 'p = 0.004', 'p = 0.39'."""
    if p is None or not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def _interval(lower, upper) -> str:
    return f"[{_number(lower)}, {_number(upper)}]"


def format_text(result: PooledResult | dict) -> str:
    """A pooled analysis (``pooled_analysis``, or its stored JSON) as a readable table."""
    if isinstance(result, dict):
        result = PooledResult.from_json(result)
    lines = [
        f"Meta-analysis: measure {result.measure}, method {result.method}, test {result.test}, "
        f"level {result.level:g}%, k = {result.k}",
        "",
    ]
    lines += _study_lines(result.studies)
    lines += _regression_lines(result) if result.regression is not None else _estimate_lines(result)
    lines.append(_heterogeneity_line(result))
    if result.subgroups is not None:
        lines += _subgroup_lines(result.subgroups)
    if result.egger is not None:
        egger = result.egger
        lines.append(f"Egger's test: t = {_number(egger.statistic)} (df {egger.df}), {p_text(egger.pval)}")
    for title, items in (("Warnings", result.warnings), ("Notes", result.notes)):
        if items:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)


def _study_lines(studies: list[StudyResult]) -> list[str]:
    if not studies:
        return []
    width = max(12, *(len(str(s.study)) for s in studies))
    lines = [f"{'study':<{width}}  {'yi':>10}  {'se':>8}  {'95% CI':>22}  {'weight %':>8}"]
    for s in studies:
        lines.append(
            f"{str(s.study):<{width}}  {_number(s.yi):>10}  {_number(s.sei):>8}  "
            f"{_interval(s.ci_lower, s.ci_upper):>22}  {_number(s.weight, 2):>8}"
        )
    return [*lines, ""]


def _regression_lines(result: PooledResult) -> list[str]:
    regression = result.regression
    lines = [
        f"Meta-regression (k = {result.k}):",
        f"{'coefficient':<20}  {'estimate':>10}  {'se':>8}  {'p':>10}",
    ]
    for name, m in regression.moderators.items():
        lines.append(f"{name:<20}  {_number(m.estimate):>10}  {_number(m.se):>8}  {p_text(m.pval):>10}")
    lines.append(f"QM = {_number(regression.qm)} (df {regression.qm_df}), {p_text(regression.qm_pval)}")
    lines.append(f"R² = {_number(regression.r2, 2)}%")
    return lines


def _estimate_lines(result: PooledResult) -> list[str]:
    lines = [
        f"Pooled estimate {_number(result.estimate)} (se {_number(result.se)}), "
        f"CI {_interval(result.ci_lower, result.ci_upper)}, {p_text(result.pval)}"
    ]
    if result.tau2 is not None:
        lines.append(f"Prediction interval {_interval(result.pi_lower, result.pi_upper)}")
    summary = result.summary
    if result.measure not in ("MD", "SMD", "GEN", "RD") and summary is not None:
        label = RATIO_LABELS.get(result.measure, "proportion")
        pi = ""
        if summary.pi_lower is not None and result.tau2 is not None:
            pi = f", PI {_interval(summary.pi_lower, summary.pi_upper)}"
        lines.append(
            f"Back-transformed {label}: {_number(summary.estimate)}, "
            f"CI {_interval(summary.ci_lower, summary.ci_upper)}{pi}"
        )
    return lines


def _heterogeneity_line(result: PooledResult) -> str:
    line = f"Heterogeneity: Q = {_number(result.q)} (df {result.q_df}), {p_text(result.q_pval)}"
    if result.i2 is not None:
        line += f", I² = {_number(result.i2, 2)}%"
    if result.tau2 is not None:
        line += f", tau² = {_number(result.tau2)}"
        if result.tau2_ci_lower is not None:
            line += f" {_interval(result.tau2_ci_lower, result.tau2_ci_upper)}"
    return line


def _subgroup_lines(subgroups: SubgroupResult) -> list[str]:
    lines = ["", f"Subgroups by {subgroups.column}:"]
    for name, sub in subgroups.levels.items():
        lines.append(
            f"  {name}: k = {sub.k}, estimate {_number(sub.estimate)} "
            f"{_interval(sub.ci_lower, sub.ci_upper)}, tau² = {_number(sub.tau2)}, "
            f"I² = {_number(sub.i2, 2)}%"
        )
    lines.append(
        f"Test of subgroup differences: Q = {_number(subgroups.q_between)} "
        f"(df {subgroups.df_between}), {p_text(subgroups.q_between_pval)}"
    )
    return lines
