"""Event timing across runs (model/plots/timing.py): the cumulative share of runs in which
the law has passed, or an ISP first policed, by each week; runs where it never happens
keep the curve below 100 %."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import plots
from model.plots.timing import LAW, event_timing, share_by_week
from model.plots.view import TimeAxis, View

_spec = importlib.util.spec_from_file_location(
    "plot_fixtures", Path(__file__).with_name("plot_fixtures.py")
)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)


def test_share_by_week_counts_never_in_the_denominator():
    weeks = pd.Series([3, 5, None, None], dtype="Int64")
    share = share_by_week(weeks, 8)
    assert share.tolist() == [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.5]
    assert share[-1] == 0.5  # two runs of four never see it: the curve ends at 50 %
    from_csv = pd.Series([0.0, math.nan, 7.0])  # read_csv gives floats with NaN
    assert share_by_week(from_csv, 8).tolist() == pytest.approx([1 / 3] * 7 + [2 / 3])
    assert share_by_week(pd.Series([None] * 3, dtype="Int64"), 4).tolist() == [0, 0, 0, 0]
    assert np.isnan(share_by_week(pd.Series([], dtype="Int64"), 3)).all()


def small_view(summary: pd.DataFrame, steps: int = 6) -> View:
    return View(
        timeseries=summary[["run_id", "point"]].assign(week=0),
        by="point",
        labels={0: "a", 1: "b"},
        scale=1.0,
        isps=["BT", "TalkTalk"],
        parties=[],
        time=TimeAxis(),
        title="test",
        steps=steps,
    )


def test_event_timing_per_series_from_a_hand_made_summary():
    summary = pd.DataFrame(
        {
            "run_id": [0, 1, 2, 3, 4],
            "point": [0, 0, 0, 1, 1],
            "status": ["done"] * 5,
            LAW: [2, None, 4, None, None],
            "week_first_forward.BT": [0, 1, None, 5, None],
            "week_first_forward.TalkTalk": [None] * 5,
        }
    ).astype({LAW: "Int64", "week_first_forward.BT": "Int64"})
    data = (
        event_timing(summary, small_view(summary))
        .set_index(["point", "label", "week"])
        .sort_index()
    )
    assert data.loc[(0, "Law passed"), "share"].tolist() == pytest.approx(
        [0, 0, 1 / 3, 1 / 3, 2 / 3, 2 / 3]
    )
    assert data.loc[(0, "BT"), "share"].tolist() == pytest.approx([1 / 3] + [2 / 3] * 5)
    assert data.loc[(1, "Law passed"), "share"].tolist() == [0] * 6  # never, in both runs
    assert data.loc[(1, "BT"), "share"].tolist() == [0, 0, 0, 0, 0, 0.5]
    assert data.loc[(0, "TalkTalk"), "share"].max() == 0
    assert set(data.loc[(0, "BT"), "runs"]) == {3} and set(data.loc[(1, "BT"), "runs"]) == {2}


@pytest.fixture(scope="module")
def law(tmp_path_factory) -> Path:
    """Law scheduled at week 12 (passes within the 30 weeks) or 40 (never within them)."""
    return fixtures.make_results(
        tmp_path_factory.mktemp("timing"),
        weeks=30,
        replicates=3,
        sweep={"regulator.schedule.law_week": [12, 40]},
    )


def test_the_figure_draws_the_summary_event_times(law):
    """One panel per event (law, then each ISP), one line per sweep point."""
    results = plots.load_results(law)
    view = plots.view_of(results)
    fig, data = plots.figure_event_timing(view, results.summary)
    summary = pd.read_csv(law / "summary.csv")
    by_point = {p: summary[summary["point"] == p] for p in results.points}
    timing = data["timing"]
    events = [LAW, *(f"week_first_forward.{i}" for i in view.isps)]
    assert len([ax for ax in fig.axes if ax.lines]) == len(events)
    for ax, column in zip(fig.axes, events, strict=False):
        assert len(ax.lines) == len(results.points)
        for line, point in zip(ax.lines, results.points, strict=True):
            runs = by_point[point]
            expected = np.array([(runs[column].dropna() <= w).sum() / len(runs) for w in range(30)])
            assert np.allclose(line.get_ydata(), expected * 100), (point, column)
            got = timing[(timing["point"] == point) & (timing["event"] == column)]
            assert np.allclose(got["share"], expected)
    law_at = {p: by_point[p]["regulator.schedule.law_week"].iloc[0] for p in results.points}
    never = next(p for p in results.points if law_at[p] == 40)
    early = next(p for p in results.points if law_at[p] == 12)
    ends = timing[timing["week"] == 29].set_index(["point", "event"])["share"]
    assert ends[(never, LAW)] == 0  # no law within the run: the curve stays at 0
    assert ends[(early, LAW)] == 1
    stated = fig.axes[0].texts[0].get_text()
    assert f"{view.labels[never]}: 0% of 3 runs" in stated
    assert f"{view.labels[early]}: 100% of 3 runs" in stated


def test_one_series_shows_the_law_behind_each_isp(law):
    results = plots.load_results(law)
    view = plots.view_of(results, points=[0])
    fig, _ = plots.figure_event_timing(view, results.summary)
    law_line = fig.axes[0].lines[0]
    for ax in fig.axes[1 : 1 + len(view.isps)]:
        reference, own = ax.lines
        assert np.array_equal(reference.get_ydata(), law_line.get_ydata())
        assert own.get_color() != reference.get_color()


def test_conduit_plots_writes_the_figure_and_the_report_shows_it(law):
    paths = plots.plot_results(law, formats=("png",))
    assert law / "plots" / "event-timing.png" in paths
    assert (law / "plots" / "event-timing.png").stat().st_size > 20_000
    html = (law / "report.html").read_text()
    assert 'id="fig-event-timing"' in html and "Event timing across runs" in html
    assert not list((law / "plots").glob("*.tmp*"))
