"""A plain-text rendering of a pooled-analysis result, for the terminal."""

from __future__ import annotations

import math

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


def format_text(result: dict) -> str:
    """The result of ``run_pooled_analysis`` as a readable table."""
    lines = [
        f"Meta-analysis: measure {result['measure']}, method {result['method']}, test {result['test']}, "
        f"level {result['level']:g}%, k = {result.get('k')}",
        "",
    ]
    studies = result.get("studies") or []
    if studies:
        width = max(12, *(len(str(s["study"])) for s in studies))
        lines.append(f"{'study':<{width}}  {'yi':>10}  {'se':>8}  {'95% CI':>22}  {'weight %':>8}")
        for s in studies:
            lines.append(
                f"{str(s['study']):<{width}}  {_number(s['yi']):>10}  {_number(s['sei']):>8}  "
                f"{_interval(s['ci_lower'], s['ci_upper']):>22}  {_number(s['weight'], 2):>8}"
            )
        lines.append("")
    if "moderators" in result:
        lines.append(f"Meta-regression (k = {result['k']}):")
        lines.append(f"{'coefficient':<20}  {'estimate':>10}  {'se':>8}  {'p':>10}")
        for name, m in result["moderators"].items():
            lines.append(
                f"{name:<20}  {_number(m['estimate']):>10}  {_number(m['se']):>8}  {p_text(m['pval']):>10}"
            )
        lines.append(f"QM = {_number(result['qm'])} (df {result['qm_df']}), {p_text(result['qm_pval'])}")
        lines.append(f"R² = {_number(result['r2'], 2)}%")
    else:
        lines.append(
            f"Pooled estimate {_number(result['estimate'])} (se {_number(result['se'])}), "
            f"CI {_interval(result['ci_lower'], result['ci_upper'])}, {p_text(result['pval'])}"
        )
        if result.get("tau2") is not None:
            lines.append(f"Prediction interval {_interval(result.get('pi_lower'), result.get('pi_upper'))}")
        summary = result.get("summary") or {}
        if result["measure"] not in ("MD", "SMD", "GEN", "RD") and summary:
            label = RATIO_LABELS.get(result["measure"], "proportion")
            lines.append(
                f"Back-transformed {label}: {_number(summary.get('estimate'))}, "
                f"CI {_interval(summary.get('ci_lower'), summary.get('ci_upper'))}"
                + (
                    f", PI {_interval(summary.get('pi_lower'), summary.get('pi_upper'))}"
                    if summary.get("pi_lower") is not None and result.get("tau2") is not None
                    else ""
                )
            )
    heterogeneity = (
        f"Heterogeneity: Q = {_number(result['q'])} (df {result['q_df']}), {p_text(result['q_pval'])}"
    )
    if result.get("i2") is not None:
        heterogeneity += f", I² = {_number(result['i2'], 2)}%"
    if result.get("tau2") is not None:
        heterogeneity += f", tau² = {_number(result['tau2'])}"
        if result.get("tau2_ci_lower") is not None:
            heterogeneity += f" {_interval(result['tau2_ci_lower'], result['tau2_ci_upper'])}"
    lines.append(heterogeneity)
    if "subgroups" in result:
        lines.append("")
        lines.append(f"Subgroups by {result.get('subgroup')}:")
        for name, sub in result["subgroups"].items():
            lines.append(
                f"  {name}: k = {sub['k']}, estimate {_number(sub['estimate'])} "
                f"{_interval(sub['ci_lower'], sub['ci_upper'])}, tau² = {_number(sub['tau2'])}, "
                f"I² = {_number(sub['i2'], 2)}%"
            )
        lines.append(
            f"Test of subgroup differences: Q = {_number(result['q_between'])} "
            f"(df {result['df_between']}), {p_text(result['q_between_pval'])}"
        )
    if "egger" in result:
        egger = result["egger"]
        lines.append(
            f"Egger's test: t = {_number(egger['statistic'])} (df {egger['df']}), {p_text(egger['pval'])}"
        )
    for title, items in (("Warnings", result.get("warnings")), ("Notes", result.get("notes"))):
        if items:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)
