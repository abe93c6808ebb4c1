"""ISP associations: collective refusal and mutual backing (IKT Norway)."""

from __future__ import annotations

import mesa

from model import institutions
from model.params import STANCES, AssociationParams


class Association(mesa.Agent):
    """An association of ISPs that sets a common stance and backs its members.

    "Most of the big ISPs in Norway are members of IKT Norway and we will support the
    various ISPs as best we can against what we see as a preposterous demand."

    Attributes:
        params: its parameters.
        members: the ISP agents that belong to it.
        common_stance: the stance it sets for its members (None until its first review).
    """

    def __init__(self, model, params: AssociationParams):
        super().__init__(model)
        self.params = params
        self.name = params.name
        self.members: list = []
        self.common_stance: str | None = "refuse" if params.principled else None

    def review(self, week: int) -> None:
        """Set the members' common stance.

        A principled association refuses; otherwise it picks the stance with the lowest
        summed expected cost over its members (each member's own estimate).
        """
        if not self.members:
            return
        if self.params.principled:
            stance = "refuse"
        else:
            totals = dict.fromkeys(STANCES, 0.0)
            for isp in self.members:
                for s, c in isp.with_switch_cost(isp.expected_costs()).items():
                    totals[s] += c
            stance = institutions.choose_stance(
                totals,
                max(m.params.decision_noise for m in self.members),
                self.model.streams["stance"],
            )
        self.common_stance = stance
        for isp in self.members:
            isp.set_stance(stance, week)
