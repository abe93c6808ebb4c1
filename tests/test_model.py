"""Whole-model rules: the outcome columns, invariants, salience arithmetic, legal-service
adoption and VPN adoption.

Tolerances for binomial counts: Z = 4.5 standard errors.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from model import PolicyModel, load_scenario

Z = 4.5
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

ISSUE_COLUMNS = [
    "week",
    "infringing_share",
    "p2p_traffic",
    "notices_sent",
    "notices_handled",
    "notices_refused",
    "sanctions",
    "wrongful_notices",
    "wrongful_sanctions",
    "suspended_share",
    "vpn_share",
    "legal_share",
    "perceived_risk",
    "salience",
    "legislative_stage",
    "law_in_force",
    "rights_holder_revenue",
    "churn",
]


def build(data: dict, seed: int = 1) -> PolicyModel:
    return PolicyModel(load_scenario(data=data), rng=seed)


@pytest.fixture(scope="module")
def uk_run():
    s = load_scenario(
        SCENARIOS / "counterfactuals" / "uk-largest-comply.yaml",
        overrides={"population.subscribers": 10_000},
    )
    m = PolicyModel(s, rng=4).run(30)
    return m, m.outcomes()


# --------------------------------------------------------------------------- outcomes
def test_outcome_columns_named_in_the_issue_exist(uk_run):
    m, df = uk_run
    missing = [c for c in ISSUE_COLUMNS if c not in df.columns]
    for isp in m.isps:
        for kind in ("market_share", "customers", "stance", "profit", "enforcement_cost"):
            if f"{kind}.{isp.name}" not in df.columns:
                missing.append(f"{kind}.{isp.name}")
    for party in [b.name for b in m.rights_bodies] + ["regulator"]:
        if f"enforcement_cost.{party}" not in df.columns:
            missing.append(f"enforcement_cost.{party}")
    levels = max(
        [m.params.regulator.law_warning_levels, *(i.warning_levels for i in m.params.isps)]
    )
    missing += [
        f"warnings_level_{k}" for k in range(1, levels + 1) if f"warnings_level_{k}" not in df
    ]
    assert not missing
    assert df.week.tolist() == list(range(30))


def test_shares_in_unit_interval_and_counts_non_negative(uk_run):
    _, df = uk_run
    shares = [c for c in df.columns if c.endswith("_share") or c.startswith("market_share.")]
    shares += ["churn", "perceived_risk"]
    for c in shares:
        assert df[c].between(0.0, 1.0).all(), c
    counts = [c for c in df.columns if c.startswith(("notices", "warnings", "customers."))]
    counts += ["sanctions", "sanction_cases", "wrongful_notices", "wrongful_sanctions", "lawsuits"]
    for c in counts:
        assert (df[c] >= 0).all(), c
        assert df[c].dtype.kind in "iu", c
    assert (df.wrongful_sanctions <= df.sanctions).all()
    assert (df.wrongful_notices <= df.notices_sent).all()
    assert (df.notices_handled + df.notices_refused + df.notices_dropped == df.notices_sent).all()
    assert (df.salience >= 0).all() and (df.p2p_traffic >= 0).all()
    assert (df.rights_holder_revenue > 0).all()


def test_subscriber_state_at_most_32_bytes(uk_run):
    m, _ = uk_run
    assert m.accounts.state_bytes() <= 32 * m.accounts.n


def test_represents_scales_money_not_shares():
    base = {"population": {"subscribers": 2000}}
    scaled = {"population": {"subscribers": 2000, "represents": 20_000}}
    a = build(base).run(3).outcomes()
    b = build(scaled).run(3).outcomes()
    assert np.allclose(b.rights_holder_revenue, 10 * a.rights_holder_revenue)
    assert np.allclose(b["profit.ISP"], 10 * a["profit.ISP"])
    assert (a.infringing_share == b.infringing_share).all()


# --------------------------------------------------------------------------- salience
def test_legislative_news_adds_impulses_and_salience_decays_exactly():
    sal = {"decay_weeks": 5.0, "consultation_impulse": 0.1, "bill_impulse": 0.2, "law_impulse": 0.3}
    reg = {"schedule": {"consultation_week": 1, "bill_week": 4, "law_week": 4}}
    df = build({"salience": sal, "regulator": reg}).run(8).outcomes()
    d = math.exp(-1 / 5)
    want = [0.0, 0.1, 0.1 * d, 0.1 * d * d]
    want.append(want[-1] * d + 0.2 + 0.3)  # two stages in one week: both impulses
    for _ in range(3):
        want.append(want[-1] * d)
    assert np.allclose(df.salience, want, rtol=1e-12, atol=0)


def test_salience_is_capped_at_maximum():
    sal = {"law_impulse": 1.0, "bill_impulse": 1.0, "maximum": 0.7}
    reg = {"schedule": {"bill_week": 0, "law_week": 0}}
    df = build({"salience": sal, "regulator": reg}).run(2).outcomes()
    assert df.salience.iloc[0] == 0.7


def test_notice_and_sanction_news_add_to_next_weeks_salience():
    n = 10_000
    data = {
        "population": {"subscribers": n, "churn": {"base_weekly": 0.0}},
        "isps": [{"name": "A", "market_share": 1.0, "stance": "disconnect", "adaptive": False}],
        "rights_bodies": [
            {"name": "RB", "detection_prob": 0.1, "misattribution_rate": 0.0, "escalates": False}
        ],
        "salience": {"notice_weight": 0.01, "sanction_weight": 0.05, "decay_weeks": 4.0},
    }
    df = build(data).run(6).outcomes()
    per_1000 = 1000 / n
    for t in range(1, 6):
        # one notice per detected sharer (no misattribution): delivered = handled
        news = (0.01 * df.notices_handled[t - 1] + 0.05 * df.sanctions[t - 1]) * per_1000
        want = df.salience[t - 1] * math.exp(-1 / 4) + news
        assert df.salience[t] == pytest.approx(want, rel=1e-12)
    assert df.salience.iloc[-1] > 0


def test_perceived_risk_outcome_is_mean_of_own_risk_plus_salience():
    m = build({"population": {"subscribers": 1000}, "regulator": {"schedule": {"bill_week": 0}}})
    m.accounts.risk[:500] = 0.5
    df = m.run(1).outcomes()
    sal = df.salience.iloc[0]  # consultation + bill impulses = 0.2
    assert sal == pytest.approx(0.2)
    assert df.perceived_risk.iloc[0] == pytest.approx(0.5 * (0.5 + sal) + 0.5 * sal, rel=1e-6)


# --------------------------------------------------------------------------- legal service, VPN
def test_legal_service_adoption_only_by_willing_subscribers_at_the_adoption_rate():
    n, rate, price, launch = 20_000, 0.05, 2.0, 3
    data = {
        "population": {"subscribers": n, "legal": {"adoption_rate": rate}},
        "rights_bodies": [
            {
                "name": "RB",
                "detection_prob": 0.0,
                "escalates": False,
                "legal_service": {"launch_week": launch, "price": price},
            }
        ],
    }
    m = build(data)
    willing = int(np.count_nonzero(m.accounts.legal_value > price))  # perceived risk is 0
    df = m.run(launch + 1).outcomes()
    assert (df.new_legal.iloc[:launch] == 0).all() and (df.legal_share.iloc[:launch] == 0).all()
    k = df.new_legal.iloc[launch]
    assert abs(k - rate * willing) < Z * math.sqrt(willing * rate * (1 - rate))
    assert np.all(m.accounts.legal_value[m.accounts.legal] > price)
    assert df.legal_share.iloc[launch] == k / n


def test_legal_service_lowers_infringement():
    def run(launch):
        data = {
            "population": {"subscribers": 20_000, "legal": {"adoption_rate": 1.0}},
            "rights_bodies": [
                {
                    "name": "RB",
                    "detection_prob": 0.0,
                    "escalates": False,
                    "legal_service": {"launch_week": launch, "price": 0.0},
                }
            ],
        }
        return build(data, seed=6).run(4).outcomes().infringing_share.iloc[-1]

    # week 3: with every subscriber legal (value > 0 for ~93%), the pull of 1.5 logits
    # cuts sharing by far more than the binomial noise (se ~ 0.002)
    assert run(0) < run(None) - 0.02


def test_vpn_adopted_on_notice_with_its_probability():
    n = 20_000
    data = {
        "population": {"subscribers": n, "vpn": {"adopt_on_notice": 0.5, "weekly_rate": 0.0}},
        "isps": [{"name": "A", "market_share": 1.0, "stance": "forward", "adaptive": False}],
        "rights_bodies": [
            {"name": "RB", "detection_prob": 0.5, "misattribution_rate": 0.0, "escalates": False}
        ],
    }
    m = build(data)
    m.step()
    notified = m.isps[0].delivered
    vpn = np.flatnonzero(m.accounts.vpn)
    assert np.all(np.isin(vpn, notified))
    k = len(notified)
    assert abs(len(vpn) - 0.5 * k) < Z * math.sqrt(k * 0.25)


def test_no_vpn_adoption_where_nobody_polices():
    data = {
        "population": {"subscribers": 5000, "vpn": {"adopt_on_notice": 1.0, "weekly_rate": 1.0}},
        "rights_bodies": [{"name": "RB", "detection_prob": 0.5, "escalates": False}],
    }
    df = build(data).run(5).outcomes()  # the default ISP refuses: no letters, no penalty
    assert (df.vpn_share == 0).all()


def test_one_step_is_one_week_for_mesa_and_the_model():
    # Mesa's wrapped step() advances steps and time; the model must not add its own
    m = PolicyModel(load_scenario(data={"population": {"subscribers": 500}}), rng=1)
    m.run(7)
    assert (m.week, m.steps, m.time) == (7, 7, 7.0)
    assert list(m.outcomes().week) == list(range(7))
