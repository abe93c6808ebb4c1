"""Sensitivity analysis: known Sobol indices through the same machinery, the results path,
located errors of the analysis section, and ``replicates: auto``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import ScenarioError, load_scenario
from model.analysis import analyse, indices
from model.cli import app
from model.experiment import analysis_matrix, ci_width, design, plan, run_experiment
from model.results import load
from tests.conftest import small_yaml

# Y = A * detection_prob + B * decay_weeks, both uniform: additive, so for each input
# S1 = ST = Var(term) / Var(Y), with Var(c * U(l, h)) = c^2 (h - l)^2 / 12.
A, B = 300.0, 0.1
P1, P2 = "rights_bodies.BPI.detection_prob", "salience.decay_weeks"
LOW1, HIGH1, LOW2, HIGH2 = 0.0, 0.01, 1.0, 21.0
V1, V2 = (A * (HIGH1 - LOW1)) ** 2 / 12, (B * (HIGH2 - LOW2)) ** 2 / 12
EXACT = {P1: V1 / (V1 + V2), P2: V2 / (V1 + V2)}


def analysis_yaml(method: str = "sobol", samples: int = 4, extra: str = "") -> str:
    return small_yaml(replicates=1, steps=5) + (
        "analysis:\n"
        f"  method: {method}\n"
        f"  samples: {samples}\n"
        "  parameters:\n"
        f"    {P1}: {{low: {LOW1}, high: {HIGH1}}}\n"
        f"    {P2}: {{low: {LOW2}, high: {HIGH2}}}\n"
        "  outcomes:\n"
        "    - {name: final.infringing_share}\n" + extra
    )


def toy_summary(scenario) -> pd.DataFrame:
    """A summary.csv as the runs would write it, with the toy function as the outcome."""
    points = design(scenario)
    x1 = np.array([p[P1] for p in points])
    x2 = np.array([p[P2] for p in points])
    return pd.DataFrame(
        {
            "run_id": range(len(points)),
            "point": range(len(points)),
            "replicate": 0,
            P1: x1,
            P2: x2,
            "final.infringing_share": A * x1 + B * x2,
        }
    )


def test_additive_toy_gives_the_analytic_sobol_indices_within_salib_cis(write):
    # conf_level 0.99 and N = 1024: four indices, each inside its bootstrap interval unless
    # the estimator is biased (the sample and the bootstrap are seeded, so no flakiness).
    # The margin 1e-3 only absorbs the rounding of design() values written to the summary.
    scenario = load_scenario(
        write("a.yaml", analysis_yaml(samples=1024, extra="  conf_level: 0.99\n"))
    )
    table = indices(scenario, toy_summary(scenario)).set_index("parameter")
    assert len(design(scenario)) == 1024 * (2 + 2)  # Saltelli without second order
    for param, exact in EXACT.items():
        for index in ("S1", "ST"):
            estimate, conf = table.at[param, index], table.at[param, f"{index}_conf"]
            assert conf < 0.1, (param, index, conf)  # informative intervals
            assert abs(estimate - exact) <= conf + 1e-3, (param, index, estimate, exact, conf)


def test_morris_ranks_the_toy_inputs_by_their_effect(write):
    # mu* of a linear term is |coefficient| * range: 300 * 0.01 = 3 against 0.1 * 20 = 2.
    scenario = load_scenario(write("m.yaml", analysis_yaml("morris", samples=20)))
    x = analysis_matrix(scenario)
    summary = toy_summary(scenario)
    summary["final.infringing_share"] = A * x[:, 0] + B * x[:, 1]
    table = indices(scenario, summary).set_index("parameter")
    assert table.at[P1, "mu_star"] == pytest.approx(A * (HIGH1 - LOW1), rel=1e-9)
    assert table.at[P2, "mu_star"] == pytest.approx(B * (HIGH2 - LOW2), rel=1e-9)
    assert table["sigma"].max() == pytest.approx(0.0, abs=1e-9)  # no interactions


def test_analyse_writes_indices_and_a_chart_per_outcome_from_real_runs(write, tmp_path):
    file = write("a.yaml", analysis_yaml(samples=2))
    result = CliRunner().invoke(
        app, ["run", str(file), "--out", str(tmp_path), "--no-plots", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    directory = tmp_path / "small"
    res = load(directory)
    assert len(res.summary) == 2 * 4 and res.parameters == [P1, P2]
    csv = pd.read_csv(directory / "analysis" / "indices.csv")
    assert list(csv["parameter"]) == [P1, P2]
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(csv.columns)
    assert (directory / "analysis" / "indices-final-infringing_share.png").stat().st_size > 0
    again = analyse(directory, formats=("png",))  # the command again: same numbers
    assert pd.read_csv(again[0]).equals(csv)
    printed = CliRunner().invoke(app, ["analyse", str(directory), "--no-svg"])
    assert printed.exit_code == 0, printed.output + printed.stderr
    assert "final.infringing_share" in printed.stdout  # the indices table, per outcome
    assert P1 in printed.stdout and "+/-" in printed.stdout


BAD = [
    (
        "unknown outcome",
        analysis_yaml().replace(
            "final.infringing_share}", "final.infringing_shar, goal: minimise}"
        ),
        "analysis.outcomes.final.infringing_shar",
        ["unknown outcome", "did you mean 'final.infringing_share'"],
    ),
    (
        "goal needed",
        analysis_yaml().replace("final.infringing_share}", "final.market_share.TalkTalk}"),
        "analysis.outcomes.final.market_share.TalkTalk",
        ["goal: minimise | maximise"],
    ),
    (
        "bad path",
        analysis_yaml().replace(P1, "rights_bodies.BPX.detection_prob"),
        "analysis.parameters.rights_bodies.BPX.detection_prob",
        ["path does not exist", "did you mean 'BPI'"],
    ),
    (
        "bad range end",
        analysis_yaml().replace(f"high: {HIGH1}", "high: 1.5"),
        f"analysis.parameters.{P1}",
        ["value 1.5", "less than or equal to 1"],
    ),
    (
        "bad method",
        analysis_yaml(method="sobl"),
        "analysis.method",
        ["expected one of", "did you mean 'sobol'"],
    ),
    (
        "policy path",
        analysis_yaml() + "policies:\n  - name: a\n    set: {isps.TalkTak.stance: graduated}\n",
        "policies.a.set.isps.TalkTak.stance",
        ["no item named 'TalkTak'", "did you mean 'TalkTalk'"],
    ),
    (
        "policy sets an uncertainty",
        analysis_yaml() + f"policies:\n  - name: a\n    set: {{{P2}: 4}}\n",
        f"policies.a.set.{P2}",
        ["uncertain parameter"],
    ),
    (
        "analysis with a sweep",
        analysis_yaml().replace(
            "  steps: 5\n", "  steps: 5\n  sweep:\n    parameters: {salience.maximum: [1, 2]}\n"
        ),
        "analysis",
        ["cannot be combined with experiment.sweep"],
    ),
    (
        "auto without precision",
        small_yaml().replace("replicates: 2", "replicates: auto"),
        "experiment",
        ["needs a 'precision' section"],
    ),
]


@pytest.mark.parametrize(("case", "text", "path", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_analysis_input_is_a_located_error(write, case, text, path, words):
    file = write("bad.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    err = info.value
    assert err.file == str(file) and err.path == path, str(err)
    lines = file.read_text().splitlines()
    assert err.line is not None, str(err)
    key = path.split(".")[1] if path.startswith("policies.") else path.split(".")[-1]
    assert key in lines[err.line - 1] or path.split(".", 2)[-1] in lines[err.line - 1], (
        err.line,
        lines,
    )
    for word in words:
        assert word in str(err), str(err)


# --------------------------------------------------------------------------- replicates: auto
def test_ci_width_is_the_student_t_interval():
    # n = 4, s = 1: 2 * t(0.975, 3) / 2 = 3.182446 (table value of t(0.975, 3))
    assert ci_width([0.0, 1.0, 2.0, 1.0], 0.95) == pytest.approx(
        2 * 3.182446 * np.std([0, 1, 2, 1], ddof=1) / 2, rel=1e-6
    )
    assert ci_width([5.0, 5.0]) == 0.0 and ci_width([1.0]) == float("inf")


AUTO = """  precision:
    {outcome: final.infringing_share, ci_width: WIDTH, batch: 2, max_replicates: 6}
  sweep:
    parameters:
      rights_bodies.BPI.detection_prob: [0.0, 0.3]
"""


def auto_yaml(width: float) -> str:
    text = small_yaml(replicates=2, steps=6).replace("replicates: 2", "replicates: auto")
    return text.replace("  steps: 6\n", "  steps: 6\n" + AUTO.replace("WIDTH", str(width)))


def test_auto_replicates_stop_per_point_at_the_target_or_the_cap(write, tmp_path):
    # point 0 has the infringing share's sampling noise; point 1 too. A target of 1e-9
    # is met only by a zero-variance outcome, so both run to the cap (6); a target of 1.0
    # (wider than any share's CI) stops both after the first batch (2).
    file = write("auto.yaml", auto_yaml(1e-9))
    scenario = load_scenario(file)
    outcome = run_experiment(scenario, tmp_path)
    manifest = json.loads((outcome.directory / "manifest.json").read_text())
    points = {p["point"]: p for p in manifest["precision"]["points"]}
    assert [points[p]["replicates"] for p in (0, 1)] == [6, 6]
    assert not any(p["reached"] for p in points.values())
    summary = load(outcome.directory).summary
    assert sorted(summary.groupby("point").size()) == [6, 6]
    assert [s.run_id for s in plan(scenario)] == [0, 1, 6, 7]  # point * cap + replicate
    loose = load_scenario(write("loose.yaml", auto_yaml(1.0)))
    out2 = run_experiment(loose, tmp_path / "loose")
    m2 = json.loads((out2.directory / "manifest.json").read_text())
    assert [p["replicates"] for p in m2["precision"]["points"]] == [2, 2]
    assert all(p["reached"] for p in m2["precision"]["points"])
    both = load(out2.directory).summary.merge(summary, on="run_id", suffixes=("", "_cap"))
    assert np.array_equal(both["final.infringing_share"], both["final.infringing_share_cap"])


def test_zero_variance_point_stops_after_one_batch_noisy_one_uses_more(write, tmp_path):
    # total.sanctions with every ISP disconnecting: 0 in every run when detection is 0
    # (zero variance: CI width 0), noisy when detection is 0.5; the target 0.5 sanctions
    # is far below that noise, so the noisy point keeps adding batches.
    isps = "".join(
        f"  - {{name: {n}, stance: disconnect, adaptive: false, principled: false}}\n"
        for n in ("BT", "Virgin Media", "TalkTalk", "Sky", "Tiscali", "Orange", "Others")
    )
    text = auto_yaml(0.5).replace("final.infringing_share", "total.sanctions")
    text = text.replace("[0.0, 0.3]", "[0.0, 0.5]") + "isps:\n" + isps
    # batches of 3: two replicates' sanction counts can tie by chance (~2% here), three
    # all tying is far rarer, and a tie would fake a zero-variance point
    text = text.replace("batch: 2", "batch: 3")
    scenario = load_scenario(write("z.yaml", text))
    outcome = run_experiment(scenario, tmp_path)
    manifest = json.loads((outcome.directory / "manifest.json").read_text())
    points = {p["point"]: p for p in manifest["precision"]["points"]}
    assert points[0]["replicates"] == 3 and points[0]["ci_width"] == 0.0 and points[0]["reached"]
    assert points[1]["replicates"] > 3
    # resuming takes the same decisions and runs nothing new
    again = run_experiment(scenario, tmp_path)
    assert again.skipped == again.total and again.done == 0
    assert (
        json.loads((outcome.directory / "manifest.json").read_text())["precision"]
        == (manifest["precision"])
    )


# --------------------------------------------------------------------------- reading indices
def sobol_rows(rows: list[tuple[str, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["parameter", "S1", "S1_conf", "ST", "ST_conf"])
    frame.insert(0, "outcome", "final.infringing_share")
    frame.insert(0, "policy", "")
    frame.insert(0, "method", "sobol")
    frame["conf_level"] = 0.95
    return frame


def test_index_warnings_flag_wide_intervals_and_indices_outside_0_1():
    from model.analysis import index_warnings

    clean = sobol_rows([(P1, 0.6, 0.05, 0.7, 0.08), (P2, 0.2, 0.04, 0.3, 0.09)])
    assert index_warnings(clean) == []
    wide = sobol_rows([(P1, 0.6, 0.05, 0.7, 0.35), (P2, 0.2, 0.04, 0.3, 0.09)])
    (line,) = index_warnings(wide)
    assert "1 of 4 Sobol indices" in line and f"ST of {P1}" in line and "+/- 0.35" in line
    # 1.5 - 0.3 > 1: outside [0, 1] beyond its CI; -0.2 + 0.3 > 0: not beyond it
    outside = sobol_rows([(P1, -0.2, 0.3, 1.5, 0.3), (P2, 0.2, 0.04, 0.3, 0.09)])
    lines = index_warnings(outside)
    assert len(lines) == 2 and "1 Sobol indices lie outside [0, 1]" in lines[1]
    assert f"ST of {P1}" in lines[1]


def test_convergence_uses_nested_prefixes_of_the_saltelli_design(write):
    from model.analysis import convergence, sensitivity

    scenario = load_scenario(write("c.yaml", analysis_yaml(samples=64)))
    summary = toy_summary(scenario)
    table = convergence(scenario, summary)
    assert sorted(table["N"].unique()) == [8, 16, 32, 64]
    full = table[table["N"] == 64].set_index("parameter")
    direct = indices(scenario, summary).set_index("parameter")
    assert np.allclose(full["ST"], direct["ST"]) and np.allclose(full["S1"], direct["S1"])
    # the N = 16 row is SALib on the first 16 blocks (D + 2 = 4 rows each) of the design
    x, y = analysis_matrix(scenario), summary["final.infringing_share"].to_numpy()
    sixteen = sensitivity(scenario.analysis, x[:64], y[:64], seed=7).set_index("parameter")
    got = table[table["N"] == 16].set_index("parameter")
    assert np.allclose(got["ST"], sixteen["ST"]) and np.allclose(got["ST_conf"], sixteen["ST_conf"])
    # the prefixes are balanced designs: the toy's analytic indices are inside the CIs
    for n, rows in table.groupby("N"):
        for p, exact in EXACT.items():
            r = rows.set_index("parameter").loc[p]
            assert abs(r["ST"] - exact) <= r["ST_conf"] + 1e-3, (n, p)


def test_feature_scores_rank_the_toy_inputs_on_any_sample(write):
    from model.analysis import feature_scores

    scenario = load_scenario(write("f.yaml", analysis_yaml(samples=64)))
    summary = toy_summary(scenario)
    scores = feature_scores(summary, [P1, P2], ["final.infringing_share"], [""], seed=3)
    by = scores.set_index("parameter")["score"]
    assert by.sum() == pytest.approx(1.0)
    # Var shares are V1 / (V1 + V2) = 0.69 and 0.31: the larger term must rank first
    assert by[P1] > by[P2] > 0.05


def test_sobol_bars_and_intervals_are_never_clipped():
    from model.analysis import _sobol_limits

    data = sobol_rows([(P1, -0.4, 0.3, 1.6, 0.5), (P2, 0.2, 0.04, 0.3, 0.09)])
    low, high = _sobol_limits(data)
    assert low <= -0.7 and high >= 2.1
    low, high = _sobol_limits(sobol_rows([(P1, 0.5, 0.05, 0.6, 0.05)]))
    assert low <= 0 and high >= 1  # [0, 1] always shown
