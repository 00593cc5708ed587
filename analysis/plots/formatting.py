"""How numbers and statistics are written on the figures (one place, so tests can reuse it)."""

from __future__ import annotations

import math

from analysis.engine.report import p_text

RATIO_MEASURES = ("OR", "RR", "HR")
PROPORTION_MEASURES = ("PR", "PLO", "PAS", "PFT")
COMMON_EFFECT_METHODS = ("FE", "MH", "PETO")

MEASURE_NAMES = {
    "OR": "Odds ratio",
    "RR": "Risk ratio",
    "HR": "Hazard ratio",
    "RD": "Risk difference",
    "MD": "Mean difference",
    "SMD": "Std. mean difference",
    "PR": "Proportion",
    "PLO": "Proportion",
    "PAS": "Proportion",
    "PFT": "Proportion",
    "GEN": "Effect size",
}
SHORT_NAMES = {"PR": "Prop.", "PLO": "Prop.", "PAS": "Prop.", "PFT": "Prop.", "GEN": "Estimate", "SMD": "SMD"}
# The scale on which the analysis runs, for plots drawn on that scale (funnel, bubble).
ANALYSIS_SCALE_NAMES = {
    "OR": "Odds ratio",
    "RR": "Risk ratio",
    "HR": "Hazard ratio",
    "PLO": "Logit proportion",
    "PAS": "Arcsine proportion",
    "PFT": "Freeman-Tukey proportion",
}
COMMON_METHOD_NAMES = {"FE": "IV", "MH": "MH", "PETO": "Peto"}


def is_ratio(measure: str) -> bool:
    return measure.upper() in RATIO_MEASURES


def is_proportion(measure: str) -> bool:
    return measure.upper() in PROPORTION_MEASURES


def measure_name(measure: str) -> str:
    return MEASURE_NAMES.get(measure.upper(), measure)


def short_name(measure: str) -> str:
    return SHORT_NAMES.get(measure.upper(), measure.upper())


def model_name(method: str) -> str:
    """'Random-effects model (REML)' or 'Common-effect model (MH)', as metafor abbreviates."""
    method = method.upper()
    if method in COMMON_EFFECT_METHODS:
        return f"Common-effect model ({COMMON_METHOD_NAMES[method]})"
    return f"Random-effects model ({method})"


def number(value: float | None, digits: int = 2) -> str:
    """A value with ``digits`` decimals; small non-zero values keep two significant digits."""
    if value is None or not math.isfinite(value):
        return "NA"
    if value != 0 and abs(value) < 0.5 * 10**-digits:
        text = f"{value:.2g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{int(exponent)}"
        return text
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text == "-0." + "0" * digits else text


def effect_text(estimate: float | None, lower: float | None, upper: float | None, digits: int = 2) -> str:
    """'0.41 [0.13, 1.26]'."""
    return f"{number(estimate, digits)} [{number(lower, digits)}, {number(upper, digits)}]"


def statistic_text(value: float, digits: int = 2) -> str:
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.{digits}f}"


def weight_text(weight: float | None) -> str:
    return "" if weight is None else f"{weight:.1f}%"


def heterogeneity_text(result: dict) -> str:
    """'Heterogeneity: τ² = 0.31; Q = 152.2, df = 12 (p < 0.001); I² = 92%'."""
    parts = []
    if result.get("tau2") is not None:
        parts.append(f"τ² = {number(result['tau2'], 2 if result['tau2'] >= 0.01 else 4)}")
    if result.get("q") is not None:
        parts.append(
            f"Q = {statistic_text(result['q'])}, df = {result.get('q_df')} ({p_text(result.get('q_pval'))})"
        )
    if result.get("i2") is not None:
        parts.append(f"I² = {result['i2']:.0f}%")
    return "Heterogeneity: " + "; ".join(parts) if parts else ""


def overall_effect_text(result: dict) -> str:
    """'Test for overall effect: z = -3.97 (p < 0.001)' (t with its df under Knapp-Hartung)."""
    statistic = result.get("statistic")
    if statistic is None:
        return ""
    name = f"t({result['df']:g})" if result.get("df") is not None else "z"
    return f"Test for overall effect: {name} = {statistic:.2f} ({p_text(result.get('pval'))})"


def subgroup_difference_text(result: dict) -> str:
    """'Test for subgroup differences: Q = 1.86, df = 2 (p = 0.39)'."""
    if result.get("q_between") is None:
        return ""
    return (
        f"Test for subgroup differences: Q = {statistic_text(result['q_between'])}, "
        f"df = {result.get('df_between')} ({p_text(result.get('q_between_pval'))})"
    )
