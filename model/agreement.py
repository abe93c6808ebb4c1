"""A negotiated voluntary agreement between ISPs and rights bodies (docs/ODD.md 7.12).

The state of one scenario's optional ``agreement:``: whether and when it was signed, who
signed, whether it still binds, and this week's letter quotas under its volume cap. The
rules that form and end it are :func:`model.institutions.negotiate`; this module holds no
rule of its own beyond the arithmetic of sharing the cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.params import AgreementParams


@dataclass
class Agreement:
    """An agreement's state.

    Attributes:
        params: the scenario's ``agreement:`` section.
        signed_week: the week it was signed (None: not yet).
        ended_week: the week it stopped binding (None: not yet).
        members: names of the signatory ISPs.
        rights_bodies: names of the signatory rights bodies.
        before: each signatory's voluntary stance when it signed.
        in_force: whether it binds its signatories this week.
        quota: this week's letters each signatory may still send (model scale), under
            ``volume_cap``; empty without a cap.
        carry: the fraction of a letter the cap carries to next week (model scale).
    """

    params: AgreementParams
    signed_week: int | None = None
    ended_week: int | None = None
    members: list[str] = field(default_factory=list)
    rights_bodies: list[str] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    in_force: bool = False
    quota: dict[str, int] = field(default_factory=dict)
    carry: float = 0.0

    def binds(self, isp_name: str) -> bool:
        """Whether ``isp_name`` is a signatory of an agreement in force."""
        return self.in_force and isp_name in self.members

    def holds_legislation(self, week: int) -> bool:
        """Whether government takes no legislative step in ``week`` (``legislative_hold_weeks``
        after signing; it starts the week after, as legislation comes first in a week)."""
        hold = self.params.legislative_hold_weeks
        return self.signed_week is not None and self.signed_week < week <= self.signed_week + hold

    def share_cap(self, scale: float, customers: dict[str, float]) -> None:
        """Set this week's :attr:`quota`: ``volume_cap`` / ``scale`` letters plus the carried
        fraction, rounded down (the rest carried), split among ``customers`` (signatory ->
        customers) in proportion by largest remainders, so the quotas add up exactly."""
        if self.params.volume_cap is None:
            self.quota = {}
            return
        exact = self.params.volume_cap / scale + self.carry
        whole = int(exact)
        self.carry = exact - whole
        names = list(customers)
        weights = np.array([customers[n] for n in names], dtype=np.float64)
        if weights.sum() <= 0:
            weights = np.ones(len(names))
        ideal = whole * weights / weights.sum()
        base = np.floor(ideal).astype(np.int64)
        left = whole - int(base.sum())
        # largest remainders first; ties by scenario order (stable sort)
        base[np.argsort(-(ideal - base), kind="stable")[:left]] += 1
        self.quota = dict(zip(names, (int(b) for b in base), strict=True))
