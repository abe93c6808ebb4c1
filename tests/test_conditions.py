"""Event metrics of validation targets (model/conditions.py) on synthetic series with known
answers, their aggregation over runs, and their errors in a targets file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model import ScenarioError
from model.conditions import Condition, event_week, held_by, parse_clause, wilson
from model.validation import DEFAULT_TARGETS, Target, TargetResult, load_targets

VALIDATION = DEFAULT_TARGETS.parent


def run(**columns: list) -> pd.DataFrame:
    """Weekly outcomes: row i is week i."""
    return pd.DataFrame(columns)


SYNTHETIC = run(
    legislative_stage=[0, 1, 1, 2, 3, 3],
    sanctions=[0, 0, 0, 0, 0, 2],
    law_in_force=[0, 0, 0, 0, 0, 1],
    **{
        "stance.Virgin Media": ["refuse", "forward", "forward", "graduated", "refuse", "refuse"],
        "stance.BT": ["refuse", "refuse", "refuse", "forward", "forward", "disconnect"],
    },
)


def cond(value: object) -> Condition:
    return Condition.model_validate(value)


# --------------------------------------------------------------------------- clauses
def test_clauses_parse_numbers_stances_and_names_with_spaces():
    assert parse_clause("legislative_stage >= 3").value == 3.0
    clause = parse_clause("stance.Virgin Media polices")
    assert (clause.column, clause.test) == ("stance.Virgin Media", "polices")
    for bad, words in [
        ("legislative_stage >= three", "not a number"),
        ("legislative_stage is high", "expected"),
        ("sanctions polices", "stance column"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_clause(bad)


def test_event_week_is_the_first_week_the_condition_holds():
    assert event_week(SYNTHETIC, cond("legislative_stage >= 3")) == 4
    assert event_week(SYNTHETIC, cond("stance.Virgin Media polices")) == 1
    assert event_week(SYNTHETIC, cond("stance.Virgin Media sanctions")) == 3
    both = cond({"all": ["stance.BT polices", "stance.Virgin Media polices"]})
    assert event_week(SYNTHETIC, both) == 3
    either = cond({"any": ["stance.BT polices", "stance.Virgin Media polices"]})
    assert event_week(SYNTHETIC, either) == 1
    voluntary = cond({"all": ["stance.BT sanctions", "law_in_force == 0"]})
    assert event_week(SYNTHETIC, voluntary) == math.inf  # BT sanctions only under the law
    assert event_week(SYNTHETIC, cond("sanctions > 5")) == math.inf


def test_held_by_counts_the_week_itself_and_can_be_negated():
    law = cond("legislative_stage >= 3")
    assert held_by(SYNTHETIC, law, 3) == 0.0 and held_by(SYNTHETIC, law, 4) == 1.0
    assert held_by(SYNTHETIC, law, 3, holds=False) == 1.0
    assert held_by(SYNTHETIC, law, 5, holds=False) == 0.0
    with pytest.raises(ValueError, match="outside the run"):
        held_by(SYNTHETIC, law, 6)


def test_a_condition_is_one_clause_or_exactly_one_list():
    with pytest.raises(ValueError, match="exactly one"):
        cond({"all": ["sanctions > 0"], "any": ["sanctions > 0"]})
    with pytest.raises(ValueError):
        cond({"all": []})


# --------------------------------------------------------------------------- over runs
def test_wilson_interval_of_known_shares():
    lo, hi = wilson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(1 / (1 + 1.6449**2 / 10), rel=1e-6)
    lo, hi = wilson(5, 10)
    assert lo < 0.5 < hi and 0.5 - lo == pytest.approx(hi - 0.5)
    assert math.isnan(wilson(0, 0)[0])


def target(compute: dict, band: tuple[float, float]) -> Target:
    return Target.model_validate(
        {
            "name": "t",
            "scenario": "x.yaml",
            "outcome": "o",
            "compute": compute,
            "band": band,
            "source": "s",
            "firmness": "A",
        }
    )


def test_share_of_runs_is_the_mean_and_event_week_the_median_with_never_last():
    share = target(
        {"metric": "share_of_runs", "when": "sanctions > 0", "by": 259, "holds": False},
        (0.9, 1.0),
    )
    nine_of_ten = TargetResult(share, np.array([1.0] * 9 + [0.0]))
    assert nine_of_ten.median == pytest.approx(0.9) and nine_of_ten.passed
    assert nine_of_ten.low < 0.9 < nine_of_ten.high <= 1.0
    assert not TargetResult(share, np.array([1.0] * 8 + [0.0] * 2)).passed
    week = target({"metric": "event_week", "when": "legislative_stage >= 3"}, (60, 130))
    assert TargetResult(week, np.array([70.0, 90.0, math.inf])).median == 90.0
    late = TargetResult(week, np.array([70.0, math.inf, math.inf]))
    assert late.median == math.inf and not late.passed and late.high == math.inf


# --------------------------------------------------------------------------- targets file
EVENT = """targets:
  - name: law
    scenario: {scenario}
    outcome: the law
    compute:
      metric: event_week
      when: {when}
    band: [60, 130]
    source: test
    firmness: E
"""


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("legislative_stag >= 3", ["unknown outcome column 'legislative_stag'"]),
        ("legislative_stage >= many", ["not a number"]),
        ("'stance.Nobody polices'", ["unknown outcome column 'stance.Nobody'"]),
    ],
)
def test_bad_conditions_give_located_errors(write, when, words):
    scenario = VALIDATION.parent / "uk-2008-bpi-vs-talktalk.yaml"
    file = write("targets.yaml", EVENT.format(scenario=scenario, when=when))
    with pytest.raises(ScenarioError) as info:
        load_targets(file)
    err = info.value
    assert err.file == str(file) and err.line is not None
    assert err.path.startswith("targets.law.compute")
    for word in words:
        assert word in str(err)
