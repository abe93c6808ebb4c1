"""The institutional rules of the week, shared by the model and the per-agent baseline.

Both :class:`model.policy_model.PolicyModel` and the per-agent Mesa baseline
(``benchmarks/baseline_mesa_agents.py``) call these functions from their ``step()``, so
the institutions (regulator, ISPs' stances, rights bodies' escalation, salience) follow
one implementation. None of them touches per-subscriber state: they read ISP-level
tallies only, so they cost nothing per subscriber.

Each function takes the ``world``: the model object, read through these attributes
(docs/ODD.md, section 2, "Names"):

- ``params``: the validated :class:`~model.scenario.Scenario`;
- ``regulator``, ``isps``, ``associations``, ``rights_bodies``: the institutional agents;
- ``accounts``: the subscribers' ISP-level tallies, ``accounts.n`` (population size) and
  ``accounts.customers`` (customers per ISP, model scale);
- ``scale``: real accounts per simulated subscriber;
- ``salience``: public salience of enforcement (read and written);
- ``streams``: the named random streams (``stance`` for noisy stance choices);
- ``agreement``: the negotiated agreement's state (:class:`model.agreement.Agreement`), or
  None when the scenario has no ``agreement:`` (set by :func:`start`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from model.agents.regulator import Challenge
from model.agreement import Agreement
from model.params import STANCE_TRAITS, STANCES, Stage

LEGISLATIVE_NEWS = {
    "consultation": "consultation_impulse",
    "bill": "bill_impulse",
    "passed": "law_impulse",
}
"""Legislative events that make news, and the ``salience`` impulse each adds (a law makes
news when it passes, not when it later comes into force)."""


# --------------------------------------------------------------------------- salience
def add_salience(world: Any, amount: float) -> None:
    """Add ``amount`` to public salience, capped at ``salience.maximum``."""
    if amount:
        world.salience = min(world.salience + amount, world.params.salience.maximum)


def enforcement_news(world: Any, delivered: int, sanctions: int) -> None:
    """Step 10: salience fades, then this week's notices and sanctions add to it.

    salience <- salience x exp(-1/decay_weeks) + (notice_weight x notices delivered +
    sanction_weight x sanctions) per 1,000 subscribers, capped at the maximum.
    """
    sal = world.params.salience
    per_1000 = 1000.0 / world.accounts.n
    world.salience *= math.exp(-1.0 / sal.decay_weeks)
    add_salience(
        world, sal.notice_weight * delivered * per_1000 + sal.sanction_weight * sanctions * per_1000
    )


# --------------------------------------------------------------------------- regulator
def refusing_share(world: Any) -> float:
    """Share of subscribers whose ISP refuses under the regime in force."""
    customers = world.accounts.customers
    refusing = sum(customers[isp.index] for isp in world.isps if isp.regime.stance == "refuse")
    return refusing / world.accounts.n


def legislate(world: Any, week: int, lobbying: float, wrongful_sanctions: int) -> None:
    """Step 1: legislative pressure and stage; ISPs may challenge a law that has just
    passed; a passed law comes into force when commencement and any challenge allow;
    news of a new stage adds to salience.

    Pressure takes last week's lobbying and wrongful sanctions (queued by the caller at
    step 9) and this week's refusing share. While a signed agreement holds legislation
    (``agreement.legislative_hold_weeks``, ODD 7.12) the stage does not move.
    """
    reg = world.regulator
    reg.pressure_step(lobbying, wrongful_sanctions, refusing_share(world))
    agreement = world.agreement
    if agreement is not None and agreement.holds_legislation(week):
        reg.events = []  # no step this week (ODD 7.12); the week's uniform is still drawn
        world.streams["legislation"].random()
    else:
        reg.update_stage(week, world.streams["legislation"])
    challenge_law(world, week)
    reg.commence(week, world.streams["commencement"])
    sal = world.params.salience
    add_salience(
        world, sum(getattr(sal, LEGISLATIVE_NEWS[e]) for e in reg.events if e in LEGISLATIVE_NEWS)
    )


def challenge_probability(isp: Any, challenge: Any) -> float:
    """The probability that ``isp`` challenges a law that has passed: ``principled_prob``
    for a principled ISP or a member of a principled association, else ``other_prob``."""
    principled = isp.params.principled or (
        isp.association is not None and isp.association.params.principled
    )
    return challenge.principled_prob if principled else challenge.other_prob


def challenge_law(world: Any, week: int) -> None:
    """Step 1, after the stage: the week a law passes, each ISP decides whether to
    challenge it in court (ODD 7.14); those that do bring one joint claim, filed
    ``filing_weeks`` later and decided ``duration_weeks`` (gamma) after filing, which
    strikes the obligations down with probability ``success_prob``.

    From the ``challenge`` stream, every time a law passes whatever the parameters (common
    random numbers): one uniform per ISP in scenario order (decisions), one uniform (the
    judgment), then the duration. No challenge when ``schedule.law_week`` fixes the week
    the law comes into force (history already holds it).
    """
    reg = world.regulator
    p = reg.params.challenge
    if "passed" not in reg.events or reg.params.schedule.law_week is not None:
        return
    rng = world.streams["challenge"]
    decisions = rng.random(len(world.isps))
    judgment = rng.random()
    duration = reg.draw_delay(p.duration_weeks, p.duration_sd_weeks, rng)
    challengers = tuple(
        isp.name
        for isp, u in zip(world.isps, decisions, strict=True)
        if u < challenge_probability(isp, p)
    )
    if challengers:
        filed = week + p.filing_weeks
        succeeds = bool(judgment < p.success_prob)
        reg.file_challenge(Challenge(challengers, filed, filed + duration, succeeds))


def legal_outcomes(world: Any, week: int) -> dict[str, int]:
    """This week's ``obligations_in_force`` (0/1: a law's regime binds ISPs) and
    ``challenge_pending`` (0/1: a challenge of the law is before the courts)."""
    reg = world.regulator
    return {
        "obligations_in_force": int(reg.binding_regime() is not None),
        "challenge_pending": int(reg.challenge_pending(week)),
    }


# --------------------------------------------------------------------------- ISPs
def due(params: Any, week: int, draw: float) -> bool:
    """Whether an institution with ``review_interval_weeks`` and ``review_timing`` reviews
    in ``week`` (never in week 0): periodic, every interval; random, when ``draw`` (a
    uniform on [0, 1)) falls below 1 / interval."""
    if week <= 0:
        return False
    if params.review_timing == "periodic":
        return week % params.review_interval_weeks == 0
    return draw < 1.0 / params.review_interval_weeks


def review_stances(world: Any, week: int) -> None:
    """Step 2: associations, then ISPs, review their stance when due; each ISP then
    applies the regime in force, the law's if one binds, else its own.

    ISPs go in scenario order, so a later ISP's review sees an earlier one's new regime.
    One uniform per association and ISP is drawn from the ``stance_review`` stream every
    week, whatever their timing (common random numbers).
    """
    draws = world.streams["stance_review"].random(len(world.associations) + len(world.isps))
    negotiate(world, week)
    agreement = world.agreement
    bound = {i.name for i in world.isps if agreement is not None and agreement.binds(i.name)}
    for assoc, u in zip(world.associations, draws, strict=False):
        if due(assoc.params, week, u) and not any(m.name in bound for m in assoc.members):
            assoc.review(week)
    for isp, u in zip(world.isps, draws[len(world.associations) :], strict=True):
        if due(isp.params, week, u) and isp.name not in bound:
            isp.review_stance(week)
        isp.update_regime()


def signs(isp: Any, regime: str) -> bool:
    """Whether ``isp`` signs an agreement with ``regime`` (ODD 7.12).

    A member of an association signs if the association is not principled (IKT Norway
    refuses for its members). Otherwise a principled ISP signs only an agreement that
    carries no sanction ("TalkTalk signed, but would not disconnect"); another ISP signs
    if it chooses its own stance (``adaptive``; a stance the user fixed holds).
    """
    if isp.association is not None:
        return not isp.association.params.principled
    if isp.params.principled:
        return not STANCE_TRAITS[regime].sanctions
    return bool(isp.params.adaptive)


def negotiate(world: Any, week: int) -> None:
    """Step 2, first: the broker convenes the agreement once, when ISPs' belief that a law
    will be imposed reaches ``convene_at`` and no law binds; the invited ISPs that
    :func:`signs` adopt its regime if their own stance is weaker (a floor; nothing else
    changes their stance while it binds) and the named rights bodies sign. It ends at the
    first of its ``ends_on`` events (the trial's end, a law binding, the threat lifting);
    then a signatory that does not review its own stance returns to the one it had. It
    is never convened again. While it binds,
    :meth:`~model.agreement.Agreement.share_cap` sets the week's letter quotas among the
    signatories acting under its regime."""
    agreement = world.agreement
    if agreement is None:
        return
    p = agreement.params
    reg = world.regulator
    if agreement.signed_week is None:
        if reg.binding_regime() is not None or reg.law_probability() < p.convene_at:
            return
        invited = set(p.isps) or {i.name for i in world.isps}
        signatories = [i for i in world.isps if i.name in invited and signs(i, p.regime)]
        bodies = set(p.rights_bodies) or {b.name for b in world.rights_bodies}
        agreement.signed_week = week
        agreement.members = [i.name for i in signatories]
        agreement.rights_bodies = [b.name for b in world.rights_bodies if b.name in bodies]
        agreement.before = {i.name: i.voluntary_stance for i in signatories}
        agreement.in_force = True
        for isp in signatories:  # a floor: a signatory already stricter keeps its stance
            if STANCES.index(isp.voluntary_stance) < STANCES.index(p.regime):
                isp.set_stance(p.regime, week)
    elif agreement.in_force and agreement_ends(world, week):
        agreement.in_force = False
        agreement.ended_week = week
        for isp in world.isps:  # who does not review its stance returns to its own
            if isp.name in agreement.before and not isp.params.adaptive:
                if isp.association is None:
                    isp.set_stance(agreement.before[isp.name], week)
    if agreement.in_force:
        customers = world.accounts.customers
        agreement.share_cap(
            world.scale,
            {
                i.name: float(customers[i.index])
                for i in world.isps
                if i.name in agreement.members and i.voluntary_stance == p.regime
            },
        )
    else:
        agreement.quota = {}


def agreement_ends(world: Any, week: int) -> bool:
    """Whether an agreement in force ends in ``week``: the first of its ``ends_on`` events."""
    agreement = world.agreement
    p = agreement.params
    reg = world.regulator
    return (
        ("trial" in p.ends_on and week >= agreement.signed_week + p.trial_weeks)
        or ("law" in p.ends_on and reg.binding_regime() is not None)
        or ("no_threat" in p.ends_on and reg.law_probability() < p.convene_at)
    )


def agreement_quota(world: Any, isp: Any) -> int | None:
    """Letters ``isp`` may still send this week under the agreement's volume cap (model
    scale), or None when no cap applies to it (no cap, not a signatory, or a law binds)."""
    agreement = getattr(world, "agreement", None)
    if agreement is None or not agreement.quota or isp.name not in agreement.quota:
        return None
    if world.regulator.binding_regime() is not None:
        return None
    return agreement.quota[isp.name]


def signatory_bodies(world: Any) -> set[str]:
    """Rights bodies bound by the agreement this week (empty when none is in force)."""
    agreement = world.agreement
    return set(agreement.rights_bodies) if agreement is not None and agreement.in_force else set()


def agreement_outcomes(world: Any) -> dict[str, int]:
    """This week's ``agreement_in_force`` (0/1) and ``agreement_members`` (signatories)."""
    agreement = world.agreement
    in_force = agreement is not None and agreement.in_force
    return {
        "agreement_in_force": int(in_force),
        "agreement_members": len(agreement.members) if in_force else 0,
    }


def choose_stance(costs: dict[str, float], noise: float, rng: np.random.Generator) -> str:
    """The cheapest stance, or a logit choice with scale ``noise`` x mean |cost|.

    With ``noise`` > 0, P(s) is proportional to exp(-(cost(s) - min cost) / scale),
    scale = noise x mean |cost| (so the noise is relative to the stakes). Draws one
    number from ``rng`` only when ``noise`` > 0.
    """
    names = list(costs)
    values = np.array([costs[s] for s in names])
    if noise <= 0:
        return names[int(np.argmin(values))]
    scale = noise * max(np.abs(values).mean(), 1e-9)
    p = np.exp(-(values - values.min()) / scale)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def threat_is_credible(world: Any) -> bool:
    """Whether rights bodies' demands have something behind them: legislation under way
    (a consultation or later) or a rights body suing individuals. A letter alone is not
    enough ([NO]: Simonsen's letter claimed an obligation no law imposed)."""
    return world.regulator.stage >= Stage.CONSULTATION or any(
        b.litigating(world.week) for b in world.rights_bodies
    )


def start(world: Any) -> None:
    """Before week 0: principled associations set their members to refuse (no cost data
    is needed for that; other associations first review when due); every ISP applies
    its regime; the agreement's state is set up (None without ``agreement:``)."""
    params = world.params.agreement
    world.agreement = Agreement(params) if params is not None else None
    for assoc in world.associations:
        if assoc.params.principled:
            assoc.review(0)
    for isp in world.isps:
        isp.update_regime()


def pressure_on(world: Any, isp: Any) -> float:
    """Rights bodies' weekly reputational pressure on ``isp`` if it refuses (GBP).

    Sum over rights bodies targeting it of pressure_on_isps x escalation step x real
    customers / pressure_customers, less the share its association absorbs (backing);
    zero unless the threat is credible (:func:`threat_is_credible`).
    """
    if not threat_is_credible(world):
        return 0.0
    customers = world.accounts.customers[isp.index] * world.scale
    total = sum(
        b.params.pressure_on_isps * b.demands() * customers / b.params.pressure_customers
        for b in world.rights_bodies
        if b.targets[isp.index]
    )
    backing = isp.association.params.backing if isp.association is not None else 0.0
    return total * (1.0 - backing)


def update_notice_volumes(isps: list) -> None:
    """Step 10: each ISP's smoothed weekly notice volume (what its stance review expects)
    moves towards this week's notices received, with time constant its review interval."""
    for isp in isps:
        isp.notices_recent += (isp.received - isp.notices_recent) / isp.params.review_interval_weeks


# --------------------------------------------------------------------------- subscribers' view
def penalty_by_isp(world: Any, week: int) -> np.ndarray:
    """Perceived cost of being caught at each ISP (logit units).

    The harsher of the ISP's regime and the share of the law's penalty anticipated at
    the current legislative stage, plus the penalty of litigation while any rights body
    sues individuals (a court can unmask any ISP's customer).
    """
    risk = world.params.population.risk
    reg = world.regulator
    anticipated = reg.anticipation() * reg.law_regime().penalty(risk)
    litigation = (
        risk.penalty_litigation if any(b.litigating(week) for b in world.rights_bodies) else 0.0
    )
    return np.array(
        [max(isp.regime.penalty(risk), anticipated) + litigation for isp in world.isps],
        dtype=np.float64,
    )


def legal_service_available(rights_bodies: list, week: int) -> bool:
    """Whether any rights body offers its legal service in ``week``."""
    return any(b.offers_legal_service(week) for b in rights_bodies)


def legal_price(rights_bodies: list, week: int) -> float:
    """The cheapest legal service on offer in ``week`` (GBP/week; inf if none)."""
    prices = [b.params.legal_service.price for b in rights_bodies if b.offers_legal_service(week)]
    return min(prices) if prices else math.inf


def brand_weights(scenario: Any) -> np.ndarray:
    """How attractive each ISP is to a switcher: initial share x price advantage.

    With ``price_sensitivity`` 0 (the default) the weights are the initial shares, which
    makes base churn leave the market exactly as it is: observed shares already reflect
    prices, and only enforcement should move them.
    """
    price = np.array([i.price for i in scenario.isps])
    share = np.array([i.market_share for i in scenario.isps])
    w = share * np.exp(-scenario.population.churn.price_sensitivity * (price - price.mean()))
    return w / w.sum()


# --------------------------------------------------------------------------- rights bodies
def escalate(world: Any, week: int, infringing_share: float) -> None:
    """Step 9: rights bodies review escalation when due (a signatory of an agreement in
    force does not); each new public threat makes news. One uniform per rights body is
    drawn from ``escalation`` every week."""
    draws = world.streams["escalation"].random(len(world.rights_bodies))
    bound = signatory_bodies(world)
    threats = sum(
        body.name not in bound
        and body.review_escalation(week, infringing_share, u)
        and body.level_name == "threat"
        for body, u in zip(world.rights_bodies, draws, strict=True)
    )
    add_salience(world, threats * world.params.salience.threat_impulse)


def lobbying(rights_bodies: list) -> float:
    """Legislative pressure the rights bodies add this week (it reaches the regulator at
    next week's step 1)."""
    return sum(b.lobbying() for b in rights_bodies)
