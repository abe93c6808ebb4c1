"""Baseline for the benchmark: the conduit rules written one ``mesa.Agent`` per subscriber.

This is the model as a Mesa user would write it by default: every broadband account is a
:class:`SubscriberAgent` with plain Python attributes, and the weekly subscriber rules of
docs/ODD.md (section 7) run one agent at a time, activated through
``model.agents_by_type[SubscriberAgent].shuffle_do(...)`` and drawing from the model's
``random.Random`` (``model.random``). The institutions work the same way: a rights body
loops over the sharing agents and detects each one with its probability, an ISP handles
its notices one at a time through the ladder, the courts review one case at a time.

It exists to measure what vectorising the population buys (``benchmarks/bench_model.py``
prints the speed-up of :class:`model.PolicyModel` over it at equal size) and it implements
the same rules, so that the comparison is fair: ``tests/test_baseline_equivalence.py``
checks that the two models' outcome distributions agree over many seeds. Their random
numbers differ (different generators, different order of draws), so the equivalence is
distributional, not run by run.

Why two subscriber stages (``decide`` then ``adapt``) rather than one ``step()``: the
ODD's week interleaves subscribers and institutions (subscribers decide, rights bodies
detect, ISPs warn and sanction, then subscribers adapt), so a single per-agent step would
change the rules. Staged activation is the standard Mesa idiom for that (Mesa 2's
``StagedActivation``); :meth:`SubscriberAgent.step` runs the current stage.

To keep the rules identical, the logic that does not touch per-subscriber state is
shared with the model: the institutional rules of the week (:mod:`model.institutions`:
legislation, stance reviews, escalation, news, penalty by ISP, brand weights, legal
price), regimes and penalties (:mod:`model.agents.regime`), the regulator's pressure and
stages, ISPs' stance costs and associations, rights bodies' escalation. Those read
ISP-level customer counts as ``model.accounts.customers``, which here is a tally kept by
the ISP agents (:class:`_Accounts`), not a per-subscriber array.

Usage::

    from benchmarks.baseline_mesa_agents import AgentBasedPolicyModel
    m = AgentBasedPolicyModel(load_scenario(data={...}), rng=3).run(40)
    df = m.outcomes()          # same columns and meanings as PolicyModel.outcomes()

    python -m benchmarks.baseline_mesa_agents   # time 1k and 10k subscribers x 52 weeks
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from model import deterrence, institutions, load_scenario
from model.agents.association import Association
from model.agents.isp import ISP
from model.agents.regime import Regime
from model.agents.regulator import Regulator
from model.agents.rights_body import RightsBody
from model.policy_model import PolicyModel, WeekTally
from model.scenario import Scenario
from model.streams import make_streams, seed_sequence
from model.subscribers import allocate, propensity_mean, top_share

ROOT = Path(__file__).resolve().parent.parent
UK_SCENARIO = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"

NEVER = -30_000
"""``last_notice`` of a subscriber who never had a notice (as in model.subscribers)."""


def _sigmoid(u: float) -> float:
    """The logistic function, safe for very negative utilities."""
    if u < -700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-u))


# --------------------------------------------------------------------------- subscribers
class SubscriberAgent(mesa.Agent):
    """One broadband account, with its state as plain Python attributes.

    Attributes:
        isp: index of its ISP.
        propensity: urge to share in a week with no enforcement (logit units).
        intensity: how much it shares in a week when it shares (mean 1; issue 13).
        legal_value: weekly value of a legal service to it (GBP/week).
        risk: own perceived risk from notices received (fades each week).
        perceived: this week's perceived risk, min(1, risk + public term).
        sharing: shared files this week.
        vpn, legal: uses a VPN; subscribes to the legal service.
        strikes, true_strikes: unexpired notices on file at its ISP; those rightly attributed.
        last_notice: week of its last counted notice (NEVER if none).
        strike_span: weeks from the first to the last counted notice of its strikes.
        suspended_until, throttled_until: week its sanction ends (inactive if <= now).
    """

    def __init__(
        self, model: AgentBasedPolicyModel, isp: int, propensity: float, legal_value, intensity
    ):
        super().__init__(model)
        self.isp = isp
        self.propensity = propensity
        self.intensity = intensity
        self.legal_value = legal_value
        self.risk = 0.0
        self.perceived = 0.0
        self.sharing = False
        self.vpn = False
        self.legal = False
        self.strikes = 0
        self.true_strikes = 0
        self.last_notice = NEVER
        self.strike_span = 0
        self.suspended_until = 0
        self.throttled_until = 0

    def step(self) -> None:
        """Run the model's current subscriber stage (``decide`` or ``adapt``)."""
        getattr(self, self.model.stage)()

    def decide(self) -> None:
        """ODD 7.1: share this week with probability sigmoid(U); not while suspended.

        U = propensity - r x penalty(ISP) (x vpn factor behind a VPN) - legal pull x legal,
        r = min(1, own risk + public term), the public term salience_weight x salience +
        enforcement_weight x enforcement seen (``deterrence.public_risk``).
        """
        m = self.model
        perceived = self.risk + m.public_risk
        if perceived > 1.0:
            perceived = 1.0
        self.perceived = perceived
        u = self.propensity
        penalty = m.penalty[self.isp]
        if penalty > 0.0:
            deterrence = perceived * penalty
            if self.vpn:
                deterrence *= m.vpn_penalty_factor
            u -= deterrence
        if self.legal:
            u -= m.legal_pull
        shares = m.random.random() < _sigmoid(u)
        if self.suspended_until > m.week:  # suspended: kept from sharing this week
            m.suspended_now += 1
            shares = False
        self.sharing = shares

    def receive_notice(self, jump: float, vpn_on_notice: float, p2p_kept: float = 1.0) -> None:
        """ODD 7.2, 7.10 and 7.8: a notice from its ISP raises own risk and moves part of
        its P2P sharing to unmonitored channels; it may adopt a VPN."""
        self.risk += jump * (1.0 - self.risk)
        self.intensity *= p2p_kept
        if not self.vpn and self.model.random.random() < vpn_on_notice:
            self.vpn = True

    def adapt(self) -> None:
        """ODD 7.8 then 7.2: VPN under enforcement, legal service, switching ISP; risk fades.

        Switching: base churn, else flight of a sharer from a policing ISP (when its
        contract lets it leave, then by fear of notice: :mod:`model.switching`), else a
        suspended subscriber signing up elsewhere (at most one move a week; the
        destination weights are those of the first reason that applies, as in the
        vectorised model). Own risk then fades by exp(-1 / decay weeks).
        """
        m = self.model
        rnd = m.random
        week = m.week
        # VPN: a sharer at an ISP whose penalty is positive, weekly prob rate x r
        if (
            self.sharing
            and not self.vpn
            and m.vpn_rate > 0.0
            and m.penalty[self.isp] > 0.0
            and rnd.random() < m.vpn_rate * self.perceived
        ):
            self.vpn = True
        # legal service: value + risk_value x r beats the price; weekly adoption rate
        if (
            m.legal_open
            and not self.legal
            and self.legal_value + m.legal_risk_value * self.perceived > m.legal_price_now
            and rnd.random() < m.legal_adoption_rate
        ):
            self.legal = True
            m.new_legal += 1
        # switching ISP: base churn re-picks by share and may keep its own ISP (then the
        # other reasons still apply); flight and the suspended always go elsewhere
        if rnd.random() < m.base_churn:
            choice = rnd.choices(m.isp_codes, weights=m.brand_weights)[0]
            if choice != self.isp:
                m.move(self, choice)
                self.risk *= m.risk_decay
                return
        weights = None
        gap = m.penalty_gap[self.isp]
        if self.sharing and gap > 0.0 and m.contract_free > 0.0 and rnd.random() < m.contract_free:
            # free to leave this week; fear of notice (own risk now, public term) decides
            fear = min(1.0, self.risk + m.public_risk)
            if rnd.random() < min(1.0, m.flight * fear * gap):
                weights = m.avoid_weights
        elif m.suspended_churn > 0.0 and self.suspended_until > week:
            if rnd.random() < m.suspended_churn:
                weights = m.brand_weights
        if weights is not None:
            w = list(weights)
            w[self.isp] = 0.0  # switching means another ISP
            if sum(w) > 0.0:
                m.move(self, rnd.choices(m.isp_codes, weights=w)[0])
        self.risk *= m.risk_decay


# --------------------------------------------------------------------------- institutions
class _Accounts:
    """ISP-level tallies the shared institutional code reads as ``model.accounts``.

    ``n`` is the population size; ``customers`` the customers of each ISP, kept by the
    ISP agents (counters updated on every switch), not a per-subscriber array.
    """

    def __init__(self, model: AgentBasedPolicyModel, n: int):
        self.model = model
        self.n = n

    @property
    def customers(self) -> np.ndarray:
        return np.array([isp.customers for isp in self.model.isps], dtype=np.int64)


class ISPAgent(ISP):
    """An ISP that handles its notices one at a time through the ladder (ODD 7.4).

    Stance review, expected costs, capacity and revenue are the model's own
    (:class:`model.agents.isp.ISP`).
    """

    def __init__(self, model, params, index: int, customers: int):
        self.customers = customers
        super().__init__(model, params, index)

    def reset_week(self) -> None:
        super().reset_week()
        self.delivered: list[SubscriberAgent] = []
        self.final: list[bool] = []  # aligned with delivered: the warning before a sanction

    def process_notices(
        self, notices: list[tuple[SubscriberAgent, bool]], week: int
    ) -> list[tuple[SubscriberAgent, bool]]:
        """Handle this week's (subscriber, wrongful) notices; return the sanction cases.

        Refusing: every notice is dropped. Else up to capacity: several notices about one
        subscriber count as one strike, wrongful only if all were misattributed; a notice
        within ``quarantine_weeks`` of the last counted one does not count; strikes
        expire ``strike_expiry_weeks`` after the last counted notice (or the first,
        ``strike_expiry_from``); strike k <= L gives a warning at level k, strike L+1
        reaches the sanction step (strikes reset), wrongful if the true strikes are <= L.
        ``forward`` only warns. Final warnings: :meth:`Regime.final_warning`.
        """
        regime = self.regime
        self.received += len(notices)
        if not notices:
            return []
        if not regime.polices:
            self.refused += len(notices)
            return []
        cap = self.weekly_capacity()
        if cap is not None and len(notices) > cap:
            self.dropped += len(notices) - cap
            notices = notices[:cap]
        self.handled += len(notices)
        self.costs += len(notices) * self.params.cost_per_notice * self.model.scale
        all_wrongful: dict[SubscriberAgent, bool] = {}
        for agent, wrongful in notices:
            all_wrongful[agent] = all_wrongful.get(agent, True) and wrongful
        levels = regime.warning_levels
        expiry = self.params.strike_expiry_weeks
        quarantine = self.params.quarantine_weeks
        from_first = self.params.strike_expiry_from == "first_notice"
        cases = []
        for agent, wrongful in all_wrongful.items():
            if agent.last_notice != NEVER and week - agent.last_notice <= quarantine:
                self.quarantined += 1
                continue
            elapsed = week - agent.last_notice + (agent.strike_span if from_first else 0)
            expired = elapsed > expiry
            if from_first:
                agent.strike_span = 0 if expired or agent.strikes == 0 else elapsed
            if expired:
                agent.strikes = 0
                agent.true_strikes = 0
            strikes = agent.strikes + 1
            true = agent.true_strikes + (0 if wrongful else 1)
            self.repeats += agent.last_notice != NEVER
            agent.last_notice = week
            self.delivered.append(agent)
            if regime.stance == "forward":
                self.final.append(bool(regime.final_warning(min(strikes, max(levels, 1)))))
                self._warn(min(strikes, max(levels, 1)))
                agent.strikes = min(strikes, 255)
                agent.true_strikes = min(true, 255)
            elif strikes > levels:
                self.final.append(False)
                agent.strikes = 0
                agent.true_strikes = 0
                cases.append((agent, true <= levels))
            else:
                self.final.append(bool(regime.final_warning(strikes)))
                self._warn(strikes)
                agent.strikes = strikes
                agent.true_strikes = true
        return cases

    def _warn(self, level: int) -> None:
        self.warnings[level] = self.warnings.get(level, 0) + 1


class RightsBodyAgent(RightsBody):
    """A rights body that checks each sharing agent in turn (ODD 7.3, 7.7).

    Escalation, lobbying, pressure and the legal service are the model's own
    (:class:`model.agents.rights_body.RightsBody`).
    """

    def __init__(self, model, params, index: int):
        super().__init__(model, params, index)
        self.target_list = [bool(t) for t in self.targets]

    def reset_week(self) -> None:
        super().reset_week()
        self.detected_rightly: list[SubscriberAgent] = []

    def monitor(
        self, week: int, sharers: list[SubscriberAgent]
    ) -> list[tuple[SubscriberAgent, bool]]:
        """Detect each sharer at a targeted ISP with its probability; name someone for each.

        Detections beyond the notice budget are not sent (random order). Each detection is
        misattributed with ``misattribution_rate`` to a random customer of the same ISP.
        Returns (subscriber named, wrongful) pairs.
        """
        p = self.params
        if week < p.start_week:
            return []
        m = self.model
        rnd = m.random
        found = []
        rate = self.detection_rate
        for agent in sharers:
            if not self.target_list[agent.isp]:
                continue
            # 1 - exp(-rate x intensity); exactly detection_prob when intensity is 1
            prob = -math.expm1(-rate * agent.intensity) if rate < math.inf else 1.0
            if agent.vpn:
                prob *= p.vpn_detection_factor
            if rnd.random() < prob:
                found.append(agent)
        rnd.shuffle(found)
        if self.notice_cap() is not None:
            monitored = sum(isp.customers for isp in m.isps if self.target_list[isp.index])
            found = found[: self.weekly_budget(monitored)]
        notices = []
        for agent in found:
            if rnd.random() < p.misattribution_rate:
                notices.append((rnd.choice(m.customers_of(agent.isp)), True))
                self.wrongful_notices += 1
            else:
                notices.append((agent, False))
                self.detected_rightly.append(agent)
        self.notices_sent = len(notices)
        self.costs += len(found) * p.cost_per_detection * m.scale
        by_isp = np.zeros(len(m.isps), dtype=np.int64)
        for agent, _ in notices:
            by_isp[agent.isp] += 1
        self.pay_fees(by_isp)
        return notices

    def litigate(self, week: int) -> list[SubscriberAgent]:
        """While litigating, sue a Poisson number of this week's rightly named sharers."""
        if not self.litigating(week):
            return []
        m = self.model
        rate = self.params.lawsuits_per_million * m.accounts.n / 1e6
        k = min(int(m.rng.poisson(rate)), len(self.detected_rightly))
        sued = m.random.sample(self.detected_rightly, k)
        self.lawsuits = len(sued)
        self.costs += len(sued) * self.params.cost_per_lawsuit * m.scale
        return sued


class RegulatorAgent(Regulator):
    """The regulator with a due-process queue of single cases (ODD 7.6).

    Pressure, stages, binding regime and anticipation are the model's own
    (:class:`model.agents.regulator.Regulator`).
    """

    def submit(
        self, week: int, isp: int, cases: list[tuple[SubscriberAgent, bool]], regime: Regime
    ) -> None:
        """Sanction cases wait for review: (week, isp, subscriber, wrongful, regime)."""
        for agent, wrongful in cases:
            self.queue.append((week, isp, agent, wrongful, regime))

    def backlog(self) -> int:
        return len(self.queue)

    def review(self, week: int, rnd) -> list[tuple]:
        """Review cases that have waited ``review_delay_weeks``, oldest first, up to capacity.

        A misattributed case is overturned with ``review_accuracy``; a correct one upheld
        with ``uphold_rate``. Returns the upheld cases.
        """
        p = self.params
        budget = self.open_budget()
        upheld, remaining = [], []
        for case in self.queue:
            submitted, _isp, _agent, wrongful, _regime = case
            if week - submitted < p.review_delay_weeks or budget == 0:
                remaining.append(case)
                continue
            if budget is not None:
                budget -= 1
                self.capacity_credit -= 1
            draw = rnd.random()
            keep = draw >= p.review_accuracy if wrongful else draw < p.uphold_rate
            self.reviewed += 1
            self.costs += p.cost_per_case * self.model.scale
            if keep:
                upheld.append(case)
            elif wrongful:
                self.overturned += 1
        self.queue = remaining
        self.close_budget()
        return upheld


# --------------------------------------------------------------------------- the model
class AgentBasedPolicyModel(mesa.Model):
    """The conduit model with one ``mesa.Agent`` per subscriber (benchmark baseline).

    Same week as :class:`model.PolicyModel` (docs/ODD.md, section 3), same outcomes.

    Args:
        scenario: a validated scenario.
        rng: an int seed (or None for fresh entropy); per-agent draws use ``self.random``.
    """

    stage = "decide"
    """The subscriber stage :meth:`SubscriberAgent.step` runs."""

    def __init__(self, scenario: Scenario, rng: int | None = None):
        super().__init__(rng=rng)
        self.params = scenario
        # institutional decisions draw from the model's named streams (same names as
        # PolicyModel's; the values differ: other seeds, other order of draws)
        self.streams = make_streams(seed_sequence(rng))
        pop = scenario.population
        n = pop.subscribers
        self.scale = (pop.represents or n) / n
        self.accounts = _Accounts(self, n)
        shares = np.array([isp.market_share for isp in scenario.isps])
        counts = [int(c) for c in allocate(n, shares)]
        self.regulator = RegulatorAgent(self, scenario.regulator)
        self.isps = [ISPAgent(self, p, i, counts[i]) for i, p in enumerate(scenario.isps)]
        self.isp_codes = list(range(len(self.isps)))
        self.associations = [Association(self, p) for p in scenario.associations]
        by_name = {a.name: a for a in self.associations}
        for isp in self.isps:
            if isp.params.association is not None:
                isp.association = by_name[isp.params.association]
                isp.association.members.append(isp)
        self.rights_bodies = [
            RightsBodyAgent(self, p, i) for i, p in enumerate(scenario.rights_bodies)
        ]

        # subscribers: exact shares in random order; logit-normal propensity; legal value
        codes = [k for k, c in enumerate(counts) for _ in range(c)]
        self.random.shuffle(codes)
        mu = propensity_mean(pop.sharing.baseline_share, pop.sharing.propensity_sd)
        gauss = self.random.gauss
        sh = pop.sharing
        s, rho = sh.intensity_sd, sh.intensity_correlation
        correlated = rho != 0.0 and sh.propensity_sd > 0.0
        own = s * math.sqrt(1.0 - rho * rho) if correlated else s
        for code in codes:
            z = gauss()
            intensity = 1.0
            if s > 0.0:  # lognormal, mean 1, log correlated rho with propensity (ODD 7.1)
                intensity = math.exp(
                    -0.5 * s * s + (s * rho * z if correlated else 0.0) + own * gauss()
                )
            SubscriberAgent(
                self,
                code,
                mu + sh.propensity_sd * z,
                pop.legal.value_mean + pop.legal.value_sd * gauss(),
                intensity,
            )
        self.subscribers = self.agents_by_type[SubscriberAgent]
        self.baseline_sharers = sum(_sigmoid(a.propensity) for a in self.subscribers)
        self.baseline_volume = sum(_sigmoid(a.propensity) * a.intensity for a in self.subscribers)

        self.salience = 0.0
        self.enforcement_seen = 0.0
        self.week = 0
        self.sharers_by_isp = np.zeros(len(self.isps), dtype=np.int64)
        self._infringing_share = 0.0
        self._pending_lobbying = 0.0
        self._pending_wrongful = 0
        self._destination_base = institutions.brand_weights(scenario)
        self.brand_weights = self._destination_base.tolist()
        self.max_warning_level = max(
            [1, scenario.regulator.law_warning_levels, *(i.warning_levels for i in scenario.isps)]
        )
        self._customers_of: list[list[SubscriberAgent]] | None = None
        self._rows: list[dict[str, Any]] = []
        institutions.start(self)

    # ------------------------------------------------------------------ public API
    run = PolicyModel.run
    outcomes = PolicyModel.outcomes
    infringing_share = PolicyModel.infringing_share

    def customers_of(self, isp: int) -> list[SubscriberAgent]:
        """The customers of ``isp`` this week (built once a week, before anyone switches)."""
        if self._customers_of is None:
            self._customers_of = [[] for _ in self.isps]
            for agent in self.subscribers:
                self._customers_of[agent.isp].append(agent)
        return self._customers_of[isp]

    def move(self, agent: SubscriberAgent, to_isp: int) -> None:
        """``agent`` switches to ``to_isp``: the new ISP has no record of it."""
        self.isps[agent.isp].customers -= 1
        self.isps[to_isp].customers += 1
        agent.isp = to_isp
        agent.strikes = 0
        agent.true_strikes = 0
        agent.last_notice = NEVER
        agent.suspended_until = 0
        agent.throttled_until = 0
        self.churned += 1

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week, in the ODD's order of events (section 3)."""
        week = self.week
        pop = self.params.population
        for agent in (self.regulator, *self.isps, *self.rights_bodies):
            agent.reset_week()
        self._customers_of = None

        # 1. regulator: pressure (last week's lobbying, wrongful sanctions), stage, news
        institutions.legislate(self, week, self._pending_lobbying, self._pending_wrongful)
        # 2. associations and ISPs review their stance; each ISP applies its regime
        institutions.review_stances(self, week)

        # 3. subscribers decide, one agent at a time
        penalty = institutions.penalty_by_isp(self, week)
        self.penalty = penalty.tolist()
        self.public_risk = deterrence.public_risk(self)
        self.vpn_penalty_factor = pop.vpn.penalty_factor
        legal_open = institutions.legal_service_available(self.rights_bodies, week)
        self.legal_pull = pop.legal.pull if legal_open else 0.0
        self.stage = "decide"
        self.suspended_now = 0
        self.subscribers.shuffle_do("step")
        sharers = [a for a in self.subscribers if a.sharing]
        at = [0] * len(self.isps)
        for a in sharers:
            at[a.isp] += 1
        self.sharers_by_isp = np.array(at, dtype=np.int64)
        self._infringing_share = len(sharers) / self.accounts.n

        # 4-5. monitoring, notices, ISPs' handling (one notice at a time)
        inbox: list[list[tuple[SubscriberAgent, bool]]] = [[] for _ in self.isps]
        for body in self.rights_bodies:
            for agent, wrongful in body.monitor(week, sharers):
                inbox[agent.isp].append((agent, wrongful))
        cases = [isp.process_notices(inbox[isp.index], week) for isp in self.isps]
        delivered = [a for isp in self.isps for a in isp.delivered]
        final = [f for isp in self.isps for f in isp.final]

        # 6. notified subscribers react (the final warning before a sanction jumps further)
        risk = pop.risk
        for agent, last in zip(delivered, final, strict=True):
            jump = risk.final_warning_jump if last else risk.notice_jump
            kept = pop.sharing.final_warning_p2p_kept if last else pop.sharing.notice_p2p_kept
            agent.receive_notice(jump, pop.vpn.adopt_on_notice, kept)

        # 7. sanctions, due process, litigation
        sanctions = self._sanction(cases, week)
        sued = [a for b in self.rights_bodies for a in b.litigate(week)]
        for agent in sued:
            agent.risk = 1.0
        if sued:
            institutions.add_salience(self, self.params.salience.lawsuit_impulse)

        # 8. subscribers adapt, one agent at a time (then own risk fades: nothing reads
        #    own risk between here and the end of the week)
        self._prepare_adaptation(week, penalty)
        self.stage = "adapt"
        self.subscribers.shuffle_do("step")

        # 9. escalation; lobbying and wrongful sanctions reach next week's regulator
        institutions.escalate(self, week, self._infringing_share)
        self._pending_lobbying = institutions.lobbying(self.rights_bodies)
        self._pending_wrongful = sanctions["wrongful"]

        # 10. record; salience fades, then this week's news; notice volumes (own risk
        #     faded at the end of each agent's adapt stage)
        self._record(week, sharers, sanctions, penalty)
        institutions.enforcement_news(self, len(delivered), sanctions["applied"])
        deterrence.learn_enforcement(self, len(delivered), sanctions["applied"], len(sharers))
        institutions.update_notice_volumes(self.isps)
        self.week += 1

    def _prepare_adaptation(self, week: int, penalty: np.ndarray) -> None:
        """Week-level quantities the subscribers' ``adapt`` stage reads."""
        pop = self.params.population
        churn = pop.churn
        self.new_legal = 0
        self.churned = 0
        self.vpn_rate = pop.vpn.weekly_rate if np.any(penalty > 0) else 0.0
        self.legal_open = institutions.legal_service_available(self.rights_bodies, week)
        self.legal_price_now = institutions.legal_price(self.rights_bodies, week)
        self.legal_risk_value = pop.legal.risk_value
        self.legal_adoption_rate = pop.legal.adoption_rate
        self.base_churn = churn.base_weekly
        self.penalty_gap = (penalty - penalty.min()).tolist()
        self.contract_free = churn.contract_free_weekly if churn.flight > 0.0 else 0.0
        self.flight = churn.flight
        self.avoid_weights = (self._destination_base * np.exp(-churn.avoidance * penalty)).tolist()
        self.suspended_churn = (
            churn.suspended_switch_weekly if self.params.regulator.suspended_may_switch else 0.0
        )
        self.risk_decay = math.exp(-1.0 / pop.risk.decay_weeks)

    def _sanction(self, cases: list, week: int) -> dict[str, int]:
        """Carry out sanctions, case by case, after review where due process applies."""
        due_process = self.params.regulator.due_process
        counts = {"cases": 0, "applied": 0, "wrongful": 0, "wrongful_cases": 0, "fines": 0.0}
        for isp, isp_cases in zip(self.isps, cases, strict=True):
            counts["cases"] += len(isp_cases)
            counts["wrongful_cases"] += sum(1 for _, wrongful in isp_cases if wrongful)
            if due_process:
                self.regulator.submit(week, isp.index, isp_cases, isp.regime)
            else:
                for agent, wrongful in isp_cases:
                    self._apply(isp, agent, wrongful, isp.regime, week, counts)
        if due_process:
            for _submitted, k, agent, wrongful, regime in self.regulator.review(week, self.random):
                if agent.isp == k:  # switched ISP: the case lapses
                    self._apply(self.isps[k], agent, wrongful, regime, week, counts)
        return counts

    def _apply(self, isp, agent, wrongful: bool, regime: Regime, week: int, counts) -> None:
        if regime.sanction == "none":
            return
        until = week + 1 + regime.sanction_weeks
        if regime.sanction == "suspension":
            agent.suspended_until = until
        elif regime.sanction == "fine":
            agent.risk = 1.0
            counts["fines"] += regime.fine * self.scale
        else:
            agent.throttled_until = until
        counts["applied"] += 1
        counts["wrongful"] += int(wrongful)
        isp.costs += isp.params.cost_per_sanction * self.scale

    # ------------------------------------------------------------------ record
    outcome_row = PolicyModel.outcome_row

    def _record(self, week: int, sharers, sanctions, penalty) -> None:
        """Tally the population agent by agent; the row itself is the model's."""
        throttled = vpn = legal = 0
        perceived = 0.0
        factor = self.params.population.throttle_traffic_factor
        volumes = [a.intensity * (factor if a.throttled_until > week else 1.0) for a in sharers]
        for a in self.subscribers:
            throttled += a.throttled_until > week
            vpn += a.vpn
            legal += a.legal
            perceived += a.perceived
        tally = WeekTally(
            sharers=len(sharers),
            throttled_sharers=sum(1 for a in sharers if a.throttled_until > week),
            suspended=self.suspended_now,
            throttled=throttled,
            vpn=vpn,
            legal=legal,
            new_legal=self.new_legal,
            perceived_sum=perceived,
            churned=self.churned,
            customers=[isp.customers for isp in self.isps],
            baseline_sharers=self.baseline_sharers,
            volume=sum(volumes),
            baseline_volume=self.baseline_volume,
            top_decile_share=top_share(np.array(volumes)),
        )
        self._rows.append(self.outcome_row(week, tally, sanctions, penalty.tolist()))


# --------------------------------------------------------------------------- timing
def time_baseline(
    subscribers: int, steps: int = 52, seed: int = 0, scenario: str | Path = UK_SCENARIO
) -> float:
    """Seconds to build and run the per-agent baseline (wall clock, ``perf_counter``).

    Runs ``scenario`` (default: the UK 2008 scenario) with ``population.subscribers``
    overridden, for ``steps`` weeks from seed ``seed``. Building the agents is included,
    as it is part of what a per-agent model costs.
    """
    s = load_scenario(scenario, overrides={"population.subscribers": subscribers})
    start = time.perf_counter()
    AgentBasedPolicyModel(s, rng=seed).run(steps)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    """Print the baseline's seconds for each size given (default 1,000 and 10,000) x 52 weeks."""
    sizes = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [1_000, 10_000]
    for n in sizes:
        print(
            f"baseline (one mesa.Agent per subscriber): {n:>7,} subscribers x 52 weeks: "
            f"{time_baseline(n, 52, seed=0):.2f} s"
        )


if __name__ == "__main__":
    main()
