"""Policy comparison: common random numbers in the design, regret, paired intervals, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import load_scenario
from model.cli import app
from model.experiment import plan
from model.policies import long_values, paired, regrets, table
from model.results import load
from model.scenario import OutcomeSpec
from tests.conftest import small_yaml

POLICIES = """policies:
  - name: status-quo
  - name: all-graduated
    set: {isps.BT.stance: graduated, isps.TalkTalk.stance: graduated}
  - name: legal
    set: {rights_bodies.BPI.legal_service.launch_week: 2}
"""
SWEEP = """  sweep:
    parameters:
      rights_bodies.BPI.detection_prob: [0.01, 0.05]
"""


def policy_yaml(replicates: int = 2) -> str:
    text = small_yaml(replicates=replicates, steps=12)
    return text.replace("  steps: 12\n", "  steps: 12\n" + SWEEP) + POLICIES


def test_policies_share_seeds_within_a_world_and_plain_sweeps_keep_theirs(write):
    scenario = load_scenario(write("p.yaml", policy_yaml()))
    specs = plan(scenario)
    assert len(specs) == 3 * 2 * 2  # policies x worlds x replicates
    assert [s.run_id for s in specs] == list(range(12))
    by_key: dict[tuple[int, int], set] = {}
    for s in specs:
        assert s.point == s.policy * 2 + s.world
        by_key.setdefault((s.world, s.replicate), set()).add(s.seed_record()["spawn_key"][0])
        assert s.seed_record()["spawn_key"] == [s.world, s.replicate]
    assert all(len(seeds) == 1 for seeds in by_key.values())
    # without policies: run_id = point * R + replicate, seed (point, replicate), as before
    plain = plan(load_scenario(write("s.yaml", policy_yaml().split("policies:")[0])))
    assert [(s.run_id, s.seed_record()["spawn_key"]) for s in plain] == [
        (0, [0, 0]),
        (1, [0, 1]),
        (2, [1, 0]),
        (3, [1, 1]),
    ]


def test_policy_overrides_reach_the_model_and_the_results_layout(write, tmp_path):
    file = write("p.yaml", policy_yaml(replicates=1))
    result = CliRunner().invoke(
        app, ["run", str(file), "--out", str(tmp_path), "--no-plots", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    directory = tmp_path / "small"
    res = load(directory)
    s = res.summary
    assert list(s.columns[:5]) == ["run_id", "point", "replicate", "world", "policy"]
    assert list(s["policy"]) == ["status-quo"] * 2 + ["all-graduated"] * 2 + ["legal"] * 2
    ts = res.timeseries
    stance = ts[ts["week"] == 0].set_index("policy")["stance.BT"]
    assert stance["all-graduated"].iloc[0] == "graduated"
    assert set(stance["status-quo"]) == {"forward"}  # the MoU's letters from week 0
    assert s.set_index("policy").loc["legal", "final.legal_share"].min() > 0
    assert s.set_index("policy").loc["status-quo", "final.legal_share"].max() == 0
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["policies"] == ["status-quo", "all-graduated", "legal"]
    assert {r["policy"] for r in res.manifest["runs"]} == set(manifest["policies"])
    # compare-policies: tables and figure; regret 0 for the best policy in every world
    out = CliRunner().invoke(app, ["compare-policies", str(directory), "--no-svg"])
    assert out.exit_code == 0, out.output + out.stderr
    comparison = pd.read_csv(directory / "policies" / "comparison.csv")
    assert set(comparison["policy"]) == set(manifest["policies"])
    assert (directory / "policies" / "comparison.png").stat().st_size > 0
    # a person reads shares in percent: the printed median is the CSV's fraction x 100
    assert "final.infringing_share (%)" in out.stdout
    row = comparison.query("outcome == 'final.infringing_share' and policy == 'status-quo'")
    assert f"{100 * row['median'].iloc[0]:.3g}" in out.stdout
    values = long_values(s, ["final.infringing_share"], scale=1.0)
    worst = regrets(values, {"final.infringing_share": "minimise"})
    assert (worst.groupby(["world", "replicate"])["regret"].min() == 0.0).all()


def synthetic(values: dict[str, list[float]]) -> pd.DataFrame:
    """Long values of one outcome: policy -> value in worlds 0..n-1 (replicate 0)."""
    rows = [
        {"outcome": "final.infringing_share", "policy": p, "world": w, "replicate": 0, "value": v}
        for p, vs in values.items()
        for w, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def test_regret_is_zero_for_the_best_policy_in_each_world():
    rng = np.random.default_rng(3)
    data = synthetic({p: list(rng.uniform(0, 1, 50)) for p in ("a", "b", "c")})
    for goal, pick in (("minimise", np.argmin), ("maximise", np.argmax)):
        out = regrets(data, {"final.infringing_share": goal})
        wide = out.pivot(index="world", columns="policy", values="regret")[["a", "b", "c"]]
        values = out.pivot(index="world", columns="policy", values="value")[["a", "b", "c"]]
        best = pick(values.to_numpy(), axis=1)
        assert (wide.to_numpy()[np.arange(50), best] == 0.0).all()
        assert (wide.to_numpy() >= 0).all() and (wide.to_numpy() > 0).sum() == 100
        spread = values.max(axis=1) - values.min(axis=1)
        assert np.allclose(wide.max(axis=1), spread)  # the worst policy's regret


def test_table_counts_wins_and_summarises_regret():
    data = synthetic({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 5.0, 5.0]})
    spec = OutcomeSpec(name="final.infringing_share")  # minimise
    t = table(data, [spec], ["a", "b"]).set_index("policy")
    assert t.at["a", "best_share"] == 0.75 and t.at["b", "best_share"] == 0.25
    assert t.at["a", "regret_max"] == 1.0 and t.at["b", "regret_max"] == 2.0
    assert t.at["b", "median"] == 3.5


def test_paired_interval_is_narrower_when_worlds_are_correlated():
    # b = a + 0.1 + small noise: the world effect (sd 1) cancels in paired differences
    rng = np.random.default_rng(5)
    a = rng.normal(0, 1, 40)
    b = a + 0.1 + rng.normal(0, 0.01, 40)
    d = paired(synthetic({"a": list(a), "b": list(b)}), ["a", "b"]).iloc[0]
    assert d["mean_diff"] == pytest.approx(np.mean(b - a))
    from scipy import stats

    half = stats.t.ppf(0.975, 39) * np.std(b - a, ddof=1) / np.sqrt(40)
    assert d["paired_high"] - d["paired_low"] == pytest.approx(2 * half)
    assert d["paired_low"] > 0  # the small effect is detected
    assert d["unpaired_low"] < 0 < d["unpaired_high"]  # and lost without pairing
    assert d["width_ratio"] > 10


def test_long_values_keep_only_worlds_every_policy_finished():
    summary = pd.DataFrame(
        {
            "run_id": [0, 1, 2, 3],
            "point": [0, 1, 2, 3],
            "replicate": [0, 0, 0, 0],
            "world": [0, 1, 0, 1],
            "policy": ["a", "a", "b", "b"],
            "total.sanctions": [1.0, 2.0, 3.0, np.nan],
        }
    ).drop(index=3)
    out = long_values(summary, ["total.sanctions"], scale=10.0)
    assert list(out["world"]) == [0, 0] and list(out["value"]) == [10.0, 30.0]


def test_robustness_metrics_follow_their_definitions():
    from model.policies import robustness

    v = np.arange(1.0, 11.0)  # 1..10: mean 5.5, population sd sqrt(8.25)
    low = robustness(v, "minimise", threshold=3.0)
    assert low["satisficing"] == pytest.approx(0.3)  # 1, 2, 3 meet <= 3
    assert low["p10"] == pytest.approx(1.9) and low["p90"] == pytest.approx(9.1)
    assert low["signal_to_noise"] == pytest.approx(5.5 * np.sqrt(8.25))
    high = robustness(v, "maximise", threshold=8.0)
    assert high["satisficing"] == pytest.approx(0.3)  # 8, 9, 10 meet >= 8
    assert high["signal_to_noise"] == pytest.approx(5.5 / np.sqrt(8.25))
    assert np.isnan(robustness(v, "minimise")["satisficing"])
