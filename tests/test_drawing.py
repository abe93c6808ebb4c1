"""What the figures draw, read back from the Matplotlib artists.

The data tests (test_plots.py) check what a figure function returns; these check that
what is drawn matches it in the axis's units: bar widths and positions, whisker extents,
line data, axis limits and tick labels. Every bar/whisker panel and one line panel per
figure is covered.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.container import BarContainer

from model import plots, style

_spec = importlib.util.spec_from_file_location(
    "plot_fixtures", Path(__file__).with_name("plot_fixtures.py")
)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

PARAM = "rights_bodies.BPI.detection_prob"
LAW_WEEK = 12


@pytest.fixture(scope="module")
def law(tmp_path_factory) -> Path:
    """UK with the law scheduled at week 12: it passes in every run."""
    return fixtures.make_results(
        tmp_path_factory.mktemp("law"),
        weeks=30,
        replicates=3,
        subscribers=2000,
        overrides={"regulator.schedule.law_week": LAW_WEEK},
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return fixtures.make_results(
        tmp_path_factory.mktemp("sweep"),
        weeks=20,
        replicates=3,
        subscribers=2000,
        sweep={PARAM: [0.002, 0.05]},
    )


def bars(ax) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def whiskers(container: BarContainer) -> np.ndarray:
    """Horizontal error-bar segments of a barh container: rows (x_low, x_high, y)."""
    assert container.errorbar is not None, "bars without whiskers"
    _, _, (segments,) = container.errorbar.lines
    assert isinstance(segments, LineCollection)
    return np.array([(min(s[:, 0]), max(s[:, 0]), s[0, 1]) for s in segments.get_segments()])


def band_extent(ax, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper y of the ``index``-th filled band (vertices' min/max)."""
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    verts = polys[index].get_paths()[0].vertices
    return verts[:, 1].min(), verts[:, 1].max()


def yticklabels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


# --------------------------------------------------------------------------- outcomes
def test_outcome_lines_bands_and_limits_are_in_percent(sweep):
    res = plots.load_results(sweep)
    view = plots.view_of(res)
    fig, data = plots.figure_outcomes(view)
    for ax, col in zip(fig.axes, data, strict=False):
        _, _, factor = plots.OUTCOMES[col]
        d = data[col]
        for i, (key, line) in enumerate(zip(view.labels, ax.lines, strict=True)):
            g = d[d["point"] == key]
            assert np.allclose(line.get_ydata(), g["median"] * factor)
            assert np.allclose(
                line.get_xdata().astype("datetime64[ns]").astype(float),
                view.time.x(g["week"]).astype("datetime64[ns]").astype(float),
            )
            lo, hi = band_extent(ax, 2 * i)  # the 90 % band of this series
            assert lo == pytest.approx(g["q05"].min() * factor)
            assert hi == pytest.approx(g["q95"].max() * factor)
        bottom, top = ax.get_ylim()
        assert bottom == 0 and top >= d["q95"].max() * factor


# --------------------------------------------------------------------------- market shares
def test_market_share_lines_and_stance_markers(sweep):
    res = plots.load_results(sweep)
    view = plots.view_of(res)
    fig, data = plots.figure_market_shares(view)
    shares, changes = data["shares"], data["stance_changes"]
    for ax, key in zip(fig.axes, view.labels, strict=False):
        drawn = {line.get_label(): line for line in ax.lines}
        assert list(drawn) == [i for i in view.isps if i in set(shares["isp"])]
        for isp, line in drawn.items():
            g = shares[(shares["point"] == key) & (shares["isp"] == isp)]
            assert np.allclose(line.get_ydata(), g["median"] * 100)
        scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
        markers = np.concatenate([c.get_offsets()[:, 1] for c in scatters])
        ch = changes[changes["point"] == key].merge(
            shares[shares["point"] == key], on=["isp", "week"]
        )
        assert sorted(markers) == pytest.approx(sorted(ch["median"] * 100))
        assert ax.get_ylim()[0] == 0
    assert fig.axes[0].get_ylabel() == "% of subscribers"


# --------------------------------------------------------------------------- funnel
def test_funnel_bars_and_whiskers_match_the_totals(sweep):
    res = plots.load_results(sweep)
    view = plots.view_of(res)
    fig, data = plots.figure_funnel(view)
    (ax,) = fig.axes
    d = data["funnel"]
    stages = list(dict.fromkeys(d["stage"]))
    assert yticklabels(ax) == stages
    containers = bars(ax)
    assert len(containers) == 2 * len(view.labels)  # counts, then the hatched wrongful part
    for i, key in enumerate(view.labels):
        rows = d[d["point"] == key].set_index("stage").reindex(stages)
        counts, wrongful = containers[2 * i], containers[2 * i + 1]
        widths = [p.get_width() for p in counts.patches]
        assert np.allclose(widths, rows["median"])
        assert np.allclose([p.get_x() for p in counts.patches], 0)
        ys = np.array([p.get_y() + p.get_height() / 2 for p in counts.patches])
        assert np.all(np.abs(ys - np.arange(len(stages))) < 0.5)  # inside its stage's row
        w = whiskers(counts)
        assert np.allclose(w[:, 0], rows["q05"]) and np.allclose(w[:, 1], rows["q95"])
        assert np.allclose(w[:, 2], ys)
        assert np.allclose(
            [p.get_width() for p in wrongful.patches], rows["wrongful_median"].fillna(0)
        )
    left, right = ax.get_xlim()
    assert left == 0 and right >= d["q95"].max()


# --------------------------------------------------------------------------- legislation
def test_legislation_stage_steps_and_law_line(law):
    res = plots.load_results(law)
    view = plots.view_of(res)
    fig, data = plots.figure_legislation(view)
    top, bottom = fig.axes[:2]
    stage = data["stage"]
    (step,) = [ln for ln in bottom.lines if ln.get_label() == view.labels[0]]
    assert np.allclose(step.get_ydata(), stage["stage"])
    assert yticklabels(bottom) == list(style.STAGE_LABELS)
    law_row = data["law"].iloc[0]
    assert law_row["passed"] == 1.0 and law_row["median_week"] == LAW_WEEK
    x_law = view.time.x([LAW_WEEK])[0]
    for ax in (top, bottom):
        vlines = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
        assert len(vlines) == 1
        assert np.datetime64(vlines[0].get_xdata()[0]) == x_law
    (line,) = [ln for ln in top.lines if ln.get_label() == view.labels[0]]
    assert np.allclose(line.get_ydata(), data["pressure"]["median"], equal_nan=True)
    assert "% of" in top.get_ylabel()


# --------------------------------------------------------------------------- money
def test_money_cost_bars_and_whiskers_share_one_unit(law):
    res = plots.load_results(law)
    view = plots.view_of(res)
    fig, data = plots.figure_money(view)
    left, right = fig.axes[:2]
    cost = data["costs"]
    (container,) = bars(right)
    parties = yticklabels(right)
    rows = cost.set_index("party").reindex(parties)
    assert np.allclose([p.get_width() for p in container.patches], rows["median"] / 1e6)
    w = whiskers(container)
    assert np.allclose(w[:, 0], rows["q05"] / 1e6)
    assert np.allclose(w[:, 1], rows["q95"] / 1e6)
    assert (w[:, 0] >= 0).all()  # costs cannot be negative
    assert "GBP million" in right.get_xlabel()
    assert right.get_xlim()[0] <= 0 and right.get_xlim()[1] >= rows["q95"].max() / 1e6
    revenue = data["revenue"]
    (line,) = left.lines
    assert np.allclose(line.get_ydata(), revenue["median"] / 1e6)
    assert left.get_ylabel() == "GBP million per week"


def test_money_bars_of_a_comparison_are_one_per_scenario(law, sweep):
    view = plots.comparison_view([plots.load_results(law), plots.load_results(sweep)])
    fig, data = plots.figure_money(view)
    right = fig.axes[1]
    cost = data["costs"]
    parties = yticklabels(right)
    for key, container in zip(view.labels, bars(right), strict=True):
        rows = cost[cost["series"] == key].set_index("party").reindex(parties)
        assert np.allclose([p.get_width() for p in container.patches], rows["median"] / 1e6)
        w = whiskers(container)
        assert np.allclose(w[:, 1], rows["q95"] / 1e6)


# --------------------------------------------------------------------------- sweep
def test_sweep_line_panel_draws_the_medians(sweep):
    res = plots.load_results(sweep)
    fig, data = plots.figure_sweep(res)
    ax = fig.axes[0]
    d = data["final.infringing_share"]
    (line,) = ax.lines
    assert np.allclose(line.get_xdata(), d[PARAM])
    assert np.allclose(line.get_ydata(), d["median"] * 100)
    lo, hi = band_extent(ax, 0)
    assert lo == pytest.approx(d["q05"].min() * 100) and hi == pytest.approx(d["q95"].max() * 100)
    assert ax.get_ylim()[0] == 0


def test_time_axis_reads_back_as_dates(law):
    res = plots.load_results(law)
    view = plots.view_of(res)
    fig, _ = plots.figure_outcomes(view)
    lo, hi = fig.axes[0].get_xlim()
    start = pd.Timestamp(res.scenario.start_date)
    from matplotlib.dates import num2date

    assert num2date(lo).date() <= start.date()
    assert num2date(hi).date() >= (start + pd.Timedelta(weeks=res.steps - 1)).date()


def test_pressure_is_a_percentage_of_the_next_stages_threshold():
    ts = pd.DataFrame(
        {"legislative_stage": [0, 1, 2, 3, 1], "legislative_pressure": [10.0, 10, 30, 50, 0]}
    )
    got = plots.pressure_to_next_stage(ts, consultation=20.0, bill=40.0)
    assert np.allclose(got, [50.0, 25.0, 150.0, np.nan, 0.0], equal_nan=True)
    per_row = plots.pressure_to_next_stage(
        ts, consultation=np.array([10.0, 20, 30, 40, 50]), bill=5
    )
    assert np.allclose(per_row, [100.0, 200.0, 100.0, np.nan, 0.0], equal_nan=True)
