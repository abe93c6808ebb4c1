"""Rights bodies: monitor file-sharing, send notices, escalate when ISPs refuse."""

from __future__ import annotations

import mesa
import numpy as np

from model import institutions
from model.params import ESCALATION_LEVELS, RightsBodyParams
from model.streams import choose
from model.subscribers import detection_rate


class RightsBody(mesa.Agent):
    """A rights body (BPI) or a law firm acting for rights holders (Simonsen).

    Attributes:
        params: its parameters.
        level: its step on the escalation ladder (index into ESCALATION_LEVELS).
        targets: boolean mask over ISPs whose customers it monitors.
        notices_sent, wrongful_notices, lawsuits: this week's counts (model scale).
        costs: this week's enforcement cost (GBP, real scale).
    """

    def __init__(self, model, params: RightsBodyParams, index: int):
        super().__init__(model)
        self.params = params
        self.name = params.name
        self.index = index
        self.level = ESCALATION_LEVELS.index(params.initial_level)
        self.max_level = ESCALATION_LEVELS.index(params.max_level)
        names = [isp.name for isp in model.params.isps]
        chosen = params.targets if params.targets is not None else names
        self.targets = np.array([n in chosen for n in names], dtype=bool)
        self.share_at_last_review: float | None = None
        # issue 13: detection 1 - exp(-rate x intensity), rate keeping detection_prob's meaning
        self.detection_rate = detection_rate(params.detection_prob, model.params.population.sharing)
        self._budget_carry = 0.0  # fraction of a notice carried to next week's budget
        self.level_changes: list[tuple[int, str]] = [(0, self.level_name)]
        self.reset_week()

    @property
    def level_name(self) -> str:
        return ESCALATION_LEVELS[self.level]

    def reset_week(self) -> None:
        self.notices_sent = 0
        self.wrongful_notices = 0
        self.lawsuits = 0
        self.costs = 0.0
        self.detected_rightly = np.empty(0, dtype=np.int64)

    # ------------------------------------------------------------------ monitoring
    def monitor(self, week: int, sharers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Detect sharers among its targets' customers and name a customer for each.

        Each sharer is detected with 1 - exp(-rate x intensity) (:attr:`detection_rate`;
        ``detection_prob`` itself when intensities are all 1), times
        ``vpn_detection_factor`` behind a VPN, up to its notice budget (whole notices,
        the fraction carried to the next week). A share ``misattribution_rate`` of
        detections is pinned on a customer of the same ISP chosen at random: matching
        dynamic IP addresses to names goes wrong.

        Returns:
            (subscribers named, whether each naming is wrongful), in random order.
        """
        if week < self.params.start_week:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
        m = self.model
        subs = m.accounts
        streams = m.streams
        p = self.params
        if not self.targets.all():
            sharers = sharers[self.targets[subs.isp[sharers]]]
        # thinning: each sharer with their detection probability, then those behind a VPN
        # kept with vpn_detection_factor
        found = self._detect(sharers, subs, streams["detection"])
        behind = subs.vpn[found].nonzero()[0]
        if len(behind):
            missed = streams["detection"].random(len(behind)) >= p.vpn_detection_factor
            kept = np.ones(len(found), dtype=bool)
            kept[behind[missed]] = False
            found = found[kept]
        streams["detection"].shuffle(found)
        if self.notice_cap() is not None:
            monitored = subs.customers[self.targets].sum()
            found = found[: self.weekly_budget(monitored)]
        wrong = np.zeros(len(found), dtype=bool)
        wrong[choose(streams["misattribution"], np.arange(len(found)), p.misattribution_rate)] = (
            True
        )
        named = found.copy()
        if wrong.any():
            isp_of = subs.isp[found[wrong]]
            replaced = np.empty(int(wrong.sum()), dtype=np.int64)
            for k in np.unique(isp_of):
                at = isp_of == k
                replaced[at] = subs.random_customers(
                    int(k), int(at.sum()), streams["misattribution"]
                )
            named[wrong] = replaced
        self.detected_rightly = named[~wrong]
        self.notices_sent = len(named)
        self.wrongful_notices = int(wrong.sum())
        self.costs += len(found) * p.cost_per_detection * m.scale
        if p.notice_fee > 0.0:
            self.pay_fees(np.bincount(subs.isp[named], minlength=len(m.isps)))
        return named, wrong

    def pay_fees(self, notices_by_isp: np.ndarray) -> None:
        """Pay ``notice_fee`` for each notice sent to each ISP (model-scale counts, in
        scenario order): a cost to it, income to the ISP (netted from the ISP's
        enforcement cost; ODD 7.3)."""
        fee = self.params.notice_fee
        if fee <= 0.0:
            return
        scale = self.model.scale
        self.costs += float(notices_by_isp.sum()) * fee * scale
        for isp, count in zip(self.model.isps, notices_by_isp, strict=True):
            isp.costs -= float(count) * fee * scale

    def notice_cap(self) -> float | None:
        """Notices it can send a week per 1,000 monitored subscribers: the lower of
        ``notice_budget`` and ``notice_spend / (cost_per_detection + notice_fee)``; None:
        unlimited (ODD 7.3)."""
        p = self.params
        caps = [] if p.notice_budget is None else [p.notice_budget]
        if p.notice_spend is not None:
            caps.append(p.notice_spend / (p.cost_per_detection + p.notice_fee))
        return min(caps) if caps else None

    def _detect(self, sharers: np.ndarray, subs, rng: np.random.Generator) -> np.ndarray:
        """Sharers detected this week (increasing order), before the VPN factor.

        Uniform intensities: each with ``detection_prob``, drawn sparsely (cost
        proportional to the detections). Otherwise each with 1 - exp(-rate x intensity):
        one float32 uniform per sharer, detected when it is >= exp(-rate x intensity).
        """
        if not subs.varied:  # every intensity is 1
            return choose(rng, sharers, self.params.detection_prob)
        if self.detection_rate <= 0.0 or len(sharers) == 0:
            return sharers[:0]
        missed = subs.intensity[sharers]
        missed *= np.float32(-min(self.detection_rate, 1e30))
        np.exp(missed, out=missed)
        return sharers[rng.random(len(sharers), dtype=np.float32) >= missed]

    def weekly_budget(self, monitored: int) -> int:
        """Notices it can afford this week: :meth:`notice_cap` per 1,000 of ``monitored``,
        rounded down with the fraction carried to the next week (so totals are exact
        within one notice)."""
        exact = self.notice_cap() / 1000.0 * monitored + self._budget_carry
        whole = int(exact)
        self._budget_carry = exact - whole
        return whole

    # ------------------------------------------------------------------ litigation
    def litigate(self, week: int) -> np.ndarray:
        """While litigating, sue individuals among this week's detections (Poisson count)."""
        if not self.litigating(week):
            return np.empty(0, dtype=np.int64)
        m = self.model
        rate = self.params.lawsuits_per_million * m.accounts.n / 1e6
        rng = m.streams["litigation"]
        k = min(int(rng.poisson(rate)), len(self.detected_rightly))
        sued = (
            rng.choice(self.detected_rightly, size=k, replace=False)
            if k
            else self.detected_rightly[:0]
        )
        self.lawsuits = len(sued)
        self.costs += len(sued) * self.params.cost_per_lawsuit * m.scale
        return sued

    # ------------------------------------------------------------------ escalation
    def review_escalation(self, week: int, infringing_share: float, draw: float) -> bool:
        """Step up the ladder when infringement has not fallen enough and ISPs refuse.

        At each review after it starts (every ``review_interval_weeks``, or at random
        with that mean: ``review_timing``, decided by ``draw``, a uniform), if the
        infringing share fell by less than ``target_reduction`` since the last review and
        any ISP it targets refuses, it takes the next step (notify -> demand -> threat ->
        lobby -> litigate), up to ``max_level``. Returns True when it stepped up.
        """
        p = self.params
        if not p.escalates or not institutions.due(p, week - p.start_week, draw):
            return False
        last, self.share_at_last_review = self.share_at_last_review, infringing_share
        if last is None or last <= 0:
            return False
        fell = 1.0 - infringing_share / last
        refusing = any(
            isp.regime.stance == "refuse" for isp in self.model.isps if self.targets[isp.index]
        )
        if fell < p.target_reduction and refusing and self.level < self.max_level:
            self.level += 1
            self.level_changes.append((week, self.level_name))
            return True
        return False

    def litigating(self, week: int) -> bool:
        """Whether it sues individuals in ``week`` (on the ``litigate`` step, started)."""
        return self.level_name == "litigate" and week >= self.params.start_week

    def lobbying(self) -> float:
        """Legislative pressure it adds this week: ``lobbying`` x its step's share."""
        return self.params.lobbying * self.params.lobbying_by_level[self.level_name]

    def demands(self) -> float:
        """Escalation steps beyond notifying: weight of its pressure on refusing ISPs."""
        return float(self.level)

    def offers_legal_service(self, week: int) -> bool:
        launch = self.params.legal_service.launch_week
        return launch is not None and week >= launch
