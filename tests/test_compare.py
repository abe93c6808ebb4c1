"""conduit compare: overlays, and clear handling of results that do not match."""

from __future__ import annotations

import importlib.util
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

ALL_COMPLY = fixtures.ROOT / "scenarios" / "counterfactuals" / "uk-all-comply.yaml"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    kw = {"replicates": 2, "subscribers": 2500}
    return {
        "uk": fixtures.make_results(root / "uk", weeks=30, **kw),
        "comply": fixtures.make_results(root / "comply", ALL_COMPLY, weeks=30, **kw),
        "norway": fixtures.make_results(root / "norway", fixtures.NORWAY, weeks=20, **kw),
    }


def test_compare_overlays_each_scenarios_own_medians(folders, tmp_path):
    warnings: list[str] = []
    paths = plots.compare(
        [folders["uk"], folders["comply"]], tmp_path, ("png",), warn=warnings.append
    )
    assert warnings == []  # same ISPs, same length, same start date: nothing to say
    expected = {f"{s}.png" for s in plots.FIGURES} | {"headline.csv", "report.html"}
    assert {p.name for p in paths} == expected
    view = plots.comparison_view([plots.load_results(folders[k]) for k in ("uk", "comply")])
    fig, data = plots.figure_outcomes(view)
    assert list(view.labels) == ["uk-2008-bpi-vs-talktalk", "uk-cf-all-comply"]
    for key, folder in zip(view.labels, (folders["uk"], folders["comply"]), strict=True):
        ts = pd.read_parquet(folder / "timeseries.parquet")
        bands = data["infringing_share"]
        got = bands[bands["series"] == key]["median"].to_numpy()
        assert np.allclose(got, ts.groupby("week")["infringing_share"].median())
    colours = [line.get_color() for line in fig.axes[0].lines]
    assert colours == [view.colours[k] for k in view.labels]  # one colour per scenario
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(plots.FIGURES)


def test_compare_different_isps_and_lengths_says_what_is_missing(folders):
    view = plots.comparison_view([plots.load_results(folders[k]) for k in ("uk", "norway")])
    text = "\n".join(view.notes)  # what compare() passes to warn (stderr by default)
    assert "ISPs BT, Virgin Media, TalkTalk, Sky, Tiscali, Orange only in uk-2008" in text
    assert "Telenor" in text and "only in norway-2008-ikt-refusal" in text
    assert "runs differ in length" in text and "first 20 weeks" in text
    assert "start dates differ" in text
    assert view.steps == 20 and view.time.start is None
    fig, data = plots.figure_market_shares(view)
    shares = data["shares"]
    assert set(shares.query("series == 'norway-2008-ikt-refusal'")["isp"]) == {
        "Telenor",
        "Get",
        "Altibox",
        "Canal Digital",
        "Tele2",
        "Others",
    }
    assert shares.query("series == 'uk-2008-bpi-vs-talktalk'")["week"].max() == 29
    figure_text = " ".join(t.get_text() for t in fig.texts) + " ".join(
        t.get_text() for ax in fig.axes for t in ax.texts
    )
    assert "only in" in figure_text and "no BT" in figure_text
    # totals are compared over the common 20 weeks
    fdata = plots.funnel(view.within_steps(), view.scale, "series")
    uk = pd.read_parquet(folders["uk"] / "timeseries.parquet").query("week < 20")
    sent = fdata.query("series == 'uk-2008-bpi-vs-talktalk' and column == 'notices_sent'")
    scale = plots.load_results(folders["uk"]).scale
    assert sent["median"].iloc[0] == pytest.approx(
        uk.groupby("run_id")["notices_sent"].sum().median() * scale
    )


def test_compare_with_nothing_in_common_exits_2(folders, tmp_path):
    odd = tmp_path / "odd"
    odd.mkdir()
    for name in ("manifest.json", "summary.csv"):
        (odd / name).write_bytes((folders["uk"] / name).read_bytes())
    ts = pd.read_parquet(folders["uk"] / "timeseries.parquet")
    ts[["run_id", "point", "replicate", "week", "salience"]].to_parquet(odd / "timeseries.parquet")
    with pytest.raises(plots.PlotError, match="nothing to compare"):
        plots.compare([folders["uk"], odd], tmp_path / "out", ("png",))
    result = CliRunner().invoke(app, ["compare", str(folders["uk"]), str(odd), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "nothing to compare" in result.output
    assert "Traceback" not in result.output


def test_compare_needs_two_results_folders(folders, tmp_path):
    with pytest.raises(plots.PlotError, match="at least two"):
        plots.compare([folders["uk"]], tmp_path)
    result = CliRunner().invoke(
        app, ["compare", str(folders["uk"]), str(tmp_path), "-o", str(tmp_path)]
    )
    assert result.exit_code == 2 and "not a results folder" in result.output


def test_side_by_side_pairs_runs_that_share_seeds(folders, tmp_path):
    from model import comparison

    uk, comply = (plots.load_results(folders[k]) for k in ("uk", "comply"))
    assert comparison.paired(uk, comply)
    table = comparison.side_by_side([uk, comply])
    row = table.query("key == 'final.infringing_share' and scenario == 'uk-cf-all-comply'")
    row = row.iloc[0]
    a = pd.read_csv(folders["uk"] / "summary.csv").set_index("replicate")
    b = pd.read_csv(folders["comply"] / "summary.csv").set_index("replicate")
    d = b["final.infringing_share"] - a["final.infringing_share"]
    assert row["paired"]
    assert row["diff_median"] == pytest.approx(d.median())
    assert row["diff_q05"] == pytest.approx(d.quantile(0.05))
    assert row["diff_q95"] == pytest.approx(d.quantile(0.95))
    assert row["median"] == pytest.approx(b["final.infringing_share"].median())
    sanctions = table.query("key == 'total.sanctions' and scenario == 'uk-cf-all-comply'")
    assert sanctions.iloc[0]["median"] == pytest.approx(b["total.sanctions"].median() * uk.scale)
    ref = table[table["scenario"] == "uk-2008-bpi-vs-talktalk"]
    assert ref["diff_median"].isna().all()
    assert comparison.show_difference(row).endswith("]") and " pp" in comparison.show_difference(
        row
    )


def test_side_by_side_without_shared_seeds_has_no_paired_range(folders, tmp_path):
    from model import comparison

    other = fixtures.make_results(
        tmp_path, ALL_COMPLY, weeks=30, replicates=2, subscribers=2500, seed=8
    )
    uk, comply = plots.load_results(folders["uk"]), plots.load_results(other)
    assert not comparison.paired(uk, comply)
    table = comparison.side_by_side([uk, comply])
    row = table.query("key == 'mean.infringing_share' and scenario == 'uk-cf-all-comply'").iloc[0]
    assert not row["paired"] and np.isnan(row["diff_q05"])
    assert row["diff_median"] == pytest.approx(
        row["median"] - table.query("key == 'mean.infringing_share'").iloc[0]["median"]
    )
    texts = [f.text for f in comparison.difference_findings(table)]
    assert any("do not share seeds" in t for t in texts)


def test_compare_command_prints_the_table_and_writes_the_csv(folders, tmp_path):
    result = CliRunner().invoke(
        app,
        ["compare", str(folders["uk"]), str(folders["comply"]), "-o", str(tmp_path), "--no-svg"],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Headline measures" in out and "difference" in out and "(reference)" in out
    assert "Key findings:" in out and "paired run by run over 2 replicates" in out
    csv = pd.read_csv(tmp_path / "headline.csv")
    assert set(csv["scenario"]) == {"uk-2008-bpi-vs-talktalk", "uk-cf-all-comply"}
    assert {"median", "q05", "q95", "diff_median", "diff_q05", "diff_q95", "paired"} <= set(csv)
    html = (tmp_path / "report.html").read_text()
    assert "Headline measures side by side" in html and "Key findings" in html
