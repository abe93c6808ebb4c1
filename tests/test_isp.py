"""Rules of ISPs: what each stance does with notices, the graduated ladder, capacity, sanctions.

Deterministic cases force behaviour: ten "always" sharers (propensity +50 logits, so the
sharing probability is 1 in float32) among subscribers who never share (propensity
-1000), detection probability 1 and no misattribution, so every week's notices are
known exactly. Statistical cases use Z = 4.5 standard errors of a binomial count.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model import PolicyModel, load_scenario
from tests.conftest import one_isp_data

Z = 4.5
SHARERS = 10


def build(
    isp: dict | None = None,
    body: dict | None = None,
    n: int = 1000,
    seed: int = 1,
    forced: bool = True,
    regulator: dict | None = None,
    population: dict | None = None,
) -> PolicyModel:
    """One ISP, one rights body, no churn or VPN; ``forced``: ten always-sharers."""
    data = one_isp_data(isp, body, n, population, regulator)
    m = PolicyModel(load_scenario(data=data), rng=seed)
    if forced:
        m.accounts.propensity[:] = -1000.0
        m.accounts.propensity[:SHARERS] = 50.0
    return m


def run(m: PolicyModel, weeks: int):
    with np.errstate(over="ignore"):  # exp(1000) overflows to inf: never shares, by design
        return m.run(weeks).outcomes()


# --------------------------------------------------------------------------- stances
def test_refuse_never_forwards_or_sanctions():
    df = run(build({"stance": "refuse"}), 20)
    assert (df.notices_sent == SHARERS).all()
    assert (df.notices_refused == df.notices_sent).all()
    assert (df.notices_handled == 0).all()
    assert (df.sanctions == 0).all() and (df.sanction_cases == 0).all()
    assert (df.warnings_level_1 == 0).all()


def test_refuse_delivers_nothing_so_own_risk_stays_zero():
    m = build({"stance": "refuse"})
    run(m, 10)
    assert not m.accounts.risk.any()


def test_forward_warns_but_never_sanctions():
    df = run(build({"stance": "forward", "warning_levels": 2}), 20)
    assert (df.notices_handled == SHARERS).all()
    assert (df.sanctions == 0).all() and (df.sanction_cases == 0).all()
    assert df.warnings_level_1.iloc[0] == SHARERS
    # repeated letters stay at the last warning level
    assert (df.warnings_level_2.iloc[1:] == SHARERS).all()
    assert (df.infringing_share == SHARERS / 1000).all()


def test_graduated_sanctions_exactly_at_strike_after_last_warning():
    df = run(build({"stance": "graduated", "warning_levels": 2, "sanction_weeks": 4}), 12)
    # strikes 1, 2 -> warnings 1, 2; strike 3 -> sanction; suspended weeks 3-6; again
    expect_w1 = [10, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0]
    expect_w2 = [0, 10, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0]
    expect_sanctions = [0, 0, 10, 0, 0, 0, 0, 0, 0, 10, 0, 0]
    expect_sharing = [10, 10, 10, 0, 0, 0, 0, 10, 10, 10, 0, 0]
    assert df.warnings_level_1.tolist() == expect_w1
    assert df.warnings_level_2.tolist() == expect_w2
    assert df.sanctions.tolist() == expect_sanctions
    assert (df.infringing_share * 1000).round().astype(int).tolist() == expect_sharing


@pytest.mark.parametrize("levels", [0, 1, 3])
def test_graduated_first_sanction_is_at_strike_levels_plus_one(levels):
    df = run(build({"stance": "graduated", "warning_levels": levels}), levels + 2)
    first = int(np.flatnonzero(df.sanctions.to_numpy() > 0)[0])
    assert first == levels  # week index = strike number - 1
    assert df.sanctions.iloc[first] == SHARERS
    for k in range(1, levels + 1):
        assert df[f"warnings_level_{k}"].iloc[k - 1] == SHARERS


def test_disconnect_sanctions_on_the_first_notice():
    df = run(build({"stance": "disconnect", "warning_levels": 3}), 3)
    assert df.sanctions.iloc[0] == SHARERS
    assert df.warnings_level_1.sum() == 0


@pytest.mark.parametrize("weeks", [1, 4, 9])
def test_suspension_lasts_sanction_weeks(weeks):
    m = build({"stance": "disconnect", "sanction_weeks": weeks})
    df = run(m, weeks + 3)
    # sanctioned in week 0: cannot share in weeks 1..weeks, shares again in weeks + 1
    sharing = (df.infringing_share * 1000).round().astype(int).tolist()
    assert sharing == [10] + [0] * weeks + [10, 0]


def test_throttle_lowers_p2p_traffic_but_not_sharing():
    m = build({"stance": "disconnect", "sanction": "throttle", "sanction_weeks": 5})
    m.accounts.propensity[SHARERS:] = -3.0  # some background sharing, never detected twice
    base = m.accounts.baseline_volume
    f = m.params.population.throttle_traffic_factor
    for week in range(4):
        with np.errstate(over="ignore"):
            m.step()
        row = m.outcomes().iloc[-1]
        subs = m.accounts
        volume = subs.intensity.astype(np.float64) * subs.sharing
        throttled = subs.sharing & (subs.throttled_until > week)
        expected = 100 * (volume.sum() - (1 - f) * volume[throttled].sum()) / base
        assert row.p2p_traffic == pytest.approx(expected, rel=1e-6)
        assert row.suspended_share == 0
        assert subs.sharing[:SHARERS].all()  # throttled subscribers still share
    assert row.p2p_traffic < 100 * volume.sum() / base


# --------------------------------------------------------------------------- ladder details
def ladder(levels=2, expiry=52):
    m = build({"stance": "graduated", "warning_levels": levels, "strike_expiry_weeks": expiry})
    return m, m.isps[0]


def notice(isp, who, week, wrongful=False):
    isp.reset_week()
    idx = np.atleast_1d(np.asarray(who, dtype=np.int64))
    cases = isp.process_notices(idx, np.full(len(idx), wrongful), week)
    return isp.warnings, cases


def test_strikes_expire_after_expiry_weeks_of_quiet():
    m, isp = ladder(levels=3, expiry=10)
    notice(isp, 5, 0)
    warnings, _ = notice(isp, 5, 10)  # 10 weeks of quiet: not yet expired
    assert warnings == {2: 1}
    warnings, _ = notice(isp, 5, 21)  # 11 weeks since week 10: expired, back to strike 1
    assert warnings == {1: 1}
    assert m.accounts.strikes[5] == 1


def test_several_notices_in_one_week_count_as_one_strike():
    m, isp = ladder(levels=2)
    warnings, cases = notice(isp, [4, 4, 4], 0)
    assert warnings == {1: 1} and len(cases.idx) == 0
    assert m.accounts.strikes[4] == 1


def test_a_case_is_wrongful_only_if_a_strike_was_misattributed():
    m, isp = ladder(levels=1)
    notice(isp, [1, 2], 0, wrongful=False)
    isp.reset_week()
    cases = isp.process_notices(np.array([1, 2]), np.array([False, True]), 1)
    assert cases.idx.tolist() == [1, 2]
    assert cases.wrongful.tolist() == [False, True]
    # after the sanction step the record starts again
    assert m.accounts.strikes[[1, 2]].tolist() == [0, 0]


def test_duplicate_notice_is_wrongful_only_if_every_copy_is():
    _m, isp = ladder(levels=0)
    isp.reset_week()
    cases = isp.process_notices(np.array([3, 3]), np.array([True, False]), 0)
    assert cases.idx.tolist() == [3] and cases.wrongful.tolist() == [False]


def test_capacity_caps_handled_notices():
    # 2 notices a week per 1,000 customers, 1000 customers -> 2 handled, the rest dropped
    m = build({"stance": "forward", "notice_capacity": 2.0})
    df = run(m, 5)
    assert (df.notices_handled == 2).all()
    assert (df.notices_dropped == SHARERS - 2).all()
    assert (df.notices_handled + df.notices_dropped == df.notices_sent).all()


# --------------------------------------------------------------------------- wrongful sanctions
def test_wrongful_sanctions_share_matches_misattribution_rate_under_disconnect():
    r = 0.2
    m = build(
        {"stance": "disconnect", "sanction_weeks": 1},
        {"detection_prob": 0.3, "misattribution_rate": r},
        n=20_000,
        forced=False,
        seed=4,
    )
    df = run(m, 30)
    sanctions, wrongful = df.sanctions.sum(), df.wrongful_sanctions.sum()
    assert sanctions > 1000
    # each sanction stems from one notice, misattributed with probability r (duplicates
    # in a week are rare: detection is per sharer, misattributions land uniformly), so
    # wrongful ~ Binomial(sanctions, r) -> sd = sqrt(S r (1 - r))
    sd = math.sqrt(sanctions * r * (1 - r))
    assert abs(wrongful - r * sanctions) < Z * sd
    # every wrongful notice is handled; each is at most one wrongful sanction
    assert wrongful <= df.wrongful_notices.sum()


# --------------------------------------------------------------------------- final warning
@pytest.mark.parametrize(("stance", "sanction"), [("graduated", "suspension"), ("forward", "none")])
def test_final_warning_raises_own_risk_by_its_own_jump(stance, sanction):
    # decay of own risk made negligible (decay_weeks at its bound) so the jumps are exact:
    # week 0, first warning: r = notice_jump; week 1 under graduated (two warnings), the
    # final warning: r <- r + final_warning_jump (1 - r). Letters only (forward): no
    # warning announces a sanction, so the second jump is notice_jump again.
    j1, j2 = 0.2, 0.9
    m = build(
        {"stance": stance, "warning_levels": 2, "sanction": sanction},
        population={"risk": {"notice_jump": j1, "final_warning_jump": j2, "decay_weeks": 520}},
    )
    decay = math.exp(-1 / 520)
    run(m, 1)
    r = m.accounts.risk[:SHARERS]
    assert np.allclose(r, j1 * decay, rtol=1e-5)
    run(m, 1)
    second = j2 if stance == "graduated" else j1
    expected = (j1 * decay + second * (1 - j1 * decay)) * decay
    assert np.allclose(m.accounts.risk[:SHARERS], expected, rtol=1e-5)
    assert np.all(m.accounts.risk[SHARERS:] == 0)
