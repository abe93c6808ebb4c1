"""Common random numbers within Saltelli blocks: the seed plan, and what it does to the
Sobol indices of a model with known indices plus seed noise (Ishigami + noise).

Ishigami: f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi), a = 7, b = 0.1, with
(Ishigami and Homma 1990; Saltelli et al. 2008, Global Sensitivity Analysis, 4.5)
V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0,
V13 = 8 b^2 pi^8 / 225; total effects VT1 = V1 + V13, VT2 = V2, VT3 = V13.

The run's outcome is f(x) + sigma * e, e ~ N(0, 1) drawn from the run's own SeedSequence
(as the simulation draws its noise). Seen as an input, the seed is part of the world: the
indices of the parameters are shares of Var(Y) = V + sigma^2 / R (R replicates averaged
per world), i.e. S_i = V_i / (V + sigma^2 / R) and ST_i = VT_i / (V + sigma^2 / R). That
is what a design holding the seed fixed within each Saltelli block estimates. A design
with a seed per world puts the noise into every difference f(A_j) - f(AB_j^i), and
Jansen's total index becomes (VT_i + sigma^2 / R) / (V + sigma^2 / R): biased up by the
noise share, the same for every parameter (an outcome mostly noise reads ST ~ 1).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from model import load_scenario
from model.analysis import convergence, indices
from model.experiment import analysis_matrix, design, plan, seed_worlds
from tests.conftest import small_yaml

A_ISH, B_ISH = 7.0, 0.1
PI = np.pi
V = A_ISH**2 / 8 + B_ISH * PI**4 / 5 + B_ISH**2 * PI**8 / 18 + 0.5
V1 = (1 + B_ISH * PI**4 / 5) ** 2 / 2
V2 = A_ISH**2 / 8
V13 = 8 * B_ISH**2 * PI**8 / 225
VT = (V1 + V13, V2, V13)
VS = (V1, V2, 0.0)
SIGMA = float(np.sqrt(V))  # noise as large as the signal: half of Var(Y) is the seed's

# three uncertain parameters of the real scenario; the test maps each range onto
# [-pi, pi] (Sobol indices do not change under an affine map of an input)
RANGES = {
    "rights_bodies.BPI.detection_prob": (0.0005, 0.01),
    "population.risk.notice_jump": (0.2, 0.9),
    "salience.decay_weeks": (3.0, 26.0),
}
PATHS = list(RANGES)
OUTCOME = "final.infringing_share"


def ishigami_yaml(samples: int, replicates: int = 1, method: str = "sobol") -> str:
    lines = "".join(f"    {p}: {{low: {lo}, high: {hi}}}\n" for p, (lo, hi) in RANGES.items())
    return small_yaml(replicates=replicates, steps=5) + (
        f"analysis:\n  method: {method}\n  samples: {samples}\n  conf_level: 0.99\n"
        f"  parameters:\n{lines}  outcomes:\n    - {{name: {OUTCOME}}}\n"
    )


def ishigami(x: np.ndarray) -> np.ndarray:
    """Ishigami on the scenario ranges (columns in RANGES order)."""
    lows = np.array([lo for lo, _ in RANGES.values()])
    highs = np.array([hi for _, hi in RANGES.values()])
    u = -PI + 2 * PI * (x - lows) / (highs - lows)
    return np.sin(u[:, 0]) + A_ISH * np.sin(u[:, 1]) ** 2 + B_ISH * u[:, 2] ** 4 * np.sin(u[:, 0])


def noisy_summary(scenario, shared_seeds: bool) -> pd.DataFrame:
    """summary.csv as the runs of ``plan(scenario)`` would write it: Ishigami of the
    world's parameters plus sigma * N(0, 1) drawn from the run's seed. ``shared_seeds``
    False gives each world its own seed (the design before blocks shared them)."""
    x = analysis_matrix(scenario)
    f = ishigami(x)
    rows = []
    for spec in plan(scenario):
        if not shared_seeds:
            spec = dataclasses.replace(spec, seed_world=None)
        noise = np.random.default_rng(spec.seed_sequence()).standard_normal()
        rows.append(
            {
                "run_id": spec.run_id,
                "point": spec.point,
                "replicate": spec.replicate,
                OUTCOME: f[spec.point] + SIGMA * noise,
            }
        )
    return pd.DataFrame(rows)


def analytic(replicates: int) -> dict[str, tuple[float, float]]:
    """(S1, ST) of each parameter with the seed's noise averaged over ``replicates``."""
    total = V + SIGMA**2 / replicates
    return {p: (VS[i] / total, VT[i] / total) for i, p in enumerate(PATHS)}


def test_worlds_of_one_saltelli_block_share_a_seed_and_blocks_do_not(write):
    scenario = load_scenario(write("s.yaml", ishigami_yaml(samples=8, replicates=2)))
    block = len(PATHS) + 2  # A_j, AB_j^1..AB_j^3, B_j
    assert seed_worlds(scenario) == [w // block for w in range(8 * block)]
    specs = plan(scenario)
    assert [s.seed_record()["spawn_key"] for s in specs[: 2 * block]] == [
        [0, r] for _ in range(block) for r in (0, 1)
    ]
    states = {}
    for s in specs:
        states.setdefault((s.point // block, s.replicate), set()).add(
            tuple(s.seed_sequence().generate_state(4))
        )
    assert all(len(v) == 1 for v in states.values())  # one seed per block and replicate
    assert len({next(iter(v)) for v in states.values()}) == 8 * 2  # distinct across them
    # the seed is fixed by the design: planning again gives the same keys (no state)
    assert [s.seed_record() for s in plan(scenario)] == [s.seed_record() for s in specs]


def test_morris_trajectories_share_a_seed_and_sweeps_keep_one_per_world(write):
    morris = load_scenario(write("m.yaml", ishigami_yaml(samples=4, method="morris")))
    assert seed_worlds(morris) == [w // (len(PATHS) + 1) for w in range(4 * (len(PATHS) + 1))]
    sweep = small_yaml(replicates=1, steps=5) + (
        "  sweep:\n    method: lhs\n    samples: 5\n    parameters:\n"
        "      population.risk.notice_jump: {low: 0.2, high: 0.9}\n"
    )
    lhs = load_scenario(write("l.yaml", sweep))
    assert seed_worlds(lhs) == list(range(5))
    assert [s.seed_record()["spawn_key"] for s in plan(lhs)] == [[w, 0] for w in range(5)]
    assert len(design(lhs)) == 5


@pytest.mark.parametrize("replicates", [1, 4])
def test_shared_seeds_give_the_analytic_total_indices_and_a_seed_per_world_does_not(
    write, replicates
):
    # N = 1024 blocks, 99 % bootstrap intervals: with the seed shared in each block every
    # index is within its CI (+ 0.02 for the bootstrap's own error) of the analytic value,
    # and the CIs are informative (< 0.1). With a seed per world every ST is biased up by
    # the noise share sigma^2/R / (V + sigma^2/R): 0.5 with R = 1, 0.2 with R = 4.
    scenario = load_scenario(write("i.yaml", ishigami_yaml(samples=1024, replicates=replicates)))
    exact = analytic(replicates)
    shared = indices(scenario, noisy_summary(scenario, shared_seeds=True)).set_index("parameter")
    for p, (s1, st) in exact.items():
        row = shared.loc[p]
        assert row["ST_conf"] < 0.1 and row["S1_conf"] < 0.1, (p, row)
        assert abs(row["ST"] - st) <= row["ST_conf"] + 0.02, (p, row["ST"], st)
        assert abs(row["S1"] - s1) <= row["S1_conf"] + 0.02, (p, row["S1"], s1)
    bias = (SIGMA**2 / replicates) / (V + SIGMA**2 / replicates)
    own = indices(scenario, noisy_summary(scenario, shared_seeds=False)).set_index("parameter")
    for p, (_, st) in exact.items():
        row = own.loc[p]
        # above the analytic value beyond its own CI, and near the biased value
        assert row["ST"] - st > row["ST_conf"], (p, row["ST"], st)
        assert abs(row["ST"] - (st + bias)) <= row["ST_conf"] + 0.03, (p, row["ST"], st + bias)


def test_convergence_of_shared_seed_design_settles_on_the_analytic_totals(write):
    # nested prefixes keep whole blocks, so the seed sharing holds at every N
    scenario = load_scenario(write("c.yaml", ishigami_yaml(samples=512)))
    table = convergence(scenario, noisy_summary(scenario, shared_seeds=True))
    exact = analytic(1)
    final = table[table["N"] == 512].set_index("parameter")
    for p, (_, st) in exact.items():
        assert abs(final.loc[p, "ST"] - st) <= final.loc[p, "ST_conf"] + 0.02
    # intervals shrink with N (about 1/sqrt(N)): at N = 512 at most half those at N = 32
    width = table.groupby("N")["ST_conf"].mean()
    assert width[512] <= 0.5 * width[32]
