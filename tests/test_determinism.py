"""Reproducibility: one seed gives one run; seeds differ; named streams keep processes apart.

Each random process draws from its own named stream (model/streams.py), so changing a
parameter of one process leaves the draws of the others unchanged wherever the rule
does not depend on it (common random numbers between policy variants).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model import PolicyModel, load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"


def run(seed, weeks=26, **overrides):
    s = load_scenario(SCENARIO, overrides={"population.subscribers": 5000, **overrides})
    return PolicyModel(s, rng=seed).run(weeks)


def test_same_seed_gives_identical_outcomes():
    a, b = run(7), run(7)
    pd.testing.assert_frame_equal(a.outcomes(), b.outcomes())
    for name in ("isp", "propensity", "risk", "vpn", "strikes", "suspended_until"):
        assert np.array_equal(getattr(a.population, name), getattr(b.population, name))


def test_seed_sequence_and_int_seed_agree():
    a = run(7, weeks=5)
    b = run(np.random.SeedSequence(7), weeks=5)
    pd.testing.assert_frame_equal(a.outcomes(), b.outcomes())


def test_different_seeds_differ():
    a, b = run(7).outcomes(), run(8).outcomes()
    assert not a.infringing_share.equals(b.infringing_share)
    assert not a.notices_sent.equals(b.notices_sent)


def test_detection_parameter_does_not_change_the_initial_population_or_first_decisions():
    a = run(3, weeks=1, **{"rights_bodies.BPI.detection_prob": 0.002})
    b = run(3, weeks=1, **{"rights_bodies.BPI.detection_prob": 0.2})
    assert np.array_equal(a.population.propensity, b.population.propensity)
    assert np.array_equal(a.population.isp, b.population.isp)
    assert np.array_equal(a.population.sharing, b.population.sharing)  # week 0 decisions
    assert a.outcomes().notices_sent.iloc[0] < b.outcomes().notices_sent.iloc[0]


def test_stance_does_not_change_who_is_detected_in_the_first_week():
    # the same sharers and the same detection draws: only what the ISP does differs
    det = {"rights_bodies.BPI.detection_prob": 0.2}
    a = run(3, weeks=1, **det, **{"isps.BT.stance": "refuse"})
    b = run(3, weeks=1, **det, **{"isps.BT.stance": "forward", "isps.BT.adaptive": False})
    assert a.outcomes().notices_sent.iloc[0] == b.outcomes().notices_sent.iloc[0]
    assert np.array_equal(a.population.sharing, b.population.sharing)
    assert b.outcomes()["notices_handled.BT"].iloc[0] > 0


def test_churn_parameter_does_not_change_decisions_stream():
    # churn draws come from their own stream: week 0 decisions identical across churn rates
    # (without the MoU's letters, which move some subscribers to rivals from week 0)
    a = run(5, weeks=1, **{"population.churn.base_weekly": 0.0, "agreement": None})
    b = run(5, weeks=1, **{"population.churn.base_weekly": 0.1, "agreement": None})
    assert np.array_equal(a.population.sharing, b.population.sharing)
    assert a.outcomes().churn.iloc[0] == 0 and b.outcomes().churn.iloc[0] > 0
