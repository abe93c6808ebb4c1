"""Flight from policing ISPs: who may leave, and how likely they are to (ODD 7.8).

Shared by the vectorised model (:meth:`model.policy_model.PolicyModel._churn`), the ISPs'
stance reviews (:meth:`model.agents.isp.ISP.expected_costs`) and the per-agent baseline
in ``benchmarks/``, so that all three use one rule.

A sharer leaves an ISP that polices them only at a week when their contract allows it
(weekly probability ``churn.contract_free_weekly``: no per-subscriber contract state), and
then with probability ``min(1, churn.flight x r x gap)``: r their perceived risk (own
risk from notices received plus public salience: those who were noticed, or who fear
notice) and gap the perceived penalty at their ISP above the softest ISP's (logit units).
"""

from __future__ import annotations

import numpy as np


def flight_probability(flight: float, perceived, gap):
    """Probability that a sharer free to switch leaves: min(1, flight x perceived x gap).

    Args:
        flight: ``churn.flight`` (per unit of perceived risk x logit of penalty gap).
        perceived: perceived risk (0-1), one value or an array.
        gap: their ISP's penalty above the softest ISP's (logit units, >= 0), matching
            ``perceived`` in shape or one value.
    """
    return np.minimum(1.0, flight * np.asarray(perceived, dtype=np.float64) * gap)


def weekly_flight_hazard(churn, perceived, gap):
    """Weekly probability that a sharer leaves an ISP that polices them (both conditions).

    ``churn.contract_free_weekly x min(1, churn.flight x perceived x gap)``.
    """
    return churn.contract_free_weekly * flight_probability(churn.flight, perceived, gap)
