"""Rules of switching ISP: base churn, conservation, sharers' flight from policing ISPs,
and suspended subscribers signing up elsewhere.

Base churn has each subscriber reconsider with probability base_weekly each week and pick
an ISP by market share, possibly their own: with k equal shares a subscriber moves with
probability base_weekly x (1 - 1/k), so the weekly count of moves is Binomial(n, that).
Tolerances: Z = 4.5 standard errors.
"""

from __future__ import annotations

import math

import numpy as np

from model import PolicyModel, load_scenario

Z = 4.5


def build(stances, n=20_000, seed=8, churn=None, body=None, regulator=None):
    k = len(stances)
    shares = [round(1 / k, 6)] * (k - 1)
    shares.append(1 - sum(shares))
    isps = [
        {"name": f"I{i}", "market_share": s, "stance": st, "adaptive": False, "price": 15}
        for i, (s, st) in enumerate(zip(shares, stances, strict=True))
    ]
    data = {
        "population": {"subscribers": n, "churn": churn or {}},
        "isps": isps,
        "rights_bodies": [
            {"name": "RB", "detection_prob": 0.05, "escalates": False, **(body or {})}
        ],
        "regulator": regulator or {},
    }
    return PolicyModel(load_scenario(data=data), rng=seed)


def test_base_churn_rate_matches_base_weekly():
    rate, n, weeks = 0.01, 20_000, 20
    m = build(["refuse"] * 3, n, churn={"base_weekly": rate, "suspended_switch_weekly": 0.0})
    df = m.run(weeks).outcomes()
    moves = (df.churn * n).round().sum()
    trials, p = n * weeks, rate * (1 - 1 / 3)
    assert abs(moves - p * trials) < Z * math.sqrt(trials * p * (1 - p))


def test_base_churn_leaves_unequal_shares_where_they_are():
    # shares (0.6, 0.4), no enforcement: inflow = outflow = c s (1 - s) N a week in
    # expectation. The share's change over T weeks has variance at most T x 2 c s (1 - s)
    # / N (a sum of weekly flows, ignoring mean reversion). The old rule (always switch
    # elsewhere) would move ISP 0 by -0.2 c N a week: -0.2 over these 50 weeks.
    c, n, weeks = 0.02, 20_000, 50
    data = {
        "population": {"subscribers": n, "churn": {"base_weekly": c}},
        "isps": [
            {"name": "Big", "market_share": 0.6, "price": 25},
            {"name": "Small", "market_share": 0.4, "price": 10},
        ],
    }
    df = PolicyModel(load_scenario(data=data), rng=3).run(weeks).outcomes()
    assert df.churn.mean() > 0  # subscribers do switch
    sd = math.sqrt(weeks * 2 * c * 0.6 * 0.4 / n)
    assert abs(df["market_share.Big"].iloc[-1] - 0.6) < Z * sd


def test_single_isp_means_no_switching():
    m = build(["graduated"], 5000, churn={"base_weekly": 0.05})
    df = m.run(10).outcomes()
    assert (df.churn == 0).all()
    assert (df["customers.I0"] == 5000).all()


def test_customer_counts_are_conserved_and_match_isp_codes_every_week():
    m = build(["graduated", "refuse", "disconnect"], 10_000, churn={"base_weekly": 0.02})
    for _ in range(15):
        m.step()
        subs = m.accounts
        assert np.array_equal(subs.customers, np.bincount(subs.isp, minlength=3))
        assert subs.customers.sum() == subs.n
    df = m.outcomes()
    customers = df[[f"customers.I{i}" for i in range(3)]].sum(axis=1)
    assert (customers == 10_000).all()
    shares = df[[f"market_share.I{i}" for i in range(3)]].sum(axis=1)
    assert np.allclose(shares, 1.0)


def propensity_gap(m: PolicyModel) -> float:
    """Mean propensity at the last ISP minus at the first (a persistent sharer trait)."""
    subs = m.accounts
    return float(subs.propensity[subs.isp == 1].mean() - subs.propensity[subs.isp == 0].mean())


# Under random moves the mean propensity of ~10,000 customers has standard error
# sd / sqrt(10,000) = 2 / 100 = 0.02; the gap between two ISPs sqrt(2) x 0.02.
GAP_TOLERANCE = Z * math.sqrt(2) * 2.0 / math.sqrt(10_000)
CHURN = {"base_weekly": 0.003, "enforcement_weekly": 0.05, "suspended_switch_weekly": 0.0}


def test_sharers_drift_to_the_only_refusing_isp():
    m = build(["graduated", "refuse"], churn=CHURN)
    start = propensity_gap(m)
    m.run(40)
    df = m.outcomes()
    assert propensity_gap(m) - start > GAP_TOLERANCE
    assert df["customers.I1"].iloc[-1] > df["customers.I0"].iloc[-1]


def test_no_drift_when_all_isps_police_alike():
    m = build(["graduated", "graduated"], churn=CHURN)
    start = propensity_gap(m)
    df = m.run(40).outcomes()
    assert abs(propensity_gap(m) - start) < GAP_TOLERANCE
    # no penalty gap, so no enforcement churn: only base churn, moving with base x (1 - 1/2)
    moves, trials, p = (df.churn * 20_000).round().sum(), 20_000 * 40, 0.003 * 0.5
    assert abs(moves - p * trials) < Z * math.sqrt(trials * p * (1 - p))


def test_suspended_subscribers_switch_only_where_the_law_allows():
    churn = {"base_weekly": 0.0, "enforcement_weekly": 0.0, "suspended_switch_weekly": 0.5}
    body = {"detection_prob": 0.2}
    for allowed in (False, True):
        m = build(
            ["disconnect", "disconnect"],
            5000,
            churn=churn,
            body=body,
            regulator={"suspended_may_switch": allowed},
        )
        df = m.run(6).outcomes()
        assert df.sanctions.sum() > 0
        if allowed:
            assert df.churn.sum() > 0
        else:
            assert (df.churn == 0).all()


def test_destinations_may_include_the_current_isp_for_base_churn():
    # with own ISP allowed, from ISP 0 the draw follows the weights: P(stay) = 0.5
    n = 40_000
    rng = np.random.default_rng(6)
    dest = PolicyModel._destinations(
        np.zeros(n, dtype=np.uint8), np.array([0.5, 0.3, 0.2]), rng, elsewhere=False
    )
    assert abs(np.mean(dest == 0) - 0.5) < Z * math.sqrt(0.25 / n)


def test_destinations_follow_weights_and_never_the_current_isp():
    # from ISP 0 with weights (0.5, 0.3, 0.2) a switcher goes to 1 with 0.3/0.5 = 0.6 and
    # to 2 with 0.4; the count going to 1 is Binomial(n, 0.6): tolerance 4.5 s.e.
    n = 40_000
    rng = np.random.default_rng(5)
    origin = np.zeros(n, dtype=np.uint8)
    dest = PolicyModel._destinations(origin, np.array([0.5, 0.3, 0.2]), rng)
    assert not np.any(dest == 0)
    se = np.sqrt(0.6 * 0.4 / n)
    assert abs(np.mean(dest == 1) - 0.6) < 4.5 * se
    # from mixed origins every draw differs from the origin
    origin = rng.integers(0, 3, size=n).astype(np.uint8)
    dest = PolicyModel._destinations(origin, np.array([0.5, 0.3, 0.2]), rng)
    assert np.all(dest != origin)
