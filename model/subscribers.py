"""The subscriber population: struct-of-arrays state and its vectorised weekly rules.

One array per attribute, one element per subscriber, in compact dtypes (32 bytes of
state per subscriber). No rule loops over subscribers in Python: whole-population rules
are numpy passes, and rules that touch few subscribers (notices, churn, adoption) draw
sparsely and work on index arrays.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from model.params import Population, Sharing

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


def _sharing_nodes(sharing: Sharing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-D Gauss-Hermite nodes of (propensity, intensity): weights, P(share), intensity.

    Propensity is mu + sd Z, log intensity -s^2/2 + s (rho Z + sqrt(1 - rho^2) W), Z and W
    independent standard normals (48 x 48 points).
    """
    x, w = np.polynomial.hermite_e.hermegauss(48)
    w = w / w.sum()
    mu = propensity_mean(sharing.baseline_share, sharing.propensity_sd)
    s, rho = sharing.intensity_sd, sharing.intensity_correlation
    z, v = np.meshgrid(x, x, indexing="ij")
    weight = np.outer(w, w)
    share = special.expit(mu + sharing.propensity_sd * z)
    intensity = np.exp(-0.5 * s * s + s * (rho * z + np.sqrt(1.0 - rho * rho) * v))
    return weight.ravel(), share.ravel(), intensity.ravel()


def detection_rate(detection_prob: float, sharing: Sharing) -> float:
    """Rate r such that sharers are detected with 1 - exp(-r x intensity) (per week).

    Solves E[P(share) (1 - exp(-r I))] / E[P(share)] = ``detection_prob`` over the
    population with no enforcement (quadrature, :func:`_sharing_nodes`): a scenario's
    ``detection_prob`` keeps its meaning, the share of sharers detected in a week. With
    ``intensity_sd`` 0 (I = 1) that is -log(1 - detection_prob). Returns inf for 1.
    """
    if detection_prob <= 0.0:
        return 0.0
    if detection_prob >= 1.0:
        return math.inf
    if sharing.intensity_sd == 0.0:
        return -math.log1p(-detection_prob)
    weight, share, intensity = _sharing_nodes(sharing)
    ws = weight * share / np.dot(weight, share)

    def gap(log_rate: float) -> float:
        return float(np.dot(ws, -np.expm1(-math.exp(log_rate) * intensity)) - detection_prob)

    return math.exp(optimize.brentq(gap, -60.0, 60.0, xtol=1e-12))


def top_share(values: np.ndarray, fraction: float = 0.1) -> float:
    """Share of the sum of ``values`` held by the largest ``fraction`` of them (0 if empty).

    The top k = max(1, round(fraction x n)) values, found by partition (no full sort).
    """
    n = len(values)
    if n == 0:
        return 0.0
    total = float(np.add.reduce(values, dtype=np.float64))
    if total <= 0.0:
        return 0.0
    k = max(1, round(fraction * n))
    top = np.partition(values, n - k)[n - k :]
    return float(np.add.reduce(top, dtype=np.float64)) / total


def lognormal_top_share(sd: float, fraction: float = 0.1) -> float:
    """Analytic share of a lognormal(., sd) total held by its top ``fraction``.

    1 - Phi(Phi^-1(1 - fraction) - sd) (the Lorenz curve of the lognormal).
    """
    return float(special.ndtr(sd - special.ndtri(1.0 - fraction)))


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
        propensity: urge to share in a week with no enforcement, less the pull of a legal
            service they subscribe to (float32, logit units).
        legal_value: weekly value of a legal service to them (float32, GBP/week).
        intensity: how much they share in a week when they share (float32; titles or
            volume relative to the population mean 1; lognormal, correlated with
            propensity; fixed for life: kept through switching ISP and VPN adoption).
        risk: own perceived risk from notices received, fading (float32, probability).
        sharing: shared files this week (bool).
        vpn: uses a VPN or other anonymity service (bool).
        legal: subscribes to a legal service (bool).
        strikes: unexpired notices recorded by their current ISP (uint8).
        true_strikes: those of the strikes that were correctly attributed (uint8).
        last_notice: week of their last notice (int16; NEVER if none).
        suspended_until: week their suspension ends (int16; inactive if <= now).
        throttled_until: week their throttling ends (int16).
        strike_span: weeks from the first to the last counted notice of their current
            strikes (uint8; allocated only when an ISP counts strike expiry from the
            first notice, :meth:`strike_spans`, else None: one byte more per subscriber).
        penalty: perceived cost of being caught at their ISP, lowered behind a VPN
            (float32, logit units; a cache of their ISP's regime, see set_penalties).
    """

    def __init__(
        self,
        params: Population,
        isp_shares: np.ndarray,
        rng: np.random.Generator,
    ):
        n = params.subscribers
        self.n = n
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
        self.intensity = self._draw_intensity(params.sharing, mu, rng)
        self.risk = np.zeros(n, dtype=np.float32)
        self.sharing = np.zeros(n, dtype=bool)
        self.vpn = np.zeros(n, dtype=bool)
        self.legal = np.zeros(n, dtype=bool)
        self.strikes = np.zeros(n, dtype=np.uint8)
        self.true_strikes = np.zeros(n, dtype=np.uint8)
        self.last_notice = np.full(n, NEVER, dtype=np.int16)
        self.suspended_until = np.zeros(n, dtype=np.int16)
        self.throttled_until = np.zeros(n, dtype=np.int16)
        self.strike_span: np.ndarray | None = None  # uint8, allocated on demand
        # scratch buffers reused every week (no per-step allocation of population arrays)
        self._perceived = np.empty(n, dtype=np.float32)
        self._utility = np.empty(n, dtype=np.float32)
        self._draw = np.empty(n, dtype=np.float32)
        self.penalty = np.zeros(n, dtype=np.float32)
        self._penalty_table: np.ndarray | None = None
        self._penalty_key: tuple | None = None
        self._vpn_factor = 1.0
        self._any_penalty = False
        self._suspended = np.empty(0, dtype=np.int64)
        self.suspended_now = self._suspended  # suspended this week (set by decide)
        self._throttled = np.empty(0, dtype=np.int64)
        self.customers = counts.astype(np.int64)
        expected = special.expit(self.propensity.astype(np.float64))
        self.baseline_sharers = float(np.sum(expected))
        # expected sharing volume with no enforcement: the P2P traffic index's 100
        self.baseline_volume = (
            float(np.dot(expected, self.intensity)) if self.varied else self.baseline_sharers
        )

    def _draw_intensity(self, sharing: Sharing, mu: float, rng: np.random.Generator):
        """Lognormal intensities (mean 1), correlated with the propensity draw.

        log I = -s^2/2 + s (rho Z + sqrt(1 - rho^2) W), Z the subscriber's standardised
        propensity, W a fresh standard normal. With s = 0 every intensity is 1 and nothing
        is drawn (the ``init`` stream is then exactly as before the rule).
        """
        s, rho = sharing.intensity_sd, sharing.intensity_correlation
        self.varied = s > 0.0
        if not self.varied:
            return np.ones(self.n, dtype=np.float32)
        correlated = rho != 0.0 and sharing.propensity_sd > 0.0
        log_i = rng.standard_normal(self.n, dtype=np.float32)
        log_i *= np.float32(s * math.sqrt(1.0 - rho * rho) if correlated else s)
        if correlated:
            z = self.propensity - np.float32(mu)
            z *= np.float32(s * rho / sharing.propensity_sd)
            log_i += z
        log_i += np.float32(-0.5 * s * s)
        return np.exp(log_i, out=log_i)

    # ------------------------------------------------------------------ state bytes
    STATE = (
        "isp",
        "propensity",
        "legal_value",
        "intensity",
        "risk",
        "sharing",
        "vpn",
        "legal",
        "strikes",
        "true_strikes",
        "last_notice",
        "suspended_until",
        "throttled_until",
        "penalty",
    )
    OPTIONAL_STATE = ("strike_span",)
    """State allocated only when a scenario's rules need it (None otherwise)."""

    def state_bytes(self) -> int:
        """Bytes of per-subscriber state (excluding weekly scratch buffers)."""
        arrays = (getattr(self, name) for name in self.STATE + self.OPTIONAL_STATE)
        return sum(a.nbytes for a in arrays if a is not None)

    def strike_spans(self) -> np.ndarray:
        """``strike_span``, allocated (zeros, uint8) on first use."""
        if self.strike_span is None:
            self.strike_span = np.zeros(self.n, dtype=np.uint8)
        return self.strike_span

    # ------------------------------------------------------------------ weekly rules
    def set_penalties(self, penalty_by_isp: np.ndarray, vpn_factor: float) -> None:
        """Set the perceived cost of being caught at each ISP (logit units).

        Each subscriber's ``penalty`` is their ISP's, times ``vpn_factor`` behind a VPN.
        It is recomputed over the population only when the table or factor changes
        (stance or stage changes: rare); moves and VPN adoption patch it sparsely.
        """
        table = np.asarray(penalty_by_isp, dtype=np.float32)
        key = (table.tobytes(), float(vpn_factor))
        if key == self._penalty_key:
            return
        self._penalty_key = key
        self._penalty_table, self._vpn_factor = table, float(vpn_factor)
        self._any_penalty = bool((table > 0).any())
        table.take(self.isp, out=self.penalty)
        if vpn_factor != 1.0:
            behind = self.vpn.nonzero()[0]
            self.penalty[behind] *= np.float32(vpn_factor)

    def _penalty_of(self, idx: np.ndarray) -> np.ndarray:
        pen = self._penalty_table[self.isp[idx]]
        pen[self.vpn[idx]] *= np.float32(self._vpn_factor)
        return pen

    def perceive(self, public_risk: float) -> np.ndarray:
        """Perceived risk this week: own risk plus the public term (probability units:
        salience and learned enforcement, ``deterrence.public_risk``), capped at 1."""
        np.add(self.risk, np.float32(public_risk), out=self._perceived)
        np.minimum(self._perceived, np.float32(1.0), out=self._perceived)
        return self._perceived

    def decide(self, week: int, rng: np.random.Generator) -> None:
        """Each subscriber shares this week with probability sigmoid(utility).

        utility = propensity - perceived risk x penalty, where ``penalty`` is their ISP's
        (:meth:`set_penalties`, lowered behind a VPN) and ``propensity`` already carries
        the pull of a legal service they have (:meth:`adopt_legal`). Call
        :meth:`perceive` first. Suspended subscribers cannot share.

        Args:
            week: the current week.
            rng: the ``decisions`` stream.
        """
        u = self._utility
        if self._any_penalty:
            np.multiply(self._perceived, self.penalty, out=u)
            u -= self.propensity  # u = -utility
        else:
            np.negative(self.propensity, out=u)
        # share iff draw < 1 / (1 + exp(-utility))  <=>  draw * (1 + exp(-utility)) < 1;
        # exp overflows to inf for hopeless cases, which correctly never share
        with np.errstate(over="ignore"):
            np.exp(u, out=u)
        u += np.float32(1.0)
        rng.random(dtype=np.float32, out=self._draw)
        u *= self._draw
        np.less(u, np.float32(1.0), out=self.sharing)
        self.suspended_now = self.suspended(week)
        self.sharing[self.suspended_now] = False

    def suspend(self, idx: np.ndarray, until: int) -> None:
        """Suspend ``idx`` (no internet) for the weeks before ``until``."""
        self.suspended_until[idx] = until
        self._suspended = np.union1d(self._suspended, idx)

    def throttle(self, idx: np.ndarray, until: int) -> None:
        """Throttle ``idx`` (P2P traffic reduced) for the weeks before ``until``."""
        self.throttled_until[idx] = until
        self._throttled = np.union1d(self._throttled, idx)

    def suspended(self, week: int) -> np.ndarray:
        """Subscribers suspended in ``week`` (a sparse list, pruned as suspensions end)."""
        s = self._suspended
        self._suspended = s[self.suspended_until[s] > week]
        return self._suspended

    def throttled(self, week: int) -> np.ndarray:
        """Subscribers throttled in ``week``."""
        t = self._throttled
        self._throttled = t[self.throttled_until[t] > week]
        return self._throttled

    def decay_risk(self, factor: float) -> None:
        """Own perceived risk fades by ``factor`` (= exp(-1 / decay weeks)) each week."""
        self.risk *= np.float32(factor)

    def notify(self, idx: np.ndarray, jump: float | np.ndarray) -> None:
        """A notice reaches these subscribers: their perceived risk jumps towards 1.

        ``jump`` is one fraction for all, or one per subscriber in ``idx``.
        """
        r = self.risk[idx]
        r += np.asarray(jump, dtype=np.float32) * (np.float32(1.0) - r)
        self.risk[idx] = r

    def move_off_p2p(self, idx: np.ndarray, kept: float | np.ndarray) -> None:
        """Warned subscribers ``idx`` keep a share ``kept`` of their monitored P2P intensity
        (one value, or one per subscriber); the rest moves to unmonitored channels."""
        kept = np.asarray(kept, dtype=np.float32)
        if len(idx) == 0 or np.all(kept == 1.0):
            return
        self.varied = True  # intensities now differ: detection and traffic weigh them
        self.intensity[idx] *= kept

    def adopt_vpn(self, idx: np.ndarray) -> np.ndarray:
        """``idx`` (distinct) start using a VPN; those who already do are unchanged.

        Returns the new adopters.
        """
        new = idx[~self.vpn[idx]]
        self.vpn[new] = True
        if self._penalty_table is not None:
            self.penalty[new] = self._penalty_of(new)
        return new

    def adopt_legal(self, idx: np.ndarray, pull: float) -> np.ndarray:
        """``idx`` (distinct) sign up to the legal service: their urge to share falls by ``pull``.

        Those already signed up are unchanged. Returns the new subscribers.
        """
        new = idx[~self.legal[idx]]
        self.legal[new] = True
        self.propensity[new] -= np.float32(pull)
        return new

    def move(self, idx: np.ndarray, to_isp: np.ndarray) -> None:
        """Subscribers ``idx`` switch to ISPs ``to_isp``: the new ISP has no record of them."""
        if len(idx) == 0:
            return
        k = len(self.customers)
        self.customers -= np.bincount(self.isp[idx], minlength=k)
        self.customers += np.bincount(to_isp, minlength=k)
        self.isp[idx] = to_isp
        if self._penalty_table is not None:
            self.penalty[idx] = self._penalty_of(idx)
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
