"""The regulator: government and courts. Legislative pressure, stages, law, due process."""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from model.agents.regime import Regime, make_regime
from model.params import RegulatorParams, Stage


@dataclass(frozen=True)
class Challenge:
    """A court challenge of a passed law (docs/ODD.md 7.14).

    Attributes:
        challengers: names of the ISPs that bring it (one joint claim).
        filed_week: week the claim is filed; it is pending from then.
        decided_week: week of the final judgment (no longer pending).
        succeeds: whether the judgment strikes the obligations down.
    """

    challengers: tuple[str, ...]
    filed_week: int
    decided_week: int
    succeeds: bool


@dataclass
class _Batch:
    week: int
    isp: int
    idx: np.ndarray
    wrongful: np.ndarray
    regime: Regime


class Regulator(mesa.Agent):
    """Government (legislation) and the courts or public authority (due process).

    Attributes:
        params: its parameters.
        stage: legislative stage (a :class:`~model.params.Stage`: NONE .. LAW).
        pressure: legislative pressure (dimensionless; lobbying adds, counter-pressure removes).
        events: stage changes this week ('consultation', 'bill', 'passed', 'law',
            'bill_failed', 'struck_down').
        passed_week: the week the law passed (Royal Assent), or None.
        commencement_left: weeks of commencement still to run before the obligations come
            into force (drawn when the law passes; a pending challenge stops the clock).
        challenge: the legal challenge brought against the law, or None.
        struck_down: whether a court struck the law's obligations down.
        reviewed, overturned: this week's due-process counts (model scale).
        costs: this week's cost of reviewing cases (GBP, real scale).
    """

    def __init__(self, model, params: RegulatorParams):
        super().__init__(model)
        self.params = params
        self.stage = Stage[params.initial_stage.upper()]
        self.pressure = 0.0
        self.bill_since: int | None = 0 if self.stage == Stage.BILL else None
        self.bill_lag = params.legislative_lag_weeks  # passage time of the current bill
        self.queue: list[_Batch] = []
        self.capacity_credit = 0.0
        self._law_regime: Regime | None = None
        self.stage_changes: list[tuple[int, str]] = [(0, self.stage_name)]
        self.passed_week: int | None = 0 if self.stage >= Stage.PASSED else None
        self.commencement_left: int | None = 0 if self.stage == Stage.LAW else None
        self.challenge: Challenge | None = None
        self.struck_down = False
        self.reset_week()

    @property
    def stage_name(self) -> str:
        return self.stage.label

    @property
    def law_in_force(self) -> bool:
        return self.stage == Stage.LAW

    def reset_week(self) -> None:
        self.events: list[str] = []
        self.reviewed = 0
        self.overturned = 0
        self.costs = 0.0

    # ------------------------------------------------------------------ legislation
    def pressure_step(
        self, lobbying: float, wrongful_sanctions: int, refusing_share: float
    ) -> None:
        """Update legislative pressure with last week's lobbying and counter-pressure.

        pressure <- pressure * exp(-1/decay) + lobbying
                    - counter_wrongful * wrongful sanctions per 100k subscribers
                    - counter_refusal * market share of refusing ISPs; floored at 0.
        """
        p = self.params
        per_100k = wrongful_sanctions * 1e5 / self.model.accounts.n
        self.pressure *= float(np.exp(-1.0 / p.pressure_decay_weeks))
        self.pressure += (
            lobbying - p.counter_wrongful * per_100k - p.counter_refusal * refusing_share
        )
        self.pressure = max(self.pressure, 0.0)

    def update_stage(self, week: int, rng: np.random.Generator) -> None:
        """Move through none -> consultation -> bill -> passed (:meth:`commence` then
        brings the law into force).

        With a schedule, stages follow it. Otherwise, each week that pressure holds at or
        above ``consultation_threshold`` (no stage yet) or ``bill_threshold``
        (consultation), government acts with probability 1 - exp(-1 /
        ``action_delay_weeks``) (at once if 0). A bill's passage time is drawn when it is
        introduced (gamma, mean ``legislative_lag_weeks``, s.d.
        ``legislative_lag_sd_weeks``); then the law passes if pressure is still at or
        above the consultation threshold, else the bill fails (back to consultation). A
        law stays. One uniform is drawn from ``rng`` every week (common random numbers).
        """
        p = self.params
        s = p.schedule
        before = self.stage
        acts = rng.random() < self.act_probability()
        scheduled = ((Stage.CONSULTATION, s.consultation_week), (Stage.BILL, s.bill_week))
        scheduled += ((Stage.PASSED, s.passed_week), (Stage.LAW, s.law_week))
        if any(at is not None for _, at in scheduled):
            target = self.stage
            for stage, at in scheduled:
                if at is not None and week >= at:
                    target = max(target, stage)
            self.stage = target
        elif self.stage == Stage.NONE and self.pressure >= p.consultation_threshold and acts:
            self.stage = Stage.CONSULTATION
        elif self.stage == Stage.CONSULTATION and self.pressure >= p.bill_threshold and acts:
            self.stage = Stage.BILL
            self.bill_since, self.bill_lag = week, self.draw_lag(rng)
        elif self.stage == Stage.BILL and week - self.bill_since >= self.bill_lag:
            if self.pressure >= p.consultation_threshold:
                self.stage = Stage.PASSED
            else:
                self.stage = Stage.CONSULTATION
                self.events.append("bill_failed")
        if self.stage > before:
            for stage in range(before + 1, self.stage + 1):
                self.events.append(Stage(stage).label)
            if self.stage == Stage.BILL and self.bill_since is None:
                self.bill_since = week
            if self.stage >= Stage.PASSED and self.passed_week is None:
                self.passed_week = week
        if self.stage != before:
            self.stage_changes.append((week, self.stage_name))

    # ------------------------------------------------------------------ commencement
    def commence(self, week: int, rng: np.random.Generator) -> None:
        """Bring a passed law into force (docs/ODD.md 7.13), after :meth:`update_stage`
        and the week's challenge decisions.

        When the law passes, the commencement delay is drawn from ``rng`` (gamma, mean
        ``commencement_weeks``, s.d. ``commencement_sd_weeks``). Each week the law stands
        passed and no challenge is pending, one week of it runs; once none is left, the
        law comes into force (at once with a delay of 0). A pending challenge stops the
        clock, so a challenge filed before commencement delays the law by its duration. A
        challenge decided in the claimants' favour strikes the obligations down: a law in
        force falls back to passed, and never comes into force in the run. A scheduled
        ``law_week`` is history: then only the schedule moves the stage.
        """
        if self.stage < Stage.PASSED:
            return
        if self.commencement_left is None:
            self.commencement_left = self.draw_delay(
                self.params.commencement_weeks, self.params.commencement_sd_weeks, rng
            )
        c = self.challenge
        if c is not None and week == c.decided_week and c.succeeds and not self.struck_down:
            self.struck_down = True
            self.events.append("struck_down")
            if self.stage == Stage.LAW:
                self.stage = Stage.PASSED
                self.stage_changes.append((week, self.stage_name))
        if self.stage != Stage.PASSED or self.struck_down or self.challenge_pending(week):
            return
        if self.params.schedule.law_week is not None:
            return
        if self.commencement_left <= 0:
            self.stage = Stage.LAW
            self.events.append("law")
            self.stage_changes.append((week, self.stage_name))
        else:
            self.commencement_left -= 1

    def file_challenge(self, challenge: Challenge) -> None:
        """A court challenge of the passed law (brought by :func:`model.institutions
        .challenge_law`); it is pending from ``filed_week`` to ``decided_week``."""
        self.challenge = challenge

    def challenge_pending(self, week: int) -> bool:
        """Whether a legal challenge of the law is before the courts in ``week``."""
        c = self.challenge
        return c is not None and c.filed_week <= week < c.decided_week

    @staticmethod
    def draw_delay(mean: float, sd: float, rng: np.random.Generator) -> int:
        """A delay in whole weeks: gamma with ``mean`` and ``sd``, rounded; exactly the
        mean (rounded) with no draw when either is 0."""
        if sd <= 0 or mean <= 0:
            return round(mean)
        return round(rng.gamma((mean / sd) ** 2, sd * sd / mean))

    def act_probability(self) -> float:
        """Weekly probability that government acts on pressure above a threshold."""
        delay = self.params.action_delay_weeks
        return 1.0 if delay <= 0 else -math.expm1(-1.0 / delay)

    def draw_lag(self, rng: np.random.Generator) -> int:
        """A bill's passage time (weeks): gamma with the lag's mean and s.d., rounded."""
        mean, sd = self.params.legislative_lag_weeks, self.params.legislative_lag_sd_weeks
        if sd <= 0 or mean <= 0:
            return mean
        shape = (mean / sd) ** 2
        return round(rng.gamma(shape, sd * sd / mean))

    def binding_regime(self) -> Regime | None:
        """The regime a law in force imposes on every ISP, or None."""
        if not (self.law_in_force and self.params.obligations_in_force):
            return None
        return self.law_regime()

    def law_regime(self) -> Regime:
        """The regime a law would impose (what subscribers anticipate)."""
        if self._law_regime is None:
            p = self.params
            self._law_regime = make_regime(
                p.mandated_regime,
                p.law_warning_levels,
                p.law_sanction,
                p.law_sanction_weeks,
                by_law=True,
                mitigation_levels=p.law_mitigation_levels,
                fine=p.law_sanction_fine,
            )
        return self._law_regime

    def law_probability(self) -> float:
        """ISPs' belief that a law will be imposed, at the current stage."""
        return self.params.law_probability[self.stage_name]

    def anticipation(self) -> float:
        """Share of the law's penalty subscribers already expect, at the current stage."""
        return self.params.anticipation[self.stage_name]

    # ------------------------------------------------------------------ due process
    def submit(self, week: int, isp: int, idx: np.ndarray, wrongful: np.ndarray, regime: Regime):
        """Sanction cases wait for review by a court or public authority."""
        if len(idx):
            self.queue.append(_Batch(week, isp, idx, wrongful, regime))

    def backlog(self) -> int:
        return sum(len(b.idx) for b in self.queue)

    def review(self, week: int, rng: np.random.Generator) -> list[_Batch]:
        """Decide the cases that have waited ``review_delay_weeks``, oldest first, up to capacity.

        A misattributed case is overturned with probability ``review_accuracy``; a
        correctly attributed case is upheld with probability ``uphold_rate``. Returns the
        upheld cases (still wrongful if review missed the misattribution).
        """
        p = self.params
        budget = self.open_budget()
        upheld: list[_Batch] = []
        remaining: list[_Batch] = []
        for batch in self.queue:
            if week - batch.week < p.review_delay_weeks or budget == 0:
                remaining.append(batch)
                continue
            take = len(batch.idx) if budget is None else min(budget, len(batch.idx))
            if take < len(batch.idx):
                rest = _Batch(
                    batch.week, batch.isp, batch.idx[take:], batch.wrongful[take:], batch.regime
                )
                remaining.append(rest)
            idx, wrongful = batch.idx[:take], batch.wrongful[:take]
            if budget is not None:
                budget -= take
                self.capacity_credit -= take
            draw = rng.random(take)
            keep = np.where(wrongful, draw >= p.review_accuracy, draw < p.uphold_rate)
            self.reviewed += take
            self.overturned += int((wrongful & ~keep).sum())
            self.costs += take * p.cost_per_case * self.model.scale
            upheld.append(_Batch(batch.week, batch.isp, idx[keep], wrongful[keep], batch.regime))
        self.queue = remaining
        self.close_budget()
        return upheld

    def open_budget(self) -> int | None:
        """Cases that may be reviewed this week (None: unlimited); spend it on
        ``capacity_credit``, then call :meth:`close_budget`."""
        if self.params.review_capacity is None:
            return None
        self.capacity_credit += self.params.review_capacity * self.model.accounts.n / 1e6
        return int(self.capacity_credit)

    def close_budget(self) -> None:
        """Capacity is a weekly rate: a week's unused whole cases are lost and only the
        fraction of a case carries over (else idle weeks bank capacity for a burst)."""
        if self.params.review_capacity is not None:
            self.capacity_credit -= int(self.capacity_credit)
