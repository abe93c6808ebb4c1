"""Named random streams: one numpy Generator per random process, derived from the run seed.

Each process (decisions, detection, churn, ...) draws from its own stream, so two runs
that differ only in a policy share their random numbers wherever the policy does not
change what is drawn (common random numbers), and adding a process never shifts the
others' numbers: a stream's key is a hash of its name, not its position in a list.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

STREAMS: tuple[str, ...] = (
    "init",  # the initial population: ISPs, propensities, valuations
    "decisions",  # subscribers' weekly choice to share
    "detection",  # rights bodies' monitoring
    "misattribution",  # whose name a detection is pinned on
    "review",  # due-process review of sanction cases
    "churn",  # switching ISP
    "vpn",  # adopting a VPN
    "legal",  # adopting a legal service
    "litigation",  # choosing whom to sue
    "stance",  # ISPs' and associations' noisy stance choices
    "stance_review",  # when ISPs and associations review their stance
    "escalation",  # when rights bodies review escalation
    "legislation",  # when government acts; each bill's passage time
    "commencement",  # a passed law's delay before its obligations come into force
    "challenge",  # ISPs' court challenges of a passed law: who, how long, the judgment
)


def seed_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """The run's root SeedSequence (fresh OS entropy when ``seed`` is None)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(seed)


def make_streams(root: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One independent Generator per name in :data:`STREAMS`, derived from ``root``."""
    return {
        name: np.random.Generator(
            np.random.PCG64(
                np.random.SeedSequence(
                    root.entropy, spawn_key=(*root.spawn_key, zlib.crc32(name.encode()))
                )
            )
        )
        for name in STREAMS
    }


def choose(rng: np.random.Generator, candidates: np.ndarray | int, prob: float) -> np.ndarray:
    """Each candidate independently with probability ``prob``, drawn sparsely.

    The gaps between successive chosen positions of a Bernoulli(prob) sequence are
    geometric, so drawing the gaps gives exactly the same distribution as one uniform per
    candidate at a cost proportional to the number chosen. ``candidates`` is an index
    array, or an int n standing for ``arange(n)`` (never materialised). Chosen positions
    come out in increasing order. The result is always a new array, never
    ``candidates`` itself (callers may shuffle it in place).
    """
    whole = type(candidates) is int
    n = candidates if whole else len(candidates)
    if n == 0 or prob <= 0.0:
        return _EMPTY if whole else candidates[:0]
    if prob >= 1.0:  # a copy: callers may shuffle or edit what they are given
        return np.arange(n) if whole else candidates.copy()
    mean = n * prob
    size = int(mean + 6.0 * math.sqrt(mean) + 16)
    scale = -1.0 / math.log1p(-prob)
    picked = _gaps(rng, scale, size)
    np.add.accumulate(picked, out=picked)
    picked -= 1
    while picked[-1] < n:  # rare: more successes than 6 standard deviations above the mean
        more = _gaps(rng, scale, size)
        np.add.accumulate(more, out=more)
        more += picked[-1]
        picked = np.concatenate([picked, more])
    picked = picked[: picked.searchsorted(n)]
    return picked if whole else candidates[picked]


_EMPTY = np.empty(0, dtype=np.int64)
_EMPTY.flags.writeable = False


def _gaps(rng: np.random.Generator, scale: float, size: int) -> np.ndarray:
    """Geometric(p) draws (support 1, 2, ...) as floor(E * scale) + 1, E ~ Exp(1).

    With scale = -1 / log(1 - p), P(floor(E * scale) = k) = (1 - p)^k p exactly; about
    twice as fast as ``Generator.geometric``.
    """
    draws = rng.standard_exponential(size)
    draws *= scale
    gaps = draws.astype(np.int64)
    gaps += 1
    return gaps
