"""Forest plots: what a reader relies on is in the SVG text, on the right scale, and reproducible."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from analysis.engine import run_pooled_analysis
from analysis.plots import forest_plot, to_png, to_svg

from .svg import png_size, strings, texts, tick_labels

DATA = Path(__file__).parent.parent / "engine" / "data"
CASES = {
    c["id"]: c
    for name in ("metafor_cases.json", "extra_cases.json")
    for c in json.loads((DATA / name).read_text())
}


def _run(case_id: str, **extra) -> tuple[dict, list[dict]]:
    case = CASES[case_id]
    options = {**case["options"], **extra}
    result = run_pooled_analysis(
        case["data"],
        measure=options["measure"],
        method=options["method"],
        test=options.get("test", "z"),
        subgroup=options.get("subgroup"),
        mods=options.get("mods"),
        egger=options.get("egger", False),
    )
    return result, case["data"]


def _effect(summary: dict) -> str:
    """The effect as the plot must write it, from the engine's back-transformed numbers."""
    return f"{summary['estimate']:.2f} [{summary['ci_lower']:.2f}, {summary['ci_upper']:.2f}]"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _no_overlap_on_rows(svg: str) -> None:
    """No two texts on the same line cover each other."""
    by_row: dict[float, list] = {}
    for text in texts(svg):
        by_row.setdefault(round(text.y, 1), []).append(text)
    for row in by_row.values():
        row.sort(key=lambda t: t.left)
        for left, right in zip(row, row[1:], strict=False):
            assert left.right <= right.left + 0.5, f"{left.text!r} overlaps {right.text!r}"


def test_bcg_risk_ratio_forest_plot_shows_every_study_with_its_effect_and_weight():
    result, rows = _run("bcg_rr_reml")
    svg = to_svg(forest_plot(result, data_rows=rows))
    shown = strings(svg)
    for study in result["studies"]:
        assert study["study"] in shown
        assert _effect(study["summary"]) in shown
        assert f"{study['weight']:.1f}%" in shown
    assert "0.41 [0.13, 1.26]" == _effect(result["studies"][0]["summary"])  # Aronson 1948, as metafor
    weights = [float(s[:-1]) for s in shown if re.fullmatch(r"\d+\.\d%", s) and s != "100.0%"]
    assert len(weights) == result["k"]
    assert sum(weights) == pytest.approx(100, abs=0.05 * result["k"])
    # The arm data: events/total of each arm, from the 2×2 table.
    first = rows[0]
    assert f"{first['ai']}/{first['ai'] + first['bi']}" in shown
    assert f"{first['ci']}/{first['ci'] + first['di']}" in shown
    _no_overlap_on_rows(svg)


def test_pooled_line_prediction_interval_and_heterogeneity_are_written_out():
    result, rows = _run("bcg_rr_reml")
    shown = strings(to_svg(forest_plot(result, data_rows=rows)))
    assert "Random-effects model (REML)" in shown
    assert _effect(result["summary"]) in shown
    summary = result["summary"]
    assert f"[{summary['pi_lower']:.2f}, {summary['pi_upper']:.2f}]" in shown
    heterogeneity = (
        f"Heterogeneity: τ² = {result['tau2']:.2f}; Q = {result['q']:.1f}, df = {result['q_df']} "
        f"({_p(result['q_pval'])}); I² = {result['i2']:.0f}%"
    )
    assert heterogeneity in shown
    assert heterogeneity == "Heterogeneity: τ² = 0.31; Q = 152.2, df = 12 (p < 0.001); I² = 92%"
    assert f"Test for overall effect: z = {result['statistic']:.2f} ({_p(result['pval'])})" in shown


def test_ratio_measures_use_a_log_axis_with_the_line_of_no_effect_at_one():
    result, rows = _run("bcg_or_reml")
    fig = forest_plot(result, data_rows=rows)
    assert fig.axes[0].get_xscale() == "log"
    labels = tick_labels(to_svg(fig))
    values = [(float(t.text), t.x) for t in labels]
    assert 1.0 in [v for v, _ in values]
    # Equal ratios are equally far apart: position is linear in log(value).
    (v0, x0), (v1, x1) = values[0], values[-1]
    for value, x in values:
        assert x == pytest.approx(x0 + (x1 - x0) * math.log(value / v0) / math.log(v1 / v0), abs=0.5)


def test_differences_use_a_linear_axis_and_means_show_mean_sd_and_n():
    result, rows = _run("normand_md_reml")
    fig = forest_plot(result, data_rows=rows)
    assert fig.axes[0].get_xscale() == "linear"
    shown = strings(to_svg(fig))
    assert "Mean (SD)" in shown
    assert f"{rows[0]['m1i']:.4g} ({rows[0]['sd1i']:.4g})" in shown
    for study in result["studies"]:
        assert _effect(study["summary"]) in shown


def test_proportions_are_back_transformed_and_have_no_null_line():
    result, rows = _run("pritz_pft_reml")
    fig = forest_plot(result, data_rows=rows)
    shown = strings(to_svg(fig))
    for study, row in zip(result["studies"], rows, strict=True):
        assert 0 <= study["summary"]["estimate"] <= 1
        assert _effect(study["summary"]) in shown
        assert f"{row['xi']}/{row['ni']}" in shown
    lo, hi = fig.axes[0].get_xlim()
    assert 0 <= lo < hi <= 1


def test_subgroups_have_their_own_diamond_and_heterogeneity_and_the_test_of_differences():
    result, rows = _run("bcg_rr_reml_subgroup_alloc")
    svg = to_svg(forest_plot(result, data_rows=rows))
    shown = strings(svg)
    counts = Counter(shown)
    assert counts["Subtotal"] == len(result["subgroups"])
    for name, group in result["subgroups"].items():
        assert name in shown
        assert _effect(group["summary"]) in shown
        if group["k"] > 1:
            q = f"{group['q']:.1f}" if group["q"] >= 100 else f"{group['q']:.2f}"
            line = f"Heterogeneity: τ² = {group['tau2']:.2f}; Q = {q}, df = {group['q_df']} ({_p(group['q_pval'])})"
            assert f"{line}; I² = {group['i2']:.0f}%" in shown
    assert (
        f"Test for subgroup differences: Q = {result['q_between']:.2f}, df = {result['df_between']} "
        f"({_p(result['q_between_pval'])})" in shown
    )
    # Study weights are the overall analysis' weights: they add up to 100% across the subgroups.
    study_weights = [f"{s['weight']:.1f}%" for s in result["studies"]]
    assert not Counter(study_weights) - counts
    _no_overlap_on_rows(svg)


def test_time_to_event_from_o_minus_e_and_v_shows_those_columns():
    result, rows = _run("veteran_logrank_reml")
    shown = strings(to_svg(forest_plot(result, data_rows=rows)))
    assert {"O-E", "V", "HR [95% CI]"} <= set(shown)
    assert f"{rows[0]['o_minus_e']:.2f}" in shown


def test_common_effect_model_has_no_prediction_interval():
    result, rows = _run("bcg_rr_mh")
    shown = strings(to_svg(forest_plot(result, data_rows=rows)))
    assert "Common-effect model (MH)" in shown
    assert not any("prediction interval" in s for s in shown)


def test_meta_regression_result_shows_studies_and_the_test_of_moderators():
    result, rows = _run("bcg_rr_reml_metareg_ablat")
    shown = strings(to_svg(forest_plot(result, data_rows=rows)))
    assert all(s["study"] in shown for s in result["studies"])
    assert any(s.startswith("Residual heterogeneity: τ²") for s in shown)
    assert any(s.startswith("Test of moderators: QM = 16.36, df = 1") for s in shown)


def test_same_input_gives_identical_svg_and_png_bytes():
    result, rows = _run("bcg_rr_reml_subgroup_alloc")
    first, second = forest_plot(result, data_rows=rows), forest_plot(result, data_rows=rows)
    assert to_svg(first) == to_svg(second)
    assert to_png(first) == to_png(second)


def test_png_opens_at_the_requested_resolution():
    result, rows = _run("bcg_rr_reml")
    fig = forest_plot(result, data_rows=rows, title="BCG vaccine and tuberculosis")
    data = to_png(fig, dpi=150)
    width, height = png_size(data)
    assert width == pytest.approx(fig.get_figwidth() * 150, abs=1)
    assert height == pytest.approx(fig.get_figheight() * 150, abs=1)
    import io

    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (height, width)
    assert pixels.min() < 0.1  # something dark is drawn


def _synthetic_proportions(k: int = 41) -> list[dict]:
    rng = np.random.default_rng(41)
    rows = []
    for i in range(k):
        n = int(rng.integers(20, 400))
        label = f"Author{i} et al. {1980 + i}"
        if i % 5 == 0:
            label = f"Study {i + 1}: a multicentre randomised trial of a remarkably long name, phase {i}"
        rows.append({"study": label, "xi": int(rng.binomial(n, rng.uniform(0.1, 0.6))), "ni": n})
    return rows


def test_forty_one_studies_with_long_labels_render_without_overlap():
    rows = _synthetic_proportions()
    result = run_pooled_analysis(rows, "PLO", "REML")
    fig = forest_plot(result, data_rows=rows)
    svg = to_svg(fig)
    shown = strings(svg)
    for row in rows:
        if row["study"] in shown:
            continue
        # Long labels are cut with an ellipsis, keeping their beginning.
        cut = [s for s in shown if s.endswith("…") and row["study"].startswith(s[:-1])]
        assert len(cut) >= 1, row["study"]
    assert sum(s.endswith("…") for s in shown) == sum(len(r["study"]) > 60 for r in rows)
    for study in result["studies"]:
        assert _effect(study["summary"]) in shown
    _no_overlap_on_rows(svg)
    # One line per study, spaced at least a font size apart; the figure grows with the rows.
    label_rows = sorted({round(t.y, 1) for t in texts(svg) if t.text.startswith(("Author", "Study "))})
    assert len(label_rows) == 41
    assert min(b - a for a, b in zip(label_rows, label_rows[1:], strict=False)) >= 10
    small = forest_plot(run_pooled_analysis(rows[:5], "PLO", "REML"), data_rows=rows[:5])
    assert fig.get_figheight() > small.get_figheight() + 36 * 0.18


@pytest.mark.parametrize("case_id", sorted(i for i, c in CASES.items() if c["options"].get("model") != "cox"))
def test_every_reference_analysis_draws_its_forest_and_funnel_plot(case_id):
    from analysis.plots import funnel_plot
    from analysis.plots.formatting import effect_text

    result, rows = _run(case_id)
    shown = strings(to_svg(forest_plot(result, data_rows=rows)))
    for study in result["studies"]:
        assert study["study"] in shown
        summary = study["summary"]
        assert effect_text(summary["estimate"], summary["ci_lower"], summary["ci_upper"]) in shown
    assert strings(to_svg(funnel_plot(result)))
