"""A negotiated voluntary agreement between ISPs and rights bodies (docs/ODD.md 7.12).

The state of one scenario's optional ``agreement:``: whether and when it was signed, who
signed, and whether it still binds. The rules that form and end it are
:func:`model.institutions.negotiate`; this module holds no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.params import AgreementParams


@dataclass
class Agreement:
    """An agreement's state.

    Attributes:
        params: the scenario's ``agreement:`` section.
        signed_week: the week it was signed (None: not yet).
        members: names of the signatory ISPs.
        before: each signatory's voluntary stance when it signed.
        in_force: whether it binds its signatories this week.
    """

    params: AgreementParams
    signed_week: int | None = None
    members: list[str] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    in_force: bool = False

    def binds(self, isp_name: str) -> bool:
        """Whether ``isp_name`` is a signatory of an agreement in force."""
        return self.in_force and isp_name in self.members
