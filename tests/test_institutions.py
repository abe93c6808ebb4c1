"""The institutional rules of model/institutions.py and the ISPs' stance cost model.

The cost model (docs/ODD.md 7.5) is checked term by term against a hand computation
with the documented default tables written out here (compliance 0 / 0.5 / 0.9 / 1,
expected sanction share 0 / 0 / 0.05 / 1, a 52-week customer horizon, preemption 0.5),
so that a change of any default or any term fails a test, not only a stored baseline.
Stochastic choices (``decision_noise``) are checked against the logit probabilities
with Z = 4.5 binomial standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model import PolicyModel, institutions, load_scenario
from model.agents.regime import make_regime

Z = 4.5
WEEKS_PER_MONTH = 52.0 / 12.0


def build(isps=None, bodies=None, regulator=None, n=5000, seed=3, population=None):
    data = {
        "population": {"subscribers": n, **(population or {})},
        "isps": isps or [{"name": "A", "market_share": 1.0, "adaptive": False}],
        "rights_bodies": bodies or [],
        "regulator": regulator or {},
    }
    return PolicyModel(load_scenario(data=data), rng=seed)


# --------------------------------------------------------------------------- stance costs
def test_expected_costs_match_the_documented_formula_term_by_term():
    isps = [
        {"name": "A", "market_share": 0.6, "price": 18.0},
        {"name": "B", "market_share": 0.4, "stance": "forward", "adaptive": False},
    ]
    body = {"name": "RB", "initial_level": "threat", "escalates": False, "detection_prob": 0}
    m = build(
        isps,
        [body],
        {"initial_stage": "consultation"},
        population={"represents": 50_000},
    )
    a = m.isps[0]
    a.notices_recent = 40.0
    m.sharers_by_isp = np.array([300, 100])
    costs = a.expected_costs()

    scale = 10.0  # 50,000 real accounts / 5,000 simulated
    customers = m.accounts.customers[0] * scale
    notices, sharers = 40.0 * scale, 300 * scale
    risk = m.params.population.risk
    rival = risk.penalty_forward  # B forwards letters
    law = 0.25 * 0.05 * customers  # P(law | consultation) x law cost per customer
    pressure = 2000.0 * 2 * customers / 100_000  # pressure_on_isps x step (threat = 2)
    churn = m.params.population.churn
    # flight of the sharers it would police, reckoned as noticed ones (risk = notice_jump)
    lost_value = sharers * 18.0 / WEEKS_PER_MONTH * 52.0
    penalty = {
        "refuse": 0.0,
        "forward": risk.penalty_forward,
        "graduated": risk.penalty_graduated,
        "disconnect": risk.penalty_disconnect,
    }
    compliance = {"refuse": 0.0, "forward": 0.5, "graduated": 0.9, "disconnect": 1.0}
    sanction_share = {"refuse": 0.0, "forward": 0.0, "graduated": 0.05, "disconnect": 1.0}
    for stance, comply in compliance.items():
        handling = 0.0 if stance == "refuse" else notices * (2.0 + sanction_share[stance] * 40.0)
        gap = max(0.0, penalty[stance] - rival)
        flight = min(1.0, churn.flight * risk.notice_jump * gap)
        lost = churn.contract_free_weekly * flight * lost_value
        want = handling + lost + law * (1.0 - 0.5 * comply) + pressure * (1.0 - comply)
        assert costs[stance] == pytest.approx(want, rel=1e-12), stance


def test_preemption_lowers_the_cost_of_legislation_only_for_complying_stances():
    def legislation_cost(preemption):
        m = build(regulator={"initial_stage": "bill", "preemption": preemption})
        m.isps[0].notices_recent = 0.0
        return m.isps[0].expected_costs()

    none, full = legislation_cost(0.0), legislation_cost(1.0)
    assert none["refuse"] == pytest.approx(full["refuse"])
    assert full["disconnect"] == pytest.approx(0.0, abs=1e-9)  # pre-empted entirely
    assert full["graduated"] == pytest.approx(0.1 * none["graduated"], rel=1e-12)


def test_a_cost_minimising_isp_takes_the_cheapest_stance_at_its_review():
    isps = [{"name": "A", "market_share": 1.0, "review_interval_weeks": 2, "adaptive": True}]
    isps[0]["review_timing"] = "periodic"
    body = {"name": "RB", "initial_level": "lobby", "escalates": False, "pressure_on_isps": 1e6}
    m = build(isps, [body], {"initial_stage": "consultation"}, n=2000)
    m.run(3)
    costs = m.isps[0].expected_costs()
    assert m.isps[0].voluntary_stance == min(costs, key=costs.get) != "refuse"
    assert m.isps[0].stance_changes[-1][0] == 2


# --------------------------------------------------------------------------- decision noise
def test_choose_stance_without_noise_is_the_argmin_and_draws_nothing():
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert institutions.choose_stance({"a": 3.0, "b": -1.0, "c": 0.0}, 0.0, rng) == "b"
    assert rng.bit_generator.state == state


def test_choose_stance_with_noise_follows_the_logit_probabilities():
    costs = {"a": 0.0, "b": 1.0, "c": 3.0}
    noise = 0.5
    scale = noise * np.mean(np.abs(list(costs.values())))  # 2/3
    w = np.exp(-np.array(list(costs.values())) / scale)
    p = w / w.sum()
    rng = np.random.default_rng(7)
    draws = 6000
    picks = [institutions.choose_stance(costs, noise, rng) for _ in range(draws)]
    for name, prob in zip(costs, p, strict=True):
        count = picks.count(name)
        assert abs(count - draws * prob) < Z * math.sqrt(draws * prob * (1 - prob)), name


def test_decision_noise_makes_isps_sometimes_pick_a_dearer_stance():
    def stances(noise):
        isps = [{"name": "A", "market_share": 1.0, "review_interval_weeks": 1}]
        isps[0].update(decision_noise=noise, adaptive=True, switch_cost=0.0)
        m = build(isps, n=500)
        m.run(60)
        return [s for _, s in m.isps[0].stance_changes]

    assert stances(0.0) == ["refuse"]  # nothing pushes it: refusing is cheapest
    assert len(stances(2.0)) > 3  # a noisy chooser strays, and comes back


# --------------------------------------------------------------------------- legislation
def test_threat_lobbies_half_and_lobby_fully_by_default():
    for level, share in [("demand", 0.0), ("threat", 0.5), ("lobby", 1.0), ("litigate", 1.0)]:
        body = {"name": "RB", "initial_level": level, "max_level": "litigate"}
        body.update(escalates=False, detection_prob=0.0, lobbying=4.0)
        m = build(bodies=[body], regulator={"counter_refusal": 0.0})
        df = m.run(2).outcomes()
        assert df.legislative_pressure.iloc[1] == pytest.approx(4.0 * share), level


def test_a_bill_passes_with_pressure_between_the_consultation_and_bill_thresholds():
    reg = {
        "initial_stage": "bill",
        "legislative_lag_weeks": 3,
        "consultation_threshold": 20.0,
        "bill_threshold": 40.0,
        "pressure_decay_weeks": 1e9,  # pressure stays where it is set
        "counter_refusal": 0.0,
    }
    m = build(regulator=reg)
    m.regulator.pressure = 30.0
    df = m.run(5).outcomes()
    assert df.legislative_stage.tolist() == [2, 2, 2, 4, 4]  # passed, in force at once


# --------------------------------------------------------------------------- due process
def test_a_due_process_case_lapses_when_the_subscriber_switches_isp():
    isps = [
        {"name": "A", "market_share": 0.5, "adaptive": False, "stance": "disconnect"},
        {"name": "B", "market_share": 0.5, "adaptive": False},
    ]
    reg = {"due_process": True, "review_delay_weeks": 2, "review_accuracy": 1.0}
    reg["uphold_rate"] = 1.0
    m = build(isps, regulator=reg, n=1000)
    at_a = np.flatnonzero(m.accounts.isp == 0)[:100]
    regime = make_regime("disconnect", 0, "suspension", 4)
    m.regulator.submit(0, 0, at_a, np.zeros(100, dtype=bool), regime)
    switched, stayed = at_a[:40], at_a[40:]
    m.accounts.move(switched, np.ones(40, dtype=np.uint8))
    empty = [m.isps[0].process_notices(at_a[:0], np.zeros(0, bool), 2)] * 2
    counts = m._sanction(empty, week=2)
    assert counts["applied"] == 60
    assert (m.accounts.suspended_until[stayed] == 2 + 1 + 4).all()
    assert (m.accounts.suspended_until[switched] == 0).all()


# --------------------------------------------------------------------------- money, services
def test_the_cheapest_legal_service_on_offer_sets_the_price():
    def body(name, price, week):
        return {"name": name, "detection_prob": 0.0, "escalates": False,
                "legal_service": {"launch_week": week, "price": price}}  # fmt: skip

    m = build(bodies=[body("Dear", 5.0, 0), body("Cheap", 2.0, 3)])
    assert institutions.legal_price(m.rights_bodies, 0) == 5.0
    assert institutions.legal_price(m.rights_bodies, 3) == 2.0
    assert institutions.legal_price(m.rights_bodies[:0], 3) == math.inf


def test_rights_holder_revenue_counts_sharers_at_their_purchase_factor():
    spending = {"purchases_weekly": 0.8, "sharer_purchase_factor": 0.25}
    m = build(n=4000, population={"represents": 40_000, "spending": spending})
    df = m.run(3).outcomes()
    sharers = df.infringing_share * 4000
    # non-sharers buy 0.8 a week, sharers a quarter of that; 10 real accounts each
    want = 10 * 0.8 * ((4000 - sharers) + 0.25 * sharers)
    assert np.allclose(df.rights_holder_revenue, want, rtol=1e-12)
    assert (sharers > 0).all()


# --------------------------------------------------------------------------- regimes
@pytest.mark.parametrize(
    ("stance", "levels", "polices", "sanctions"),
    [("refuse", 2, False, False), ("forward", 2, True, False), ("graduated", 2, True, True),
     ("disconnect", 0, True, True)],
)  # fmt: skip
def test_stance_traits_define_the_regime(stance, levels, polices, sanctions):
    r = make_regime(stance, 2, "suspension", 4)
    assert (r.warning_levels, r.polices, r.sanctions) == (levels, polices, sanctions)
    assert not make_regime(stance, 2, "none", 4).sanctions
