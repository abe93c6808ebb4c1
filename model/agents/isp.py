"""ISPs: conduits that receive rights holders' notices and decide what to do with them."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from model import institutions
from model.agents.regime import Regime, make_regime
from model.params import STANCES, ISPParams
from model.subscribers import NEVER
from model.switching import weekly_flight_hazard

WEEKS_PER_MONTH = 52.0 / 12.0


@dataclass
class SanctionCases:
    """Subscribers who reached the sanction step this week at one ISP."""

    idx: np.ndarray
    wrongful: np.ndarray  # would not have reached the sanction without a misattribution
    regime: Regime


class ISP(mesa.Agent):
    """An Internet service provider.

    Attributes:
        params: its parameters (price, stance, capacity, ladder...).
        index: its position in the scenario's ISP list (the subscribers' ``isp`` code).
        voluntary_stance: the stance it has chosen (the law may impose another).
        regime: the rules applied to notices this week; ``regime.stance`` is the stance
            in force (the one recorded as ``stance.<ISP>``).
        association: the association that sets its stance, if any.
        week_counts: this week's counters (notices handled, refused, warnings...).
        costs: this week's enforcement cost (GBP, real scale).
    """

    def __init__(self, model, params: ISPParams, index: int):
        super().__init__(model)
        self.params = params
        self.name = params.name
        self.index = index
        self.voluntary_stance = params.stance
        self.association = None
        self.regime = self.own_regime()
        self.notices_recent = 0.0  # smoothed notices received a week (model scale)
        self._capacity_carry = 0.0  # fraction of a notice carried to next week's capacity
        self.stance_changes: list[tuple[int, str]] = [(0, self.voluntary_stance)]
        self.reset_week()

    def reset_week(self) -> None:
        self.received = 0
        self.repeats = 0  # handled notices to subscribers it had noticed before (issue 13)
        self.handled = 0
        self.refused = 0
        self.dropped = 0
        self.quarantined = 0  # handled notices not counted (quarantine_weeks)
        self.warnings: dict[int, int] = {}
        self.costs = 0.0
        self.delivered = np.empty(0, dtype=np.int64)  # subscribers who heard from it
        self.final = np.empty(0, dtype=bool)  # of those, who got the warning before a sanction

    # ------------------------------------------------------------------ regime
    @property
    def stance(self) -> str:
        """Alias of :attr:`voluntary_stance` (read-only; kept for the visualiser)."""
        return self.voluntary_stance

    def own_regime(self, stance: str | None = None) -> Regime:
        """The regime of a voluntary stance (default: its own) with its ladder settings."""
        p = self.params
        return make_regime(
            stance or self.voluntary_stance,
            p.warning_levels,
            p.sanction,
            p.sanction_weeks,
            mitigation_levels=p.mitigation_levels,
            fine=p.sanction_fine,
        )

    def update_regime(self) -> None:
        """The regime in force: the law's if one binds, else its own stance."""
        law = self.model.regulator.binding_regime()
        self.regime = law if law is not None else self.own_regime()

    def set_stance(self, stance: str, week: int) -> None:
        if stance != self.voluntary_stance:
            self.voluntary_stance = stance
            self.stance_changes.append((week, stance))

    # ------------------------------------------------------------------ notices
    def process_notices(self, idx: np.ndarray, wrongful: np.ndarray, week: int) -> SanctionCases:
        """Handle this week's notices about its customers under its regime.

        ``idx`` are the subscribers named (one entry per notice, any order), ``wrongful``
        whether each was misattributed. Up to capacity, notices are handled: a notice
        within ``quarantine_weeks`` of the subscriber's last counted notice is not
        counted; otherwise strikes that expired are cleared, the strike is recorded, and
        a warning at the strike's level is sent or, past the last warning, the
        subscriber reaches the sanction step (returned, for the regulator or the ISP to
        carry out). A refusing ISP drops every notice; nothing reaches the subscriber.
        Who heard from it is left in ``self.delivered``, and in ``self.final`` (aligned
        with it) whether theirs was a final warning (:meth:`Regime.final_warning`).
        """
        regime = self.regime
        if len(idx) == 0:
            return SanctionCases(idx, wrongful, regime)
        subs = self.model.accounts
        self.received += len(idx)
        empty = SanctionCases(idx[:0], wrongful[:0], regime)
        if not regime.polices:
            self.refused += len(idx)
            return empty
        cap = self.weekly_capacity()
        if cap is not None and len(idx) > cap:
            # notices arrive in random order: the first `cap` are handled
            self.dropped += len(idx) - cap
            idx, wrongful = idx[:cap], wrongful[:cap]
        self.handled += len(idx)
        self.costs += len(idx) * self.params.cost_per_notice * self.model.scale
        # several notices about one subscriber in a week count as one strike, wrongful
        # only if every one of them was misattributed
        order = np.lexsort((wrongful, idx))
        idx, wrongful = idx[order], wrongful[order]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = idx[1:] != idx[:-1]
        idx, wrongful = idx[first], wrongful[first]
        idx, wrongful = self._outside_quarantine(idx, wrongful, week)

        self._expire_strikes(idx, week)
        strikes = subs.strikes[idx].astype(np.int32) + 1
        true = subs.true_strikes[idx].astype(np.int32) + (~wrongful)
        self.repeats = int(np.count_nonzero(subs.last_notice[idx] != NEVER))
        subs.last_notice[idx] = week
        self.delivered = idx

        if regime.stance == "forward":
            levels = np.minimum(strikes, max(regime.warning_levels, 1))
            self.final = regime.final_warning(levels)
            self._count_warnings(levels)
            subs.strikes[idx] = np.minimum(strikes, 255)
            subs.true_strikes[idx] = np.minimum(true, 255)
            return empty
        at_sanction = strikes > regime.warning_levels
        self.final = regime.final_warning(strikes)
        self._count_warnings(strikes[~at_sanction])
        subs.strikes[idx] = np.where(at_sanction, 0, strikes)
        subs.true_strikes[idx] = np.where(at_sanction, 0, true)
        wrongful_case = true[at_sanction] <= regime.warning_levels
        return SanctionCases(idx[at_sanction], wrongful_case, regime)

    def _outside_quarantine(
        self, idx: np.ndarray, wrongful: np.ndarray, week: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The notices that count: those about subscribers whose last counted notice is
        more than ``quarantine_weeks`` ago (all of them with no quarantine). The others
        were handled (and paid for) but give no strike and no warning (ODD 7.4)."""
        q = self.params.quarantine_weeks
        if q == 0:
            return idx, wrongful
        last = self.model.accounts.last_notice[idx].astype(np.int32)
        counts = (last == NEVER) | (week - last > q)
        self.quarantined += len(idx) - int(np.count_nonzero(counts))
        return idx[counts], wrongful[counts]

    def _expire_strikes(self, idx: np.ndarray, week: int) -> None:
        """Clear the strikes of ``idx`` (distinct, about to get a counted notice) that
        expired: more than ``strike_expiry_weeks`` since their last counted notice, or
        since the first one of their current strikes (``strike_expiry_from``; ODD 7.4).
        The weeks since the first are kept as ``strike_span`` (weeks from the first to
        the last counted notice), only under ``first_notice``."""
        subs = self.model.accounts
        p = self.params
        elapsed = week - subs.last_notice[idx].astype(np.int32)
        if p.strike_expiry_from == "first_notice":
            span = subs.strike_spans()
            elapsed += span[idx]
            expired = elapsed > p.strike_expiry_weeks
            # a new run of strikes (none on file, or expired) starts its span at 0
            fresh = expired | (subs.strikes[idx] == 0)
            span[idx] = np.where(fresh, 0, elapsed)
        else:
            expired = elapsed > p.strike_expiry_weeks
        subs.strikes[idx[expired]] = 0
        subs.true_strikes[idx[expired]] = 0

    def _count_warnings(self, levels: np.ndarray) -> None:
        if len(levels):
            counts = np.bincount(levels)
            for level in counts.nonzero()[0]:
                self.warnings[int(level)] = self.warnings.get(int(level), 0) + int(counts[level])

    def capacity(self) -> float | None:
        """Notices it can handle a week (model scale, not rounded), or None for unlimited."""
        if self.params.notice_capacity is None:
            return None
        per_customer = self.params.notice_capacity / 1000.0
        return float(self.model.accounts.customers[self.index] * per_customer)

    def weekly_capacity(self) -> int | None:
        """This week's whole notices: :meth:`capacity` rounded down, the fraction carried
        to the next week (totals exact within one notice; issue 13), and no more than its
        quota under an agreement's volume cap (ODD 7.12). Call once a week."""
        quota = institutions.agreement_quota(self.model, self)  # ODD 7.12 volume cap
        exact = self.capacity()
        if exact is None:
            return quota
        exact += self._capacity_carry
        whole = int(exact)
        self._capacity_carry = exact - whole
        return whole if quota is None else min(whole, quota)

    # ------------------------------------------------------------------ stance review
    def review_stance(self, week: int) -> None:
        """Choose the voluntary stance with the lowest expected weekly cost.

        Cost of a stance = handling notices and sanctions + customers expected to leave
        for softer rivals + the expected cost of legislation (less if it pre-empts a
        law) + rights bodies' pressure on a refuser (less what an association absorbs).
        A principled ISP never complies voluntarily; a member of an association follows
        the association; an ISP under a law in force has no choice.
        """
        if self.association is not None or not self.params.adaptive:
            return
        if self.params.principled:
            self.set_stance("refuse", week)
            return
        costs = self.with_switch_cost(self.expected_costs())
        choice = institutions.choose_stance(
            costs, self.params.decision_noise, self.model.streams["stance"]
        )
        self.set_stance(choice, week)

    def with_switch_cost(self, costs: dict[str, float]) -> dict[str, float]:
        """``costs`` with the one-off cost of leaving its current stance spread over a
        review interval added to every other stance (inertia: ODD 7.5)."""
        m = self.model
        one_off = self.params.switch_cost * m.accounts.customers[self.index] * m.scale
        weekly = one_off / self.params.review_interval_weeks
        return {s: c + (weekly if s != self.voluntary_stance else 0.0) for s, c in costs.items()}

    def expected_costs(self) -> dict[str, float]:
        """Expected weekly cost (GBP, real scale) of each voluntary stance (ODD 7.5).

        cost(s) = handling + customers lost to softer rivals + expected legislation +
        rights bodies' pressure, where compliance(s) lowers the last two.
        """
        m = self.model
        p = self.params
        scale = m.scale
        customers = m.accounts.customers[self.index] * scale
        notices = self.notices_recent * scale
        sharers = m.sharers_by_isp[self.index] * scale
        price_week = p.price / WEEKS_PER_MONTH
        churn = m.params.population.churn
        risk = m.params.population.risk
        rival_penalty = min(
            (isp.regime.penalty(risk) for isp in m.isps if isp is not self), default=0.0
        )
        law_prob = m.regulator.law_probability()
        law_cost = m.params.regulator.law_cost_per_customer * customers
        preemption = m.params.regulator.preemption
        pressure = institutions.pressure_on(m, self)
        costs = {}
        for stance in STANCES:
            regime = self.own_regime(stance)
            comply = p.compliance[stance]
            handling = 0.0
            if regime.polices:
                handling = notices * (
                    p.cost_per_notice + p.expected_sanction_share[stance] * p.cost_per_sanction
                )
            gap = max(0.0, regime.penalty(risk) - rival_penalty)
            # the sharers it would police reckoned as noticed ones (risk = notice_jump)
            leaving = float(weekly_flight_hazard(churn, risk.notice_jump, gap)) * sharers
            lost = leaving * price_week * p.customer_horizon_weeks
            legislation = law_prob * law_cost * (1.0 - preemption * comply)
            costs[stance] = handling + lost + legislation + pressure * (1.0 - comply)
        return costs

    def weekly_revenue(self) -> float:
        """Subscription revenue this week (GBP, real scale)."""
        customers = int(self.model.accounts.customers[self.index]) * self.model.scale
        return customers * self.params.price / WEEKS_PER_MONTH
