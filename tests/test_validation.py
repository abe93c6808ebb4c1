"""Empirical validation: metric functions on synthetic series, the targets file's errors,
and a fast ``conduit validate`` run (small population, few replicates)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import ScenarioError
from model.scenario import load_scenario
from model.validation import (
    DEFAULT_TARGETS,
    RecoverySpec,
    TargetResult,
    change,
    control,
    load_targets,
    loss,
    mean,
    parse_week,
    persistence,
    ratio,
    recovery,
    resolve_week,
    total,
)

VALIDATION = DEFAULT_TARGETS.parent


def series(**columns: list[float]) -> pd.DataFrame:
    """Weekly outcomes: row i is week i."""
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------- metrics
def test_ratio_sums_the_window_only():
    df = series(a=[100, 1, 2, 3, 100], b=[100, 10, 10, 10, 100])
    assert ratio(df, "a", "b", at=1, weeks=3) == pytest.approx(6 / 30)


def test_ratio_of_nothing_is_nan():
    df = series(a=[0, 0], b=[0, 0])
    assert math.isnan(ratio(df, "a", "b", at=0, weeks=2))


def test_total_sums_the_window():
    df = series(s=[5, 0, 1, 2, 7])
    assert total(df, "s", at=1, weeks=3) == 3


def test_mean_is_the_level_over_the_window_only():
    df = series(s=[9.0, 0.02, 0.04, 0.06, 9.0])
    assert mean(df, "s", at=1, weeks=3) == pytest.approx(0.04)
    with pytest.raises(ValueError, match="outside the run"):
        mean(df, "s", at=3, weeks=3)


def test_change_is_after_over_before_minus_one():
    # 8 weeks at 100, then 4 weeks at 75: a 25% drop
    df = series(x=[100.0] * 8 + [75.0] * 4)
    assert change(df, "x", at=8, before=8, after=4) == pytest.approx(-0.25)


def test_change_of_an_exponentially_decaying_drop():
    # x = 100 - 30 exp(-t/5) after week 10: the mean drop over weeks 0-3 is known exactly
    t = np.arange(4)
    post = 100 - 30 * np.exp(-t / 5)
    df = series(x=[100.0] * 10 + list(post))
    expected = post.mean() / 100 - 1
    assert change(df, "x", at=10, before=10, after=4) == pytest.approx(expected)


def test_persistence_of_a_half_decayed_drop_is_one_half():
    # baseline 100; a 40% drop in weeks 4-5; a 20% drop in weeks 10-11 (6 weeks later)
    x = [100.0] * 4 + [60.0, 60.0] + [100.0] * 4 + [80.0, 80.0]
    df = series(x=x)
    assert persistence(df, "x", at=4, before=4, after=2, later=6) == pytest.approx(0.5)


def test_persistence_is_negative_when_traffic_overshoots():
    x = [100.0] * 4 + [80.0, 80.0] + [100.0] * 4 + [110.0, 110.0]
    assert persistence(series(x=x), "x", at=4, before=4, after=2, later=6) == pytest.approx(-0.5)


def test_persistence_without_an_initial_effect_is_nan():
    x = [100.0] * 12
    assert math.isnan(persistence(series(x=x), "x", at=4, before=4, after=2, later=6))


def test_control_compares_the_window_with_the_counterfactual():
    run = series(y=[1.0, 1.0, 1.2, 1.3, 9.0])
    ctrl = series(y=[1.0, 1.0, 1.0, 1.0, 1.0])
    assert control(run, ctrl, "y", at=2, weeks=2) == pytest.approx(0.25)


def test_window_outside_the_run_is_an_error():
    with pytest.raises(ValueError, match="outside the run"):
        change(series(x=[1.0] * 5), "x", at=2, before=4, after=1)


# --------------------------------------------------------------------------- recovery
def dip(weeks: int, at: int, depth: float, recover_by: int | None) -> list[float]:
    """100 until ``at``, then ``100 * (1 - depth)`` recovering linearly to 100 at week
    ``recover_by`` (then flat); ``recover_by=None``: never recovers."""
    out = []
    for w in range(weeks):
        if w < at:
            out.append(100.0)
        elif recover_by is None:
            out.append(100.0 * (1 - depth))
        else:
            frac = min(1.0, (w - at) / (recover_by - at))
            out.append(100.0 * (1 - depth * (1 - frac)))
    return out


def test_recovery_of_a_linear_return_is_when_the_smoothed_level_is_back_in_the_band():
    # Drop of 20% at week 10, linear back to 100 at week 30: the level at week w is
    # 100 - 20 * (30 - w) / 20 = 70 + w; with smooth=1 it is within 5% (>= 95) from w=25.
    df = series(x=dip(60, at=10, depth=0.2, recover_by=30))
    assert recovery(df, "x", at=10, before=8, within=0.05, smooth=1) == 15.0
    # smooth=4: mean of weeks w..w+3 = 70 + w + 1.5 >= 95 from w = 23.5, so week 24.
    assert recovery(df, "x", at=10, before=8, within=0.05, smooth=4) == 14.0
    # Looser band: within 10% (>= 90) from w = 20 with smooth=1.
    assert recovery(df, "x", at=10, before=8, within=0.10, smooth=1) == 10.0


def test_recovery_never_is_inf_and_no_effect_is_nan():
    flat_drop = series(x=dip(40, at=10, depth=0.2, recover_by=None))
    assert recovery(flat_drop, "x", at=10, before=8, within=0.05) == math.inf
    tiny = series(x=dip(40, at=10, depth=0.02, recover_by=20))
    assert math.isnan(recovery(tiny, "x", at=10, before=8, within=0.05))
    zero = series(x=[0.0] * 10 + [5.0] * 30)
    assert math.isnan(recovery(zero, "x", at=10, before=8, within=0.05))


def test_recovery_counts_an_overshoot_as_recovered_and_reads_rises_too():
    overshoot = series(x=[100.0] * 10 + [70.0] * 5 + [130.0] * 20)
    assert recovery(overshoot, "x", at=10, before=8, within=0.05, smooth=1) == 5.0
    rise = series(x=[100.0] * 10 + [150.0] * 6 + [80.0] * 20)
    assert recovery(rise, "x", at=10, before=8, within=0.05, smooth=1) == 6.0


def test_recovery_baseline_is_the_mean_of_the_weeks_before_only():
    # Weeks 0-1 are 1000 (outside an 8-week baseline of weeks 2-9, which is 100).
    df = series(x=[1000.0, 1000.0] + [100.0] * 8 + [50.0] * 3 + [96.0] * 10)
    assert recovery(df, "x", at=10, before=8, within=0.05, smooth=1) == 3.0
    with pytest.raises(ValueError, match="outside the run"):
        recovery(df, "x", at=10, before=11, within=0.05)


def test_recovery_median_over_runs_puts_never_after_any_week():
    spec = RecoverySpec(metric="recovery", column="x", at=10, before=8, within=0.05)
    t = load_targets().targets[0].model_copy(update={"compute": spec, "band": (10.0, 30.0)})
    runs = np.array([12.0, math.inf, math.inf, 20.0, math.nan])
    result = TargetResult(t, runs)
    assert result.median == math.inf  # 2 of 4 runs with an effect never recover
    assert result.high == math.inf and result.low == 12.0
    assert not result.passed
    assert TargetResult(t, np.array([12.0, 14.0, math.inf])).median == 14.0


# --------------------------------------------------------------------------- weeks
@pytest.mark.parametrize(
    ("text", "path", "offset"),
    [
        ("regulator.schedule.law_week", "regulator.schedule.law_week", 0),
        ("regulator.schedule.law_week + 12", "regulator.schedule.law_week", 12),
        ("regulator.schedule.law_week-4", "regulator.schedule.law_week", -4),
        (
            "rights_bodies.Rights holders (TMG).start_week + 3",
            "rights_bodies.Rights holders (TMG).start_week",
            3,
        ),
        ("isps.T-Mobile.start_week", "isps.T-Mobile.start_week", 0),
    ],
)
def test_parse_week(text, path, offset):
    week = parse_week(text)
    assert (week.path, week.offset) == (path, offset)


def test_a_week_relative_to_a_parameter_follows_the_scenario_and_its_overrides():
    file = VALIDATION / "sweden-ipred-2009.yaml"
    scenario = load_scenario(file)
    law = scenario.regulator.schedule.law_week
    assert resolve_week("regulator.schedule.law_week + 12", scenario) == law + 12
    assert resolve_week("regulator.schedule.law_week - 5", scenario) == law - 5
    moved = load_scenario(file, overrides={"regulator.schedule.law_week": 30})
    assert resolve_week("regulator.schedule.law_week + 12", moved) == 42
    assert resolve_week(7, moved) == 7


@pytest.mark.parametrize(
    ("at", "overrides", "words"),
    [
        (
            "regulator.schedule.law_wek + 12",
            {},
            ["not a parameter", "did you mean 'regulator.schedule.law_week'"],
        ),
        (
            "regulator.schedule.law_week + 12",
            {"regulator.schedule.law_week": None},
            ["not a week", "null"],
        ),
        ("population.risk.notice_jump", {}, ["not a week", "its value is 0."]),
        ("regulator.schedule.law_week - 100", {}, ["before the run's start"]),
    ],
    ids=["unknown path", "null", "not a whole number", "before week 0"],
)
def test_a_week_that_does_not_resolve_is_an_error(at, overrides, words):
    scenario = load_scenario(VALIDATION / "sweden-ipred-2009.yaml", overrides=overrides)
    with pytest.raises(ScenarioError) as info:
        resolve_week(at, scenario)
    for word in words:
        assert word in str(info.value)


def test_pass_and_loss_follow_the_band():
    targets = load_targets()
    t = targets.targets[0]  # HADOPI second / first, band [0.04, 0.12]
    inside = TargetResult(t, np.array([0.07, 0.08, 0.09]))
    below = TargetResult(t, np.array([0.0, 0.0, 0.0]))
    assert inside.passed and not below.passed
    assert below.miss() == pytest.approx(0.04 / 0.08)
    assert loss([inside]) < loss([below])
    assert TargetResult(t, np.array([math.nan])).passed is False


# --------------------------------------------------------------------------- the targets file
def test_shipped_targets_load_and_cite_their_sources():
    targets = load_targets()
    assert len(targets.targets) >= 7
    for t in targets.targets:
        assert t.source and t.note, t.name
        assert targets.scenario_path(t).exists()


GOOD = """targets:
  - name: funnel
    scenario: {scenario}
    outcome: second / first
    compute:
      metric: ratio
      numerator: warnings_level_2
      denominator: warnings_level_1
      at: {at}
      weeks: 10
    band: {band}
    source: test
    firmness: E
"""


def targets_text(scenario: str = "", at: str = "100", band: str = "[0.04, 0.12]") -> str:
    return GOOD.format(
        scenario=scenario or str(VALIDATION / "france-hadopi-2010.yaml"), at=at, band=band
    )


@pytest.mark.parametrize(
    ("text", "line", "path", "words"),
    [
        (
            targets_text().replace("    firmness: E\n", "    firmness: E\n    colour: red\n"),
            14,
            "targets.funnel.colour",
            ["unknown key 'colour'"],
        ),
        (
            targets_text().replace("metric: ratio", "metric: median"),
            6,
            "targets.funnel.compute.metric",
            ["unknown metric 'median'"],
        ),
        (targets_text(band="[0.2, 0.1]"), 11, "targets.funnel.band", ["above high"]),
        (
            targets_text().replace("      weeks: 10\n", ""),
            5,
            "targets.funnel.compute.weeks",
            ["'weeks' is missing"],
        ),
        (
            targets_text(at="regulator.schedule.law_wek"),
            9,
            "targets.funnel.compute.at",
            ["not a parameter of the scenario", "did you mean 'regulator.schedule.law_week'"],
        ),
        (
            targets_text(scenario="missing.yaml"),
            3,
            "targets.funnel.scenario",
            ["missing.yaml", "file not found"],
        ),
    ],
    ids=[
        "unknown key",
        "unknown metric",
        "band order",
        "missing key",
        "bad week path",
        "missing scenario",
    ],
)
def test_bad_targets_give_located_errors(write, text, line, path, words):
    file = write("targets.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_targets(file)
    err = info.value
    assert err.file == str(file)
    assert err.line == line
    assert err.path == path
    for word in words:
        assert word in str(err)


def test_a_relative_week_in_a_targets_file_loads_and_bad_ones_are_located(write):
    targets = load_targets(write("t.yaml", targets_text(at="regulator.schedule.law_week + 12")))
    assert targets.targets[0].compute.at == "regulator.schedule.law_week + 12"
    with pytest.raises(ScenarioError) as info:
        sweden = str(VALIDATION / "sweden-ipred-2009.yaml")  # no bill_week
        load_targets(write("u.yaml", targets_text(sweden, at="regulator.schedule.bill_week + 1")))
    assert (info.value.line, info.value.path) == (9, "targets.funnel.compute.at")
    assert "null" in str(info.value)


def test_conduit_validate_exits_2_when_an_override_removes_a_targets_week(write, tmp_path):
    """The week resolves in the file's scenario, but not once --set removes the law."""
    from model.cli import app

    file = write("targets.yaml", FAILING.format(scenario=VALIDATION / "sweden-ipred-2009.yaml"))
    result = CliRunner().invoke(
        app,
        ["validate", str(file), "--set", "regulator.schedule.law_week=null", "--replicates", "1",
         "--workers", "1", "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "targets.impossible-drop.compute.at" in result.output
    assert "null" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_good_targets_file_loads(write):
    targets = load_targets(write("targets.yaml", targets_text(at="regulator.schedule.law_week")))
    assert targets.targets[0].compute.at == "regulator.schedule.law_week"


# --------------------------------------------------------------------------- conduit validate
def test_conduit_validate_fast(tmp_path: Path):
    """The shipped targets pass at a small population; the table and figures are written."""
    from model.cli import app

    out = tmp_path / "validation"
    result = CliRunner().invoke(
        app,
        ["validate", "--replicates", "3", "--subscribers", "20000", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "validation.csv")
    targets = load_targets()
    assert list(table["target"]) == [t.name for t in targets.targets]
    known = {t.name for t in targets.targets if t.known_failure}
    status = dict(zip(table["target"], table["pass"], strict=True))
    assert {n for n, v in status.items() if v != "pass"} <= known
    assert all(status[n] == "pass" for n in status if n not in known)
    for t in targets.targets:
        assert (out / f"{t.name}.png").stat().st_size > 1000
    assert "hadopi-second-over-first" in result.output


def test_conduit_validate_bad_targets_exit_2(write):
    from model.cli import app

    file = write("targets.yaml", targets_text(band="[0.2, 0.1]"))
    result = CliRunner().invoke(app, ["validate", str(file)])
    assert result.exit_code == 2
    assert "above high" in result.output


FAILING = """targets:
  - name: impossible-drop
    scenario: {scenario}
    outcome: P2P traffic rises tenfold after IPRED
    compute: {{metric: change, column: p2p_traffic, at: regulator.schedule.law_week,
              before: 8, after: 4}}
    band: [9, 10]
    source: none (a target built to fail)
    firmness: D
"""


def test_conduit_validate_exits_1_when_a_target_fails(write, tmp_path: Path):
    from model.cli import app

    file = write("targets.yaml", FAILING.format(scenario=VALIDATION / "sweden-ipred-2009.yaml"))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "validate",
            str(file),
            "--replicates",
            "1",
            "--subscribers",
            "2000",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "1 of 1 targets failed: impossible-drop" in result.output
    assert pd.read_csv(out / "validation.csv")["pass"].tolist() == ["FAIL"]
