"""Parameters of the subscriber population: sharing, risk, VPNs, legal alternatives,
churn, spending, salience (units: see :mod:`model.params`)."""

from __future__ import annotations

from pydantic import Field

from model.params.base import P, Params


# --------------------------------------------------------------------------- subscribers
class Sharing(Params):
    """How much subscribers want to share files, before any enforcement."""

    baseline_share: float = P(
        0.10,
        "Share of subscribers sharing files in a week with no enforcement, no legal "
        "service and no salience (calibrates the mean of the propensity distribution).",
        "fraction",
        ge=0.001,
        le=0.9,
    )
    propensity_sd: float = P(
        2.7,
        "Standard deviation of subscribers' propensity to share (heterogeneity).",
        "logit",
        ge=0.0,
        le=6.0,
    )
    intensity_sd: float = P(
        2.25,
        "Spread of how much a subscriber shares in a week when they share (titles or "
        "volume; lognormal, mean 1 over the population): the s.d. of its logarithm. 2.25 "
        "puts about 47% of volume on the top 1% of sharers and 83% on the top 10%, as "
        "measured on Gnutella: 'nearly 50% of all responses are returned by the top 1% of "
        "sharing hosts' (Adar & Huberman 2000, First Monday 5(10)); BitTorrent studies find "
        "the same concentration qualitatively ('a small set of users contributes most of "
        "the resources', Andrade et al. 2009, Computer Networks 53). 0: everyone shares "
        "alike (the model before issue 13).",
        "log units",
        ge=0.0,
        le=3.0,
    )
    intensity_correlation: float = P(
        0.3,
        "Correlation between the logarithm of sharing intensity and propensity to share "
        "(those keenest to share also share most; 'users that provide more resources are "
        "also those that demand more', Andrade et al. 2009; value fitted, docs/ODD.md "
        "section 9).",
        "correlation",
        ge=-1.0,
        le=1.0,
    )
    notice_p2p_kept: float = P(
        0.75,
        "Share of their monitored P2P sharing intensity a subscriber keeps after a notice "
        "(the rest moves to unmonitored channels: streaming, direct download, offline "
        "swapping; Arnold, Darmon, Dejean & Penard 2014; Dejean 2010: two thirds of those "
        "who left P2P after HADOPI moved to streaming and file hosting). 1: no change; "
        "0.75 fitted to the HADOPI and CAS ladders (docs/ODD.md section 9).",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    final_warning_p2p_kept: float = P(
        0.02,
        "As notice_p2p_kept, for the final warning before a sanction (HADOPI's registered "
        "letter announcing the sanction; 0.02 fitted to HADOPI's third step).",
        "fraction",
        ge=0.0,
        le=1.0,
    )


class Risk(Params):
    """Perceived risk of being caught, and what being caught is perceived to cost."""

    notice_jump: float = P(
        0.4,
        "Rise of a subscriber's own perceived risk when a notice reaches them.",
        "probability",
        ge=0.0,
        le=1.0,
    )
    final_warning_jump: float = P(
        1.0,
        "Rise of own perceived risk, instead of notice_jump, when the notice is the final "
        "warning before a sanction (HADOPI's second warning: a registered letter announcing "
        "the sanction).",
        "probability",
        ge=0.0,
        le=1.0,
    )
    decay_weeks: float = P(
        88.0,
        "Time constant over which a subscriber's own perceived risk fades.",
        "weeks",
        ge=0.5,
        le=520.0,
    )
    salience_weight: float = P(
        1.0,
        "How much public salience of enforcement adds to everyone's perceived risk.",
        "probability per unit salience",
        ge=0.0,
        le=2.0,
    )
    penalty_forward: float = P(
        1.4,
        "Perceived cost of being caught when the regime only sends letters.",
        "logit",
        ge=0.0,
        le=10.0,
    )
    penalty_graduated: float = P(
        3.9,
        "Perceived cost of being caught under graduated response.",
        "logit",
        ge=0.0,
        le=10.0,
    )
    penalty_disconnect: float = P(
        4.0,
        "Perceived cost of being caught where the first notice disconnects.",
        "logit",
        ge=0.0,
        le=10.0,
    )
    penalty_litigation: float = P(
        2.6,
        "Perceived cost of being caught where rights holders sue individuals.",
        "logit",
        ge=0.0,
        le=10.0,
    )
    # severity (ODD 7.15): the sanction's part of a penalty scales with its severity
    reference_suspension_weeks: float = P(
        4.0,
        "Severity at which a sanctioning stance's penalty is penalty_graduated or "
        "penalty_disconnect: a suspension of this many weeks (HADOPI: up to one month, "
        "Code de la propriete intellectuelle L335-7-1; the calibrated scenarios' sanction).",
        "weeks",
        gt=0.0,
        le=520.0,
    )
    severity_elasticity: float = P(
        0.5,
        "Elasticity of the sanction's part of the penalty with respect to its severity: "
        "penalty = penalty_forward + (stance penalty - penalty_forward) x (severity / "
        "reference) ** elasticity. Assumption: below 1 because severity deters less than "
        "proportionally (Nagin 2013, Crime and Justice 42); 0 ignores severity.",
        "dimensionless",
        ge=0.0,
        le=2.0,
    )
    fine_per_suspension_week: float = P(
        320.0,
        "A fine's severity in weeks of suspension: GBP of fine that deter like one week of "
        "suspension. HADOPI's law sets the same maximum for both, EUR 1,500 or one month "
        "(about GBP 1,290 at 2010's EUR 0.86, over 4 weeks); New Zealand's tribunal fine of "
        "up to NZD 15,000 (about GBP 7,500) beside its never-used suspension of up to six "
        "months gives about GBP 290 a week.",
        "GBP/week",
        gt=0.0,
        le=1e6,
    )
    throttle_weight: float = P(
        0.5,
        "A week of throttling in weeks of suspension. Assumption: a throttled account keeps "
        "web and e-mail (the US Copyright Alert System's 'mitigation measures'), so it "
        "costs less than a suspension; half.",
        "dimensionless",
        ge=0.0,
        le=1.0,
    )
    # learning from observed enforcement (ODD 7.16)
    learning_weeks: float = P(
        10.0,
        "Time constant of the public's estimate of the chance of being caught, learned from "
        "the notices and sanctions it observes (exponentially weighted). 10 weeks: the "
        "memory that fitted Sweden's six-month fade (salience.decay_weeks).",
        "weeks",
        ge=0.5,
        le=520.0,
    )
    enforcement_weight: float = P(
        12.0,
        "Perceived risk per unit of observed enforcement (notices per sharer per week): "
        "everyone's perceived risk adds enforcement_weight x the learned estimate. 12 keeps "
        "HADOPI's perceived risk where the per-1,000-subscriber salience of notices put it "
        "(0.02 / (1 - exp(-1/10)) x 1,000 x 5.5% sharing).",
        "probability per (notice/sharer/week)",
        ge=0.0,
        le=1000.0,
    )
    sanction_notices: float = P(
        100.0,
        "A sanction carried out counts as this many notices in the enforcement people "
        "observe (the ratio of salience's former sanction and notice weights, 2.0 / 0.02).",
        "notices",
        ge=0.0,
        le=1e4,
    )


class VPN(Params):
    """Evasion: sharers facing enforcement hide behind a VPN or other anonymity service."""

    adopt_on_notice: float = P(
        0.15,
        "Probability that a subscriber adopts a VPN on receiving a notice.",
        "probability",
        ge=0.0,
        le=1.0,
    )
    weekly_rate: float = P(
        0.004,
        "Weekly probability that a sharer adopts a VPN, per unit of perceived risk, while "
        "their ISP or the law polices sharing.",
        "1/week",
        ge=0.0,
        le=1.0,
    )
    penalty_factor: float = P(
        0.2,
        "Perceived expected penalty behind a VPN relative to without one.",
        "fraction",
        ge=0.0,
        le=1.0,
    )


class Legal(Params):
    """Going legal: a paid legal service, once one exists."""

    value_mean: float = P(
        0.52,
        "Mean weekly value subscribers put on the legal service (fitted jointly: UK paid "
        "streaming uptake, 2-8% of lines in 2012, BPI; France's announcement effect, "
        "Danaher et al. 2014; docs/ODD.md section 9).",
        "GBP/week",
        ge=0.0,
        le=50.0,
    )
    value_sd: float = P(
        1.0, "Spread of that value across subscribers.", "GBP/week", ge=0.0, le=50.0
    )
    risk_value: float = P(
        1.55,
        "Extra weekly value of going legal per unit of perceived risk (legal use carries no "
        "risk; fitted jointly with value_mean).",
        "GBP/week",
        ge=0.0,
        le=50.0,
    )
    adoption_rate: float = P(
        0.02,
        "Weekly probability that a subscriber whose value beats the price signs up (awareness).",
        "1/week",
        ge=0.0,
        le=1.0,
    )
    pull: float = P(
        1.5,
        "Fall in the urge to share for a subscriber who has the legal service.",
        "logit",
        ge=0.0,
        le=10.0,
    )


class Churn(Params):
    """Subscribers switching ISP."""

    base_weekly: float = P(
        0.004,
        "Weekly probability of reconsidering one's ISP for any reason; the new choice is "
        "drawn by market share and may be the same ISP, so an ISP with share s loses "
        "base_weekly x (1 - s) of its customers a week (Virgin Media 2008, share 0.22: "
        "1.2-1.5% a month, about 0.3% a week).",
        "1/week",
        ge=0.0,
        le=0.2,
    )
    contract_free_weekly: float = P(
        0.03,
        "Weekly probability that a subscriber's contract lets them leave this week without "
        "an early-termination charge (a weekly hazard: no per-subscriber contract state). "
        "UK broadband minimum terms were 12 months, 18 for many bundles, then rolling "
        "monthly (from May 2011 Ofcom capped terms at 24 months and required a 12-month "
        "offer: The Guardian, 26 May 2011); with contract phases spread evenly the mean "
        "wait to the end of a 12-18-month term is 26-39 weeks: 1/33 a week. Leaving also "
        "needed a "
        "Migration Authorisation Code from the losing ISP, within five working days (Daily "
        "Mail, 28 July 2006).",
        "1/week",
        ge=0.0,
        le=1.0,
    )
    flight: float = P(
        0.8,
        "Probability that a sharer whose contract lets them leave this week leaves an ISP "
        "that polices them, per unit of perceived risk x logit of penalty above the "
        "softest ISP's (capped at 1): a sharer with no notice and no salience never leaves "
        "for enforcement. Fitted jointly (docs/ODD.md section 9): bounded above by "
        "Eircom's share under its lone graduated response (ComReg 2011, Eircom results "
        "2012: at most -13% relative), below by the DEA's no-sanctions target (ISPs that "
        "expect to lose few customers sanction voluntarily).",
        "per risk x logit",
        ge=0.0,
        le=10.0,
    )
    avoidance: float = P(
        1.0,
        "How strongly switching sharers avoid policing ISPs when choosing a new one.",
        "1/logit",
        ge=0.0,
        le=10.0,
    )
    price_sensitivity: float = P(
        0.0,
        "How strongly switchers favour cheaper ISPs beyond their initial shares (0: shares "
        "already reflect prices, and the market is stationary without enforcement).",
        "1/GBP per month",
        ge=0.0,
        le=5.0,
    )
    suspended_switch_weekly: float = P(
        0.2,
        "Weekly probability that a suspended subscriber signs up with another ISP, where the "
        "law allows it (regulator.suspended_may_switch).",
        "1/week",
        ge=0.0,
        le=1.0,
    )


class Spending(Params):
    """What subscribers spend on recorded music and film: the rights holders' revenue."""

    purchases_weekly: float = P(
        0.6,
        "Weekly spending on legal content by a subscriber who does not share.",
        "GBP/week",
        ge=0.0,
        le=50.0,
    )
    sharer_purchase_factor: float = P(
        0.6,
        "A sharer's spending relative to a non-sharer's.",
        "fraction",
        ge=0.0,
        le=2.0,
    )


class Population(Params):
    """The subscribers: broadband accounts, simulated as one struct-of-arrays population."""

    subscribers: int = P(
        100_000,
        "Number of simulated subscribers (broadband accounts).",
        "accounts",
        ge=1,
        le=20_000_000,
    )
    represents: int | None = P(
        None,
        "Real broadband accounts the population stands for; reports scale counts by "
        "represents / subscribers. None: counts are not scaled.",
        "accounts",
        ge=1,
        le=10_000_000_000,  # more than every broadband account on Earth: a typo
    )
    throttle_traffic_factor: float = P(
        0.2,
        "P2P traffic of a throttled sharer relative to an unthrottled one.",
        "fraction",
        ge=0.0,
        le=1.0,
    )
    sharing: Sharing = Field(default_factory=Sharing)
    risk: Risk = Field(default_factory=Risk)
    vpn: VPN = Field(default_factory=VPN)
    legal: Legal = Field(default_factory=Legal)
    churn: Churn = Field(default_factory=Churn)
    spending: Spending = Field(default_factory=Spending)


# --------------------------------------------------------------------------- salience
class Salience(Params):
    """Public salience of enforcement: news that makes everyone feel watched, then fades."""

    decay_weeks: float = P(
        10.0,
        "Time constant over which public salience fades.",
        "weeks",
        ge=0.5,
        le=520.0,
    )
    notice_weight: float = P(
        0.0,
        "Salience added per week per notice per 1,000 subscribers (news coverage of "
        "notices; 0: notices deter through what people learn of them, risk.enforcement_weight).",
        "per notice/1000",
        ge=0.0,
        le=10.0,
    )
    sanction_weight: float = P(
        0.0,
        "Salience added per week per sanction per 1,000 subscribers (news coverage of "
        "sanctions; 0: see risk.sanction_notices).",
        "per sanction/1000",
        ge=0.0,
        le=1000.0,
    )
    threat_impulse: float = P(
        0.05,
        "Salience added by a rights body's public threat of legislation.",
        "salience",
        ge=0.0,
        le=1.0,
    )
    lawsuit_impulse: float = P(
        0.02,
        "Salience added per week in which rights holders sue individuals.",
        "salience",
        ge=0.0,
        le=1.0,
    )
    consultation_impulse: float = P(
        0.05,
        "Salience added when government opens a consultation on legislation.",
        "salience",
        ge=0.0,
        le=1.0,
    )
    bill_impulse: float = P(
        0.15,
        "Salience added when a bill is introduced.",
        "salience",
        ge=0.0,
        le=1.0,
    )
    law_impulse: float = P(
        0.3,
        "Salience added when a law comes into force.",
        "salience",
        ge=0.0,
        le=1.0,
    )
    maximum: float = P(1.0, "Ceiling on salience.", "salience", ge=0.0, le=5.0)
