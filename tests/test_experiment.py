"""Sweep designs, per-run seeds, the worker function, and executor independence."""

from __future__ import annotations

import numpy as np
import pytest

from model import load_scenario
from model.experiment import (
    RunSpec,
    check_scheduler,
    count_runs,
    design,
    plan,
    run_experiment,
    run_one,
    run_table,
    scenario_for,
)
from model.results import TIMESERIES, run_file
from tests.conftest import small_yaml


def sweep_yaml(body: str, replicates: int = 2, steps: int = 20) -> str:
    return small_yaml(replicates=replicates, steps=steps).replace(
        f"  steps: {steps}\n", f"  steps: {steps}\n  sweep:\n" + body
    )


GRID = """    method: grid
    parameters:
      rights_bodies.BPI.detection_prob: [0.0, 0.05]
      isps.TalkTalk.stance: [refuse, disconnect, graduated]
"""
LHS = """    method: lhs
    samples: 10
    parameters:
      rights_bodies.BPI.detection_prob: {low: 0.0, high: 0.1}
      salience.decay_weeks: {low: 1, high: 21}
      population.subscribers: {low: 1000, high: 3000}
"""
SOBOL = """    method: sobol
    samples: 8
    parameters:
      rights_bodies.BPI.detection_prob: {low: 0.0, high: 0.1}
      salience.decay_weeks: {low: 1, high: 21}
      population.risk.notice_jump: {low: 0.1, high: 0.9}
"""


def test_no_sweep_is_one_empty_point(write):
    assert design(load_scenario(write("s.yaml", small_yaml()))) == [{}]


def test_grid_is_every_combination_first_parameter_slowest(write):
    points = design(load_scenario(write("s.yaml", sweep_yaml(GRID))))
    assert len(points) == 6
    assert points[0] == {"rights_bodies.BPI.detection_prob": 0.0, "isps.TalkTalk.stance": "refuse"}
    assert [p["rights_bodies.BPI.detection_prob"] for p in points] == [0.0] * 3 + [0.05] * 3
    assert [p["isps.TalkTalk.stance"] for p in points[:3]] == ["refuse", "disconnect", "graduated"]


def test_lhs_puts_one_point_in_each_stratum_of_every_range(write):
    scenario = load_scenario(write("s.yaml", sweep_yaml(LHS)))
    points = design(scenario)
    assert len(points) == 10
    for path, (low, high) in {
        "rights_bodies.BPI.detection_prob": (0.0, 0.1),
        "salience.decay_weeks": (1.0, 21.0),
    }.items():
        values = np.array([p[path] for p in points])
        strata = np.floor((values - low) / (high - low) * 10).astype(int)
        assert sorted(strata) == list(range(10)), path
    subscribers = [p["population.subscribers"] for p in points]
    assert all(isinstance(v, int) and 1000 <= v <= 3000 for v in subscribers)
    assert design(scenario) == points  # seeded by experiment.seed


def test_sobol_gives_n_times_2d_plus_2_points_within_ranges(write):
    points = design(load_scenario(write("s.yaml", sweep_yaml(SOBOL))))
    assert len(points) == 8 * (2 * 3 + 2)
    values = np.array([p["population.risk.notice_jump"] for p in points])
    assert values.min() >= 0.1 and values.max() <= 0.9


def test_run_ids_points_replicates_and_seeds(write):
    specs = plan(load_scenario(write("s.yaml", sweep_yaml(GRID, replicates=3))))
    assert [s.run_id for s in specs] == list(range(18))
    assert all(s.run_id == s.point * 3 + s.replicate for s in specs)
    seq = specs[7].seed_sequence()
    assert (seq.entropy, seq.spawn_key) == (7, (2, 1))
    states = {tuple(s.seed_sequence().generate_state(4)) for s in specs}
    assert len(states) == 18  # every run has its own stream


def test_a_single_run_reproduces_alone(write):
    scenario = load_scenario(write("s.yaml", sweep_yaml(GRID, replicates=2)))
    spec = plan(scenario)[5]
    alone = RunSpec(5, 2, 1, dict(spec.params), 7, 20)
    a = run_table(scenario.to_dict(), spec)
    b = run_table(scenario.to_dict(), alone)
    assert a.equals(b)
    assert list(a.columns[:5]) == [
        "run_id",
        "point",
        "replicate",
        "rights_bodies.BPI.detection_prob",
        "isps.TalkTalk.stance",
    ]
    assert (a["run_id"] == 5).all() and (a["isps.TalkTalk.stance"] == "graduated").all()


def test_sweep_values_reach_the_model(write):
    scenario = load_scenario(write("s.yaml", sweep_yaml(GRID)))
    base = scenario.to_dict()
    applied = scenario_for(base, {"isps.TalkTalk.stance": "graduated"})
    assert applied.isp("TalkTalk").stance == "graduated"
    assert scenario.isp("TalkTalk").stance == "refuse"  # the base is not modified
    specs = plan(scenario)
    quiet = run_table(base, specs[0])  # detection_prob 0.0
    watched = run_table(base, specs[6])  # detection_prob 0.05
    assert quiet["notices_sent"].sum() == 0
    assert watched["notices_sent"].sum() > 0


def test_a_failing_run_is_reported_not_raised(write):
    scenario = load_scenario(write("s.yaml", small_yaml()))
    spec = RunSpec(0, 0, 0, {"population.subscribers": -5}, 7, 20)
    result = run_one(scenario.to_dict(), spec)
    assert result.data is None and result.run_id == 0
    assert "ValidationError" in result.error


@pytest.mark.slow
def test_results_do_not_depend_on_the_number_of_workers(write, tmp_path):
    scenario = load_scenario(write("s.yaml", sweep_yaml(GRID.replace(", graduated", ""))))
    one = run_experiment(scenario, tmp_path / "one", workers=1)
    two = run_experiment(scenario, tmp_path / "two", workers=2)
    assert one.done == two.done == 8
    for name in (TIMESERIES, "summary.csv"):
        assert (one.directory / name).read_bytes() == (two.directory / name).read_bytes()
    assert run_file(one.directory, 7).read_bytes() == run_file(two.directory, 7).read_bytes()


@pytest.mark.slow
def test_dask_cluster_gives_the_same_results_as_local_processes(write, tmp_path):
    distributed = pytest.importorskip("distributed")
    scenario = load_scenario(write("s.yaml", small_yaml(replicates=3)))
    local = run_experiment(scenario, tmp_path / "local", workers=1)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_experiment(scenario, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert remote.done == 3 and not remote.failed
    for name in (TIMESERIES, "summary.csv"):
        assert (local.directory / name).read_bytes() == (remote.directory / name).read_bytes()


@pytest.mark.parametrize(
    "experiment",
    [
        "  replicates: 3\n",
        "  replicates: 2\n  sweep:\n    parameters:\n      isps.BT.price: [1, 2, 3]\n"
        "      salience.maximum: [0.5, 0.9]\n",
        "  replicates: 2\n  sweep:\n    method: lhs\n    samples: 5\n    parameters:\n"
        "      salience.maximum: {low: 0.5, high: 0.9}\n",
        "  replicates: 1\n  sweep:\n    method: sobol\n    samples: 4\n    parameters:\n"
        "      salience.maximum: {low: 0.5, high: 0.9}\n      isps.BT.price: {low: 5, high: 9}\n",
    ],
    ids=["no sweep", "grid", "lhs", "sobol"],
)
def test_count_runs_counts_the_plan_without_building_it(write, experiment):
    text = small_yaml().replace("  replicates: 2\n", experiment)
    scenario = load_scenario(write("s.yaml", text))
    assert count_runs(scenario) == len(plan(scenario))


def test_count_runs_of_analyses_and_policies():
    from model.cli.common import load_or_fail
    from tests.conftest import ROOT

    scenario = load_or_fail(ROOT / "scenarios" / "analysis" / "uk-policy-robustness.yaml")
    assert count_runs(scenario) == len(plan(scenario)) * (
        scenario.experiment.replicate_slots // scenario.experiment.first_replicates
    )


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("tcp://10.0.0.1:8786", True),
        ("tls://sched.example.org:8786", True),
        ("127.0.0.1:8786", True),
        ("garbage", False),
        ("tcp://host", False),
        ("tcp://host:99999", False),
        ("http://host:8786", False),
    ],
)
def test_scheduler_addresses_are_checked_before_connecting(address, ok):
    if ok:
        check_scheduler(address)
    else:
        with pytest.raises(ValueError, match="not a Dask scheduler address"):
            check_scheduler(address)
