"""What an ISP does with a notice: the regime in force at that ISP this week."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.deterrence import severity_factor
from model.params import STANCE_TRAITS, Risk


@dataclass(frozen=True)
class Regime:
    """The rules applied to notices at one ISP (its voluntary stance, or the law's).

    Attributes:
        stance: the stance in force (refuse, forward, graduated or disconnect).
        warning_levels: warnings before the sanction (0 under ``disconnect``).
        sanction: suspension, throttle, fine or none.
        sanction_weeks: length of a suspension or throttling (weeks).
        by_law: imposed by a law in force (rather than chosen by the ISP).
        mitigation_levels: warning levels that carry a mitigation or education step
            (ODD 7.4); None: only the last warning before a sanction.
        fine: a fine's amount (GBP; used when ``sanction`` is fine).
    """

    stance: str
    warning_levels: int
    sanction: str
    sanction_weeks: int
    by_law: bool = False
    mitigation_levels: tuple[int, ...] | None = None
    fine: float = 0.0

    @property
    def polices(self) -> bool:
        return STANCE_TRAITS[self.stance].polices

    @property
    def sanctions(self) -> bool:
        return STANCE_TRAITS[self.stance].sanctions and self.sanction != "none"

    def final_warning(self, levels: np.ndarray) -> np.ndarray:
        """Whether a warning at each of ``levels`` is a final one: the subscriber reacts
        with ``final_warning_jump`` and ``final_warning_p2p_kept`` (ODD 7.4, 7.10).

        By default the last warning before a sanction, where the regime sanctions; with
        ``mitigation_levels``, the warnings at those levels (a mitigation or education
        step). ``levels`` are warning levels (or, past the ladder, the strike that
        reaches the sanction step, which is never final).
        """
        levels = np.asarray(levels)
        if self.mitigation_levels is None:
            return (levels == self.warning_levels) & self.sanctions
        return np.isin(levels, self.mitigation_levels)

    def penalty(self, risk: Risk) -> float:
        """Subscribers' perceived cost of being caught under this regime (logit units).

        A policing regime without a sanction is perceived as letters only
        (``penalty_forward``). A sanction adds the stance's penalty above the letters',
        scaled by its severity (ODD 7.15): penalty_forward + (stance penalty -
        penalty_forward) x :func:`~model.deterrence.severity_factor`, so the stance's
        ``population.risk`` penalty at the reference severity.
        """
        traits = STANCE_TRAITS[self.stance]
        if traits.penalty is None:
            return 0.0
        if not self.sanctions:
            return risk.penalty_forward
        factor = severity_factor(self.sanction, self.sanction_weeks, self.fine, risk)
        letters = risk.penalty_forward
        return letters + (getattr(risk, traits.penalty) - letters) * factor


def make_regime(
    stance: str,
    warning_levels: int,
    sanction: str,
    sanction_weeks: int,
    by_law: bool = False,
    mitigation_levels: list[int] | None = None,
    fine: float = 0.0,
) -> Regime:
    """A regime for ``stance``; a stance without warnings (``disconnect``) gets none, and
    so no mitigation levels."""
    levels = 0 if STANCE_TRAITS[stance].first_notice_sanctions else warning_levels
    mitigation = None
    if mitigation_levels is not None:
        mitigation = tuple(sorted(k for k in mitigation_levels if k <= levels))
    return Regime(stance, levels, sanction, sanction_weeks, by_law, mitigation, fine)
