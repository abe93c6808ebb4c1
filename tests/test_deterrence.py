"""Deterrence that scales with what people see (ODD 7.15 severity, 7.16 learning)."""

from __future__ import annotations

import math
from itertools import pairwise
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from model import ScenarioError, load_scenario
from model.agents.regime import make_regime
from model.cli import app
from model.deterrence import learn_enforcement, severity_factor, suspension_weeks
from model.params import Risk
from model.policy_model import PolicyModel
from tests.conftest import ROOT, small_yaml
from tests.test_isp import SHARERS, build, run

RISK = Risk()


# --------------------------------------------------------------------------- severity
def test_severity_is_one_at_the_reference_and_zero_without_a_sanction():
    assert severity_factor("suspension", RISK.reference_suspension_weeks, 0.0, RISK) == 1.0
    fine = RISK.reference_suspension_weeks * RISK.fine_per_suspension_week
    assert severity_factor("fine", 0, fine, RISK) == pytest.approx(1.0)
    assert severity_factor("none", 4, 0.0, RISK) == 0.0
    assert severity_factor("fine", 4, 0.0, RISK) == 0.0


@pytest.mark.parametrize("kind", ["suspension", "throttle", "fine"])
def test_severity_is_monotone_in_length_and_amount(kind):
    sizes = [1, 2, 4, 8, 26, 52] if kind != "fine" else [50, 300, 1290, 5000, 7500]
    factors = [
        severity_factor(kind, s if kind != "fine" else 4, s if kind == "fine" else 0, RISK)
        for s in sizes
    ]
    assert all(b > a for a, b in pairwise(factors))


def test_severity_scale_is_weeks_of_suspension():
    assert suspension_weeks("throttle", 8, 0.0, RISK) == 8 * RISK.throttle_weight
    assert suspension_weeks("fine", 0, 640.0, RISK) == 640.0 / RISK.fine_per_suspension_week
    # elasticity: doubling the sanction multiplies the factor by 2 ** elasticity
    ratio = severity_factor("suspension", 8, 0, RISK) / severity_factor("suspension", 4, 0, RISK)
    assert ratio == pytest.approx(2**RISK.severity_elasticity)


@pytest.mark.parametrize("stance", ["graduated", "disconnect"])
def test_penalty_at_the_reference_is_the_stance_penalty_and_grows_with_severity(stance):
    ref = make_regime(stance, 2, "suspension", 4).penalty(RISK)
    assert ref == pytest.approx(getattr(RISK, f"penalty_{stance}"))
    penalties = [make_regime(stance, 2, "suspension", w).penalty(RISK) for w in (1, 4, 12, 52)]
    assert all(b > a for a, b in pairwise(penalties))
    # a sanction, however mild, deters at least as much as letters alone
    tiny = make_regime(stance, 2, "fine", 4, fine=1.0).penalty(RISK)
    assert RISK.penalty_forward < tiny < ref


def test_calibrated_scenarios_keep_their_penalty():
    """HADOPI's law (4-week suspension) is at the reference: penalty_graduated exactly."""
    s = load_scenario(ROOT / "scenarios" / "validation" / "france-hadopi-2010.yaml")
    reg = s.regulator
    regime = make_regime(
        reg.mandated_regime, reg.law_warning_levels, reg.law_sanction, reg.law_sanction_weeks
    )
    assert regime.penalty(s.population.risk) == s.population.risk.penalty_graduated


# --------------------------------------------------------------------------- fine, end to end
FINE = 600.0


def test_fine_is_counted_and_applied_without_due_process():
    m = build({"stance": "disconnect", "sanction": "fine", "sanction_fine": FINE})
    df = run(m, 6)
    assert (df.sanctions == SHARERS).all()  # a fine does not stop anyone sharing
    assert (df.fines == df.sanctions * FINE * m.scale).all()
    assert (df.suspended_share == 0).all() and (df.throttled_share == 0).all()
    # the fined subscribers' own risk is 1, then this week's fading
    decay = math.exp(-1.0 / m.params.population.risk.decay_weeks)
    assert np.allclose(m.accounts.risk[:SHARERS], decay, rtol=1e-6)
    assert (df[f"penalty.{m.isps[0].name}"] < m.params.population.risk.penalty_disconnect).all()


def test_fine_goes_through_the_tribunal_under_due_process():
    delay = 3
    regulator = {"due_process": True, "review_delay_weeks": delay, "uphold_rate": 1.0}
    m = build(
        {"stance": "disconnect", "sanction": "fine", "sanction_fine": FINE}, regulator=regulator
    )
    df = run(m, 8)
    assert (df.sanction_cases == SHARERS).all()
    assert (df.sanctions[:delay] == 0).all() and (df.fines[:delay] == 0).all()
    after = df.iloc[delay:]
    assert (after.cases_reviewed == SHARERS).all() and (after.sanctions == SHARERS).all()
    assert (after.fines == SHARERS * FINE * m.scale).all()


def test_a_law_can_fine():
    s = load_scenario(
        data={
            "isps": [{"name": "A", "market_share": 1.0}],
            "regulator": {"law_sanction": "fine", "law_sanction_fine": 1290.0},
        }
    )
    m = PolicyModel(s, rng=1)
    law = m.regulator.law_regime()
    assert (law.sanction, law.fine) == ("fine", 1290.0)
    risk = s.population.risk
    expected = risk.penalty_forward + (risk.penalty_graduated - risk.penalty_forward) * (
        1290.0 / risk.fine_per_suspension_week / risk.reference_suspension_weeks
    ) ** (risk.severity_elasticity)
    assert law.penalty(risk) == pytest.approx(expected)


@pytest.mark.parametrize(
    "extra, path, words",
    [
        (
            "regulator:\n  law_sanction: fine\n  law_sanction_fine: -100\n",
            "regulator.law_sanction_fine",
            ["greater than or equal to 0"],
        ),
        ("regulator:\n  law_sanction: fine\n", "regulator", ["law_sanction_fine > 0"]),
    ],
)
def test_bad_fine_is_a_located_error_exit_2(write, tmp_path, extra, path, words):
    file = write("bad.yaml", small_yaml(extra=extra))
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert info.value.path == path
    assert all(w in info.value.message for w in words), info.value.message
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["run", str(file), "--out", str(out), "--no-plots"])
    assert result.exit_code == 2, result.output
    assert f"{file}:" in result.stderr and "Traceback" not in result.output + result.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- learning
def test_learned_enforcement_is_an_exponentially_weighted_average():
    risk = Risk(learning_weeks=5.0, sanction_notices=10.0)
    world = SimpleNamespace(
        params=SimpleNamespace(population=SimpleNamespace(risk=risk)), enforcement_seen=0.0
    )
    a = -math.expm1(-1 / 5.0)
    observed = (30 + 10.0 * 2) / 1000  # 30 notices and 2 sanctions among 1,000 sharers
    for week in range(1, 8):
        learn_enforcement(world, 30, 2, 1000)
        assert world.enforcement_seen == pytest.approx(observed * (1 - (1 - a) ** week))
    top = world.enforcement_seen
    for week in range(1, 4):  # enforcement stops: the estimate fades with the time constant
        learn_enforcement(world, 0, 0, 1000)
        assert world.enforcement_seen == pytest.approx(top * math.exp(-week / 5.0))
    learn_enforcement(world, 5, 0, 0)  # nobody shares: nothing observed
    assert world.enforcement_seen == pytest.approx(top * math.exp(-4 / 5.0))


N, LAW, WEEKS, WINDOW = 20_000, 10, 40, 8


def _law_with_enforcement(detection: float, weight: float):
    """A letters-only law at week LAW with a monitor of ``detection``; notices move no
    one's own risk, VPN or ISP, so enforcement deters only through what is learned."""
    s = load_scenario(
        data={
            "population": {
                "subscribers": N,
                "risk": {"notice_jump": 0.0, "final_warning_jump": 0.0,
                         "enforcement_weight": weight},
                "vpn": {"adopt_on_notice": 0.0, "weekly_rate": 0.0},
                "churn": {"base_weekly": 0.0, "flight": 0.0},
            },
            "isps": [{"name": "A", "market_share": 1.0, "stance": "refuse", "adaptive": False}],
            "rights_bodies": [
                {"name": "RB", "detection_prob": detection, "start_week": LAW,
                 "escalates": False, "lobbying": 0.0}
            ],
            "regulator": {
                "initial_stage": "bill",
                "schedule": {"law_week": LAW},
                "mandated_regime": "forward",
                "law_sanction": "none",
            },
        }
    )  # fmt: skip
    return PolicyModel(s, rng=3).run(WEEKS).outcomes()


def _drop(df, start: int) -> float:
    """1 - mean infringing share over WINDOW weeks from ``start`` / its mean before the law."""
    before = df.infringing_share[LAW - WINDOW : LAW].mean()
    return 1.0 - df.infringing_share[start : start + WINDOW].mean() / before


def test_a_law_with_more_enforcement_keeps_deterring_longer():
    """Same seed: the runs share every draw until the law. A window mean of the infringing
    share has variance at most p(1 - p) / (N x WINDOW) (independent weekly draws given the
    fixed propensities), so the difference of two drops (same pre-law mean p) has s.d. at
    most sqrt(2 p (1 - p) / (N WINDOW)) / p, about 0.011 at p = 0.1: 5 s.d. is 0.053."""
    late = LAW + 22
    high, low = _law_with_enforcement(0.05, 12.0), _law_with_enforcement(0.0005, 12.0)
    p = high.infringing_share[:LAW].mean()
    tol = 5 * math.sqrt(2 * p * (1 - p) / (N * WINDOW)) / p
    assert _drop(high, late) - _drop(low, late) > tol
    # the little-enforced law fades: its late drop is under a third of its first weeks'
    assert _drop(low, LAW) > tol and _drop(low, late) < _drop(low, LAW) / 3
    # the high-enforcement law keeps most of its first weeks' drop
    assert _drop(high, late) > 0.5 * _drop(high, LAW)
    # the learned estimate is the cause: without it the two laws deter exactly alike
    a, b = _law_with_enforcement(0.05, 0.0), _law_with_enforcement(0.0005, 0.0)
    assert (a.infringing_share == b.infringing_share).all()
    assert high.enforcement_seen.iloc[-1] > 50 * low.enforcement_seen.iloc[-1]
