"""Sharing intensity (issue 13): heavy sharers, volume-weighted detection and traffic,
repeat notices, and exact capacity rounding.

Tolerances. Counts of independent Bernoulli draws are binomial: Z = 4.5 standard
deviations sqrt(n p (1 - p)) (a false failure rate under 1e-5 per check; seeds are fixed,
so the outcome is reproducible). Sample statistics of a generated population are compared
with their analytic values within Z times a standard error derived in each test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from model import PolicyModel, load_scenario
from model.params import Sharing
from model.subscribers import detection_rate, lognormal_top_share, top_share

Z = 4.5


def build(n=20_000, seed=3, population=None, isps=None, bodies=None, regulator=None):
    data = {
        "population": {
            "subscribers": n,
            "churn": {"base_weekly": 0.0, "flight": 0.0},
            **(population or {}),
        },
        "isps": isps or [{"name": "A", "market_share": 1.0, "adaptive": False}],
        "rights_bodies": bodies
        if bodies is not None
        else [{"name": "RB", "escalates": False, "misattribution_rate": 0.0}],
        "regulator": regulator or {},
    }
    return PolicyModel(load_scenario(data=data), rng=seed)


# --------------------------------------------------------------------------- the population
@pytest.mark.parametrize("sd", [1.0, 2.25])
def test_top_decile_share_of_generated_population_matches_lognormal(sd):
    """Top 10% share of 1M lognormal intensities vs 1 - Phi(Phi^-1(0.9) - sd).

    Standard error by the delta method on the ratio T / S (T the top decile's sum, S the
    total), estimated from the sample itself: var(T/S) ~ var(x 1{top} - share x) / (n m^2),
    m the mean intensity.
    """
    m = build(n=1_000_000, population={"sharing": {"intensity_sd": sd}})
    x = m.accounts.intensity.astype(np.float64)
    share = top_share(x)
    cut = np.quantile(x, 0.9)
    se = np.std(x * (x >= cut) - share * x) / (math.sqrt(len(x)) * x.mean())
    assert share == pytest.approx(lognormal_top_share(sd), abs=Z * se + 1e-4)
    assert x.mean() == pytest.approx(1.0, abs=Z * x.std() / math.sqrt(len(x)))
    assert lognormal_top_share(0.0) == pytest.approx(0.1)


def test_intensity_is_correlated_with_propensity_as_asked():
    rho = 0.6
    m = build(
        n=200_000, population={"sharing": {"intensity_sd": 1.5, "intensity_correlation": rho}}
    )
    r = np.corrcoef(np.log(m.accounts.intensity.astype(np.float64)), m.accounts.propensity)[0, 1]
    # sample correlation: se ~ (1 - rho^2) / sqrt(n)
    assert r == pytest.approx(rho, abs=Z * (1 - rho**2) / math.sqrt(200_000))


def test_state_stays_within_32_bytes_per_subscriber():
    m = build(n=10_000)
    assert m.accounts.state_bytes() / m.accounts.n <= 32


# --------------------------------------------------------------------------- detection
def test_detection_rate_keeps_the_meaning_of_detection_prob():
    """Quadrature rate vs a Monte Carlo population: share of sharers detected = d."""
    sharing = Sharing(intensity_sd=2.25, intensity_correlation=0.5)
    d = 0.15
    rate = detection_rate(d, sharing)
    m = build(n=400_000, population={"sharing": sharing.model_dump()})
    subs = m.accounts
    p_share = special.expit(subs.propensity.astype(np.float64))
    detected = p_share * -np.expm1(-rate * subs.intensity.astype(np.float64))
    # mean over an iid population of a bounded [0, 1] quantity: se <= sqrt(var / n)
    se = math.sqrt(np.var(detected) / subs.n + np.var(p_share) / subs.n) / p_share.mean()
    assert detected.sum() / p_share.sum() == pytest.approx(d, abs=Z * se)
    assert detection_rate(d, Sharing(intensity_sd=0.0)) == pytest.approx(-math.log(1 - d))
    assert detection_rate(1.0, sharing) == math.inf
    assert detection_rate(0.0, sharing) == 0.0


def test_detection_frequency_is_one_minus_exp_of_rate_times_intensity():
    """Three groups of sharers with intensities 0.25, 1 and 4: each group's detections are
    Binomial(size, 1 - exp(-rate I)); at a small rate that is nearly proportional to I."""
    m = build(n=30_000, bodies=[{"name": "RB", "escalates": False, "detection_prob": 0.02}])
    subs, body = m.accounts, m.rights_bodies[0]
    levels = np.array([0.25, 1.0, 4.0], dtype=np.float32)
    subs.intensity[:] = np.repeat(levels, subs.n // 3 + 1)[: subs.n]
    sharers = np.arange(subs.n)
    counts = np.zeros(3)
    weeks = 40
    for _ in range(weeks):
        found = body._detect(sharers, subs, m.streams["detection"])
        counts += np.bincount(np.searchsorted([0.5, 2.0], subs.intensity[found]), minlength=3)
    size = np.bincount(np.searchsorted([0.5, 2.0], subs.intensity), minlength=3) * weeks
    p = -np.expm1(-body.detection_rate * levels.astype(np.float64))
    assert np.all(np.abs(counts - size * p) < Z * np.sqrt(size * p * (1 - p)))
    ratio = (counts / size) / (counts[1] / size[1])
    assert ratio[0] == pytest.approx(0.25, rel=0.15)
    assert ratio[2] == pytest.approx(4.0, rel=0.15)


def test_first_week_notices_keep_detection_prob():
    """Week 0 (no enforcement yet): notices / sharers is detection_prob."""
    d = 0.1
    m = build(
        n=200_000,
        bodies=[{"name": "RB", "escalates": False, "detection_prob": d, "misattribution_rate": 0}],
    )
    df = m.run(1).outcomes()
    sharers = df.infringing_share.iloc[0] * m.accounts.n
    assert df.notices_sent.iloc[0] == pytest.approx(
        d * sharers, abs=Z * math.sqrt(sharers * d * (1 - d))
    )


# --------------------------------------------------------------------------- uniform model
def statistics(intensity_sd: float, seed: int) -> dict[str, float]:
    isps = [
        {"name": "G", "market_share": 0.6, "stance": "graduated", "adaptive": False},
        {"name": "R", "market_share": 0.4, "stance": "refuse", "adaptive": False},
    ]
    m = build(
        n=3_000,
        seed=seed,
        isps=isps,
        population={
            "sharing": {
                "baseline_share": 0.2,
                "intensity_sd": intensity_sd,
                # today's model: warnings leave sharing intensity alone
                "notice_p2p_kept": 1.0,
                "final_warning_p2p_kept": 1.0,
            },
            "churn": {"base_weekly": 0.004, "flight": 0.01},
        },
        bodies=[{"name": "RB", "escalates": False, "detection_prob": 0.08}],
    )
    df = m.run(30).outcomes()
    return {
        "infringing": df.infringing_share.mean(),
        "traffic": df.p2p_traffic.mean(),
        "notices": df.notices_sent.sum(),
        "second warnings": df.warnings_level_2.sum(),
        "sanction cases": df.sanction_cases.sum(),
        "repeat share": df.repeat_notice_share.iloc[10:].mean(),
        "refuser share": df["market_share.R"].iloc[-1],
    }


def test_zero_intensity_variance_reproduces_the_uniform_model_in_distribution():
    """intensity_sd 0 takes the uniform code path (every sharer detected with
    detection_prob, traffic counts sharers); a tiny spread takes the intensity path. The
    two agree in distribution over 20 seeds (Welch and KS at alpha 0.001, as in
    test_baseline_equivalence), so the new path reduces to the old rule."""
    uniform = [statistics(0.0, s) for s in range(20)]
    tiny = [statistics(1e-4, s + 100) for s in range(20)]
    for name in uniform[0]:
        a = np.array([u[name] for u in uniform])
        b = np.array([t[name] for t in tiny])
        assert stats.ttest_ind(a, b, equal_var=False).pvalue > 0.001, name
        assert stats.ks_2samp(a, b).pvalue > 0.001, name


def test_uniform_traffic_index_counts_sharers():
    m = build(
        n=5_000,
        population={
            "sharing": {"intensity_sd": 0.0, "notice_p2p_kept": 1.0, "final_warning_p2p_kept": 1.0}
        },
    )
    df = m.run(5).outcomes()
    expected = 100.0 * df.infringing_share * m.accounts.n / m.accounts.baseline_sharers
    assert np.allclose(df.p2p_traffic, expected)
    assert np.all(m.accounts.intensity == 1.0)


# --------------------------------------------------------------------------- state over time
def test_intensity_survives_churn_and_vpn_adoption():
    isps = [
        {"name": "G", "market_share": 0.5, "stance": "graduated", "adaptive": False},
        {"name": "R", "market_share": 0.5, "stance": "refuse", "adaptive": False},
    ]
    m = build(
        n=20_000,
        isps=isps,
        population={
            "churn": {"base_weekly": 0.02, "flight": 0.05},
            "vpn": {"adopt_on_notice": 0.5, "weekly_rate": 0.05},
            # notices leave intensity alone here (their own rule is tested below)
            "sharing": {"notice_p2p_kept": 1.0, "final_warning_p2p_kept": 1.0},
        },
        bodies=[{"name": "RB", "escalates": False, "detection_prob": 0.2}],
    )
    before = m.accounts.intensity.copy()
    df = m.run(20).outcomes()
    assert df.churn.sum() > 0 and df.vpn_share.iloc[-1] > 0
    assert np.array_equal(m.accounts.intensity, before)


# --------------------------------------------------------------------------- new columns
def test_traffic_index_is_100_without_enforcement_and_top_decile_matches():
    """No enforcement: volume index mean 100; with rho 0, sharers' intensities are the
    population's lognormal, so the weekly top-decile share is its analytic value."""
    sd = 1.0
    m = build(
        n=100_000,
        population={"sharing": {"intensity_sd": sd, "intensity_correlation": 0.0}},
        bodies=[],
    )
    df = m.run(20).outcomes()
    # weekly volume is a sum over ~10k sharers of intensity x Bernoulli: relative sd
    # sqrt(E[p I^2] - ...) / E[p I] <= sqrt(E[p] e^{sd^2}) / E[p] / sqrt(n) per week
    rel = math.sqrt(0.1 * math.exp(sd * sd)) / (0.1 * math.sqrt(m.accounts.n))
    assert df.p2p_traffic.mean() == pytest.approx(100.0, abs=Z * 100 * rel / math.sqrt(20))
    assert df.traffic_top_decile_share.mean() == pytest.approx(lognormal_top_share(sd), abs=0.01)


def test_repeat_notice_share_counts_subscribers_noticed_before():
    """Everyone shares each week with probability 1/2 (no deterrence: letters with
    penalty 0), every sharer is noticed: a subscriber noticed in week t was noticed
    before with probability 1 - 2^-t."""
    m = build(
        n=20_000,
        population={
            "sharing": {"baseline_share": 0.5, "propensity_sd": 0.0, "intensity_sd": 0.0},
            "risk": {"penalty_forward": 0.0},
            "vpn": {"adopt_on_notice": 0.0, "weekly_rate": 0.0},
        },
        isps=[{"name": "A", "market_share": 1.0, "adaptive": False, "stance": "forward"}],
        bodies=[
            {"name": "RB", "escalates": False, "detection_prob": 1.0, "misattribution_rate": 0}
        ],
    )
    df = m.run(4).outcomes()
    assert df.repeat_notice_share.iloc[0] == 0.0
    for t in (1, 2, 3):
        n = df.notices_handled.iloc[t]
        p = 1 - 0.5**t
        assert df.repeat_notice_share.iloc[t] == pytest.approx(
            p, abs=Z * math.sqrt(p * (1 - p) / n)
        )


# --------------------------------------------------------------------------- capacity rounding
def test_isp_capacity_carries_its_remainder():
    """Capacity 2.62 a week: every week 2 or 3 notices, and T weeks total 2.62 T within 1."""
    n = 10_000
    m = build(
        n=n,
        isps=[
            {
                "name": "A",
                "market_share": 1.0,
                "adaptive": False,
                "stance": "forward",
                "notice_capacity": 0.262,
            }
        ],
        bodies=[{"name": "RB", "escalates": False, "detection_prob": 0.5}],
        population={"risk": {"penalty_forward": 0.0}},
    )
    weeks = 50
    df = m.run(weeks).outcomes()
    assert set(df.notices_handled) <= {2, 3}
    assert abs(df.notices_handled.sum() - 2.62 * weeks) < 1.0


def test_rights_body_budget_carries_its_remainder():
    n = 10_000
    m = build(
        n=n,
        bodies=[{"name": "RB", "escalates": False, "detection_prob": 0.5, "notice_budget": 0.137}],
    )
    weeks = 40
    df = m.run(weeks).outcomes()
    assert set(df.notices_sent) <= {1, 2}
    assert abs(df.notices_sent.sum() - 1.37 * weeks) < 1.0


def test_warned_subscribers_keep_their_share_of_p2p_intensity():
    """Graduated response with 2 warnings: after week 0 every warned subscriber's intensity
    is multiplied by notice_p2p_kept (first warning); a final warning (the 2nd) by
    final_warning_p2p_kept; nobody else changes."""
    kept, final_kept = 0.5, 0.1
    m = build(
        n=20_000,
        isps=[{"name": "A", "market_share": 1.0, "adaptive": False, "stance": "graduated"}],
        population={"sharing": {"notice_p2p_kept": kept, "final_warning_p2p_kept": final_kept}},
        bodies=[
            {"name": "RB", "escalates": False, "detection_prob": 0.3, "misattribution_rate": 0}
        ],
    )
    before = m.accounts.intensity.copy()
    m.step()
    warned = m.isps[0].delivered
    assert len(warned) > 0 and not m.isps[0].final.any()  # week 0: first warnings only
    after = m.accounts.intensity
    np.testing.assert_allclose(after[warned], before[warned] * np.float32(kept), rtol=1e-6)
    others = np.setdiff1d(np.arange(m.accounts.n), warned)
    assert np.array_equal(after[others], before[others])
    for _ in range(3):
        prev = m.accounts.intensity.copy()
        m.step()
        final = m.isps[0].delivered[m.isps[0].final]
        if len(final):
            break
    assert len(final) > 0
    np.testing.assert_allclose(
        m.accounts.intensity[final], prev[final] * np.float32(final_kept), rtol=1e-6
    )
