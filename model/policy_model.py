"""PolicyModel: the week's order of events, and the outcomes recorded each week.

A Mesa model whose few institutional actors (ISPs, associations, rights bodies, the
regulator) are ``mesa.Agent`` objects and whose subscribers are one vectorised
population (:class:`~model.subscribers.Subscribers`, the model's ``accounts``). The
institutional rules live in :mod:`model.institutions`, shared with the per-agent
baseline in ``benchmarks/``.

The order of events in week t (docs/ODD.md, section 3; each step is one block of
:meth:`PolicyModel.step`):

1. Regulator: legislative pressure from last week's lobbying and wrongful sanctions and
   this week's refusals; stage change (consultation, bill, passed); ISPs may challenge a
   law that has just passed; a passed law comes into force after commencement and any
   pending challenge; news of a new stage adds to salience.
2. ISPs: associations, then ISPs, review their stance (each on its interval); every ISP
   applies the law's regime if one binds, else its own.
3. Subscribers: perceived risk = own risk + salience; each decides to share or not.
4. Rights bodies monitor sharers and send notices, some misattributed.
5. ISPs process notices: strikes, warnings, sanction cases.
6. Notified subscribers' own risk jumps; part of their P2P sharing moves elsewhere; some
   adopt a VPN.
7. Sanctions: reviewed first under due process (after a delay, with limited capacity),
   else carried out at once. Rights bodies that litigate sue individuals.
8. Subscribers: VPN adoption under enforcement, legal-service adoption, ISP switching.
9. Rights bodies review escalation (a new public threat makes news); this week's
   lobbying and wrongful sanctions are queued for next week's step 1.
10. Outcomes are recorded; then salience fades and this week's notices and sanctions add
    to it; ISPs update their smoothed notice volume; own risk fades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd

from model import deterrence, institutions
from model.agents.association import Association
from model.agents.isp import ISP
from model.agents.regulator import Regulator
from model.agents.rights_body import RightsBody
from model.events import event_weeks
from model.scenario import Scenario
from model.streams import choose, make_streams, seed_sequence
from model.subscribers import Subscribers, top_share
from model.switching import flight_probability


class PolicyModel(mesa.Model):
    """The copyright-enforcement policy model.

    Args:
        scenario: a validated :class:`~model.scenario.Scenario`.
        rng: the run's seed: an int, a ``numpy.random.SeedSequence`` or None (fresh
            entropy). Every random process draws from its own stream derived from it.

    Attributes (names as in docs/ODD.md, section 2):
        week: the next week to simulate (0 before the first step).
        params: the validated scenario (every object's ``params`` are its parameters;
            ``mesa.Model.scenario`` is Mesa's own).
        accounts: the subscribers, one vectorised population (``mesa.Model.subscribers``
            is Mesa's own); ``params.population`` are their parameters.
        isps, rights_bodies, associations, regulator: the institutional agents.
        salience: public salience of enforcement (0 upwards).
        scale: real accounts per simulated subscriber (for money and reported counts).
        sharers_by_isp: last decided week's sharers at each ISP (model scale; what
            stance reviews see).
    """

    def __init__(self, scenario: Scenario, rng: int | np.random.SeedSequence | None = None):
        root = seed_sequence(rng)
        super().__init__(rng=int(root.generate_state(1)[0]))
        self.params = scenario
        self.streams = make_streams(root)
        pop = scenario.population
        self.scale = (pop.represents or pop.subscribers) / pop.subscribers
        shares = np.array([isp.market_share for isp in scenario.isps])
        self.accounts = Subscribers(pop, shares, self.streams["init"])
        self.regulator = Regulator(self, scenario.regulator)
        self.isps = [ISP(self, p, i) for i, p in enumerate(scenario.isps)]
        self.associations = [Association(self, p) for p in scenario.associations]
        by_name = {a.name: a for a in self.associations}
        for isp in self.isps:
            if isp.params.association is not None:
                isp.association = by_name[isp.params.association]
                isp.association.members.append(isp)
        self.rights_bodies = [RightsBody(self, p, i) for i, p in enumerate(scenario.rights_bodies)]
        self.salience = 0.0
        self.enforcement_seen = 0.0  # the public's learned weekly catch rate (ODD 7.16)
        self.week = 0
        self.sharers_by_isp = np.zeros(len(self.isps), dtype=np.int64)
        self._suspended_now = 0
        self._public_risk = 0.0  # this week's perceived risk shared by all (ODD 7.2, 7.16)
        self._infringing_share = 0.0
        self._pending_lobbying = 0.0
        self._pending_wrongful = 0
        self._destination_base = institutions.brand_weights(scenario)
        self._moved = np.zeros(self.accounts.n, dtype=bool)  # scratch: switched this week
        self._isp_edges = np.arange(len(self.isps) + 1)
        self.max_warning_level = max(
            [1, scenario.regulator.law_warning_levels, *(i.warning_levels for i in scenario.isps)]
        )
        self._rows: list[dict[str, Any]] = []
        institutions.start(self)

    # ------------------------------------------------------------------ public API
    def run(self, weeks: int | None = None) -> PolicyModel:
        """Simulate ``weeks`` weeks (default: the scenario's ``experiment.steps``)."""
        for _ in range(weeks if weeks is not None else self.params.experiment.steps):
            self.step()
        return self

    def outcomes(self) -> pd.DataFrame:
        """One row per simulated week; columns as documented in docs/ODD.md."""
        return pd.DataFrame(self._rows)

    def event_weeks(self) -> dict[str, int | None]:
        """The run's event times so far (:func:`model.events.event_weeks`)."""
        return event_weeks(self.outcomes())

    @property
    def infringing_share(self) -> float:
        return self._infringing_share

    @property
    def population(self) -> Subscribers:
        """Alias of :attr:`accounts` (read-only; kept for the visualiser)."""
        return self.accounts

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week: every side effect is one line below, in the order of docs/ODD.md."""
        week = self.week
        subs = self.accounts
        pop = self.params.population
        for agent in (self.regulator, *self.isps, *self.rights_bodies):
            agent.reset_week()

        # 1. regulator: pressure (last week's lobbying, wrongful sanctions), stage, news
        institutions.legislate(self, week, self._pending_lobbying, self._pending_wrongful)
        # 2. associations and ISPs review their stance; each ISP applies its regime
        institutions.review_stances(self, week)

        # 3. subscribers decide
        penalty = institutions.penalty_by_isp(self, week)
        subs.set_penalties(penalty, pop.vpn.penalty_factor)
        self._public_risk = deterrence.public_risk(self)
        subs.perceive(self._public_risk)
        subs.decide(week, self.streams["decisions"])
        self._suspended_now = len(subs.suspended_now)
        sharers = subs.sharing.nonzero()[0]
        self.sharers_by_isp = np.bincount(subs.isp[sharers], minlength=len(self.isps))
        self._infringing_share = len(sharers) / subs.n

        # 4-5. monitoring, notices, ISPs' handling
        named, wrongful = self._monitor(week, sharers)
        cases = self._deliver(named, wrongful, week)
        delivered = np.concatenate([isp.delivered for isp in self.isps])
        final = np.concatenate([isp.final for isp in self.isps])

        # 6. notified subscribers react
        jump = np.where(final, pop.risk.final_warning_jump, pop.risk.notice_jump)
        subs.notify(delivered, jump)
        sharing = pop.sharing
        subs.move_off_p2p(
            delivered, np.where(final, sharing.final_warning_p2p_kept, sharing.notice_p2p_kept)
        )
        subs.adopt_vpn(choose(self.streams["vpn"], delivered, pop.vpn.adopt_on_notice))

        # 7. sanctions, due process, litigation
        sanctions = self._sanction(cases, week)
        sued = np.concatenate([b.litigate(week) for b in self.rights_bodies] or [np.empty(0, int)])
        if len(sued):
            subs.risk[sued] = 1.0
            institutions.add_salience(self, self.params.salience.lawsuit_impulse)

        # 8. subscribers adapt: VPN, legal service, churn
        self._vpn_under_enforcement(sharers, penalty)
        new_legal = self._legal_adoption(week)
        churned = self._churn(week, sharers, penalty)

        # 9. escalation; lobbying and wrongful sanctions reach next week's regulator
        institutions.escalate(self, week, self._infringing_share)
        self._pending_lobbying = institutions.lobbying(self.rights_bodies)
        self._pending_wrongful = sanctions["wrongful"]

        # 10. record; salience fades, then this week's news; notice volumes; risk fades
        self._record(week, sharers, sanctions, churned, new_legal, penalty)
        institutions.enforcement_news(self, len(delivered), sanctions["applied"])
        deterrence.learn_enforcement(self, len(delivered), sanctions["applied"], len(sharers))
        institutions.update_notice_volumes(self.isps)
        subs.decay_risk(math.exp(-1.0 / pop.risk.decay_weeks))
        self.week += 1  # Mesa's wrapped step() advances self.steps and self.time

    # ------------------------------------------------------------------ rules
    def _monitor(self, week: int, sharers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        named, wrongful = [], []
        for body in self.rights_bodies:
            n, w = body.monitor(week, sharers)
            named.append(n)
            wrongful.append(w)
        if not named:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
        return np.concatenate(named), np.concatenate(wrongful)

    def _deliver(self, named: np.ndarray, wrongful: np.ndarray, week: int) -> list:
        """Route notices to each named subscriber's ISP; collect sanction cases."""
        isp_of = self.accounts.isp[named]
        order = isp_of.argsort(kind="stable")
        bounds = isp_of[order].searchsorted(self._isp_edges)
        cases = []
        for isp in self.isps:
            sel = order[bounds[isp.index] : bounds[isp.index + 1]]
            cases.append(isp.process_notices(named[sel], wrongful[sel], week))
        return cases

    def _sanction(self, cases: list, week: int) -> dict[str, int]:
        """Carry out sanctions, after review where due process applies."""
        due_process = self.params.regulator.due_process
        counts = {"cases": 0, "applied": 0, "wrongful": 0, "wrongful_cases": 0, "fines": 0.0}
        for isp, c in zip(self.isps, cases, strict=True):
            counts["cases"] += len(c.idx)
            counts["wrongful_cases"] += int(c.wrongful.sum())
            if due_process:
                self.regulator.submit(week, isp.index, c.idx, c.wrongful, c.regime)
            else:
                self._apply(isp, c.idx, c.wrongful, c.regime, week, counts)
        if due_process:
            for batch in self.regulator.review(week, self.streams["review"]):
                isp = self.isps[batch.isp]
                still = self.accounts.isp[batch.idx] == batch.isp  # switched: the case lapses
                self._apply(
                    isp, batch.idx[still], batch.wrongful[still], batch.regime, week, counts
                )
        return counts

    def _apply(self, isp: ISP, idx, wrongful, regime, week: int, counts: dict) -> None:
        if regime.sanction == "none" or len(idx) == 0:
            return
        until = week + 1 + regime.sanction_weeks
        if regime.sanction == "suspension":
            self.accounts.suspend(idx, until)
        elif regime.sanction == "fine":  # ODD 7.15: a judgment, like a lawsuit's
            self.accounts.risk[idx] = 1.0
            counts["fines"] += len(idx) * regime.fine * self.scale
        else:
            self.accounts.throttle(idx, until)
        counts["applied"] += len(idx)
        counts["wrongful"] += int(wrongful.sum())
        isp.costs += len(idx) * isp.params.cost_per_sanction * self.scale

    def _vpn_under_enforcement(self, sharers: np.ndarray, penalty: np.ndarray) -> None:
        """Sharers at policing ISPs adopt a VPN with weekly probability rate x perceived risk.

        Drawn by thinning: candidates with probability ``rate``, each kept with
        probability equal to their perceived risk (<= 1): cost proportional to ``rate``.
        """
        rate = self.params.population.vpn.weekly_rate
        if rate <= 0 or not (penalty > 0).any():
            return
        subs = self.accounts
        rng = self.streams["vpn"]
        candidates = choose(rng, sharers, rate)
        if not (penalty > 0).all():
            candidates = candidates[penalty[subs.isp[candidates]] > 0]
        keep = rng.random(len(candidates)) < subs._perceived[candidates]
        subs.adopt_vpn(candidates[keep])

    def _legal_adoption(self, week: int) -> int:
        """Subscribers whose value of the service beats its price sign up at a weekly rate.

        Value = own value + ``risk_value`` x perceived risk. Drawn by thinning: each
        subscriber is considered with probability ``adoption_rate`` (awareness), and signs
        up if willing.
        """
        if not institutions.legal_service_available(self.rights_bodies, week):
            return 0
        subs = self.accounts
        legal = self.params.population.legal
        considering = choose(self.streams["legal"], subs.n, legal.adoption_rate)
        considering = considering[~subs.legal[considering]]
        value = subs.legal_value[considering] + legal.risk_value * subs._perceived[considering]
        adopters = considering[value > institutions.legal_price(self.rights_bodies, week)]
        return len(subs.adopt_legal(adopters, legal.pull))

    def _churn(self, week: int, sharers: np.ndarray, penalty: np.ndarray) -> int:
        """Switching ISP: base churn, flight of sharers from policing ISPs, the suspended.

        Base churn: any subscriber reconsiders with ``base_weekly`` and picks an ISP with
        the brand weights, possibly their own (then they stay), so shares equal to the
        weights are stationary. Flight (:mod:`model.switching`): a sharer at ISP k whose
        contract lets them leave this week (``contract_free_weekly``) leaves with
        min(1, ``flight`` x perceived risk x (penalty_k - the softest ISP's penalty)), for
        another ISP chosen with weights brand x exp(-avoidance x penalty). Suspended
        subscribers sign up with another ISP where the law allows it. Nobody switches
        twice in a week: the groups are taken in that order and later ones skip earlier
        movers.
        """
        subs = self.accounts
        churn = self.params.population.churn
        rng = self.streams["churn"]
        if len(self.isps) < 2:
            return 0
        groups = [(choose(rng, subs.n, churn.base_weekly), self._destination_base, False)]
        gap = penalty - penalty.min()
        if churn.flight > 0 and churn.contract_free_weekly > 0 and (gap > 0).any():
            # sharers whose contract lets them leave this week, then each keeps with the
            # probability that fear of their ISP's enforcement makes them go
            free = choose(rng, sharers, churn.contract_free_weekly)
            free = free[gap[subs.isp[free]] > 0]
            # perceived risk with this week's notices: the noticed fear their ISP at once
            fear = np.minimum(1.0, subs.risk[free] + np.float32(self._public_risk))
            go = flight_probability(churn.flight, fear, gap[subs.isp[free]])
            avoid = self._destination_base * np.exp(-churn.avoidance * penalty)
            groups.append((free[rng.random(len(free)) < go], avoid, True))
        if self.params.regulator.suspended_may_switch and churn.suspended_switch_weekly > 0:
            leaving = choose(rng, subs.suspended_now, churn.suspended_switch_weekly)
            groups.append((leaving, self._destination_base, True))
        moved = []
        for idx, weights, elsewhere in groups:
            if moved:
                idx = idx[~self._moved[idx]]
            if len(idx) == 0:
                continue
            origin = subs.isp[idx]
            dest = self._destinations(origin, weights, rng, elsewhere)
            if not elsewhere:
                switching = dest != origin
                idx, dest = idx[switching], dest[switching]
            subs.move(idx, dest)
            self._moved[idx] = True
            moved.append(idx)
        if not moved:
            return 0
        everyone = np.concatenate(moved)
        self._moved[everyone] = False
        return len(everyone)

    @staticmethod
    def _destinations(origin: np.ndarray, weights: np.ndarray, rng, elsewhere: bool = True):
        """An ISP for each switcher, drawn with ``weights``; ``elsewhere``: never their own."""
        k = len(weights)
        table = weights * (1.0 - np.eye(k)) if elsewhere else np.tile(weights, (k, 1))
        cum = np.add.accumulate(table, axis=1)[origin]
        u = rng.random(len(origin)) * cum[:, -1]
        return np.minimum((u[:, None] >= cum).sum(axis=1), k - 1).astype(np.uint8)

    # ------------------------------------------------------------------ record
    def _record(self, week, sharers, sanctions, churned, new_legal, penalty) -> None:
        subs = self.accounts
        throttled = subs.throttled(week)
        throttled_sharers = throttled[subs.sharing[throttled]]
        tally = WeekTally(
            sharers=len(sharers),
            throttled_sharers=len(throttled_sharers),
            suspended=self._suspended_now,
            throttled=len(throttled),
            vpn=int(np.count_nonzero(subs.vpn)),
            legal=int(np.count_nonzero(subs.legal)),
            new_legal=new_legal,
            perceived_sum=float(np.add.reduce(subs._perceived, dtype=np.float64)),
            churned=churned,
            customers=subs.customers.tolist(),
            baseline_sharers=subs.baseline_sharers,
            **sharing_volume(subs, sharers, throttled_sharers, self.params.population),
        )
        self._rows.append(self.outcome_row(week, tally, sanctions, penalty))

    def outcome_row(self, week: int, tally: WeekTally, sanctions: dict, penalty) -> dict[str, Any]:
        """The week's outcomes (docs/ODD.md, section 8) from the population's tally and the
        agents' counters. Also used by the per-agent baseline in ``benchmarks/``."""
        n = self.params.population.subscribers
        pop = self.params.population
        handled = [i for i in self.isps if len(i.delivered)]
        delivered = sum(len(i.delivered) for i in handled)
        row: dict[str, Any] = {
            "week": week,
            "infringing_share": tally.sharers / n,
            "p2p_traffic": 100.0 * tally.volume / tally.baseline_volume
            if tally.baseline_volume
            else 0.0,
            "traffic_top_decile_share": tally.top_decile_share,
            "repeat_notice_share": sum(i.repeats for i in handled) / delivered
            if delivered
            else 0.0,
            "notices_sent": sum(b.notices_sent for b in self.rights_bodies),
            "notices_handled": sum(i.handled for i in self.isps),
            "notices_refused": sum(i.refused for i in self.isps),
            "notices_dropped": sum(i.dropped for i in self.isps),
            "notices_quarantined": sum(i.quarantined for i in self.isps),
        }
        for level in range(1, self.max_warning_level + 1):
            row[f"warnings_level_{level}"] = sum(i.warnings.get(level, 0) for i in self.isps)
        row.update(
            {
                "sanction_cases": sanctions["cases"],
                "sanctions": sanctions["applied"],
                "fines": sanctions.get("fines", 0.0),
                "wrongful_notices": sum(b.wrongful_notices for b in self.rights_bodies),
                "wrongful_sanctions": sanctions["wrongful"],
                "wrongful_sanction_cases": sanctions["wrongful_cases"],
                "cases_reviewed": self.regulator.reviewed,
                "cases_overturned": self.regulator.overturned,
                "review_backlog": self.regulator.backlog(),
                "lawsuits": sum(b.lawsuits for b in self.rights_bodies),
                "suspended_share": tally.suspended / n,
                "throttled_share": tally.throttled / n,
                "vpn_share": tally.vpn / n,
                "legal_share": tally.legal / n,
                "new_legal": tally.new_legal,
                "perceived_risk": tally.perceived_sum / n,
                "salience": self.salience,
                "enforcement_seen": self.enforcement_seen,
                "legislative_pressure": self.regulator.pressure,
                "legislative_stage": int(self.regulator.stage),
                "law_in_force": int(self.regulator.law_in_force),
                **institutions.legal_outcomes(self, week),
                **institutions.agreement_outcomes(self),
                "churn": tally.churned / n,
            }
        )
        spending = pop.spending
        row["rights_holder_revenue"] = self.scale * (
            spending.purchases_weekly
            * (n - tally.sharers * (1.0 - spending.sharer_purchase_factor))
            + (
                tally.legal * institutions.legal_price(self.rights_bodies, week)
                if tally.legal
                else 0.0
            )
        )
        for isp, pen, customers in zip(self.isps, penalty, tally.customers, strict=True):
            row[f"market_share.{isp.name}"] = customers / n
            row[f"customers.{isp.name}"] = customers
            row[f"stance.{isp.name}"] = isp.regime.stance
            row[f"notices_handled.{isp.name}"] = isp.handled
            row[f"penalty.{isp.name}"] = float(pen)
            row[f"profit.{isp.name}"] = isp.weekly_revenue() - isp.costs
            row[f"enforcement_cost.{isp.name}"] = isp.costs
        for body in self.rights_bodies:
            row[f"enforcement_cost.{body.name}"] = body.costs
            row[f"escalation_level.{body.name}"] = body.level
        row["enforcement_cost.regulator"] = self.regulator.costs
        return row


@dataclass(frozen=True)
class WeekTally:
    """The population's aggregates for one week (model scale: counts of subscribers)."""

    sharers: int
    throttled_sharers: int
    suspended: int
    throttled: int
    vpn: int
    legal: int
    new_legal: int
    perceived_sum: float  # sum of perceived risk over subscribers
    churned: int
    customers: list[int]  # per ISP, in scenario order
    baseline_sharers: float  # expected sharers with no enforcement
    volume: float  # sharing volume: sum of sharers' intensities, throttled ones reduced
    baseline_volume: float  # expected volume with no enforcement (p2p index = 100)
    top_decile_share: float  # share of volume from the top 10% of sharers by volume


def sharing_volume(subs, sharers, throttled_sharers, pop) -> dict[str, float]:
    """This week's sharing volume (ODD 8): sum of the sharers' intensities, a throttled
    sharer's times ``throttle_traffic_factor``; and the top decile's share of it.

    ``sharers`` is sorted (``nonzero``); ``throttled_sharers`` are the throttled among them.
    """
    factor = np.float32(pop.throttle_traffic_factor)
    if not subs.varied:  # every intensity is 1: volume is a count
        volume = len(sharers) - (1.0 - float(factor)) * len(throttled_sharers)
        if len(throttled_sharers):
            vols = np.ones(len(sharers), dtype=np.float32)
            vols[sharers.searchsorted(throttled_sharers)] = factor
            top = top_share(vols)
        else:  # top_share of n equal values, without the partition
            top = max(1, round(0.1 * len(sharers))) / len(sharers) if len(sharers) else 0.0
        return {"volume": volume, "baseline_volume": subs.baseline_volume, "top_decile_share": top}
    vols = subs.intensity[sharers]
    if len(throttled_sharers):
        vols[sharers.searchsorted(throttled_sharers)] *= factor
    return {
        "volume": float(np.add.reduce(vols, dtype=np.float64)),
        "baseline_volume": subs.baseline_volume,
        "top_decile_share": top_share(vols),
    }
