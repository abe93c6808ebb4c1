"""Deterrence that scales with what people see: how severe a sanction is, and how much
enforcement people observe (docs/ODD.md, 7.15 and 7.16).

Two rules, both at the level of a regime or of the nation (nothing per subscriber):

- :func:`severity_factor`: a sanction's severity (a suspension's or throttle's length, a
  fine's size) on one scale, weeks of suspension, relative to a reference sanction;
  it scales the sanction's part of the perceived penalty (:meth:`Regime.penalty`).
- :func:`learn_enforcement`: the public's estimate of the weekly chance that a sharer
  is caught, learned from the notices and sanctions it observes (an exponentially
  weighted average with time constant ``risk.learning_weeks``).
"""

from __future__ import annotations

import math
from typing import Any

from model.params import Risk


def suspension_weeks(kind: str, weeks: float, fine: float, risk: Risk) -> float:
    """A sanction's severity as weeks of suspension (weeks).

    - ``suspension``: its length in weeks;
    - ``throttle``: its length x ``risk.throttle_weight`` (a throttled account keeps web
      and e-mail);
    - ``fine``: its amount (GBP) / ``risk.fine_per_suspension_week`` (GBP per week);
    - ``none``: 0.
    """
    if kind == "suspension":
        return float(weeks)
    if kind == "throttle":
        return float(weeks) * risk.throttle_weight
    if kind == "fine":
        return float(fine) / risk.fine_per_suspension_week
    return 0.0


def severity_factor(kind: str, weeks: float, fine: float, risk: Risk) -> float:
    """How much more a sanction deters than the reference sanction (dimensionless).

    (s / s_ref) ** ``risk.severity_elasticity``, where s is the sanction's
    :func:`suspension_weeks` and s_ref = ``risk.reference_suspension_weeks`` (4 weeks:
    HADOPI's suspension of up to one month, the calibrated scenarios' sanction). Equal
    to 1 at the reference, 0 for no sanction, increasing in s (concave for an elasticity
    below 1: severity deters less than proportionally).
    """
    s = suspension_weeks(kind, weeks, fine, risk)
    if s <= 0.0:
        return 0.0
    return (s / risk.reference_suspension_weeks) ** risk.severity_elasticity


def observed_enforcement(delivered: int, sanctions: int, sharers: int, risk: Risk) -> float:
    """This week's enforcement as the public sees it: notices delivered plus
    ``risk.sanction_notices`` per sanction carried out, per sharer (national; per week).

    The weekly chance of being caught that a sharer infers from what they see and hear
    of; 0 when nobody shares.
    """
    if sharers <= 0:
        return 0.0
    return (delivered + risk.sanction_notices * sanctions) / sharers


def learn_enforcement(world: Any, delivered: int, sanctions: int, sharers: int) -> None:
    """Step 10: the public's estimate ``world.enforcement_seen`` moves towards this
    week's :func:`observed_enforcement` with time constant ``risk.learning_weeks``:

    seen <- seen + (1 - exp(-1 / learning_weeks)) x (observed - seen).
    """
    risk = world.params.population.risk
    rate = -math.expm1(-1.0 / risk.learning_weeks)
    observed = observed_enforcement(delivered, sanctions, sharers, risk)
    world.enforcement_seen += rate * (observed - world.enforcement_seen)


def public_risk(world: Any) -> float:
    """The perceived risk every subscriber shares (probability units, before own risk):
    ``salience_weight`` x salience + ``enforcement_weight`` x enforcement seen."""
    risk = world.params.population.risk
    return risk.salience_weight * world.salience + risk.enforcement_weight * world.enforcement_seen
