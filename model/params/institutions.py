"""Parameters of the institutions: ISPs, associations, the legal service, rights bodies,
the regulator and a negotiated agreement (units: see :mod:`model.params`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from model.params.base import (
    ESCALATION_LEVELS,
    STAGES,
    STANCES,
    EscalationLevel,
    LawStance,
    LegislativeStage,
    P,
    Params,
    ReviewTiming,
    SanctionKind,
    Stance,
    _table_complete,
)


# --------------------------------------------------------------------------- ISPs
class ISPParams(Params):
    """An Internet service provider: a conduit between subscribers and the internet."""

    name: str = Field(description="Name of the ISP; used to address it (isps.<name>.stance).")
    market_share: float = P(
        0.1,
        "Share of subscribers at the start.",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    price: float = P(
        20.0, "Monthly price of a broadband subscription.", "GBP/month", ge=0.0, le=200.0
    )
    stance: Stance = P(
        "refuse",
        "Its response to rights holders' notices. It holds for the whole run unless "
        "adaptive is true, when it is only the initial stance (a law in force overrides it "
        "either way).",
    )
    principled: bool = P(
        False,
        "Never complies voluntarily, only under law (TalkTalk: 'I cannot foresee any "
        "circumstances in which we would voluntarily disconnect a customer').",
    )
    association: str | None = P(
        None,
        "Name of the ISP association it belongs to (which then sets its stance).",
    )
    adaptive: bool = P(
        False,
        "Reviews its stance (every review_interval_weeks on average) and takes the cheapest; "
        "False: the stance set holds (except under a law in force, or an association's).",
    )
    review_interval_weeks: int = P(
        13,
        "Mean weeks between stance reviews (exact with review_timing: periodic).",
        "weeks",
        ge=1,
        le=520,
    )
    review_timing: ReviewTiming = P(
        "random",
        "When it reviews: random (weekly probability 1 / review_interval_weeks) or periodic.",
    )
    switch_cost: float = P(
        0.25,
        "One-off cost of changing stance per real customer (setting up or dismantling "
        "notice handling, a public reversal): a review moves only if the weekly saving over "
        "a review interval pays for it (assumption; stops flip-flopping between reviews).",
        "GBP per customer",
        ge=0.0,
        le=100.0,
    )
    notice_capacity: float | None = P(
        None,
        "Notices it can handle a week per 1,000 of its customers; None: unlimited.",
        "notices/week per 1000 customers",
        ge=0.0,
    )
    cost_per_notice: float = P(
        2.0,
        "Cost of matching an IP address to a customer and handling a notice.",
        "GBP",
        ge=0.0,
        le=1000.0,
    )
    cost_per_sanction: float = P(40.0, "Cost of carrying out one sanction.", "GBP", ge=0.0, le=1e5)
    warning_levels: int = P(
        2,
        "Warnings before a sanction under graduated response.",
        "warnings",
        ge=0,
        le=10,
    )
    sanction: SanctionKind = P("suspension", "What a sanction does to a subscriber.")
    sanction_weeks: int = P(4, "How long a suspension or throttling lasts.", "weeks", ge=1, le=520)
    sanction_fine: float = P(
        0.0,
        "Fine per sanction when sanction is fine (HADOPI: up to EUR 1,500; New Zealand's "
        "tribunal: up to NZD 15,000).",
        "GBP",
        ge=0.0,
        le=1e6,
    )
    strike_expiry_weeks: int = P(
        52,
        "A subscriber's strikes expire after this many weeks without a notice.",
        "weeks",
        ge=1,
        le=1040,
    )
    decision_noise: float = P(
        0.0,
        "Randomness in stance choice: 0 picks the cheapest stance; larger values give a "
        "logit choice with this scale.",
        "fraction of cost",
        ge=0.0,
        le=10.0,
    )
    compliance: dict[Stance, float] = P(
        {"refuse": 0.0, "forward": 0.5, "graduated": 0.9, "disconnect": 1.0},
        "How far it judges each stance meets rights bodies' demand for disconnection (0 "
        "none, 1 fully): the share of rights bodies' pressure a stance removes and, times "
        "regulator.preemption, of the expected cost of legislation (assumption: the BPI "
        "demanded disconnection [TT]; letters were the 2008 MoU's compromise).",
        "fraction",
    )
    expected_sanction_share: dict[Stance, float] = P(
        {"refuse": 0.0, "forward": 0.0, "graduated": 0.05, "disconnect": 1.0},
        "Its rule of thumb for the share of handled notices that end in a sanction, by "
        "stance, when it costs a stance (assumption; HADOPI: well under 1% of first "
        "warnings reached the third stage, so 0.05 is cautious).",
        "fraction",
    )
    customer_horizon_weeks: float = P(
        52.0,
        "Weeks of subscription it values a lost customer at when costing a stance "
        "(assumption: a one-year contract).",
        "weeks",
        ge=0.0,
        le=520.0,
    )

    @model_validator(mode="after")
    def _stance_tables_complete(self) -> ISPParams:
        for field in ("compliance", "expected_sanction_share"):
            _table_complete(field, getattr(self, field), STANCES)
        _fine_given("sanction_fine", self.sanction, self.sanction_fine)
        return self


class AssociationParams(Params):
    """An ISP association that sets a common stance and backs its members (IKT Norway)."""

    name: str = Field(description="Name of the association.")
    principled: bool = P(
        True,
        "Refuses voluntary enforcement as a matter of principle ('the police and the "
        "prosecuting authority have the job of investigating and indicting').",
    )
    backing: float = P(
        0.7,
        "Share of rights bodies' pressure on a member that the association absorbs.",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    review_interval_weeks: int = P(
        26, "Mean weeks between reviews of the common stance.", "weeks", ge=1
    )
    review_timing: ReviewTiming = P(
        "random",
        "When it reviews: random (weekly probability 1 / review_interval_weeks) or periodic.",
    )


# --------------------------------------------------------------------------- rights bodies
class LegalService(Params):
    """A legal service launched by a rights body in partnership with ISPs."""

    launch_week: int | None = P(
        None,
        "Week the legal service launches; None: never.",
        "week",
        ge=0,
    )
    price: float = P(2.0, "Weekly price of the legal service.", "GBP/week", ge=0.0, le=50.0)


class RightsBodyParams(Params):
    """A rights body (BPI) or a law firm acting for rights holders (Simonsen)."""

    name: str = Field(description="Name of the rights body.")
    detection_prob: float = P(
        0.01,
        "Share of sharers detected in a week (without a VPN), in the population with no "
        "enforcement: each sharer is detected with 1 - exp(-rate x intensity), the rate "
        "set so that the intensity-weighted average over that population is this value "
        "(with population.sharing.intensity_sd 0, every sharer's probability).",
        "1/week",
        ge=0.0,
        le=1.0,
    )
    vpn_detection_factor: float = P(
        0.1,
        "Detection probability behind a VPN relative to without one.",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    misattribution_rate: float = P(
        0.02,
        "Share of detections pinned on the wrong customer when dynamic IP addresses are "
        "matched to names (no published general rate: an uncertain parameter).",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    notice_budget: float | None = P(
        None,
        "Notices it can afford to send a week per 1,000 subscribers; None: unlimited.",
        "notices/week per 1000 subscribers",
        ge=0.0,
    )
    cost_per_detection: float = P(1.0, "Monitoring cost per detection.", "GBP", ge=0.0, le=1e4)
    targets: list[str] | None = P(None, "ISPs whose customers it monitors; None: all.")
    start_week: int = P(0, "Week monitoring starts.", "week", ge=0)
    escalates: bool = P(True, "Escalates when infringement does not fall and ISPs refuse.")
    review_interval_weeks: int = P(
        26, "Mean weeks between escalation reviews.", "weeks", ge=1, le=520
    )
    review_timing: ReviewTiming = P(
        "random",
        "When it reviews: random (weekly probability 1 / review_interval_weeks) or periodic.",
    )
    target_reduction: float = P(
        0.1,
        "Fall in infringement per review below which it escalates.",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    max_level: EscalationLevel = P(
        "lobby",
        "Highest step of the escalation ladder it will take.",
    )
    initial_level: EscalationLevel = P(
        "notify",
        "Step of the ladder it starts on.",
    )
    pressure_on_isps: float = P(
        2000.0,
        "Reputational cost a week to a refusing ISP per escalation step, per "
        "pressure_customers of its (real) customers.",
        "GBP/week",
        ge=0.0,
    )
    pressure_customers: float = P(
        100_000.0,
        "Customers that pressure_on_isps is stated for: an ISP with c customers bears "
        "pressure_on_isps x step x c / pressure_customers a week (a unit, not a behaviour).",
        "customers",
        gt=0.0,
    )
    lobbying: float = P(
        1.0,
        "Legislative pressure added per week while lobbying.",
        "pressure/week",
        ge=0.0,
    )
    lobbying_by_level: dict[EscalationLevel, float] = P(
        {"notify": 0.0, "demand": 0.0, "threat": 0.5, "lobby": 1.0, "litigate": 1.0},
        "Share of its lobbying it adds to legislative pressure at each escalation step "
        "(assumption: a public threat half-lobbies [TT]: 'the government will bring in "
        "legislation').",
        "fraction",
    )
    lawsuits_per_million: float = P(
        2.0,
        "Individuals sued a week per million subscribers while litigating.",
        "1/week",
        ge=0.0,
    )
    cost_per_lawsuit: float = P(5000.0, "Cost of one lawsuit.", "GBP", ge=0.0)
    legal_service: LegalService = Field(default_factory=LegalService)

    @model_validator(mode="after")
    def _level_table_complete(self) -> RightsBodyParams:
        _table_complete("lobbying_by_level", self.lobbying_by_level, ESCALATION_LEVELS)
        return self


# --------------------------------------------------------------------------- regulator
class Schedule(Params):
    """Exogenous legislative timeline (for historical scenarios); None: endogenous."""

    consultation_week: int | None = P(None, "Week a consultation opens.", "week", ge=0)
    bill_week: int | None = P(None, "Week a bill is introduced.", "week", ge=0)
    law_week: int | None = P(None, "Week the law comes into force.", "week", ge=0)


class RegulatorParams(Params):
    """Government and courts: legislation, mandated regimes, due process."""

    initial_stage: LegislativeStage = P("none", "Legislative stage at the start.")
    pressure_decay_weeks: float = P(
        52.0,
        "Time constant over which legislative pressure fades.",
        "weeks",
        ge=1.0,
    )
    consultation_threshold: float = P(
        20.0,
        "Pressure at which government opens a consultation (threatens).",
        "pressure",
        ge=0.0,
    )
    bill_threshold: float = P(40.0, "Pressure at which a bill is introduced.", "pressure", ge=0.0)
    legislative_lag_weeks: int = P(
        52,
        "Mean weeks from bill to law, if pressure holds.",
        "weeks",
        ge=0,
        le=520,
    )
    legislative_lag_sd_weeks: float = P(
        26.0,
        "Spread of a bill's passage time: each bill's lag is drawn from a gamma "
        "distribution with mean legislative_lag_weeks and this standard deviation (0: "
        "exactly the mean). Assumption; the Digital Economy Bill took 20 weeks from "
        "introduction (Nov 2009) to Royal Assent (8 April 2010), in the wash-up.",
        "weeks",
        ge=0.0,
        le=260.0,
    )
    action_delay_weeks: float = P(
        12.0,
        "Mean weeks government takes to act once pressure holds above a threshold (open a "
        "consultation, introduce a bill): each such week it acts with probability "
        "1 - exp(-1 / action_delay_weeks); 0: at once. Source: the UK Code of Practice on "
        "Consultation (2008) asks for consultations of at least 12 weeks.",
        "weeks",
        ge=0.0,
        le=520.0,
    )
    counter_wrongful: float = P(
        0.5,
        "Pressure removed per wrongful sanction per 100k subscribers.",
        "pressure",
        ge=0.0,
    )
    counter_refusal: float = P(
        0.05,
        "Pressure removed a week per refusing ISP, times its market share (public refusals "
        "and privacy objections).",
        "pressure/week",
        ge=0.0,
    )
    schedule: Schedule = Field(default_factory=Schedule)
    mandated_regime: LawStance = P("graduated", "Regime a law imposes on every ISP.")
    obligations_in_force: bool = P(
        True,
        "Whether a passed law's obligations are implemented (False: UK Digital Economy Act "
        "2010, never brought into force).",
    )
    law_warning_levels: int = P(2, "Warnings before a sanction under the law.", ge=0, le=10)
    law_sanction: SanctionKind = P("suspension", "Sanction under the law.")
    law_sanction_weeks: int = P(4, "Length of a sanction under the law.", "weeks", ge=1, le=520)
    law_sanction_fine: float = P(
        0.0,
        "Fine per sanction under the law when law_sanction is fine (decided by a tribunal "
        "when due_process is on).",
        "GBP",
        ge=0.0,
        le=1e6,
    )
    fine_per_week: float = P(
        50_000.0,
        "Fine a week on an ISP that does not comply with a law in force.",
        "GBP/week",
        ge=0.0,
    )
    suspended_may_switch: bool = P(
        True,
        "Whether a suspended subscriber may sign up with another ISP.",
    )
    due_process: bool = P(
        False,
        "Sanctions need review by a court or public authority ('the police and the "
        "prosecuting authority have the job of investigating').",
    )
    review_capacity: float | None = P(
        None,
        "Cases reviewed a week per million subscribers; None: unlimited.",
        "cases/week per million",
        ge=0.0,
    )
    review_delay_weeks: int = P(4, "Weeks a case waits before review.", "weeks", ge=0, le=520)
    review_accuracy: float = P(
        0.9,
        "Probability that review catches a misattributed case.",
        "probability",
        ge=0.0,
        le=1.0,
    )
    uphold_rate: float = P(
        0.8,
        "Probability that review upholds a correctly attributed case.",
        "probability",
        ge=0.0,
        le=1.0,
    )
    cost_per_case: float = P(300.0, "Cost of reviewing one case.", "GBP", ge=0.0)
    law_probability: dict[LegislativeStage, float] = P(
        {"none": 0.05, "consultation": 0.25, "bill": 0.6, "law": 1.0},
        "ISPs' belief that a law will be imposed, by legislative stage.",
        "probability",
    )
    anticipation: dict[LegislativeStage, float] = P(
        {"none": 0.0, "consultation": 0.15, "bill": 0.5, "law": 1.0},
        "Share of the law's penalty that subscribers already expect, by stage (the "
        "announcement effect).",
        "fraction",
    )
    law_cost_per_customer: float = P(
        0.05,
        "ISPs' expected weekly cost per customer of an imposed law.",
        "GBP/week",
        ge=0.0,
    )
    preemption: float = P(
        0.5,
        "How much voluntary enforcement lowers an ISP's expected cost of legislation.",
        "fraction",
        ge=0.0,
        le=1.0,
    )

    @model_validator(mode="after")
    def _stage_tables_complete(self) -> RegulatorParams:
        for field in ("law_probability", "anticipation"):
            _table_complete(field, getattr(self, field), STAGES)
        _fine_given("law_sanction_fine", self.law_sanction, self.law_sanction_fine)
        return self


def _fine_given(field: str, kind: str, amount: float) -> None:
    """A fine as a sanction needs its amount (ODD 7.13)."""
    if kind == "fine" and amount <= 0.0:
        raise ValueError(f"a fine as a sanction needs {field} > 0 (GBP); got {amount:g}")


# --------------------------------------------------------------------------- agreements
class AgreementParams(Params):
    """A negotiated voluntary agreement (the UK's 2008 MoU): under a strong enough threat
    of legislation a broker convenes ISPs and rights bodies into a collective regime for
    a trial period (docs/ODD.md 7.12)."""

    broker: str = Field("government", description="Who convenes it (a label; BERR in the UK).")
    convene_at: float = P(
        0.25,
        "ISPs' belief that a law will be imposed (regulator.law_probability at the current "
        "stage) at or above which the broker convenes the parties.",
        "probability",
        gt=0.0,
        le=1.0,
    )
    regime: Literal["forward", "graduated"] = P(
        "forward",
        "What signatories do with notices: forward letters, or a graduated response.",
    )
    trial_weeks: int = P(
        52, "How long the agreement binds its signatories from signing.", "weeks", ge=1
    )
    isps: list[str] = Field(
        default_factory=list,
        description="ISPs invited (names); empty: every ISP.",
    )
