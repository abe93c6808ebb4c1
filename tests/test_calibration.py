"""Calibration: parameter ranges, the Latin hypercube and the compass search (no model runs)."""

from __future__ import annotations

import numpy as np
import pytest

from model.calibration import compass_search, latin_hypercube, parse_range


def test_parse_range():
    assert parse_range("population.risk.notice_jump=0.2:0.8") == (
        "population.risk.notice_jump",
        0.2,
        0.8,
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("population.risk.notice_jump", "PATH=LOW:HIGH"),
        ("population.risk.notice_jump=0.2", "PATH=LOW:HIGH"),
        ("x=a:b", "must be numbers"),
        ("x=0.8:0.2", "must be below HIGH"),
    ],
)
def test_parse_range_errors(text, words):
    with pytest.raises(ValueError, match=words):
        parse_range(text)


def test_latin_hypercube_has_one_point_per_stratum():
    ranges = {"a": (0.0, 1.0), "b": (10.0, 30.0)}
    points = latin_hypercube(ranges, 8, seed=3)
    assert len(points) == 8
    for name, (lo, hi) in ranges.items():
        strata = sorted(int((p[name] - lo) / (hi - lo) * 8) for p in points)
        assert strata == list(range(8))


def test_compass_search_finds_the_minimum_of_a_bowl():
    ranges = {"a": (0.0, 1.0), "b": (0.0, 10.0)}
    calls = []

    def bowl(p):
        calls.append(p)
        return (p["a"] - 0.3) ** 2 + ((p["b"] - 7.0) / 10) ** 2

    start = {"a": 0.9, "b": 1.0}
    best, value = compass_search(bowl, start, bowl(start), ranges, budget=200, min_step=0.001)
    assert best["a"] == pytest.approx(0.3, abs=0.01)
    assert best["b"] == pytest.approx(7.0, abs=0.1)
    assert value < 1e-3
    assert len(calls) <= 201


def test_compass_search_respects_budget_and_bounds():
    ranges = {"a": (0.0, 1.0)}
    seen = []

    def downhill(p):
        seen.append(p["a"])
        return -p["a"]  # best at the upper bound

    best, _ = compass_search(downhill, {"a": 0.5}, -0.5, ranges, budget=3)
    assert len(seen) <= 3
    assert all(0.0 <= a <= 1.0 for a in seen)
    assert best["a"] == pytest.approx(1.0)
    assert np.isfinite(best["a"])
