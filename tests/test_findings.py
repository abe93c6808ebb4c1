"""Key findings and headline measures, on a synthetic results folder with known numbers.

The folder is written by the real results writer (:class:`model.results.ResultStore`)
from hand-made run tables, so every number in the findings can be worked out here.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model import findings, headline, report
from model.experiment import plan
from model.results import ResultStore, load
from model.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 10
RUNS = 4
SCALE = 10.0


def run_table(run_id: int) -> pd.DataFrame:
    """Run r: infringement 10% -> (5 + r)% linearly; law from week 5 except in run 3;
    1 sanction, 100 notices and GBP 1,000 of BPI costs a week; 0.1% more BT share a week."""
    week = np.arange(WEEKS)
    end = 0.05 + 0.01 * run_id
    return pd.DataFrame(
        {
            "run_id": run_id,
            "point": 0,
            "replicate": run_id,
            "week": week,
            "infringing_share": 0.10 + (end - 0.10) * week / (WEEKS - 1),
            "legal_share": 0.2,
            "notices_sent": 100,
            "sanctions": 1,
            "wrongful_sanctions": 0,
            "law_in_force": ((week >= 5) & (run_id < 3)).astype(int),
            "legislative_stage": 1,
            "enforcement_cost.BPI": 1000.0,
            "market_share.BT": 0.3 + 0.001 * week,
            "market_share.TalkTalk": 0.7 - 0.001 * week,
        }
    )


def write_synthetic(root: Path, **overrides) -> Path:
    scenario = load_scenario(
        ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml",
        overrides={
            "population.subscribers": 1000,
            "population.represents": 10_000,
            "experiment.replicates": RUNS,
            "experiment.steps": WEEKS,
            **overrides,
        },
    )
    out = root / scenario.name
    store = ResultStore.open(out, scenario, plan(scenario), command=["test"])
    for run_id in range(RUNS):
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(run_table(run_id), preserve_index=False), buffer)
        store.add(run_id, buffer.getvalue(), 0.1)
    store.finish()
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("synthetic"))


def q(values) -> tuple[float, float, float]:
    lo, mid, hi = np.quantile(values, [0.05, 0.5, 0.95])
    return mid, lo, hi


def test_headline_measures_are_final_mean_and_scaled_totals(synthetic):
    res = load(synthetic)
    assert res.scale == SCALE
    t = headline.table(res).set_index("key")
    finals = [0.05 + 0.01 * r for r in range(RUNS)]
    assert t.loc["final.infringing_share", ["median", "q05", "q95"]].tolist() == pytest.approx(
        [np.median(finals), np.quantile(finals, 0.05), np.quantile(finals, 0.95)]
    )
    means = [(0.10 + f) / 2 for f in finals]  # linear: the mean is the midpoint
    assert t.loc["mean.infringing_share", "median"] == pytest.approx(np.median(means))
    assert t.loc["total.sanctions", "median"] == WEEKS * SCALE
    assert t.loc["total.sanctions", "events"] == WEEKS and t.loc["total.sanctions", "rare"]
    assert t.loc["total.notices_sent", "median"] == 100 * WEEKS * SCALE
    assert not t.loc["total.notices_sent", "rare"]
    assert t.loc["total.enforcement_cost.BPI", "median"] == 1000 * WEEKS


def test_run_digest_shows_shares_in_percent(synthetic):
    from model.headline import point_digest

    res = load(synthetic)
    digest = point_digest(res.summary, res.scale).set_index("outcome")
    finals = [0.05 + 0.01 * r for r in range(RUNS)]
    assert digest.loc["final infringing share (%)", "median"] == pytest.approx(
        100 * np.median(finals)
    )
    flagged = "sanctions ⚠ <20 simulated/run"  # 10 simulated sanctions per run
    assert digest.loc[flagged, "median"] == WEEKS * SCALE  # counts unchanged
    assert digest.loc["share BT (%)", "median"] == pytest.approx(100 * (0.3 + 0.009))


def test_findings_state_the_known_numbers_with_ranges_and_figures(synthetic):
    res = load(synthetic)
    found = findings.findings(res)
    assert 3 <= len(found) <= 6
    by_figure = {f.figure: f.text for f in found if f.figure != "funnel"}
    funnel = [f.text for f in found if f.figure == "funnel"]
    assert by_figure["legislation"] == (
        "A law came into force in 75% of runs, median week 5 (August 2008) [weeks 5–5]."
    )
    finals = [0.05 + 0.01 * r for r in range(RUNS)]
    means = [(0.10 + f) / 2 for f in finals]
    assert by_figure["outcomes"] == (
        "Infringement went from 10% of subscribers in week 0 to "
        f"{headline.cell(*q(finals), 'share')} in the final week; the mean over the "
        f"{WEEKS} weeks was {headline.cell(*q(means), 'share')}."
    )
    assert headline.cell(*q(finals), "share") == "6.5% [5.15%–7.85%]"
    assert funnel[0].startswith("100 [100–100] sanctions were applied over the run, 0 [0–0]")
    assert "rests on ~10 simulated events per run" in funnel[0]
    assert "more subscribers" in funnel[0] and "replicates" in funnel[0]
    assert funnel[1] == "Rights holders sent 10k [10k–10k] notices."
    assert by_figure["money"] == "BPI spent GBP 10k [10k–10k] on enforcement."
    assert by_figure["market-shares"].startswith("BT's market share moved most: from 30%")
    text = findings.text(res)
    assert text.splitlines()[0] == "Key findings:"
    assert "(see plots/legislation.png)" in text


def test_report_opens_with_findings_linked_to_figures(synthetic):
    res = load(synthetic)
    html = report.findings_html(res)
    assert html.startswith('<h2 id="findings">Key findings</h2>')
    assert html.count("<li>") == len(findings.findings(res))
    assert '<a href="#fig-legislation">' in html and '<a href="#fig-money">' in html
    table = report.summary_table(res)
    assert "⚠ ~10 simulated" in table.loc["Sanctions applied, total"].iloc[0]


def test_no_law_is_said_plainly():
    frame = pd.DataFrame({"run_id": [0, 0, 1, 1], "week": [0, 1, 0, 1], "law_in_force": 0})

    class NoLaw:
        timeseries = frame

    assert findings._law(NoLaw()).text == "No law came into force in any of 2 runs."


def result_folder(root: Path) -> str:
    (folder,) = [p.name for p in root.iterdir() if (p / "manifest.json").is_file()]
    return folder


def test_conduit_run_prints_the_findings_after_its_table(tmp_path):
    from typer.testing import CliRunner

    from model.cli import app

    result = CliRunner().invoke(
        app,
        [
            "run",
            str(ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"),
            "--steps",
            "6",
            "--replicates",
            "2",
            "--set",
            "population.subscribers=800",
            "--set",
            "regulator.schedule.law_week=2",  # a finding with "[weeks 2–2]" in it
            "--out",
            str(tmp_path),
            "--no-plots",
            "--quiet",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Key findings:" in out and out.index("Key findings:") > out.index("median")
    assert "(see plots/outcomes.png)" in out
    res = load(tmp_path / result_folder(tmp_path))
    expected = " ".join(findings.text(res).split())
    assert expected in " ".join(out.split())  # as generated: no [range] read as markup
    # shares in percent in the run's table
    row = next(line for line in out.splitlines() if "Infringing share, final week" in line)
    assert row.count("%") == 3, row  # median, 5% and 95%


DECLARED = [
    "mean[5:10].infringing_share",
    "total[0:5].sanctions",
    "discounted[10%].enforcement_cost.BPI",
]


def test_scenario_declared_summary_measures_are_computed(tmp_path):
    res = load(write_synthetic(tmp_path, summaries=DECLARED))
    assert res.scenario.summaries == DECLARED
    t = headline.table(res).set_index("key")
    late = [0.10 + (0.05 + 0.01 * r - 0.10) * 7 / 9 for r in range(RUNS)]  # mean of weeks 5-9
    assert t.loc["mean[5:10].infringing_share", "median"] == pytest.approx(np.median(late))
    assert t.loc["mean[5:10].infringing_share", "label"] == "Infringing share, mean over weeks 5-9"
    assert t.loc["total[0:5].sanctions", "median"] == 5 * SCALE
    assert t.loc["total[0:5].sanctions", "rare"] and t.loc["total[0:5].sanctions", "events"] == 5
    discounted = sum(1000 * 1.1 ** (-w / 52) for w in range(WEEKS))
    key = "discounted[10%].enforcement_cost.BPI"
    assert t.loc[key, "median"] == pytest.approx(discounted)
    assert t.loc[key, "label"] == "Enforcement cost of BPI, total discounted at 10%/year"
    assert "Infringing share, mean over weeks 5-9" in report.summary_table(res).index


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("median.infringing_share", "expected <statistic>"),
        ("total.infringing_share", "summed count or money"),
        ("discounted[3%].sanctions", "needs money"),
        ("mean[9:3].infringing_share", "FIRST < LAST"),
        ("mean[a:b].infringing_share", "FIRST:LAST"),
        ("final[0:5].infringing_share", "no [argument]"),
        ("mean.no_such_column", "not a numeric recorded outcome"),
        ("total.stance.BT", "not a numeric recorded outcome"),
    ],
)
def test_a_bad_summary_measure_says_what_is_wrong(text, says):
    from model.measures import parse_measure

    with pytest.raises(ValueError, match=re.escape(says)):
        parse_measure(text)


def test_a_scenario_with_a_bad_summary_is_a_located_error():
    from model.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"summaries\[0\].*no party named 'XYZ'"):
        load_scenario(
            ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml",
            overrides={"summaries": ["total.enforcement_cost.XYZ"]},
        )
