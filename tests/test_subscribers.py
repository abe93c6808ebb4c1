"""Rules of the subscriber population: calibration, the sharing decision, risk, state size.

Statistical tests use fixed seeds and tolerances of Z = 4.5 standard errors, computed
from the exact per-subscriber probabilities: a week's count of sharers is a sum of
independent Bernoulli(p_i) draws, with variance sum p_i (1 - p_i) (Poisson-binomial).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from model import PolicyModel, load_scenario
from model.subscribers import NEVER, Subscribers, allocate, propensity_mean

Z = 4.5


def population(n=20_000, seed=3, shares=(1.0,), **pop) -> Subscribers:
    s = load_scenario(data={"population": {"subscribers": n, **pop}})
    return Subscribers(s.population, np.array(shares), np.random.default_rng(seed))


def expected_share(p: np.ndarray) -> tuple[float, float]:
    """Mean and Poisson-binomial standard error of a week's sharing share."""
    return float(p.mean()), float(math.sqrt(np.sum(p * (1 - p))) / len(p))


def decide(subs: Subscribers, penalty=(0.0,), vpn_factor=1.0, week=0, seed=11):
    subs.set_penalties(np.array(penalty, dtype=float), vpn_factor)
    subs.decide(week, np.random.default_rng(seed))
    return subs.sharing.mean()


# --------------------------------------------------------------------------- calibration
@pytest.mark.parametrize(("share", "sd"), [(0.10, 2.0), (0.30, 1.0), (0.02, 3.0), (0.2, 0.0)])
def test_propensity_mean_solves_the_logit_normal_calibration(share, sd):
    mu = propensity_mean(share, sd)
    # E[expit(mu + sd Z)] by adaptive quadrature (independent of the Gauss-Hermite solver)
    value, _ = integrate.quad(
        lambda z: special.expit(mu + sd * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
        -40,
        40,
    )
    assert value == pytest.approx(share, abs=1e-7)


def test_population_baseline_matches_baseline_share_within_sampling_error():
    n = 50_000
    subs = population(n, sharing={"baseline_share": 0.1, "propensity_sd": 2.0})
    p = special.expit(subs.propensity.astype(np.float64))
    # the sample mean of expit(propensity) has standard error sd(p) / sqrt(n)
    assert abs(p.mean() - 0.1) < Z * p.std() / math.sqrt(n)
    assert subs.baseline_sharers == pytest.approx(p.sum(), rel=1e-9)


def test_allocate_gives_whole_counts_summing_to_n():
    counts = allocate(1001, np.array([0.259, 0.219, 0.152, 0.11, 0.1, 0.058, 0.102]))
    assert counts.sum() == 1001
    assert np.all(
        np.abs(counts - 1001 * np.array([0.259, 0.219, 0.152, 0.11, 0.1, 0.058, 0.102])) < 1
    )


def test_initial_isp_counts_match_shares_and_customers():
    subs = population(10_000, shares=(0.5, 0.3, 0.2))
    assert np.array_equal(np.bincount(subs.isp, minlength=3), [5000, 3000, 2000])
    assert np.array_equal(subs.customers, [5000, 3000, 2000])


def test_state_is_at_most_32_bytes_per_subscriber():
    subs = population(10_000)
    assert subs.state_bytes() <= 32 * subs.n
    # every state attribute is one element per subscriber
    for name in Subscribers.STATE:
        assert len(getattr(subs, name)) == subs.n


# --------------------------------------------------------------------------- decisions
def test_no_enforcement_weekly_share_matches_exact_probabilities():
    subs = population(50_000)
    subs.perceive(0.0)
    share = decide(subs)
    mean, se = expected_share(special.expit(subs.propensity.astype(np.float64)))
    assert abs(share - mean) < Z * se


def test_no_enforcement_model_share_matches_baseline_share():
    n, weeks = 20_000, 10
    s = load_scenario(data={"population": {"subscribers": n, "sharing": {"baseline_share": 0.15}}})
    m = PolicyModel(s, rng=5).run(weeks)
    df = m.outcomes()
    p = special.expit(m.accounts.propensity.astype(np.float64))
    # weeks are independent given the propensities: the mean over weeks has variance
    # sum p(1-p) / (n^2 weeks); add the sampling error of the propensities around 0.15
    se_weeks = math.sqrt(np.sum(p * (1 - p)) / weeks) / n
    se_sample = p.std() / math.sqrt(n)
    assert abs(df.infringing_share.mean() - p.mean()) < Z * se_weeks
    assert abs(df.infringing_share.mean() - 0.15) < Z * math.hypot(se_weeks, se_sample)


@pytest.mark.parametrize("risk", [0.2, 0.6])
def test_perceived_risk_times_penalty_lowers_sharing_as_the_logit_predicts(risk):
    subs = population(50_000, shares=(0.5, 0.5))
    subs.risk[:] = risk
    subs.perceive(0.0)
    penalty = np.array([4.0, 0.0])
    share = decide(subs, penalty)
    u = subs.propensity.astype(np.float64) - risk * penalty[subs.isp]
    mean, se = expected_share(special.expit(u))
    base = special.expit(subs.propensity.astype(np.float64)).mean()
    assert abs(share - mean) < Z * se
    assert mean < base - 10 * se  # the effect is large enough to be distinguishable


def test_salience_adds_to_perceived_risk_capped_at_one():
    subs = population(1000)
    subs.risk[:10] = 0.9
    perceived = subs.perceive(0.3)
    assert np.allclose(perceived[:10], 1.0)
    assert np.allclose(perceived[10:], 0.3)


def test_legal_service_pull_lowers_sharing_of_its_users():
    subs = population(50_000)
    before = subs.propensity.astype(np.float64)
    adopters = subs.adopt_legal(np.arange(0, 50_000, 2), pull=1.5)
    assert np.array_equal(adopters, np.arange(0, 50_000, 2)) and subs.legal[::2].all()
    subs.adopt_legal(np.arange(0, 50_000, 2), pull=1.5)  # signing up twice pulls once
    subs.perceive(0.0)
    share = decide(subs)
    u = before - 1.5 * subs.legal
    mean, se = expected_share(special.expit(u))
    assert abs(share - mean) < Z * se
    legal_share = subs.sharing[subs.legal].mean()
    other_share = subs.sharing[~subs.legal].mean()
    assert legal_share < other_share


def test_vpn_scales_the_perceived_penalty_by_its_factor():
    subs = population(50_000)
    subs.adopt_vpn(np.arange(0, 50_000, 2))
    subs.risk[:] = 0.5
    subs.perceive(0.0)
    share = decide(subs, penalty=(4.0,), vpn_factor=0.2)
    factor = np.where(subs.vpn, 0.2, 1.0)
    u = subs.propensity.astype(np.float64) - 0.5 * 4.0 * factor
    mean, se = expected_share(special.expit(u))
    assert abs(share - mean) < Z * se
    assert subs.sharing[subs.vpn].mean() > subs.sharing[~subs.vpn].mean()


def test_suspended_subscribers_never_share():
    subs = population(5000)
    subs.propensity[:] = 20.0  # everyone would share
    subs.suspend(np.arange(1000), 8)
    subs.perceive(0.0)
    for week in range(10):
        decide(subs, week=week, seed=week)
        if week < 8:
            assert not subs.sharing[:1000].any()
        else:
            assert subs.sharing[:1000].all()
        assert subs.sharing[1000:].all()
        assert len(subs.suspended(week)) == (1000 if week < 8 else 0)


def test_penalty_cache_follows_moves_and_vpn_adoption():
    subs = population(2000, shares=(0.5, 0.5))
    subs.set_penalties(np.array([3.0, 1.0]), 0.25)
    mover = np.flatnonzero(subs.isp == 0)[:10]
    subs.move(mover, np.ones(10, dtype=np.uint8))
    hider = np.flatnonzero(subs.isp == 0)[:10]
    subs.adopt_vpn(hider)
    expected = np.array([3.0, 1.0])[subs.isp] * np.where(subs.vpn, 0.25, 1.0)
    assert np.allclose(subs.penalty, expected)
    subs.set_penalties(np.array([0.0, 2.0]), 0.5)  # a regime change recomputes all
    expected = np.array([0.0, 2.0])[subs.isp] * np.where(subs.vpn, 0.5, 1.0)
    assert np.allclose(subs.penalty, expected)


# --------------------------------------------------------------------------- own risk
def test_notice_jump_and_risk_decay_are_exact():
    subs = population(100)
    idx = np.array([3, 7])
    subs.notify(idx, 0.6)
    assert subs.risk[3] == pytest.approx(0.6, abs=1e-7)
    subs.notify(np.array([3]), 0.6)  # r + jump (1 - r)
    assert subs.risk[3] == pytest.approx(0.6 + 0.6 * 0.4, abs=1e-6)
    factor = math.exp(-1 / 13)
    for _ in range(13):
        subs.decay_risk(factor)
    assert subs.risk[3] == pytest.approx(0.84 * math.exp(-1.0), rel=1e-5)
    assert subs.risk[7] == pytest.approx(0.6 * math.exp(-1.0), rel=1e-5)
    assert np.count_nonzero(subs.risk) == 2


def test_move_clears_the_new_isps_record():
    subs = population(1000, shares=(0.5, 0.5))
    i = np.flatnonzero(subs.isp == 0)[:5]
    subs.strikes[i] = 2
    subs.true_strikes[i] = 1
    subs.last_notice[i] = 4
    subs.suspend(i, 9)
    subs.move(i, np.ones(5, dtype=np.uint8))
    assert np.all(subs.isp[i] == 1)
    assert np.all(subs.strikes[i] == 0) and np.all(subs.true_strikes[i] == 0)
    assert np.all(subs.last_notice[i] == NEVER) and np.all(subs.suspended_until[i] == 0)
    assert np.array_equal(subs.customers, np.bincount(subs.isp, minlength=2))
    assert len(subs.suspended(0)) == 0  # a new ISP has no suspension on file


def test_random_customers_belong_to_the_isp():
    subs = population(5000, shares=(0.9, 0.1))
    drawn = subs.random_customers(1, 300, np.random.default_rng(2))
    assert len(drawn) == 300
    assert np.all(subs.isp[drawn] == 1)
