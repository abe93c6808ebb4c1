"""The per-agent Mesa baseline implements the same rules as the vectorised model.

``benchmarks/baseline_mesa_agents.py`` rewrites the model with one ``mesa.Agent`` per
subscriber, as the benchmark's point of comparison. Its random numbers differ from the
vectorised model's (other generators, other order of draws), so the two cannot agree run
by run; they must agree in distribution. Each scenario below is run with both models
over the same 20 seeds and each outcome statistic is compared between the two samples.

Tolerance, derived from the sampling error. For a statistic with per-seed values
a_1..a_20 (baseline) and b_1..b_20 (vectorised), all independent, the difference of the
means has standard error SE = sqrt(var_a / 20 + var_b / 20) (sample variances). If both
models draw from one distribution, (mean_a - mean_b) / SE is approximately Student-t
with about 38 degrees of freedom (Welch-Satterthwaite). Two tests per statistic, which
look at different things:

- a Welch t-test on the means, and
- a two-sample Kolmogorov-Smirnov test on the whole distribution (it also catches a change
  of spread or shape with the mean unchanged),

each must not reject at ALPHA = 0.001 (Bonferroni over ~15 statistics x 2 tests:
family-wise false failure rate under 3.5%; the seeds are fixed, so the outcome is
reproducible). (A former third check, |mean_a - mean_b| < 4.5 SE, was the Welch test at
another threshold: implied by it, so dropped.)

Power: a rule error that shifts a statistic by several SE fails the test (e.g. the share
of wrongful sanctions among notices is about 0.015 with SE about 0.002; the refuser's
final market share about 0.415 with SE about 0.003). An error that touches few
subscribers can pass: dropping the risk jump on a notice moved total sanctions by 2.6 SE
and letting suspended subscribers share moved nothing by more than 1.1 SE. This is a
check of equivalence within sampling error, not a proof.

Sizes are chosen to keep the module under about 40 s: the per-agent baseline takes
about 15 s for 1,500 subscribers x 40 weeks x 20 seeds on one core, the vectorised
model a few seconds (most of it per-week overhead at this size).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from benchmarks.baseline_mesa_agents import AgentBasedPolicyModel, SubscriberAgent, time_baseline
from model import PolicyModel, load_scenario

SEEDS = range(20)
ALPHA = 0.001

# Main scenario: 1,500 subscribers, 40 weeks. One ISP under graduated response (one
# warning, then a fine), one that disconnects (throttles) on the first notice, one
# that refuses on principle; detection high enough for notices and sanctions every week;
# 10% misattribution; VPNs, a legal service launching at week 15, base churn (default)
# and flight from policing ISPs made frequent (contracts free a tenth of sharers a week,
# flight 0.5) so that the refuser's market share tests the flight rule; escalation reviews
# every 13 weeks. Salience weights and the weight of learned enforcement are lowered so
# that perceived risk stays below its cap and own risk (notices, fading) matters.
MAIN = {
    "population": {
        "subscribers": 1_500,
        "sharing": {"baseline_share": 0.2},
        "risk": {"enforcement_weight": 1.8},
        "churn": {"contract_free_weekly": 0.1, "flight": 0.5},
    },
    "salience": {"notice_weight": 0.003, "sanction_weight": 0.03},
    "isps": [
        {
            "name": "Grad",
            "market_share": 0.4,
            "price": 18,
            "stance": "graduated",
            "adaptive": False,
            "warning_levels": 1,
            "sanction": "fine",
            "sanction_fine": 500.0,
        },
        {
            "name": "Cut",
            "market_share": 0.25,
            "price": 16,
            "stance": "disconnect",
            "adaptive": False,
            "sanction": "throttle",
        },
        {
            "name": "Refuse",
            "market_share": 0.35,
            "price": 15,
            "stance": "refuse",
            "principled": True,
        },
    ],
    "rights_bodies": [
        {
            "name": "RB",
            "detection_prob": 0.05,
            "misattribution_rate": 0.1,
            "review_interval_weeks": 13,
            "initial_level": "demand",
            "legal_service": {"launch_week": 15, "price": 2.0},
        }
    ],
}
MAIN_WEEKS = 40

# Institutional scenario: 800 subscribers, 30 weeks. Two adaptive ISPs that refuse
# until a scheduled law (consultation at week 0, bill at 4, law at 8) imposes graduated
# response with one warning; sanctions go through due process (2-week delay, limited
# capacity, so a backlog can form); the rights body litigates (individuals sued each
# week; the perceived penalty of litigation is lowered so that sharing, and sanctions,
# remain).
INSTITUTIONAL = {
    "population": {
        "subscribers": 800,
        # warnings leave P2P intensity alone here (the main scenario covers that rule), so
        # that sanctions remain after a one-warning ladder in every seed
        "sharing": {"baseline_share": 0.2, "final_warning_p2p_kept": 1.0},
        "risk": {"penalty_litigation": 1.0, "enforcement_weight": 1.8},
    },
    "salience": {"notice_weight": 0.003, "sanction_weight": 0.03},
    "isps": [
        {"name": "A", "market_share": 0.6, "price": 18, "stance": "refuse"},
        {"name": "B", "market_share": 0.4, "price": 15, "stance": "refuse"},
    ],
    "rights_bodies": [
        {
            "name": "RB",
            "detection_prob": 0.1,
            "misattribution_rate": 0.15,
            "initial_level": "litigate",
            "max_level": "litigate",
            "lawsuits_per_million": 2_000,
        }
    ],
    "regulator": {
        "schedule": {"consultation_week": 0, "bill_week": 4, "law_week": 8},
        "law_warning_levels": 1,
        "due_process": True,
        "review_delay_weeks": 2,
        "review_capacity": 4_000,
        "review_accuracy": 0.8,
    },
}
INSTITUTIONAL_WEEKS = 30


def main_statistics(df) -> dict[str, float]:
    """Per-run statistics of the main scenario."""
    return {
        "mean infringing share, weeks 10-40": df.infringing_share.iloc[10:40].mean(),
        "total sanctions": df.sanctions.sum(),
        "wrongful sanctions / notices": df.wrongful_sanctions.sum() / df.notices_sent.sum(),
        "final market share of the refuser": df["market_share.Refuse"].iloc[-1],
        "final VPN share": df.vpn_share.iloc[-1],
        "final legal share": df.legal_share.iloc[-1],
        "mean perceived risk, weeks 10-40": df.perceived_risk.iloc[10:40].mean(),
        "mean P2P traffic, weeks 10-40": df.p2p_traffic.iloc[10:40].mean(),
        "mean top-decile traffic share, weeks 10-40": df.traffic_top_decile_share.iloc[
            10:40
        ].mean(),
        "repeat notices / notices handled": (df.repeat_notice_share * df.notices_handled).sum()
        / df.notices_handled.sum(),
        "total fines": df.fines.sum(),
        "mean enforcement seen, weeks 10-40": df.enforcement_seen.iloc[10:40].mean(),
    }


def institutional_statistics(df) -> dict[str, float]:
    """Per-run statistics of the institutional scenario."""
    return {
        "mean infringing share, weeks 10-30": df.infringing_share.iloc[10:30].mean(),
        "total sanctions": df.sanctions.sum(),
        "cases overturned / reviewed": df.cases_overturned.sum() / max(df.cases_reviewed.sum(), 1),
        "final review backlog": df.review_backlog.iloc[-1],
        "total lawsuits": df.lawsuits.sum(),
        "final market share of B": df["market_share.B"].iloc[-1],
    }


def samples(model_cls, data, weeks, statistics) -> dict[str, np.ndarray]:
    """Each statistic over SEEDS runs of ``model_cls``."""
    scenario = load_scenario(data=data)
    runs = [statistics(model_cls(scenario, rng=seed).run(weeks).outcomes()) for seed in SEEDS]
    return {name: np.array([r[name] for r in runs], dtype=float) for name in runs[0]}


@pytest.fixture(scope="module")
def main_runs():
    return {
        "baseline": samples(AgentBasedPolicyModel, MAIN, MAIN_WEEKS, main_statistics),
        "vectorised": samples(PolicyModel, MAIN, MAIN_WEEKS, main_statistics),
    }


@pytest.fixture(scope="module")
def institutional_runs():
    return {
        "baseline": samples(
            AgentBasedPolicyModel, INSTITUTIONAL, INSTITUTIONAL_WEEKS, institutional_statistics
        ),
        "vectorised": samples(
            PolicyModel, INSTITUTIONAL, INSTITUTIONAL_WEEKS, institutional_statistics
        ),
    }


def assert_same_distribution(a: np.ndarray, b: np.ndarray, name: str) -> None:
    """Welch t (means) and KS (distributions) tests do not reject at ALPHA."""
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert se > 0, f"{name}: no variation across seeds in either model (scenario inert)"
    gap = abs(a.mean() - b.mean())
    detail = (
        f"{name}: baseline {a.mean():.5g} +- {a.std(ddof=1):.3g}, "
        f"vectorised {b.mean():.5g} +- {b.std(ddof=1):.3g}, gap {gap / se:.2f} SE"
    )
    welch = stats.ttest_ind(a, b, equal_var=False).pvalue
    assert welch > ALPHA, f"{detail}; Welch p = {welch:.2g}"
    ks = stats.ks_2samp(a, b).pvalue
    assert ks > ALPHA, f"{detail}; KS p = {ks:.2g}"


MAIN_NAMES = [
    "mean infringing share, weeks 10-40",
    "total sanctions",
    "wrongful sanctions / notices",
    "final market share of the refuser",
    "final VPN share",
    "final legal share",
    "mean perceived risk, weeks 10-40",
    "mean P2P traffic, weeks 10-40",
    "mean top-decile traffic share, weeks 10-40",
    "repeat notices / notices handled",
]
INSTITUTIONAL_NAMES = [
    "mean infringing share, weeks 10-30",
    "total sanctions",
    "cases overturned / reviewed",
    "final review backlog",
    "total lawsuits",
    "final market share of B",
]


@pytest.mark.parametrize("name", MAIN_NAMES)
def test_main_scenario_outcomes_agree_in_distribution(main_runs, name):
    assert_same_distribution(main_runs["baseline"][name], main_runs["vectorised"][name], name)


@pytest.mark.parametrize("name", INSTITUTIONAL_NAMES)
def test_law_due_process_and_litigation_agree_in_distribution(institutional_runs, name):
    assert_same_distribution(
        institutional_runs["baseline"][name], institutional_runs["vectorised"][name], name
    )


def test_scenarios_exercise_the_rules(main_runs, institutional_runs):
    """The comparison means something only if the rules fire in the runs."""
    main, inst = main_runs["baseline"], institutional_runs["baseline"]
    assert main["total sanctions"].min() > 0
    assert (main["total fines"] > 0).sum() >= 5  # fines after a final warning are rarer
    assert main["wrongful sanctions / notices"].max() > 0
    assert main["final legal share"].min() > 0
    assert main["final VPN share"].min() > 0
    assert main["repeat notices / notices handled"].min() > 0
    # heavy-tailed intensities (default intensity_sd): the top decile has most of the volume
    assert main["mean top-decile traffic share, weeks 10-40"].min() > 0.5
    assert main["final market share of the refuser"].mean() > MAIN["isps"][2]["market_share"]
    assert inst["total sanctions"].min() > 0
    assert inst["total lawsuits"].min() > 0
    assert inst["final review backlog"].max() > 0
    assert inst["cases overturned / reviewed"].max() > 0


# --------------------------------------------------------------------------- sanity
def test_baseline_is_one_mesa_agent_per_subscriber():
    scenario = load_scenario(data=MAIN, overrides={"population.subscribers": 500})
    m = AgentBasedPolicyModel(scenario, rng=5)
    agents = m.agents_by_type[SubscriberAgent]
    assert len(agents) == 500
    assert all(type(a) is SubscriberAgent for a in agents)
    assert len({a.unique_id for a in agents}) == 500
    m.run(10)
    assert len(m.agents_by_type[SubscriberAgent]) == 500
    by_isp = np.bincount([a.isp for a in agents], minlength=len(m.isps))
    assert by_isp.tolist() == [isp.customers for isp in m.isps]
    assert by_isp.sum() == 500


def test_baseline_has_the_vectorised_models_outcome_columns():
    scenario = load_scenario(data=MAIN, overrides={"population.subscribers": 300})
    baseline = AgentBasedPolicyModel(scenario, rng=1).run(3).outcomes()
    vectorised = PolicyModel(scenario, rng=1).run(3).outcomes()
    assert list(baseline.columns) == list(vectorised.columns)
    assert baseline.week.tolist() == [0, 1, 2]


def test_baseline_is_reproducible_from_its_seed():
    scenario = load_scenario(data=MAIN, overrides={"population.subscribers": 300})
    a = AgentBasedPolicyModel(scenario, rng=9).run(8).outcomes()
    b = AgentBasedPolicyModel(scenario, rng=9).run(8).outcomes()
    c = AgentBasedPolicyModel(scenario, rng=10).run(8).outcomes()
    assert a.equals(b)
    assert not a.equals(c)


def test_time_baseline_returns_seconds():
    seconds = time_baseline(200, steps=2, seed=0)
    assert isinstance(seconds, float) and seconds > 0
