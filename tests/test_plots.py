"""Figures of a results folder: files written, and the data behind each figure."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import plots
from model.cli import app

_spec = importlib.util.spec_from_file_location(
    "plot_fixtures", Path(__file__).with_name("plot_fixtures.py")
)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

PARAM = "rights_bodies.BPI.detection_prob"


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    return fixtures.make_results(tmp_path_factory.mktemp("single"), weeks=30, replicates=3)


@pytest.fixture(scope="module")
def law(tmp_path_factory) -> Path:
    """The law scheduled at week 12 in some runs' worlds: it passes in every run."""
    return fixtures.make_results(
        tmp_path_factory.mktemp("law"),
        weeks=30,
        replicates=3,
        sweep={"regulator.schedule.law_week": [12, 40]},
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return fixtures.make_results(
        tmp_path_factory.mktemp("sweep"),
        weeks=30,
        replicates=3,
        sweep={PARAM: [0.002, 0.05]},
        overrides={"isps.BT.stance": "graduated", "isps.BT.adaptive": False},
    )


def png_size(path: Path) -> tuple[int, int]:
    """Width and height (px) from a PNG's IHDR chunk; fails if it is not a PNG."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_plot_command_writes_valid_pngs_and_report(sweep):
    result = CliRunner().invoke(app, ["plot", str(sweep), "--no-svg"])
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.splitlines()]
    stems = {p.stem for p in paths}
    assert stems == {*plots.FIGURES, "event-timing", "sweep", "report"}
    for path in paths[:-1]:
        width, height = png_size(path)
        assert 900 <= width <= 2500 and 500 <= height <= 2500, (path, width, height)
        assert path.stat().st_size > 20_000
    assert paths[-1] == sweep / "report.html"


def test_save_writes_png_and_svg(single, tmp_path):
    fig, _ = plots.figure_funnel(plots.view_of(plots.load_results(single)))
    first = plots.save(fig, tmp_path, "funnel", ("png", "svg"))
    assert first == tmp_path / "funnel.png" and png_size(first)[0] > 900
    svg = (tmp_path / "funnel.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "Notices sent" in svg


def test_bands_median_equals_pandas(single):
    ts = pd.read_parquet(single / "timeseries.parquet")
    got = plots.bands(ts, "infringing_share")
    grouped = ts.groupby(["point", "week"])["infringing_share"]
    assert np.allclose(got["median"], grouped.median().to_numpy())
    assert np.allclose(got["q05"], grouped.quantile(0.05).to_numpy())
    assert np.allclose(got["q95"], grouped.quantile(0.95).to_numpy())
    assert (got["q05"] <= got["q25"]).all() and (got["q75"] <= got["q95"]).all()


def test_outcome_figure_draws_the_median_in_percent(sweep):
    res = plots.load_results(sweep)
    fig, data = plots.figure_outcomes(plots.view_of(res))
    ts = pd.read_parquet(sweep / "timeseries.parquet")
    for i, col in enumerate(plots.OUTCOMES):
        expected = ts.groupby(["point", "week"])[col].median()
        assert np.allclose(data[col].set_index(["point", "week"])["median"], expected)
        _, _, factor = plots.OUTCOMES[col]
        for point, line in zip(res.points, fig.axes[i].lines, strict=True):
            assert np.allclose(line.get_ydata(), expected.loc[point].to_numpy() * factor)
        assert fig.axes[i].get_ylabel()  # units on every axis
    assert fig.axes[0].get_xlabel().startswith("Year (week 0 = 01 Jul 2008)")


def test_funnel_totals_are_scaled_medians_over_runs(sweep):
    res = plots.load_results(sweep)
    data = plots.funnel(res.timeseries, res.scale)
    summary = pd.read_csv(sweep / "summary.csv")
    for _, row in data.iterrows():
        totals = summary[summary["point"] == row["point"]][f"total.{row['column']}"]
        assert row["median"] == pytest.approx(totals.median() * res.scale)
        assert row["q05"] <= row["median"] <= row["q95"]
    stages = list(dict.fromkeys(data["stage"]))
    assert stages == [
        "Notices sent",
        "Notices handled by ISPs",
        "Level-1 warnings",
        "Level-2 warnings",
        "Level-3 warnings",  # the law's letters: the DEA's three
        "Sanction cases",
        "Sanctions applied",
    ]
    sent = data[data["column"] == "notices_sent"].set_index("point")
    wrongful = summary.groupby("point")["total.wrongful_notices"].median() * res.scale
    assert np.allclose(sent["wrongful_median"], wrongful)
    assert res.scale == pytest.approx(16_920_000 / 3000)


def test_market_shares_and_stance_changes(sweep):
    res = plots.load_results(sweep)
    fig, data = plots.figure_market_shares(plots.view_of(res))
    shares, changes = data["shares"], data["stance_changes"]
    ts = res.timeseries
    bt = shares[(shares["isp"] == "BT") & (shares["point"] == 0)]
    assert np.allclose(
        bt["median"], ts[ts["point"] == 0].groupby("week")["market_share.BT"].median()
    )
    first = changes[changes["week"] == 0].set_index(["point", "isp"])["stance"]
    # TalkTalk signs the MoU's letters in week 0 (ODD 7.12)
    assert first.loc[(0, "BT")] == "graduated" and first.loc[(0, "TalkTalk")] == "forward"
    # every change is a real change of the modal stance
    for (point, isp), g in changes.groupby(["point", "isp"]):
        assert (g["stance"].to_numpy()[1:] != g["stance"].to_numpy()[:-1]).all()
        modal = (
            ts[ts["point"] == point]
            .groupby("week")[f"stance.{isp}"]
            .agg(lambda s: s.value_counts().sort_index().idxmax())
        )
        assert (modal.loc[g["week"]].to_numpy() == g["stance"].to_numpy()).all()
    assert len(fig.axes) >= 2  # one panel per sweep point


def test_law_passage_and_costs_match_pandas(law):
    res = plots.load_results(law)
    ts = res.timeseries.copy()
    law_table = plots.law_passage(ts).set_index("point")
    first = ts[ts["law_in_force"] > 0].groupby(["point", "run_id"])["week"].min()
    # point 0: law at week 12 in every run; point 1: scheduled after the run ends
    assert law_table.loc[0, "passed"] == 1.0 and law_table.loc[1, "passed"] == 0.0
    assert law_table.loc[0, "median_week"] == first.loc[0].median() == 12
    assert np.isnan(law_table.loc[1, "median_week"])
    assert (law_table["runs"] == 3).all()
    cost = plots.costs(ts, res.parties())
    bpi = cost[(cost["party"] == "BPI") & (cost["point"] == 0)].iloc[0]
    assert bpi["median"] == pytest.approx(
        ts[ts["point"] == 0].groupby("run_id")["enforcement_cost.BPI"].sum().median()
    )
    assert bpi["median"] > 0
    assert list(cost[cost["point"] == 0]["party"]) == res.parties()


def test_sweep_figure_data_is_summary_quantiles(sweep):
    res = plots.load_results(sweep)
    fig, data = plots.figure_sweep(res)
    summary = pd.read_csv(sweep / "summary.csv")
    got = data["final.infringing_share"]
    expected = summary.groupby(PARAM)["final.infringing_share"].median()
    assert np.allclose(got.set_index(PARAM)["median"], expected)
    assert fig.axes[0].get_xlabel() == "detection_prob"


def test_two_parameter_sweep_is_a_heatmap(tmp_path):
    out = fixtures.make_results(
        tmp_path,
        weeks=8,
        replicates=1,
        subscribers=2000,
        sweep={PARAM: [0.002, 0.02], "rights_bodies.BPI.misattribution_rate": [0.01, 0.1]},
    )
    res = plots.load_results(out)
    fig, data = plots.figure_sweep(res)
    d = data["final.infringing_share"]
    assert len(d) == 4
    image = fig.axes[0].images[0].get_array()
    pivot = d.pivot_table(
        index="rights_bodies.BPI.misattribution_rate", columns=PARAM, values="median"
    )
    assert np.allclose(image, pivot.to_numpy() * 100)


def test_point_selection(sweep):
    res = plots.load_results(sweep)
    assert plots.select_points(res, [1]) == [1]
    with pytest.raises(plots.PlotError, match="no sweep point"):
        plots.select_points(res, [7])
    view = plots.view_of(res, [1])
    assert set(view.timeseries["point"]) == {1} and list(view.labels) == [1]


def test_time_axis_without_start_date_is_in_weeks():
    axis = plots.TimeAxis(None)
    assert axis.label() == "Week of the simulation"
    assert list(axis.x([0, 52])) == [0.0, 52.0]
    dated = plots.TimeAxis(pd.Timestamp("2008-07-01"))
    assert pd.Timestamp(dated.x([52])[0]) == pd.Timestamp("2009-06-30")


def test_cli_plot_errors_clearly_on_a_folder_that_is_not_results(tmp_path):
    result = CliRunner().invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a results folder" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["plot", str(tmp_path), "--points", "a,b"])
    assert result.exit_code == 2 and "--points" in result.output


@pytest.fixture(scope="module")
def policy_sweep(tmp_path_factory) -> Path:
    return fixtures.make_results(
        tmp_path_factory.mktemp("policies"),
        weeks=12,
        replicates=2,
        subscribers=1500,
        sweep={PARAM: [0.002, 0.01, 0.05]},
        overrides={
            "policies": [
                {"name": "status quo with a long descriptive name", "set": {}},
                {"name": "all comply", "set": {"isps.TalkTalk.stance": "graduated"}},
            ]
        },
    )


def legend_inside(fig) -> bool:
    fig.canvas.draw()
    box = fig.bbox
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return all(
        box.x0 - 1 <= lg.get_window_extent().x0 and lg.get_window_extent().x1 <= box.x1 + 1
        for lg in legends
    ) and bool(legends)


def test_policy_sweep_draws_one_band_per_policy(policy_sweep):
    res = plots.load_results(policy_sweep, selected_only=True)
    view = plots.view_of(res)
    assert view.by == "policy"
    assert list(view.labels) == ["status quo with a long descriptive name", "all comply"]
    fig, data = plots.figure_outcomes(view)
    ts = res.timeseries
    for policy, line in zip(view.labels, fig.axes[0].lines, strict=True):
        expected = ts[ts["policy"] == policy].groupby("week")["infringing_share"].median()
        assert np.allclose(line.get_ydata(), expected * 100)
    assert legend_inside(fig)
    fig, data = plots.figure_sweep(res)
    d = data["final.infringing_share"]
    summary = res.summary
    assert len(fig.axes[0].lines) == 2
    for policy, line in zip(view.labels, fig.axes[0].lines, strict=True):
        expected = summary[summary["policy"] == policy].groupby(PARAM)["final.infringing_share"]
        assert np.allclose(line.get_ydata(), expected.median() * 100)
        assert np.allclose(d[d["policy"] == policy]["median"], expected.median())
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == list(view.labels)
    assert legend_inside(fig)


def test_sampled_parameter_is_binned():
    summary = pd.DataFrame({"x": np.linspace(0, 1, 80), "y": np.arange(80.0)})
    got = plots.binned(summary, "x")
    assert got["x"].nunique() == 8
    assert (got.groupby("x")["y"].size() == 10).all()  # equal-count bins
    small = summary.iloc[:5]
    assert plots.binned(small, "x") is small


def test_a_failed_figure_write_leaves_no_temporary_file(tmp_path):
    from matplotlib.figure import Figure

    from model.plots import save

    class Failing(Figure):
        def savefig(self, fname, *args, **kwargs):
            Path(fname).write_bytes(b"partial")  # as a full disk would leave it
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        save(Failing(), tmp_path, "money", ("png",))
    assert list(tmp_path.iterdir()) == []
