"""The sampling primitives behind every sparse rule, and the named random streams.

``choose`` must give exactly what one uniform draw per candidate would: each candidate
independently with probability p. Tolerances are 4.5 standard errors of the statistic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from model.streams import STREAMS, _gaps, choose, make_streams, seed_sequence

Z = 4.5


@pytest.mark.parametrize(("n", "p"), [(1000, 0.03), (200, 0.5), (50_000, 0.001)])
def test_choose_counts_are_binomial(n, p):
    rng = np.random.default_rng(1)
    reps = 4000
    counts = np.array([len(choose(rng, n, p)) for _ in range(reps)])
    # the mean of `reps` Binomial(n, p) counts has s.e. sqrt(n p (1 - p) / reps)
    assert abs(counts.mean() - n * p) < Z * math.sqrt(n * p * (1 - p) / reps)
    # the sample variance of a binomial has s.e. about var * sqrt(2 / reps)
    var = n * p * (1 - p)
    assert abs(counts.var() - var) < Z * var * math.sqrt(2 / reps) + 1e-9


def test_choose_picks_every_position_with_equal_probability():
    rng = np.random.default_rng(2)
    n, p, reps = 100, 0.1, 5000
    hits = np.zeros(n)
    for _ in range(reps):
        hits[choose(rng, n, p)] += 1
    # chi-square of per-position counts against n p reps each (99 d.f.)
    chi2 = np.sum((hits - reps * p) ** 2 / (reps * p * (1 - p)))
    assert stats.chi2.sf(chi2, df=n - 1) > 1e-4


def test_choose_returns_distinct_sorted_members_of_the_candidates():
    rng = np.random.default_rng(3)
    candidates = np.arange(10, 10_010, 2)
    picked = choose(rng, candidates, 0.3)
    assert np.all(np.diff(picked) > 0)
    assert np.all(np.isin(picked, candidates))
    assert len(choose(rng, candidates, 0.0)) == 0
    assert np.array_equal(choose(rng, candidates, 1.0), candidates)
    assert len(choose(rng, 0, 0.5)) == 0


@pytest.mark.parametrize("p", [0.002, 0.05, 0.4])
def test_geometric_draws_have_the_geometric_pmf(p):
    rng = np.random.default_rng(4)
    size = 200_000
    draws = _gaps(rng, -1.0 / math.log1p(-p), size)
    assert draws.min() >= 1
    # P(X = 1) = p and P(X > 5) = (1 - p)^5, each a binomial proportion
    for observed, expected in ((np.mean(draws == 1), p), (np.mean(draws > 5), (1 - p) ** 5)):
        assert abs(observed - expected) < Z * math.sqrt(expected * (1 - expected) / size)


def test_streams_are_named_independent_and_reproducible():
    a = make_streams(seed_sequence(7))
    b = make_streams(seed_sequence(7))
    assert set(a) == set(STREAMS)
    first = {name: g.random() for name, g in a.items()}
    assert first == {name: g.random() for name, g in b.items()}
    assert len(set(first.values())) == len(STREAMS)  # no two streams start alike
    c = make_streams(seed_sequence(8))
    assert all(c[name].random() != first[name] for name in STREAMS)


def test_choose_never_returns_its_input_array():
    """With probability 1 every candidate is chosen, in a new array: a caller that
    shuffles the result (RightsBody.monitor) must not reorder the caller's own array."""
    rng = np.random.default_rng(0)
    candidates = np.arange(10, 20)
    picked = choose(rng, candidates, 1.0)
    assert picked is not candidates and not np.shares_memory(picked, candidates)
    rng.shuffle(picked)
    assert candidates.tolist() == list(range(10, 20))


def test_full_detection_leaves_the_models_sharers_in_order():
    from model import PolicyModel, load_scenario

    data = {
        "population": {"subscribers": 2000, "sharing": {"baseline_share": 0.3}},
        "isps": [{"name": "A", "market_share": 1.0, "adaptive": False}],
        "rights_bodies": [{"name": "RB", "detection_prob": 1.0, "escalates": False}],
    }
    m = PolicyModel(load_scenario(data=data), rng=2)
    seen = []
    monitor = m.rights_bodies[0].monitor
    m.rights_bodies[0].monitor = lambda week, sharers: (
        seen.append(sharers),
        monitor(week, sharers),
    )[1]
    m.run(2)
    assert all(len(s) > 0 and (np.diff(s) > 0).all() for s in seen)
