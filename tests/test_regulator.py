"""Rules of the regulator: legislative pressure and stages, schedules, the law's mandated
regime, anticipation, and due process (delay, capacity, accuracy).

Pressure and stages are deterministic given lobbying: they are checked against an
independent re-implementation of the recursion. Review outcomes are binomial: Z = 4.5
standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from model import PolicyModel, load_scenario
from model.agents.regime import Regime

Z = 4.5


def build(isps=None, bodies=None, regulator=None, n=5000, seed=3, population=None):
    data = {
        "population": {"subscribers": n, **(population or {})},
        "isps": isps or [{"name": "A", "market_share": 1.0, "adaptive": False}],
        "rights_bodies": bodies or [],
        "regulator": regulator or {},
    }
    return PolicyModel(load_scenario(data=data), rng=seed)


def lobbyist(lobbying=5.0, **kw):
    return {
        "name": "RB",
        "detection_prob": 0.0,
        "initial_level": "lobby",
        "max_level": "lobby",
        "escalates": False,
        "lobbying": lobbying,
        **kw,
    }


# --------------------------------------------------------------------------- pressure, stages
def test_pressure_and_stages_follow_thresholds_and_lag():
    reg = {
        "consultation_threshold": 20.0,
        "bill_threshold": 40.0,
        "legislative_lag_weeks": 10,
        "pressure_decay_weeks": 52.0,
        "action_delay_weeks": 0.0,  # government acts at once
        "legislative_lag_sd_weeks": 0.0,  # every bill takes the mean lag
    }
    isps = [{"name": "A", "market_share": 1.0, "adaptive": False, "stance": "forward"}]
    m = build(isps, [lobbyist(5.0)], reg)
    df = m.run(40).outcomes()
    # re-implementation: lobbying reaches the regulator a week late; one step a week
    d = math.exp(-1 / 52)
    pressure, stage, bill_since = 0.0, 0, None
    want_p, want_s = [], []
    for week in range(40):
        pressure = pressure * d + (5.0 if week > 0 else 0.0)
        if stage == 0 and pressure >= 20:
            stage = 1
        elif stage == 1 and pressure >= 40:
            stage, bill_since = 2, week
        elif stage == 2 and week - bill_since >= 10:
            stage = 4 if pressure >= 20 else 1  # passed, in force at once (no commencement)
        want_p.append(pressure)
        want_s.append(stage)
    assert np.allclose(df.legislative_pressure, want_p, rtol=1e-12)
    assert df.legislative_stage.tolist() == want_s
    assert {0, 1, 2, 4} <= set(want_s)  # the case exercises every transition
    law_week = want_s.index(4)
    assert (df.law_in_force.iloc[law_week:] == 1).all() and df.law_in_force.iloc[law_week - 1] == 0
    bill_week = want_s.index(2)
    assert law_week - bill_week == 10  # the legislative lag


def test_bill_fails_without_pressure():
    m = build(regulator={"initial_stage": "bill", "legislative_lag_weeks": 5})
    assert m.regulator.bill_lag == 5  # a bill in progress at the start takes the mean lag
    df = m.run(8).outcomes()
    assert df.legislative_stage.tolist() == [2] * 5 + [1] * 3
    assert m.regulator.stage_changes == [(0, "bill"), (5, "consultation")]


def test_counter_pressure_from_refusal_and_wrongful_sanctions():
    m = build(regulator={"counter_refusal": 1.0, "counter_wrongful": 0.5})
    reg = m.regulator
    reg.pressure = 10.0
    reg.pressure_step(lobbying=2.0, wrongful_sanctions=1, refusing_share=0.5)
    # 1 wrongful sanction among 5,000 subscribers = 20 per 100k
    expected = 10.0 * math.exp(-1 / 52) + 2.0 - 0.5 * 20 - 1.0 * 0.5
    assert reg.pressure == pytest.approx(max(expected, 0.0))
    reg.pressure_step(lobbying=0.0, wrongful_sanctions=100, refusing_share=1.0)
    assert reg.pressure == 0.0  # floored


def test_schedule_sets_stages_regardless_of_pressure():
    reg = {"schedule": {"consultation_week": 2, "bill_week": 5, "law_week": 9}}
    m = build(regulator=reg)
    df = m.run(12).outcomes()
    assert df.legislative_stage.tolist() == [0, 0, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4]


# --------------------------------------------------------------------------- the law
ISPS_TWO = [
    {"name": "Principled", "market_share": 0.5, "stance": "refuse", "principled": True},
    {"name": "Pragmatic", "market_share": 0.5, "stance": "refuse"},
]


@pytest.mark.parametrize("regime", ["graduated", "forward", "disconnect"])
def test_law_forces_principled_and_unprincipled_isp_alike(regime):
    reg = {"schedule": {"law_week": 3}, "mandated_regime": regime}
    body = {"name": "RB", "detection_prob": 0.05, "escalates": False}
    m = build(ISPS_TWO, [body], reg)
    df = m.run(8).outcomes()
    for name in ("Principled", "Pragmatic"):
        assert (df[f"stance.{name}"].iloc[:3] == "refuse").all()
        assert (df[f"stance.{name}"].iloc[3:] == regime).all()
        assert df[f"notices_handled.{name}"].iloc[3:].sum() > 0
    assert (df.notices_refused.iloc[3:] == 0).all()
    assert (df.notices_refused.iloc[:3] == df.notices_sent.iloc[:3]).all()
    assert all(isp.regime.by_law for isp in m.isps)
    assert (df["penalty.Principled"] == df["penalty.Pragmatic"]).all()


def test_law_without_obligations_in_force_leaves_stances_voluntary():
    reg = {"schedule": {"law_week": 0}, "obligations_in_force": False}
    body = {"name": "RB", "detection_prob": 0.05, "escalates": False}
    m = build(ISPS_TWO, [body], reg)
    df = m.run(5).outcomes()
    assert (df.law_in_force == 1).all()
    assert (df["stance.Principled"] == "refuse").all()
    assert (df["stance.Pragmatic"] == "refuse").all()
    assert (df.notices_refused == df.notices_sent).all()


def test_anticipation_raises_penalty_before_the_law():
    risk = load_scenario(data={}).population.risk
    for stage, share in [("none", 0.0), ("consultation", 0.15), ("bill", 0.5)]:
        m = build(regulator={"initial_stage": stage, "mandated_regime": "graduated"})
        df = m.run(1).outcomes()
        assert df["penalty.A"].iloc[0] == pytest.approx(share * risk.penalty_graduated)


def test_anticipated_penalty_lowers_sharing_as_the_logit_predicts():
    shares = {}
    sharing = {}
    for stage in ("none", "bill"):
        m = build(regulator={"initial_stage": stage}, n=50_000)
        m.accounts.risk[:] = 0.5
        m.step()
        shares[stage] = m.outcomes().infringing_share.iloc[0]
        sharing[stage] = m.accounts.sharing.copy()
    # common random numbers: the same uniforms, a lower utility -> a subset of sharers
    assert not np.any(sharing["bill"] & ~sharing["none"])
    pen = 0.5 * m.params.population.risk.penalty_graduated
    p = special.expit(m.accounts.propensity.astype(np.float64) - 0.5 * pen)
    se = math.sqrt(np.sum(p * (1 - p))) / len(p)
    assert abs(shares["bill"] - p.mean()) < Z * se
    assert shares["bill"] < shares["none"]


# --------------------------------------------------------------------------- due process
def disconnect_run(due_process: bool, weeks=30, seed=5, **reg):
    isps = [{"name": "A", "market_share": 1.0, "adaptive": False, "stance": "disconnect"}]
    body = {"name": "RB", "detection_prob": 0.2, "misattribution_rate": 0.2, "escalates": False}
    regulator = {"due_process": due_process, "review_delay_weeks": 0, **reg}
    pop = {"churn": {"base_weekly": 0.0, "flight": 0.0}}
    m = build(isps, [body], regulator, n=20_000, seed=seed, population=pop)
    return m, m.run(weeks).outcomes()


def test_due_process_lowers_wrongful_sanctions():
    _, without = disconnect_run(False)
    _, with_review = disconnect_run(True, review_accuracy=0.9)
    assert with_review.wrongful_sanctions.sum() < 0.25 * without.wrongful_sanctions.sum()
    # share of wrongful among sanctions: r = 0.2 without review; with review a wrongful
    # case survives with 1 - 0.9 and a correct one with uphold_rate 0.8:
    # 0.2 x 0.1 / (0.2 x 0.1 + 0.8 x 0.8) = 0.0303
    s, w = with_review.sanctions.sum(), with_review.wrongful_sanctions.sum()
    q = 0.2 * 0.1 / (0.2 * 0.1 + 0.8 * 0.8)
    assert abs(w - q * s) < Z * math.sqrt(s * q * (1 - q))


def test_review_delay_postpones_sanctions():
    _, df = disconnect_run(True, weeks=10, review_delay_weeks=4)
    assert df.sanction_cases.iloc[0] > 0
    assert (df.sanctions.iloc[:4] == 0).all()
    assert df.sanctions.iloc[4] > 0


def test_review_capacity_creates_a_backlog_and_caps_reviews():
    # 100 cases a week per million x 20,000 subscribers = 2 a week
    _, df = disconnect_run(True, weeks=20, review_capacity=100.0)
    assert (df.cases_reviewed <= 2).all()
    assert df.cases_reviewed.sum() == 2 * 20
    assert df.review_backlog.is_monotonic_increasing
    assert df.review_backlog.iloc[-1] == df.sanction_cases.sum() - df.cases_reviewed.sum()


def test_unused_review_capacity_is_not_banked():
    # no cases for 20 weeks, then a flood: capacity is a weekly rate, so idle weeks must
    # not let the authority review 20 weeks' worth at once
    isps = [{"name": "A", "market_share": 1.0, "adaptive": False, "stance": "disconnect"}]
    body = {"name": "RB", "detection_prob": 0.2, "escalates": False, "start_week": 20}
    reg = {"due_process": True, "review_delay_weeks": 0, "review_capacity": 100.0}
    m = build(isps, [body], reg, n=20_000)
    df = m.run(26).outcomes()
    assert df.cases_reviewed.iloc[20:].max() <= 2  # 2 a week (a fraction of a case may carry)
    assert df.cases_reviewed.iloc[20:].sum() > 0


def test_review_accuracy_and_uphold_rate():
    m = build(regulator={"due_process": True, "review_accuracy": 0.9, "uphold_rate": 0.8})
    reg = m.regulator
    n = 20_000
    idx = np.arange(n)
    wrongful = np.zeros(n, dtype=bool)
    wrongful[::4] = True  # 5,000 wrongful, 15,000 correct
    reg.submit(0, 0, idx, wrongful, Regime("disconnect", 0, "suspension", 4))
    reg.reset_week()
    assert reg.review(1, np.random.default_rng(9)) == []  # still waiting (delay 4)
    batches = reg.review(4, np.random.default_rng(9))
    kept = np.concatenate([b.wrongful for b in batches])
    assert reg.reviewed == n and reg.backlog() == 0
    for count, trials, p in [
        (reg.overturned, 5000, 0.9),  # misattributed cases caught
        (int((~kept).sum()), 15_000, 0.8),  # correct cases upheld
    ]:
        assert abs(count - p * trials) < Z * math.sqrt(trials * p * (1 - p))
    assert reg.overturned + int(kept.sum()) == 5000
