"""Rules of rights bodies and associations: detection, notices, misattribution, escalation,
litigation, collective refusal and backing, and the principled ISP.

Statistical checks: given the week's sharers, notices are Binomial(sharers, p) and
misattributions Binomial(notices, r); totals over weeks are sums of independent
binomials, so the tolerance is Z = 4.5 times sqrt(sum n p (1 - p)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model import PolicyModel, institutions, load_scenario

Z = 4.5


def build(isps=None, bodies=None, n=20_000, seed=2, population=None, regulator=None, assoc=None):
    data = {
        "population": {
            "subscribers": n,
            "churn": {"base_weekly": 0.0, "flight": 0.0},
            **(population or {}),
        },
        "isps": isps or [{"name": "A", "market_share": 1.0, "adaptive": False}],
        "rights_bodies": bodies if bodies is not None else [{"name": "RB"}],
        "regulator": regulator or {},
        "associations": assoc or [],
    }
    return PolicyModel(load_scenario(data=data), rng=seed)


def body(**kw):
    return {"name": "RB", "escalates": False, **kw}


# --------------------------------------------------------------------------- detection
def test_notices_are_binomial_in_sharers_and_detection_prob():
    p = 0.05
    m = build(bodies=[body(detection_prob=p, misattribution_rate=0.0)])
    df = m.run(20).outcomes()
    sharers = (df.infringing_share * m.accounts.n).round()
    expected = p * sharers.sum()
    sd = math.sqrt(sharers.sum() * p * (1 - p))
    assert abs(df.notices_sent.sum() - expected) < Z * sd


def test_vpn_divides_detection_by_its_factor():
    p, f = 0.2, 0.1
    m = build(
        bodies=[body(detection_prob=p, vpn_detection_factor=f, misattribution_rate=0.0)],
        population={"vpn": {"adopt_on_notice": 0.0, "weekly_rate": 0.0}},
    )
    m.accounts.vpn[:] = True
    df = m.run(20).outcomes()
    sharers = (df.infringing_share * m.accounts.n).round().sum()
    q = p * f
    assert abs(df.notices_sent.sum() - q * sharers) < Z * math.sqrt(sharers * q * (1 - q))
    assert df.notices_sent.sum() < 0.5 * p * sharers


def test_notice_budget_caps_notices_sent():
    # 0.5 notices per 1,000 monitored subscribers: 10 a week at 20,000
    m = build(bodies=[body(detection_prob=1.0, notice_budget=0.5)])
    df = m.run(5).outcomes()
    assert (df.notices_sent == 10).all()


def test_no_notices_before_start_week_or_outside_targets():
    isps = [
        {"name": "A", "market_share": 0.5, "adaptive": False, "stance": "forward"},
        {"name": "B", "market_share": 0.5, "adaptive": False, "stance": "forward"},
    ]
    m = build(isps, [body(detection_prob=0.5, start_week=3, targets=["A"])])
    df = m.run(6).outcomes()
    assert (df.notices_sent.iloc[:3] == 0).all()
    assert (df.notices_sent.iloc[3:] > 0).all()
    assert (df["notices_handled.B"] == 0).all()
    assert (df["notices_handled.A"] == df.notices_sent).all()


def test_misattributed_share_matches_misattribution_rate():
    r = 0.1
    m = build(bodies=[body(detection_prob=0.2, misattribution_rate=r)])
    df = m.run(20).outcomes()
    notices, wrongful = df.notices_sent.sum(), df.wrongful_notices.sum()
    assert abs(wrongful - r * notices) < Z * math.sqrt(notices * r * (1 - r))


@pytest.mark.parametrize("isp", [0, 1])
def test_misattributed_notices_land_on_customers_of_the_same_isp(isp):
    isps = [
        {"name": "A", "market_share": 0.7, "adaptive": False},
        {"name": "B", "market_share": 0.3, "adaptive": False},
    ]
    m = build(isps, [body(detection_prob=1.0, misattribution_rate=1.0)])
    subs = m.accounts
    sharers = np.flatnonzero(subs.isp == isp)[:500]
    named, wrong = m.rights_bodies[0].monitor(0, sharers)
    assert wrong.all() and len(named) == 500
    assert np.all(subs.isp[named] == isp)
    # pinned on a random customer: almost never the detected sharer
    assert np.isin(named, sharers).mean() < 0.5


# --------------------------------------------------------------------------- escalation
def escalating(stance, max_level="lobby", interval=4):
    b = {
        "name": "RB",
        "detection_prob": 0.01,
        "review_interval_weeks": interval,
        "max_level": max_level,
        "lobbying": 0.0,
        "review_timing": "periodic",
    }
    isps = [{"name": "A", "market_share": 1.0, "adaptive": False, "stance": stance}]
    return build(isps, [b], n=5000)


def test_rights_body_escalates_each_review_while_infringement_holds_and_isps_refuse():
    m = escalating("refuse")
    df = m.run(30).outcomes()
    levels = df["escalation_level.RB"].tolist()
    # reviews at weeks 4, 8, 12, ...; the first only records the baseline
    assert levels[:8] == [0] * 8
    assert levels[8:12] == [1] * 4 and levels[12:16] == [2] * 4 and levels[16:20] == [3] * 4
    assert max(levels) == 3  # stops at max_level "lobby"
    assert [lvl for _, lvl in m.rights_bodies[0].level_changes] == [
        "notify",
        "demand",
        "threat",
        "lobby",
    ]


def test_rights_body_does_not_escalate_when_isps_comply():
    m = escalating("graduated")
    df = m.run(30).outcomes()
    assert (df["escalation_level.RB"] == 0).all()


def test_threat_adds_salience_impulse():
    m = escalating("refuse")
    df = m.run(14).outcomes()
    # A refuses: no notice or sanction news, so salience is only the threat. Escalation
    # (step 9) precedes recording (step 10): week 12's salience includes the impulse.
    impulse = m.params.salience.threat_impulse
    assert df["escalation_level.RB"].iloc[12] == 2
    assert (df.salience.iloc[:12] == 0).all()
    assert df.salience.iloc[12] == pytest.approx(impulse, rel=1e-12)
    assert df.salience.iloc[13] == pytest.approx(impulse * math.exp(-1 / 10), rel=1e-12)


def test_litigation_sues_detected_sharers_and_raises_their_risk():
    b = body(detection_prob=0.1, initial_level="litigate", lawsuits_per_million=400.0)
    m = build(bodies=[b], n=20_000)
    df = m.run(20).outcomes()
    # Poisson(400 / 1e6 x 20,000 = 8 a week) capped by correct detections (~200 a week)
    lam = 400 / 1e6 * 20_000 * 20
    assert abs(df.lawsuits.sum() - lam) < Z * math.sqrt(lam)
    risk = m.params.population.risk
    assert np.allclose(df["penalty.A"], risk.penalty_litigation)  # A refuses: 0 + litigation


def test_lawsuit_sets_own_risk_to_one():
    b = body(detection_prob=0.5, initial_level="litigate", lawsuits_per_million=1e5)
    m = build(bodies=[b], n=2000, population={"risk": {"notice_jump": 0.0}})
    m.step()
    rb = m.rights_bodies[0]
    assert rb.lawsuits > 0
    # own risk 1 after the lawsuit, then the week's fading by exp(-1 / decay_weeks)
    faded = math.exp(-1 / m.params.population.risk.decay_weeks)
    assert np.count_nonzero(np.isclose(m.accounts.risk, faded, rtol=1e-6)) == rb.lawsuits
    assert np.count_nonzero(m.accounts.risk) == rb.lawsuits


# --------------------------------------------------------------------------- ISPs under pressure
def pressured(principled: bool, association: dict | None = None):
    isps = [
        {
            "name": "A",
            "market_share": 0.5,
            "stance": "refuse",
            "principled": principled,
            "review_interval_weeks": 4,
            "adaptive": True,
        },
        {
            "name": "B",
            "market_share": 0.5,
            "stance": "refuse",
            "review_interval_weeks": 4,
            "adaptive": True,
        },
    ]
    if association is not None:
        isps[0]["association"] = association["name"]
    b = body(
        detection_prob=0.01,
        initial_level="lobby",
        max_level="lobby",
        pressure_on_isps=1e7,
        lobbying=0.0,
    )
    # a consultation is open: the rights body's pressure is credible
    reg = {"initial_stage": "consultation"}
    return build(isps, [b], n=5000, assoc=[association] if association else None, regulator=reg)


def test_principled_isp_never_complies_under_maximal_pressure():
    m = pressured(principled=True)
    df = m.run(30).outcomes()
    assert (df["stance.A"] == "refuse").all()
    # the same pressure makes the unprincipled rival comply
    assert df["stance.B"].iloc[-1] != "refuse"
    assert institutions.pressure_on(m, m.isps[0]) > 0


def test_principled_association_sets_members_to_refuse():
    assoc = {"name": "IKT", "principled": True, "backing": 0.7}
    isps = [
        {"name": "A", "market_share": 0.5, "stance": "graduated", "association": "IKT"},
        {"name": "B", "market_share": 0.5, "stance": "disconnect", "association": "IKT"},
    ]
    m = build(isps, [body()], n=2000, assoc=[assoc])
    df = m.run(30).outcomes()
    assert (df["stance.A"] == "refuse").all() and (df["stance.B"] == "refuse").all()


@pytest.mark.parametrize("backing", [0.0, 0.7, 1.0])
def test_association_backing_absorbs_its_share_of_pressure(backing):
    assoc = {"name": "IKT", "principled": False, "backing": backing}
    m = pressured(principled=False, association=assoc)
    a, b = m.isps
    # A and B have equal customers up to one subscriber: compare per customer
    per_a = institutions.pressure_on(m, a) / m.accounts.customers[0]
    per_b = institutions.pressure_on(m, b) / m.accounts.customers[1]
    assert per_a == pytest.approx(per_b * (1 - backing), rel=1e-12)
