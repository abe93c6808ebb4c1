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
from model.validation import (
    DEFAULT_TARGETS,
    TargetResult,
    change,
    control,
    load_targets,
    loss,
    mean,
    persistence,
    ratio,
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
            ["not a week of the scenario", "no such parameter"],
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
