"""What an ISP does with a notice: the regime in force at that ISP this week."""

from __future__ import annotations

from dataclasses import dataclass

from model.params import Risk

COMPLIANCE: dict[str, float] = {"refuse": 0.0, "forward": 0.5, "graduated": 0.9, "disconnect": 1.0}
"""How far each stance meets rights bodies' demand for disconnection (0 none, 1 fully)."""


@dataclass(frozen=True)
class Regime:
    """The rules applied to notices at one ISP.

    Attributes:
        stance: refuse, forward, graduated or disconnect.
        warning_levels: warnings before the sanction (0 under ``disconnect``).
        sanction: suspension, throttle or none.
        sanction_weeks: length of a suspension or throttling (weeks).
        by_law: imposed by a law in force (rather than chosen by the ISP).
    """

    stance: str
    warning_levels: int
    sanction: str
    sanction_weeks: int
    by_law: bool = False

    @property
    def polices(self) -> bool:
        return self.stance != "refuse"

    @property
    def sanctions(self) -> bool:
        return self.stance in ("graduated", "disconnect") and self.sanction != "none"

    def penalty(self, risk: Risk) -> float:
        """Subscribers' perceived cost of being caught under this regime (logit units)."""
        if self.stance == "refuse":
            return 0.0
        if self.stance == "forward" or self.sanction == "none":
            return risk.penalty_forward
        if self.stance == "graduated":
            return risk.penalty_graduated
        return risk.penalty_disconnect


def voluntary_regime(
    stance: str, warning_levels: int, sanction: str, sanction_weeks: int
) -> Regime:
    """A regime an ISP chose for itself; ``disconnect`` means no warnings."""
    levels = 0 if stance == "disconnect" else warning_levels
    return Regime(stance, levels, sanction, sanction_weeks)
