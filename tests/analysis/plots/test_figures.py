"""Funnel, bubble and Kaplan-Meier figures: the numbers a reader reads off them come from the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.engine import analyse_ipd, run_pooled_analysis
from analysis.plots import (
    bubble_plot,
    funnel_plot,
    km_plot,
    regression_band,
    risk_table_times,
    to_png,
    to_svg,
)

from .svg import png_size, strings, texts

DATA = Path(__file__).parent.parent / "engine" / "data"
CASES = {
    c["id"]: c
    for name in ("metafor_cases.json", "extra_cases.json")
    for c in json.loads((DATA / name).read_text())
}
SURVIVAL = {c["id"]: c for c in json.loads((DATA / "survival_cases.json").read_text())}


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _pooled(case_id: str, **extra) -> tuple[dict, list[dict]]:
    case = CASES[case_id]
    options = {**case["options"], **extra}
    result = run_pooled_analysis(
        case["data"],
        measure=options["measure"],
        method=options["method"],
        test=options.get("test", "z"),
        mods=options.get("mods"),
        egger=options.get("egger", False),
    )
    return result, case["data"]


@pytest.mark.parametrize("case_id", ["egger2001_or_egger", "li2007_or_reml_egger"])
def test_funnel_plot_gives_eggers_test_from_the_result(case_id):
    result, _ = _pooled(case_id)
    fig = funnel_plot(result)
    shown = strings(to_svg(fig))
    egger = result["egger"]
    line = f"Egger's test for funnel plot asymmetry: t({egger['df']}) = {egger['statistic']:.2f}, {_p(egger['pval'])}"
    assert line in shown
    ax = fig.axes[0]
    assert ax.yaxis_inverted()  # precise studies at the top
    assert ax.get_xscale() == "log"  # odds ratios
    assert ax.get_ylim()[1] == 0 and ax.get_ylim()[0] >= max(s["sei"] for s in result["studies"])


def test_funnel_plot_without_egger_has_no_egger_caption_and_a_linear_axis_for_differences():
    result, _ = _pooled("normand_smd_reml")
    fig = funnel_plot(result)
    assert not any("Egger" in s for s in strings(to_svg(fig)))
    assert fig.axes[0].get_xscale() == "linear"
    assert png_size(to_png(fig))[0] > 0


@pytest.mark.parametrize("case_id", ["bcg_rr_reml_metareg_ablat", "bcg_rr_ml_knha_metareg_ablat"])
def test_bubble_plot_line_and_band_agree_with_the_meta_regression(case_id):
    result, rows = _pooled(case_id)
    # At ablat = 0 the fitted line is the intercept, with the intercept's CI (z or Knapp-Hartung t).
    band = regression_band(result, rows, "ablat", [0.0])
    intercept = result["moderators"]["intercept"]
    assert band["fit"][0] == pytest.approx(intercept["estimate"], rel=1e-9)
    assert band["lower"][0] == pytest.approx(intercept["ci_lower"], rel=1e-6)
    assert band["upper"][0] == pytest.approx(intercept["ci_upper"], rel=1e-6)
    fig = bubble_plot(result, rows, "ablat", moderator_label="Absolute latitude (degrees)")
    shown = strings(to_svg(fig))
    assert "Absolute latitude (degrees)" in shown
    slope = result["moderators"]["ablat"]
    assert any(s.startswith(f"Slope for ablat: {slope['estimate']:.4f} [") for s in shown)
    assert fig.axes[0].get_yscale() == "log"


def test_bubble_plot_holds_other_moderators_at_their_mean():
    result, rows = _pooled("bcg_rr_reml_metareg_ablat_year")
    fig = bubble_plot(result, rows, "ablat")
    assert any("other moderators at their mean" in s for s in strings(to_svg(fig)))
    with pytest.raises(ValueError):
        bubble_plot(result, rows, "alloc")


def _risk_table(svg: str, arms: list[str]) -> dict[str, list[int]]:
    """The numbers printed on each arm's line of the numbers-at-risk table, left to right."""
    placed = texts(svg)
    table = {}
    for arm in arms:
        name = [t for t in placed if t.text == arm and t.bold]
        assert len(name) == 1, arm
        row = [t for t in placed if abs(t.y - name[0].y) < 0.5 and t is not name[0]]
        table[arm] = [int(t.text) for t in sorted(row, key=lambda t: t.x)]
    return table


def _ipd(case_id: str, km_times=()) -> dict:
    case = SURVIVAL[case_id]
    options = case["options"]
    return analyse_ipd(
        pd.DataFrame(case["data"]),
        time=options["time"],
        event=options["event"],
        treatment=options["treatment"],
        control=options["control"],
        strata=options["strata"],
        km_times=km_times,
    )


@pytest.mark.parametrize("case_id", ["veteran_full", "simulated_three_arms"])
def test_km_plot_numbers_at_risk_equal_the_engines(case_id):
    result = _ipd(case_id)
    times = risk_table_times(result)
    assert len(times) >= 3
    expected = _ipd(case_id, km_times=times)["km"]
    svg = to_svg(km_plot(result, title="Overall survival", time_label="Days"))
    table = _risk_table(svg, [c["treatment"] for c in result["km_curves"]])
    for curve in result["km_curves"]:
        arm = curve["treatment"]
        assert table[arm] == [k["n_risk"] for k in expected if k["treatment"] == arm]
        assert any(s.startswith(f"{arm} ({curve['events']}/{curve['n']} events)") for s in strings(svg))
    shown = strings(svg)
    assert "Number at risk" in shown
    assert f"Log-rank (stratified) {_p(result['logrank']['pval'])}" in shown
    for c in result["comparisons"]:
        hr = f"{c['hr']:.2f} [{c['hr_ci_lower']:.2f}, {c['hr_ci_upper']:.2f}]"
        assert f"HR {c['treatment']} vs {c['control']}: {hr}" in shown


def test_km_plot_at_chosen_times_and_is_reproducible():
    result = _ipd("veteran_full")
    first = to_svg(km_plot(result, times=[0, 100, 200, 300], medians=True, ci=False))
    second = to_svg(km_plot(result, times=[0, 100, 200, 300], medians=True, ci=False))
    assert first == second
    expected = _ipd("veteran_full", km_times=[0, 100, 200, 300])["km"]
    table = _risk_table(first, ["standard", "test"])
    for arm, numbers in table.items():
        assert numbers == [k["n_risk"] for k in expected if k["treatment"] == arm]


def test_study_labels_and_titles_with_markup_are_escaped_in_the_svg():
    """Figures are inlined in pages: text a reviewer typed must never become markup."""
    from analysis.engine import run_pooled_analysis
    from analysis.plots import forest_plot
    from analysis.plots.render import to_svg

    rows = [
        {"study": "<script>alert(1)</script>", "ai": 4, "bi": 119, "ci": 11, "di": 128},
        {"study": 'Ferguson " onload="x', "ai": 6, "bi": 300, "ci": 29, "di": 274},
    ]
    result = run_pooled_analysis(rows, measure="RR", method="DL")
    svg = to_svg(forest_plot(result, data_rows=rows, title="<img src=x onerror=alert(2)>"))
    from xml.etree import ElementTree

    elements = list(ElementTree.fromstring(svg).iter())
    tags = {element.tag.rsplit("}", 1)[-1] for element in elements}
    assert not tags & {"script", "img", "foreignObject"}
    assert not [name for element in elements for name in element.attrib if name.lower().startswith("on")]
    texts = " ".join(element.text or "" for element in elements)
    assert "<script>alert(1)</script>" in texts and 'Ferguson " onload="x' in texts
