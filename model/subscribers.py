"""The subscriber population: struct-of-arrays state and its vectorised weekly rules.

One array per attribute, one element per subscriber, in compact dtypes (24 bytes of
state per subscriber). No rule loops over subscribers in Python: whole-population rules
are numpy passes, and rules that touch few subscribers (notices, churn, adoption) draw
sparsely and work on index arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from model.params import Population
from model.streams import choose

NEVER = np.int16(-30_000)
"""``last_notice`` of a subscriber who never had a notice."""


def propensity_mean(baseline_share: float, sd: float) -> float:
    """Mean logit propensity whose logit-normal population shares at ``baseline_share``.

    Solves E[sigmoid(mu + sd * Z)] = baseline_share, Z standard normal, with 64-point
    Gauss-Hermite quadrature.
    """
    if sd == 0.0:
        return float(special.logit(baseline_share))
    x, w = np.polynomial.hermite_e.hermegauss(64)
    w = w / w.sum()

    def gap(mu: float) -> float:
        return float(np.dot(w, special.expit(mu + sd * x)) - baseline_share)

    return float(optimize.brentq(gap, -30.0, 30.0, xtol=1e-10))


def allocate(n: int, shares: np.ndarray) -> np.ndarray:
    """Whole counts summing to ``n`` closest to ``n * shares`` (largest remainder)."""
    exact = n * np.asarray(shares, dtype=np.float64) / np.sum(shares)
    counts = np.floor(exact).astype(np.int64)
    short = n - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


class Subscribers:
    """Broadband accounts as arrays (index = subscriber id).

    Attributes (one element per subscriber):
        isp: index of the subscriber's ISP (uint8).
        propensity: urge to share in a week with no enforcement (float32, logit units).
        legal_value: weekly value of a legal service to them (float32, GBP/week).
        risk: own perceived risk from notices received, fading (float32, probability).
        sharing: shared files this week (bool).
        vpn: uses a VPN or other anonymity service (bool).
        legal: subscribes to a legal service (bool).
        strikes: unexpired notices recorded by their current ISP (uint8).
        true_strikes: those of the strikes that were correctly attributed (uint8).
        last_notice: week of their last notice (int16; NEVER if none).
        suspended_until: week their suspension ends (int16; inactive if <= now).
        throttled_until: week their throttling ends (int16).
    """

    def __init__(
        self,
        params: Population,
        isp_shares: np.ndarray,
        rng: np.random.Generator,
    ):
        n = params.subscribers
        self.n = n
        self.params = params
        counts = allocate(n, isp_shares)
        self.isp = np.repeat(np.arange(len(counts), dtype=np.uint8), counts)
        rng.shuffle(self.isp)
        mu = propensity_mean(params.sharing.baseline_share, params.sharing.propensity_sd)
        self.propensity = rng.standard_normal(n, dtype=np.float32)
        self.propensity *= np.float32(params.sharing.propensity_sd)
        self.propensity += np.float32(mu)
        # willingness to pay for a legal service rises with the urge to consume content
        self.legal_value = rng.standard_normal(n, dtype=np.float32)
        self.legal_value *= np.float32(params.legal.value_sd)
        self.legal_value += np.float32(params.legal.value_mean)
        self.risk = np.zeros(n, dtype=np.float32)
        self.sharing = np.zeros(n, dtype=bool)
        self.vpn = np.zeros(n, dtype=bool)
        self.legal = np.zeros(n, dtype=bool)
        self.strikes = np.zeros(n, dtype=np.uint8)
        self.true_strikes = np.zeros(n, dtype=np.uint8)
        self.last_notice = np.full(n, NEVER, dtype=np.int16)
        self.suspended_until = np.zeros(n, dtype=np.int16)
        self.throttled_until = np.zeros(n, dtype=np.int16)
        # scratch buffers reused every week (no per-step allocation of population arrays)
        self._perceived = np.empty(n, dtype=np.float32)
        self._utility = np.empty(n, dtype=np.float32)
        self._draw = np.empty(n, dtype=np.float32)
        self._mask = np.empty(n, dtype=bool)
        self.customers = counts.astype(np.int64)
        self.baseline_sharers = float(np.sum(special.expit(self.propensity.astype(np.float64))))

    # ------------------------------------------------------------------ state bytes
    STATE = (
        "isp",
        "propensity",
        "legal_value",
        "risk",
        "sharing",
        "vpn",
        "legal",
        "strikes",
        "true_strikes",
        "last_notice",
        "suspended_until",
        "throttled_until",
    )

    def state_bytes(self) -> int:
        """Bytes of per-subscriber state (excluding weekly scratch buffers)."""
        return sum(getattr(self, name).nbytes for name in self.STATE)

    # ------------------------------------------------------------------ weekly rules
    def perceive(self, salience_risk: float) -> np.ndarray:
        """Perceived risk this week: own risk plus public salience, capped at 1."""
        np.add(self.risk, np.float32(salience_risk), out=self._perceived)
        np.minimum(self._perceived, np.float32(1.0), out=self._perceived)
        return self._perceived

    def decide(
        self,
        week: int,
        penalty_by_isp: np.ndarray,
        legal_pull: float,
        vpn_penalty_factor: float,
        rng: np.random.Generator,
    ) -> None:
        """Each subscriber shares this week with probability sigmoid(utility).

        utility = propensity - perceived risk x penalty of their ISP's regime
                  (x vpn_penalty_factor behind a VPN) - legal_pull (if they have the
                  legal service). Suspended subscribers cannot share.

        Args:
            week: the current week.
            penalty_by_isp: perceived cost of being caught at each ISP (logit units).
            legal_pull: fall in the urge to share for legal-service users (logit units).
            vpn_penalty_factor: expected penalty behind a VPN relative to without one.
            rng: the ``decisions`` stream.
        """
        u = self._utility
        penalty = penalty_by_isp.astype(np.float32)
        if np.any(penalty > 0):
            np.take(penalty, self.isp, out=u)
            u *= self._perceived
            if vpn_penalty_factor != 1.0 and self.vpn.any():
                u[self.vpn] *= np.float32(vpn_penalty_factor)
            np.subtract(self.propensity, u, out=u)
        else:
            u[:] = self.propensity
        if legal_pull and self.legal.any():
            u[self.legal] -= np.float32(legal_pull)
        # share iff draw < 1 / (1 + exp(-u))  <=>  draw * (1 + exp(-u)) < 1
        np.negative(u, out=u)
        np.exp(u, out=u)
        u += np.float32(1.0)
        rng.random(dtype=np.float32, out=self._draw)
        u *= self._draw
        np.less(u, np.float32(1.0), out=self.sharing)
        np.less(np.int16(week), self.suspended_until, out=self._mask)
        self.sharing &= ~self._mask

    def suspended(self, week: int) -> np.ndarray:
        return np.flatnonzero(self.suspended_until > week)

    def decay_risk(self, factor: float) -> None:
        """Own perceived risk fades by ``factor`` (= exp(-1 / decay weeks)) each week."""
        self.risk *= np.float32(factor)

    def notify(self, idx: np.ndarray, jump: float) -> None:
        """A notice reaches these subscribers: their perceived risk jumps towards 1."""
        r = self.risk[idx]
        r += np.float32(jump) * (np.float32(1.0) - r)
        self.risk[idx] = r

    def adopt_vpn(self, candidates: np.ndarray, prob: np.ndarray | float, rng) -> np.ndarray:
        """Candidates without a VPN adopt one, each with its probability; returns adopters.

        ``prob`` is one probability for all (drawn sparsely) or one per candidate.
        """
        keep = ~self.vpn[candidates]
        candidates = candidates[keep]
        if np.ndim(prob) == 0:
            adopters = choose(rng, candidates, float(prob))
        else:
            adopters = candidates[rng.random(len(candidates)) < np.asarray(prob)[keep]]
        self.vpn[adopters] = True
        return adopters

    def move(self, idx: np.ndarray, to_isp: np.ndarray) -> None:
        """Subscribers ``idx`` switch to ISPs ``to_isp``: the new ISP has no record of them."""
        if len(idx) == 0:
            return
        k = len(self.customers)
        self.customers -= np.bincount(self.isp[idx], minlength=k)
        self.customers += np.bincount(to_isp, minlength=k)
        self.isp[idx] = to_isp
        self.strikes[idx] = 0
        self.true_strikes[idx] = 0
        self.last_notice[idx] = NEVER
        self.suspended_until[idx] = 0
        self.throttled_until[idx] = 0

    def random_customers(self, isp: int, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` subscribers of ``isp`` drawn uniformly (with replacement), by rejection."""
        if k == 0 or self.customers[isp] == 0:
            return np.empty(0, dtype=np.int64)
        share = max(self.customers[isp] / self.n, 1e-9)
        found: list[np.ndarray] = []
        need = k
        while need > 0:
            draw = rng.integers(0, self.n, size=int(need / share * 1.2) + 8)
            hit = draw[self.isp[draw] == isp]
            found.append(hit[:need])
            need -= len(found[-1])
        return np.concatenate(found)
