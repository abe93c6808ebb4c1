"""Regimes as real systems built them (issue 12, item 8; docs/ODD.md 7.3 and 7.4):
mitigation at chosen warning levels, a per-notice fee within a spending cap, a
quarantine between counted notices, strike expiry counted from the first notice; the
per-agent baseline applies the same rules; bad input is a located error, exit 2.

Deterministic cases use ten "always" sharers among subscribers who never share,
detection probability 1 and no misattribution (as tests/test_isp.py), so every week's
notices are known exactly.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmarks.baseline_mesa_agents import AgentBasedPolicyModel
from model import PolicyModel, ScenarioError, load_scenario
from model.cli import app
from tests.conftest import one_isp_data

SHARERS = 10


def build(isp=None, body=None, sharers=SHARERS, **kw) -> PolicyModel:
    m = PolicyModel(load_scenario(data=one_isp_data(isp, body, **kw)), rng=3)
    m.accounts.propensity[:] = -1000.0
    m.accounts.propensity[:sharers] = 50.0
    return m


def run(m, weeks: int):
    with np.errstate(over="ignore"):  # exp(1000) overflows to inf: never shares, by design
        return m.run(weeks).outcomes()


def notice(isp, who, week):
    """One notice about each of ``who`` in ``week``; the week's warnings and cases."""
    isp.reset_week()
    idx = np.atleast_1d(np.asarray(who, dtype=np.int64))
    cases = isp.process_notices(idx, np.zeros(len(idx), dtype=bool), week)
    return isp.warnings, cases


# --------------------------------------------------------------------------- mitigation
def finals(isp_params: dict, weeks: int) -> list[bool]:
    """Whether subscriber 0's notice in each of ``weeks`` consecutive weeks was final."""
    m = build(isp_params)
    isp = m.isps[0]
    out = []
    for week in range(weeks):
        notice(isp, 0, week)
        out.append(bool(isp.final[0]) if len(isp.final) else False)
    return out


def test_default_final_warning_is_the_last_before_a_sanction():
    # graduated, 3 warnings: strikes 1, 2, 3 warn, 4 is the sanction step, then again
    assert finals({"stance": "graduated", "warning_levels": 3}, 8) == [
        *(False, False, True, False),
        *(False, False, True, False),
    ]
    # forward has no sanction: no final warning at all (today's rule)
    assert not any(finals({"stance": "forward", "warning_levels": 3}, 6))


def test_mitigation_at_level_k_only():
    grad = {"stance": "graduated", "warning_levels": 3, "mitigation_levels": [1]}
    assert finals(grad, 8) == [True, False, False, False, True, False, False, False]
    # CAS: six alerts, mitigation at 5 and 6; later letters stay at level 6
    cas = {"stance": "forward", "warning_levels": 6, "mitigation_levels": [5, 6]}
    assert finals(cas, 9) == [False] * 4 + [True] * 5


def test_mitigation_level_moves_p2p_like_a_final_warning():
    kept, final_kept = 0.8, 0.3
    pop = {"sharing": {"notice_p2p_kept": kept, "final_warning_p2p_kept": final_kept}}
    isp = {"stance": "forward", "warning_levels": 3, "mitigation_levels": [2]}
    m = build(isp, population=pop)
    ratios = []
    for _ in range(4):
        before = float(m.accounts.intensity[0])
        run(m, 1)
        ratios.append(float(m.accounts.intensity[0]) / before)
    assert ratios == pytest.approx([kept, final_kept, kept, kept], rel=1e-6)


def test_the_law_carries_its_own_mitigation_levels():
    reg = {
        "initial_stage": "law",
        "mandated_regime": "graduated",
        "law_warning_levels": 2,
        "law_mitigation_levels": [1],
    }
    m = build({"stance": "refuse"}, regulator=reg)
    run(m, 1)
    assert m.isps[0].regime.by_law and m.isps[0].regime.mitigation_levels == (1,)
    assert m.isps[0].final.tolist() == [True] * SHARERS


# --------------------------------------------------------------------------- fee and budget
@pytest.mark.parametrize(("spend", "fee", "detection"), [(1.37, 4.0, 1.0), (10.0, 25.0, 0.0)])
def test_fee_and_spend_cap_notices_exactly(spend, fee, detection):
    # cap = spend / (cost_per_detection + fee) notices a week per 1,000 subscribers; the
    # fraction carries, so the total over W weeks is floor(W x cap x n / 1000)
    weeks, n = 60, 1000
    body = {"notice_fee": fee, "notice_spend": spend, "cost_per_detection": detection}
    df = run(build({"stance": "forward"}, body, sharers=200, n=n), weeks)
    cap = spend / (detection + fee) * n / 1000
    assert df.notices_sent.sum() == math.floor(weeks * cap + 1e-9)
    assert df.notices_sent.max() <= math.ceil(cap)
    # what it pays: monitoring and fees for what it sent; the ISP's cost is net of fees
    scale = 1.0
    assert df["enforcement_cost.RB"].sum() == pytest.approx(
        df.notices_sent.sum() * (detection + fee) * scale
    )
    cost_per_notice = 2.0  # ISPParams default
    assert df["enforcement_cost.A"].sum() == pytest.approx(
        df.notices_handled.sum() * cost_per_notice - df.notices_sent.sum() * fee
    )


def test_a_fee_without_a_spending_cap_sends_every_detection():
    df = run(build({"stance": "forward"}, {"notice_fee": 25.0}), 5)
    assert (df.notices_sent == SHARERS).all()
    assert df["enforcement_cost.RB"].iloc[0] == pytest.approx(SHARERS * (1.0 + 25.0))


def test_the_lower_of_budget_and_spend_binds():
    body = {"notice_fee": 4.0, "notice_spend": 20.0, "notice_budget": 2.0}  # 4 vs 2
    df = run(build({"stance": "forward"}, body, sharers=50), 10)
    assert (df.notices_sent == 2).all()


# --------------------------------------------------------------------------- quarantine
def test_quarantine_a_second_detection_inside_the_window_is_not_a_strike():
    m = build({"stance": "graduated", "warning_levels": 3, "quarantine_weeks": 3})
    isp, subs = m.isps[0], m.accounts
    assert notice(isp, 5, 0)[0] == {1: 1}
    for week in (1, 2, 3):  # 28 days not yet passed: handled, not counted
        warnings, cases = notice(isp, 5, week)
        assert warnings == {} and len(cases.idx) == 0 and len(isp.delivered) == 0
        assert isp.quarantined == 1 and isp.handled == 1
        assert subs.strikes[5] == 1 and subs.last_notice[5] == 0
    assert notice(isp, 5, 4)[0] == {2: 1}  # 4 weeks after the counted notice
    assert subs.strikes[5] == 2 and subs.last_notice[5] == 4


def test_quarantine_spaces_warnings_in_a_run():
    isp = {"stance": "forward", "warning_levels": 3, "quarantine_weeks": 2}
    df = run(build(isp), 9)
    counted = (df.warnings_level_1 + df.warnings_level_2 + df.warnings_level_3).tolist()
    assert counted == [SHARERS, 0, 0] * 3
    assert (df.notices_handled == SHARERS).all()


# --------------------------------------------------------------------------- expiry
def ladder(expiry_from: str, levels=3, expiry=10):
    m = build(
        {
            "stance": "graduated",
            "warning_levels": levels,
            "strike_expiry_weeks": expiry,
            "strike_expiry_from": expiry_from,
        }
    )
    return m, m.isps[0]


def test_expiry_from_first_notice_resets_at_the_right_week():
    _m, isp = ladder("first_notice")
    assert notice(isp, 5, 0)[0] == {1: 1}
    assert notice(isp, 5, 6)[0] == {2: 1}
    assert notice(isp, 5, 10)[0] == {3: 1}  # 10 weeks after the first: still live
    _m, isp = ladder("first_notice")
    notice(isp, 5, 0)
    notice(isp, 5, 6)
    assert notice(isp, 5, 11)[0] == {1: 1}  # 11 > 10 weeks after the first: back to 1
    # the new run of strikes counts from week 11
    assert notice(isp, 5, 21)[0] == {2: 1}
    assert notice(isp, 5, 22)[0] == {1: 1}
    # today's rule on the same notices: 5 weeks of quiet, no expiry
    _m, isp = ladder("last_notice")
    notice(isp, 5, 0)
    notice(isp, 5, 6)
    assert notice(isp, 5, 11)[0] == {3: 1}


def test_after_a_sanction_strikes_count_from_the_next_notice():
    _m, isp = ladder("first_notice", levels=1, expiry=10)
    notice(isp, 5, 0)
    assert len(notice(isp, 5, 5)[1].idx) == 1  # sanction step: strikes reset
    assert notice(isp, 5, 8)[0] == {1: 1}  # a new run starts at week 8
    assert len(notice(isp, 5, 15)[1].idx) == 1  # 7 weeks after week 8: still live


def test_expiry_from_first_notice_costs_one_byte_only_when_used():
    m, isp = ladder("last_notice")
    notice(isp, 5, 0)
    assert m.accounts.state_bytes() <= 32 * m.accounts.n
    assert m.accounts.strike_span is None
    m, isp = ladder("first_notice")
    notice(isp, 5, 0)
    assert m.accounts.strike_span.dtype == np.uint8
    assert m.accounts.state_bytes() == 33 * m.accounts.n


# --------------------------------------------------------------------------- baseline
BASELINE_ISPS = [
    {
        "name": "G",
        "market_share": 0.5,
        "adaptive": False,
        "stance": "graduated",
        "warning_levels": 2,
        "mitigation_levels": [1],
        "quarantine_weeks": 1,
        "strike_expiry_weeks": 5,
        "strike_expiry_from": "first_notice",
    },
    {
        "name": "F",
        "market_share": 0.5,
        "adaptive": False,
        "stance": "forward",
        "warning_levels": 4,
        "quarantine_weeks": 2,
    },
]
BASELINE_COLUMNS = [
    "notices_sent",
    "notices_handled",
    "sanctions",
    *(f"warnings_level_{k}" for k in range(1, 5)),
    "enforcement_cost.RB",
    "enforcement_cost.G",
    "enforcement_cost.F",
]


def both_models(body: dict, weeks: int, per_isp: int = 20):
    """The vectorised and per-agent models on one scenario, each with ``per_isp``
    always-sharers at each ISP (the rest never share): their outcomes."""
    data = one_isp_data(
        body=body,
        n=400,
        population={"represents": 4000},
        regulator={"suspended_may_switch": False},  # no random moves
    )
    data["isps"] = BASELINE_ISPS
    scenario = load_scenario(data=data)
    vec = PolicyModel(scenario, rng=1)
    base = AgentBasedPolicyModel(scenario, rng=1)
    propensity = vec.accounts.propensity
    propensity[:] = -1000.0
    agents = list(base.subscribers)
    for a in agents:
        a.propensity = -1000.0
    for k in range(len(BASELINE_ISPS)):
        propensity[np.flatnonzero(vec.accounts.isp == k)[:per_isp]] = 50.0
        for a in [a for a in agents if a.isp == k][:per_isp]:
            a.propensity = 50.0
    with np.errstate(over="ignore"):
        return vec.run(weeks).outcomes(), base.run(weeks).outcomes()


def test_per_agent_baseline_applies_the_same_ladder_rules_week_by_week():
    # mitigation, quarantine, expiry from the first notice and the fee: every count equal
    a, b = both_models({"notice_fee": 3.0}, 16)
    assert a.sanctions.sum() > 0 and a.warnings_level_1.sum() > 0
    cols = BASELINE_COLUMNS
    np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float))


def test_per_agent_baseline_applies_the_same_spending_cap():
    a, b = both_models({"notice_fee": 3.0, "notice_spend": 41.0}, 16)
    cap = 41.0 / (1.0 + 3.0) * 400 / 1000  # notices a week (model scale)
    assert a.notices_sent.sum() == math.floor(16 * cap + 1e-9)
    cols = ["notices_sent", "enforcement_cost.RB"]
    np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("section", "path", "words"),
    [
        ("rights_bodies: [{name: RB, notice_fee: -25}]", "rights_bodies.RB.notice_fee", "greater"),
        (
            "rights_bodies: [{name: RB, notice_spend: 10, notice_fee: 0, cost_per_detection: 0}]",
            "rights_bodies.RB",
            "a spending cap needs a price per notice",
        ),
        (
            "isps: [{name: A, market_share: 1, quarantine_weeks: 60, strike_expiry_weeks: 52}]",
            "isps.A",
            "must be shorter than strike_expiry_weeks",
        ),
        (
            "isps: [{name: A, market_share: 1, warning_levels: 2, mitigation_levels: [3]}]",
            "isps.A",
            "no warning level 3",
        ),
        (
            "isps: [{name: A, market_share: 1, strike_expiry_from: first_notcie}]",
            "isps.A.strike_expiry_from",
            "first_notice",
        ),
        (
            "isps: [{name: A, market_share: 1, strike_expiry_from: first_notice, "
            "strike_expiry_weeks: 300}]",
            "isps.A",
            "at most 255",
        ),
        (
            "regulator: {law_warning_levels: 1, law_mitigation_levels: [0]}",
            "regulator",
            "no warning level 0",
        ),
    ],
)
def test_bad_regime_input_is_a_located_error_exit_2(write, tmp_path, section, path, words):
    text = f"name: bad\n{section}\n"
    if not section.startswith("isps"):
        text += "isps: [{name: A, market_share: 1}]\n"
    file = write("bad.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert info.value.line is not None and (info.value.path or "").startswith(path)
    assert words in str(info.value)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(file), "--out", str(out)])
    assert result.exit_code == 2 and words in result.output + (result.stderr or "")
    assert "Traceback" not in result.output + (result.stderr or "")
    assert not out.exists()


def test_quarantined_notices_are_an_outcome():
    isp = {"stance": "forward", "warning_levels": 3, "quarantine_weeks": 2}
    df = run(build(isp), 6)
    assert df.notices_quarantined.tolist() == [0, SHARERS, SHARERS] * 2
    plain = run(build({"stance": "forward"}), 3)
    assert (plain.notices_quarantined == 0).all()


# --------------------------------------------------------------------------- New Zealand 2011
NZ = Path(__file__).resolve().parent.parent / "scenarios/counterfactuals/nz-2011-notice-fee.yaml"


@pytest.mark.parametrize(("fee", "per_notice"), [(None, 13.5), (0.0, 1.0)])
def test_nz_scenario_spends_its_budget_on_fee_and_detection(fee, per_notice):
    # as enacted, GBP 0.46 a week per 1,000 buys 0.46 / 13.5 notices: the observed 51 a
    # week at 1.5 million subscribers; without the fee, 13.5 times as many
    overrides = {"population.subscribers": 20_000}
    if fee is not None:
        overrides["rights_bodies.RIANZ.notice_fee"] = fee
    m = PolicyModel(load_scenario(NZ, overrides=overrides), rng=4).run(20)
    df = m.outcomes()
    cap = 0.46 / per_notice * 20  # notices a week (model scale)
    assert df.notices_sent.sum() == math.floor(20 * cap + 1e-9)
    if fee is None:
        assert df.notices_sent.sum() * m.scale / 20 == pytest.approx(51.1, abs=4.0)
    assert m.isps[0].regime.by_law and m.accounts.strike_span is not None
