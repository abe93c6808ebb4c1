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
    strike_expiry_from: Literal["last_notice", "first_notice"] = P(
        "last_notice",
        "What strike_expiry_weeks counts from: last_notice (the weeks without a counted "
        "notice) or first_notice (the first counted notice of the current strikes; New "
        "Zealand 2011: a detection notice starts a 9-month period, after which the "
        "account goes back to scratch; ODD 7.4).",
    )
    quarantine_weeks: int = P(
        0,
        "Weeks after a counted notice during which further notices about the same "
        "subscriber are handled but not counted: no strike, no warning (New Zealand 2011: "
        "no further notice for infringements within 28 days of a detection or warning "
        "notice, i.e. 3; ODD 7.4). 0: every week's notice counts.",
        "weeks",
        ge=0,
        le=520,
    )
    mitigation_levels: list[int] | None = P(
        None,
        "Warning levels whose notice carries a mitigation or education step (US CAS: "
        "alerts 5 and 6); a subscriber warned at one of them reacts as to a final warning "
        "(population.risk.final_warning_jump, population.sharing.final_warning_p2p_kept). "
        "None: only the last warning before a sanction does; []: no warning does (ODD 7.4).",
        "warning levels",
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

    @model_validator(mode="after")
    def _strike_rules_coherent(self) -> ISPParams:
        _check_mitigation("mitigation_levels", self.mitigation_levels, self.warning_levels)
        if self.quarantine_weeks and self.quarantine_weeks >= self.strike_expiry_weeks:
            raise ValueError(
                f"quarantine_weeks ({self.quarantine_weeks}) must be shorter than "
                f"strike_expiry_weeks ({self.strike_expiry_weeks}): every strike would "
                "expire before the next notice could count; lower quarantine_weeks"
            )
        if self.strike_expiry_from == "first_notice" and self.strike_expiry_weeks > 255:
            raise ValueError(
                f"strike_expiry_weeks ({self.strike_expiry_weeks}) must be at most 255 with "
                "strike_expiry_from: first_notice (the weeks since the first notice are "
                "kept in one byte per subscriber)"
            )
        return self


def _check_mitigation(field: str, levels: list[int] | None, warning_levels: int) -> None:
    """Mitigation levels name warnings that exist: distinct, in 1..``warning_levels``."""
    if levels is None:
        return
    unknown = [k for k in levels if not 1 <= k <= warning_levels]
    if unknown:
        raise ValueError(
            f"{field}: no warning level {unknown[0]} (the ladder has levels 1 to "
            f"{warning_levels}; set warning_levels higher or use levels in that range)"
        )
    if len(set(levels)) != len(levels):
        raise ValueError(f"{field}: levels must be distinct; got {levels}")


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
    notice_fee: float = P(
        0.0,
        "Fee it pays the ISP for each notice it sends (New Zealand 2011: NZD 25 plus GST, "
        "Copyright (Infringing File Sharing) Regulations 2011; ODD 7.3). It counts in its "
        "enforcement cost and, with notice_spend, limits how many notices it sends.",
        "GBP per notice",
        ge=0.0,
        le=1e4,
    )
    notice_spend: float | None = P(
        None,
        "Money it can spend on notices a week per 1,000 subscribers it monitors, paying "
        "cost_per_detection + notice_fee per notice: at most notice_spend / (cost_per_detection "
        "+ notice_fee) notices a week per 1,000 (with notice_budget, the lower cap holds); "
        "None: unlimited.",
        "GBP/week per 1000 subscribers",
        ge=0.0,
    )
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

    @model_validator(mode="after")
    def _spend_buys_notices(self) -> RightsBodyParams:
        if self.notice_spend is not None and self.cost_per_detection + self.notice_fee <= 0.0:
            raise ValueError(
                "notice_spend: a spending cap needs a price per notice; set notice_fee or "
                "cost_per_detection above 0, or use notice_budget (notices a week)"
            )
        return self


# --------------------------------------------------------------------------- regulator
class Schedule(Params):
    """Exogenous legislative timeline (for historical scenarios); None: endogenous."""

    consultation_week: int | None = P(None, "Week a consultation opens.", "week", ge=0)
    bill_week: int | None = P(None, "Week a bill is introduced.", "week", ge=0)
    passed_week: int | None = P(
        None,
        "Week the law passes (Royal Assent). Without law_week, its obligations then come "
        "into force by the rules: commencement_weeks, then any legal challenge.",
        "week",
        ge=0,
    )
    law_week: int | None = P(
        None,
        "Week the law comes into force (it also passes that week unless passed_week is "
        "earlier); the week is history: commencement and challenges do not move it.",
        "week",
        ge=0,
    )

    @model_validator(mode="after")
    def _passed_before_in_force(self) -> Schedule:
        if None not in (self.passed_week, self.law_week) and self.passed_week > self.law_week:
            raise ValueError(
                f"passed_week ({self.passed_week}) must not come after law_week "
                f"({self.law_week}): a law passes before it comes into force"
            )
        return self


class LegalChallenge(Params):
    """ISPs' court challenge of a law that has passed: BT and TalkTalk's
    judicial review of the Digital Economy Act 2010 (docs/ODD.md 7.14)."""

    principled_prob: float = P(
        0.0,
        "Probability that a principled ISP (or a member of a principled association) "
        "challenges a law when it passes. 0: no challenge (the default keeps laws "
        "unchallenged). UK 2010: TalkTalk, the principled ISP, challenged.",
        "probability",
        ge=0.0,
        le=1.0,
    )
    other_prob: float = P(
        0.0,
        "Probability that any other ISP challenges a law when it passes. UK 2010: BT, one "
        "of the five other major ISPs, joined TalkTalk.",
        "probability",
        ge=0.0,
        le=1.0,
    )
    filing_weeks: int = P(
        13,
        "Weeks from the law passing to the claim being filed. A judicial review must be "
        "brought promptly and within three months (Civil Procedure Rules 54.5); BT and "
        "TalkTalk filed on 8 July 2010, 13 weeks after Royal Assent.",
        "weeks",
        ge=0,
        le=520,
    )
    duration_weeks: float = P(
        87.0,
        "Mean weeks from filing to the final judgment, while obligations wait: the DEA "
        "review was filed in July 2010, decided by the High Court on 20 April 2011 and by "
        "the Court of Appeal on 6 March 2012 (87 weeks).",
        "weeks",
        ge=0.0,
        le=520.0,
    )
    duration_sd_weeks: float = P(
        26.0,
        "Spread of a challenge's duration: gamma with mean duration_weeks and this "
        "standard deviation (0: exactly the mean). Assumption: a case can end at first "
        "instance (the DEA's High Court stage took 41 weeks) or go further.",
        "weeks",
        ge=0.0,
        le=260.0,
    )
    success_prob: float = P(
        0.1,
        "Probability that the court strikes the obligations down (they never come into "
        "force in the run). Assumption: BT and TalkTalk lost on all grounds but one "
        "(the costs order) and the obligations stood.",
        "probability",
        ge=0.0,
        le=1.0,
    )


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
        10.0,
        "Pressure at which government opens a consultation (threatens); a bill whose "
        "passage time has run becomes law only if pressure is still at or above it. Half "
        "of bill_threshold (kept from the first version's 20 / 40; not identified by any "
        "target: the UK 2008 scenario starts at consultation, Norway's pressure stays 0).",
        "pressure",
        ge=0.0,
    )
    bill_threshold: float = P(
        20.0,
        "Pressure at which a bill is introduced. Fitted (docs/ODD.md section 9) to the UK "
        "record after July 2008: with the BPI's threat from week 0 (half of its lobbying, "
        "then all of it once it escalates) the median run introduces a bill in week ~78 "
        "(Digital Economy Bill: November 2009, week ~72) and passes the law in week ~97 "
        "(Royal Assent 8 April 2010, week ~92).",
        "pressure",
        ge=0.0,
    )
    legislative_lag_weeks: int = P(
        26,
        "Mean weeks from bill to law, if pressure holds. Assumption near the UK's one "
        "passage time: the Digital Economy Bill took 20 weeks (introduced Nov 2009, Royal "
        "Assent 8 April 2010, hurried through in the wash-up); the French scenario's "
        "schedule has 33 weeks from the Assembly debate (March 2009) to HADOPI 2 (Oct "
        "2009). The previous 52 put the UK law a year late at any bill_threshold that "
        "dates the bill near November 2009.",
        "weeks",
        ge=0,
        le=520,
    )
    legislative_lag_sd_weeks: float = P(
        13.0,
        "Spread of a bill's passage time: each bill's lag is drawn from a gamma "
        "distribution with mean legislative_lag_weeks and this standard deviation (0: "
        "exactly the mean). Assumption: half the mean.",
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
    commencement_weeks: int = P(
        0,
        "Mean weeks from a law passing to its obligations coming into force, without a "
        "challenge (implementing code, decrees). 0: in force on passing, the default of "
        "the Interpretation Act 1978 s.4 for an Act that sets no date. HADOPI 2: "
        "promulgated 28 Oct 2009, first warnings 1 Oct 2010 (48 weeks); the DEA's initial "
        "obligations needed an Ofcom code that was never approved.",
        "weeks",
        ge=0,
        le=520,
    )
    commencement_sd_weeks: float = P(
        0.0,
        "Spread of the commencement delay: gamma with mean commencement_weeks and this "
        "standard deviation (0: exactly the mean). Assumption.",
        "weeks",
        ge=0.0,
        le=260.0,
    )
    challenge: LegalChallenge = Field(
        default_factory=LegalChallenge,
        description="ISPs' court challenge of a law that has passed.",
    )
    mandated_regime: LawStance = P("graduated", "Regime a law imposes on every ISP.")
    obligations_in_force: bool = P(
        True,
        "Whether a law in force imposes its obligations on ISPs (False: a law that "
        "imposes nothing on them, Sweden's IPRED; or, by hand, the UK Digital Economy Act "
        "2010, never brought into force, which commencement and challenge can also give).",
    )
    law_warning_levels: int = P(2, "Warnings before a sanction under the law.", ge=0, le=10)
    law_mitigation_levels: list[int] | None = P(
        None,
        "Warning levels under the law whose notice carries a mitigation or education step "
        "(as isps.<ISP>.mitigation_levels); None: only the last warning before a sanction.",
        "warning levels",
    )
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
        {"none": 0.05, "consultation": 0.25, "bill": 0.6, "passed": 1.0, "law": 1.0},
        "ISPs' belief that a law will be imposed, by legislative stage (passed as law: "
        "the DEA, a law passed and never in force, was calibrated with these values).",
        "probability",
    )
    anticipation: dict[LegislativeStage, float] = P(
        {"none": 0.0, "consultation": 0.15, "bill": 0.5, "passed": 1.0, "law": 1.0},
        "Share of the law's penalty that subscribers already expect, by stage (the "
        "announcement effect; passed as law: the DEA's Royal Assent, a law never in force, "
        "was calibrated with it).",
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

    @model_validator(mode="after")
    def _law_mitigation_exists(self) -> RegulatorParams:
        _check_mitigation(
            "law_mitigation_levels", self.law_mitigation_levels, self.law_warning_levels
        )
        return self


def _fine_given(field: str, kind: str, amount: float) -> None:
    """A fine as a sanction needs its amount (ODD 7.15)."""
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
        52,
        "How long the agreement binds its signatories from signing, if 'trial' is in "
        "ends_on (UK 2008: a three-month letter-writing trial, MoU of 24 July 2008).",
        "weeks",
        ge=1,
    )
    ends_on: list[Literal["trial", "law", "no_threat"]] = P(
        ["trial", "law"],
        "What ends it (the first that happens): 'trial' (trial_weeks after signing), 'law' "
        "(a law's obligations bind every ISP: the law supersedes it), 'no_threat' (ISPs' "
        "belief that a law will be imposed falls below convene_at, e.g. a bill fails). "
        "Empty: it never ends.",
    )
    volume_cap: float | None = P(
        None,
        "Most letters (or warnings) all signatories together send a week, real scale, "
        "shared among them in proportion to their customers; notices beyond a "
        "signatory's share are dropped. None: no cap. UK 2008: batches of roughly 1,000 "
        "letters a week (BERR press release and MoU text, 24 July 2008).",
        "letters/week",
        ge=0.0,
    )
    legislative_hold_weeks: int = P(
        0,
        "Weeks from signing during which government takes no legislative step (the "
        "agreement delays legislation; a long hold pre-empts it). 0: government legislates "
        "anyway (UK 2008: BERR published its consultation on legislation with the MoU, "
        "and the Digital Economy Act followed in April 2010).",
        "weeks",
        ge=0,
        le=520,
    )
    isps: list[str] = Field(
        default_factory=list,
        description="ISPs invited (names); empty: every ISP.",
    )
    rights_bodies: list[str] = Field(
        default_factory=list,
        description="Rights bodies that sign (names); empty: every rights body. A "
        "signatory rights body does not escalate while the agreement binds.",
    )
