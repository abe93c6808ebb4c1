"""The parameters of a conduit scenario: one pydantic schema, defaults in one place.

Every parameter carries its default, its unit and its bounds here; a scenario file
states only what differs. Unknown keys are errors (``extra="forbid"``), so a typo
never silently falls back to a default.

Units used throughout:
- time is in weeks (the model's step is one week);
- utilities are in logit units (a subscriber's log-odds of sharing in a week);
- money is in pounds-equivalent per week unless a field says otherwise;
- capacities are per 1,000 (or per million) subscribers, so they do not change
  meaning when the simulated population is scaled up or down.

The schema is split by who the parameters belong to: :mod:`model.params.base` (the
vocabulary and the container), :mod:`model.params.population` (subscribers) and
:mod:`model.params.institutions` (ISPs, associations, rights bodies, the regulator, an
agreement). Import from here.
"""

from model.params.base import (
    ESCALATION_LEVELS,
    STAGES,
    STANCE_TRAITS,
    STANCES,
    EscalationLevel,
    LawStance,
    LegislativeStage,
    P,
    Params,
    ReviewTiming,
    SanctionKind,
    Stage,
    Stance,
    StanceTraits,
    _table_complete,
)
from model.params.institutions import (
    AgreementParams,
    AssociationParams,
    ISPParams,
    LegalChallenge,
    LegalService,
    RegulatorParams,
    RightsBodyParams,
    Schedule,
)
from model.params.population import (
    VPN,
    Churn,
    Legal,
    Population,
    Risk,
    Salience,
    Sharing,
    Spending,
)

__all__ = [
    "ESCALATION_LEVELS",
    "STAGES",
    "STANCES",
    "STANCE_TRAITS",
    "VPN",
    "AgreementParams",
    "AssociationParams",
    "Churn",
    "EscalationLevel",
    "ISPParams",
    "LawStance",
    "Legal",
    "LegalChallenge",
    "LegalService",
    "LegislativeStage",
    "P",
    "Params",
    "Population",
    "RegulatorParams",
    "ReviewTiming",
    "RightsBodyParams",
    "Risk",
    "Salience",
    "SanctionKind",
    "Schedule",
    "Sharing",
    "Spending",
    "Stage",
    "Stance",
    "StanceTraits",
    "_table_complete",
]
