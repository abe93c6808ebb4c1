"""The outcome registry: every column the model records each week, declared once.

An outcome is a column of ``PolicyModel.outcomes()`` (one row per week; ``week`` is the row
index, not an outcome). Each is declared here with its title, meaning, unit, kind, how it
is scaled to the real population, how it is aggregated over runs and which figure shows it.
Per-ISP and per-party outcomes are declared once as a *family* whose name holds one
placeholder: ``market_share.<ISP>``, ``enforcement_cost.<party>``, ``warnings_level_<n>``.

Everything that needs to know about outcomes reads this module: the results writer
(which columns are summed into ``total.<column>``), scenario validation (outcome names in
``analysis:``, ``policies:`` and ``experiment.precision``), policy comparison, ``conduit
validate`` (target columns), the JSON Schema, plots, the report, the visualiser and ODD
section 8 (its table is :func:`odd_table`; a test keeps them equal). A new outcome is one
:class:`Outcome` entry in :data:`OUTCOMES` (a test fails on a recorded column that is not
registered, and on a registered one the model never records).

Summary columns (``summary.csv``, one row per run) derive from the weekly columns:
``final.<column>`` (the last week) for every numeric outcome, and ``total.<column>`` (the
sum over weeks) for summed counts. Categories (the ISPs' stances) have no summary column.

This module imports nothing from :mod:`model` (it is a leaf every layer may read); summary
measures built on it live in :mod:`model.measures`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["count", "level", "share", "category"]
"""count: events this week (subscribers or notices, model scale); level: a state or index;
share: a fraction of subscribers (0-1); category: a label (text)."""

OverRuns = Literal["quantiles", "mode"]
"""How values of the same week are aggregated over replicate runs: quantiles (median and
5-95 % / 25-75 % bands) for numbers, the most frequent value for categories."""

Goal = Literal["minimise", "maximise"]

FigureGroup = Literal["outcomes", "market-shares", "funnel", "legislation", "money"]
"""Figure groups, named as the figures' files in ``plots/``: outcomes (subscribers'
behaviour), market-shares (ISP shares and stances), funnel (enforcement steps),
legislation, money."""

FAMILY = re.compile(r"<([^<>]+)>")
"""The placeholder of a family name: ``<ISP>``, ``<party>``, ``<rights body>``, ``<n>``."""

PLACEHOLDERS = {
    "ISP": "each ISP's name",
    "rights body": "each rights body's name",
    "party": "each ISP's and rights body's name, and `regulator`",
    "n": "each warning level, 1 to the highest any ISP or the law uses",
}
"""What a family's placeholder stands for (used by :func:`columns_for` and ODD section 8)."""


@dataclass(frozen=True)
class Outcome:
    """One weekly outcome column, or one family of them (a name with a ``<placeholder>``).

    Attributes:
        name: column name, e.g. ``infringing_share``, or a family: ``market_share.<ISP>``.
        title: title for figures and tables ("Infringing share").
        description: what it measures (ODD section 8).
        unit: the unit as recorded, e.g. "share of subscribers", "GBP/week (real scale)".
        kind: count, level, share or category (see :data:`Kind`).
        scaled: recorded at model scale (counts of simulated subscribers or notices):
            multiply by ``manifest["scale"]`` (real accounts per simulated subscriber) to
            report it at the real population's size. Money is recorded at real scale.
        summed: summed over weeks into ``total.<column>`` in ``summary.csv``.
        over_runs: aggregation over replicate runs (see :data:`OverRuns`).
        figure: the figure group that draws it, or None.
        factor: recorded unit -> displayed unit (100: a share shown in %).
        axis: displayed unit, for axis labels ("% of subscribers sharing that week").
        label: short lower-case label for digests and tables ("infringing share").
        goal: which direction is better, where it is obvious (policy regret defaults).
        of: for a "wrongful" count, the count it is part of (``wrongful_notices`` of
            ``notices_sent``), drawn inside it in the funnel.
    """

    name: str
    title: str
    description: str
    unit: str
    kind: Kind
    scaled: bool = False
    summed: bool | None = None
    over_runs: OverRuns = "quantiles"
    figure: FigureGroup | None = None
    factor: float = 1.0
    axis: str = ""
    label: str = ""
    goal: Goal | None = None
    of: str | None = None

    def __post_init__(self) -> None:
        if self.summed is None:  # counts are summed unless said otherwise
            object.__setattr__(self, "summed", self.kind == "count")
        if not self.label:  # "Infringing share" -> "infringing share"; "VPN share" stays
            title = self.title
            label = title if title[:2].isupper() else title[0].lower() + title[1:]
            object.__setattr__(self, "label", label)
        if not self.axis:
            object.__setattr__(self, "axis", self.unit)

    @property
    def family(self) -> str | None:
        """The placeholder of a family (``"ISP"`` for ``market_share.<ISP>``), else None."""
        start, end = self.name.find("<"), self.name.find(">")
        return self.name[start + 1 : end] if 0 <= start < end else None

    @property
    def numeric(self) -> bool:
        return self.kind != "category"

    def matches(self, column: str) -> bool:
        """Whether ``column`` is this outcome (or a member of this family)."""
        family = self.family
        if family is None:
            return column == self.name
        head, _, tail = self.name.partition(f"<{family}>")
        if not (column.startswith(head) and column.endswith(tail)):
            return False
        member = column[len(head) : len(column) - len(tail)]
        if family == "n":  # a warning level: 1, 2, ...
            return member.isdigit() and not member.startswith("0")
        return len(column) > len(head) + len(tail)

    def summary_columns(self, column: str | None = None) -> list[str]:
        """``summary.csv`` columns of this outcome (of ``column``, a family member)."""
        column = column or self.name
        if not self.numeric:
            return []
        return [f"final.{column}", *([f"total.{column}"] if self.summed else [])]


def _share(name: str, title: str, description: str, axis: str, **kw: Any) -> Outcome:
    return Outcome(
        name, title, description, "share of subscribers", "share", factor=100.0, axis=axis, **kw
    )


def _count(name: str, title: str, description: str, **kw: Any) -> Outcome:
    unit = kw.pop("unit", "subscribers (model scale)")
    return Outcome(name, title, description, unit, "count", scaled=True, **kw)


def _money(name: str, title: str, description: str, **kw: Any) -> Outcome:
    return Outcome(name, title, description, "GBP/week (real scale)", "level", **kw)


OUTCOMES: tuple[Outcome, ...] = (
    # ---- subscribers' behaviour (figure: outcomes)
    _share(
        "infringing_share",
        "Infringing share",
        "share of subscribers sharing this week",
        "% of subscribers sharing that week",
        figure="outcomes",
        goal="minimise",
    ),
    Outcome(
        "p2p_traffic",
        "P2P traffic",
        "P2P traffic index: sharing volume (the sum of sharers' intensities) as a share "
        "of its expected value with no enforcement, x 100; throttled sharers count at "
        "`throttle_traffic_factor`",
        "index (no enforcement = 100)",
        "level",
        figure="outcomes",
        label="P2P traffic index",
        goal="minimise",
    ),
    Outcome(
        "traffic_top_decile_share",
        "Top-decile traffic share",
        "share of this week's sharing volume from the top 10% of sharers (by volume)",
        "share of sharing volume (0-1)",
        "level",
        figure="outcomes",
        factor=100.0,
        axis="% of sharing volume",
        label="top-decile traffic share",
    ),
    Outcome(
        "repeat_notice_share",
        "Repeat-notice share",
        "share of this week's handled notices (one per subscriber and ISP) that go to "
        "subscribers their ISP had noticed before; 0 in a week without any",
        "share of notices (0-1)",
        "level",
        figure="outcomes",
        factor=100.0,
        axis="% of notices",
        label="repeat-notice share",
    ),
    _share(
        "legal_share",
        "Legal service share",
        "share of subscribers using a legal service",
        "% of subscribers using it",
        figure="outcomes",
        label="legal share",
        goal="maximise",
    ),
    _share(
        "vpn_share",
        "VPN share",
        "share of subscribers with a VPN",
        "% of subscribers with a VPN",
        figure="outcomes",
    ),
    _share(
        "suspended_share",
        "Suspended share",
        "share of subscribers suspended (kept from sharing this week)",
        "% of subscribers suspended",
        figure="outcomes",
        goal="minimise",
    ),
    _share(
        "throttled_share",
        "Throttled share",
        "share of subscribers throttled",
        "% of subscribers throttled",
    ),
    _share(
        "churn",
        "Churn",
        "share of subscribers who switched ISP this week",
        "% of subscribers switching",
    ),
    Outcome(
        "perceived_risk",
        "Perceived risk",
        "mean perceived risk r of subscribers",
        "logit units",
        "level",
    ),
    _count(
        "new_legal", "Legal sign-ups", "legal-service sign-ups this week", summed=False
    ),  # not summed today: total.new_legal would add a summary column
    # ---- enforcement (figure: funnel)
    _count(
        "notices_sent",
        "Notices sent",
        "notices rights bodies sent this week",
        unit="notices (model scale)",
        figure="funnel",
    ),
    _count(
        "wrongful_notices",
        "Wrongful notices",
        "notices sent that were misattributed",
        unit="notices (model scale)",
        figure="funnel",
        goal="minimise",
        of="notices_sent",
    ),
    _count(
        "notices_handled",
        "Notices handled by ISPs",
        "notices ISPs processed this week",
        unit="notices (model scale)",
        figure="funnel",
    ),
    _count(
        "notices_refused",
        "Notices refused",
        "notices ISPs refused to process",
        unit="notices (model scale)",
    ),
    _count(
        "notices_dropped",
        "Notices dropped",
        "notices ISPs could not process (over their capacity)",
        unit="notices (model scale)",
    ),
    _count(
        "notices_quarantined",
        "Notices quarantined",
        "notices ISPs handled but did not count: within quarantine_weeks of the "
        "subscriber's last counted notice (no strike, no warning; ODD 7.4)",
        unit="notices (model scale)",
    ),
    _count(
        "warnings_level_<n>",
        "Level-<n> warnings",
        "warnings at level n this week",
        unit="warnings (model scale)",
        figure="funnel",
    ),
    _count(
        "sanction_cases",
        "Sanction cases",
        "subscribers reaching the sanction step",
        figure="funnel",
    ),
    _count(
        "sanctions",
        "Sanctions applied",
        "sanctions carried out this week",
        figure="funnel",
        label="sanctions",
        goal="minimise",
    ),
    _money(
        "fines",
        "Fines imposed",
        "fines imposed on subscribers this week, where the sanction is a fine (ODD 7.15)",
    ),
    _count(
        "wrongful_sanctions",
        "Wrongful sanctions",
        "sanctions of misattributed subscribers",
        figure="funnel",
        goal="minimise",
        of="sanctions",
    ),
    _count(
        "wrongful_sanction_cases",
        "Wrongful sanction cases",
        "sanction cases of misattributed subscribers, before any review",
        goal="minimise",
        of="sanction_cases",
    ),
    _count("cases_reviewed", "Cases reviewed", "sanction cases reviewed under due process"),
    _count("cases_overturned", "Cases overturned", "reviewed cases overturned on appeal"),
    Outcome(
        "review_backlog",
        "Review backlog",
        "sanction cases waiting for review",
        "cases (model scale)",
        "level",
        scaled=True,
    ),
    _count("lawsuits", "Lawsuits", "individuals sued this week"),
    # ---- legislation (figure: legislation)
    Outcome("salience", "Salience", "public salience of enforcement", "salience units", "level"),
    Outcome(
        "enforcement_seen",
        "Enforcement seen",
        "the public's learned weekly chance of being caught: notices and sanctions per "
        "sharer, exponentially weighted (ODD 7.16)",
        "notices per sharer per week",
        "level",
    ),
    Outcome(
        "legislative_pressure",
        "Legislative pressure",
        "pressure towards legislation (lobbying net of counter-pressure)",
        "pressure (model units)",
        "level",
        figure="legislation",
    ),
    Outcome(
        "legislative_stage",
        "Legislative stage",
        "0 none, 1 consultation, 2 bill, 3 passed (Royal Assent, not yet in force), 4 law in force",
        "stage (0-4)",
        "level",
        figure="legislation",
    ),
    Outcome(
        "law_in_force",
        "Law in force",
        "1 while a law is in force (stage 4), else 0",
        "0/1",
        "level",
        figure="legislation",
    ),
    Outcome(
        "obligations_in_force",
        "Obligations in force",
        "1 while a law in force imposes its regime on ISPs (not with "
        "regulator.obligations_in_force false), else 0",
        "0/1",
        "level",
    ),
    Outcome(
        "challenge_pending",
        "Legal challenge pending",
        "1 while ISPs' court challenge of the passed law awaits its final judgment, else 0",
        "0/1",
        "level",
    ),
    Outcome(
        "agreement_in_force",
        "Agreement in force",
        "1 while a negotiated voluntary agreement binds its signatories, else 0",
        "0/1",
        "level",
    ),
    Outcome(
        "agreement_members",
        "Agreement members",
        "ISPs bound by the negotiated agreement this week (0 when none is in force)",
        "ISPs",
        "level",
    ),
    # ---- money (figure: money)
    _money(
        "rights_holder_revenue",
        "Rights holders' revenue",
        "rights holders' revenue from purchases and legal services",
        figure="money",
        factor=1e-6,
        axis="GBP million per week",
        label="rights holders' revenue",
        goal="maximise",
    ),
    _money(
        "enforcement_cost.<party>",
        "Enforcement cost",
        "enforcement cost of each ISP, rights body and the regulator (an ISP's net of "
        "per-notice fees received, so it can be negative)",
        figure="money",
    ),
    _money(
        "profit.<ISP>",
        "Revenue minus enforcement costs",
        "ISP's subscription revenue minus its enforcement cost (not a profit: no other cost "
        "is modelled; the column keeps its historical name)",
        label="revenue minus enforcement costs",
    ),
    # ---- per ISP (figure: market-shares)
    _share(
        "market_share.<ISP>",
        "Market share",
        "ISP's share of subscribers",
        "% of subscribers",
        figure="market-shares",
    ),
    Outcome(
        "customers.<ISP>",
        "Customers",
        "ISP's subscribers",
        "subscribers (model scale)",
        "level",
        scaled=True,
    ),
    Outcome(
        "stance.<ISP>",
        "Stance",
        "the regime in force at the ISP (its own or the law's)",
        "refuse, forward, graduated or disconnect",
        "category",
        over_runs="mode",
        figure="market-shares",
    ),
    _count(
        "notices_handled.<ISP>",
        "Notices handled",
        "notices the ISP processed",
        unit="notices (model scale)",
    ),
    Outcome(
        "penalty.<ISP>",
        "Expected penalty",
        "perceived expected penalty of sharing at the ISP (regime, law anticipated, litigation)",
        "logit units",
        "level",
    ),
    # ---- per rights body
    Outcome(
        "escalation_level.<rights body>",
        "Escalation level",
        "0 notify, 1 demand, 2 threat, 3 lobby, 4 litigate",
        "level (0-4)",
        "level",
    ),
)
"""Every weekly outcome, declared once (families as one entry each)."""

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}

WEEK = "week"
"""The row index of the weekly outcomes (recorded, but not an outcome)."""

COMPARED = (
    "final.infringing_share",
    "final.p2p_traffic",
    "total.wrongful_sanctions",
    "total.wrongful_notices",
    "total.sanctions",
    "final.suspended_share",
    "final.rights_holder_revenue",
    "final.legal_share",
)
"""Outcomes compared by default when a scenario has policies but no ``analysis:``."""

HEADLINE = (
    "final.infringing_share",
    "final.legal_share",
    "total.sanctions",
    "total.wrongful_sanctions",
)
"""Outcomes of the run digest ``conduit run`` prints (followed by the ISPs' market shares)."""

REPORTED = (
    "final.infringing_share",
    "final.p2p_traffic",
    "final.traffic_top_decile_share",
    "final.repeat_notice_share",
    "final.legal_share",
    "final.vpn_share",
    "final.suspended_share",
    "total.notices_sent",
    "total.sanctions",
    "total.wrongful_sanctions",
)
"""Outcomes of the summary table of ``report.html``."""


def _regex(outcome: Outcome) -> str:
    """A regular expression of the outcome's column names (for the JSON Schema)."""
    family = outcome.family
    if family is None:
        return re.escape(outcome.name)
    head, _, tail = outcome.name.partition(f"<{family}>")
    member = r"[1-9][0-9]*" if family == "n" else r".+"
    return re.escape(head) + member + re.escape(tail)


# --------------------------------------------------------------------------- look-up
def lookup(column: str) -> Outcome | None:
    """The outcome of a weekly column (exact names first, then families), or None."""
    if column in BY_NAME:
        return BY_NAME[column]
    return next((o for o in OUTCOMES if o.family and o.matches(column)), None)


def is_summed(column: str) -> bool:
    """Whether a weekly column is summed over weeks into ``total.<column>``."""
    outcome = lookup(column)
    return outcome is not None and bool(outcome.summed)


def split_summary(column: str) -> tuple[str, str] | None:
    """``"total.sanctions"`` -> ``("total", "sanctions")``; None if not a summary outcome."""
    how, _, weekly = column.partition(".")
    outcome = lookup(weekly) if how in ("final", "total") else None
    if outcome is None or column not in outcome.summary_columns(weekly):
        return None
    return how, weekly


def summary_outcome(column: str) -> Outcome | None:
    """The outcome behind a ``summary.csv`` column (``final.<col>``, ``total.<col>``)."""
    split = split_summary(column)
    return lookup(split[1]) if split else None


def is_scaled(column: str) -> bool:
    """Whether a summary (or weekly) column is at model scale: multiply it by ``scale`` (real
    accounts per simulated subscriber) for the real population (``total.<count>``,
    ``final.customers.<ISP>``); shares, indices and money are not."""
    outcome = summary_outcome(column) or lookup(column)
    return outcome is not None and outcome.scaled


def real_factor(column: str, scale: float) -> float:
    """Factor taking a summary (or weekly) column to the real population (see
    :func:`is_scaled`): ``scale`` or 1."""
    return scale if is_scaled(column) else 1.0


def goal(column: str) -> Goal | None:
    """The registered direction of "better" of a summary column, or None."""
    outcome = summary_outcome(column)
    return outcome.goal if outcome is not None else None


def digest_label(column: str) -> str:
    """Label of a summary column in the run digest: "final infringing share", "sanctions"."""
    split = split_summary(column)
    outcome = summary_outcome(column)
    if split is None or outcome is None:
        return column
    return f"final {outcome.label}" if split[0] == "final" else outcome.label


def table_label(column: str) -> str:
    """Row label of a summary column in tables: "Infringing share, final week (%)",
    "Sanctions, total"."""
    split = split_summary(column)
    outcome = summary_outcome(column)
    if split is None or outcome is None:
        return column
    label = outcome.label[0].upper() + outcome.label[1:]
    when = ", final week" if split[0] == "final" else ", total"
    return label + when + (" (%)" if outcome.factor == 100.0 else "")


def figure_group(group: FigureGroup) -> list[Outcome]:
    """The outcomes a figure group draws, in registry order."""
    return [o for o in OUTCOMES if o.figure == group]


KNOWN_GOALS: dict[str, Goal] = {c: g for c in COMPARED if (g := goal(c)) is not None}
"""Default direction of "better" of the outcomes compared by default (others say ``goal``)."""

KEY_OUTCOMES: tuple[tuple[str, str], ...] = tuple((digest_label(c), c) for c in HEADLINE)
"""(label, summary column) of the run digest's outcomes."""


# --------------------------------------------------------------------------- a scenario's
def max_warning_level(scenario: Any) -> int:
    """The highest warning level recorded (``warnings_level_1`` .. this): any ISP's or the law's."""
    levels = [i.warning_levels for i in scenario.isps]
    return max([1, scenario.regulator.law_warning_levels, *levels])


def members(scenario: Any) -> dict[str, list[str]]:
    """What each family placeholder stands for in ``scenario`` (a :class:`Scenario`)."""
    isps = [i.name for i in scenario.isps]
    bodies = [b.name for b in scenario.rights_bodies]
    return {
        "ISP": isps,
        "rights body": bodies,
        "party": [*isps, *bodies, "regulator"],
        "n": [str(n) for n in range(1, max_warning_level(scenario) + 1)],
    }


def columns_for(scenarios: Iterable[Any]) -> list[str]:
    """The weekly outcome columns the model records for these scenarios (families expanded).

    Pass a scenario and its policy variants: a policy may change the warning levels.
    """
    out: dict[str, None] = {}
    for scenario in scenarios:
        names = members(scenario)
        for outcome in OUTCOMES:
            family = outcome.family
            if family is None:
                out[outcome.name] = None
            else:
                out.update(
                    dict.fromkeys(outcome.name.replace(f"<{family}>", m) for m in names[family])
                )
    return list(out)


def summary_names(columns: Iterable[str]) -> list[str]:
    """``summary.csv`` outcome columns of these weekly columns (``final.*`` then ``total.*``)."""
    columns = list(columns)
    finals = [f"final.{c}" for c in columns if (o := lookup(c)) is not None and o.numeric]
    totals = [f"total.{c}" for c in columns if is_summed(c)]
    return finals + totals


def summary_pattern() -> str:
    """A regular expression matching every summary outcome column (for the JSON Schema)."""
    finals = [_regex(o) for o in OUTCOMES if o.numeric]
    totals = [_regex(o) for o in OUTCOMES if o.summed]
    return rf"^(final\.({'|'.join(finals)})|total\.({'|'.join(totals)}))$"


def summary_examples() -> list[str]:
    """Every summary outcome name, families with their placeholder (JSON Schema examples)."""
    return summary_names(o.name for o in OUTCOMES if o.numeric)


# --------------------------------------------------------------------------- per-run events
@dataclass(frozen=True)
class RunEvent:
    """A per-run event time: a ``summary.csv`` column holding the first week an institutional
    event happens in the run (empty when it never happens). Computed from the weekly
    outcomes by :func:`model.events.event_weeks`; declared here once.

    Attributes:
        name: column name, or a family (``week_first_forward.<ISP>``).
        title: title for tables ("Law passed").
        description: the condition whose first week is recorded.
    """

    name: str
    title: str
    description: str
    unit: str = "week (first week the condition holds; empty: never)"

    @property
    def family(self) -> str | None:
        start, end = self.name.find("<"), self.name.find(">")
        return self.name[start + 1 : end] if 0 <= start < end else None

    def matches(self, column: str) -> bool:
        """Whether ``column`` is this event (or a member of this family)."""
        if self.family is None:
            return column == self.name
        head, _, tail = self.name.partition(f"<{self.family}>")
        return (
            column.startswith(head)
            and column.endswith(tail)
            and len(column) > len(head) + len(tail)
        )


RUN_EVENTS: tuple[RunEvent, ...] = (
    RunEvent("week_consultation", "Consultation", "legislative stage reaches consultation"),
    RunEvent("week_bill", "Bill", "legislative stage reaches a bill"),
    RunEvent(
        "week_law", "Law passed", "a law passes: Royal Assent, stage passed (in force or not)"
    ),
    RunEvent(
        "week_obligations_in_force",
        "Obligations in force",
        "a law's obligations bind ISPs (`obligations_in_force` is 1)",
    ),
    RunEvent("week_challenge", "Legal challenge", "ISPs' court challenge of the law is filed"),
    RunEvent(
        "week_first_forward.<ISP>",
        "First policing stance",
        "the ISP's stance polices (forward, graduated or disconnect: letters at least)",
    ),
    RunEvent(
        "week_first_sanction_stance.<ISP>",
        "First sanctioning stance",
        "the ISP's stance sanctions (graduated or disconnect)",
    ),
    RunEvent("week_first_sanction", "First sanction", "any sanction is carried out"),
)
"""Per-run event columns of ``summary.csv`` (after the ``final.``/``total.`` columns)."""


def run_event(column: str) -> RunEvent | None:
    """The registered per-run event behind a ``summary.csv`` column, or None."""
    return next((e for e in RUN_EVENTS if e.matches(column)), None)


def run_events_table() -> str:
    """docs/results-layout.md's table of per-run event columns (a test compares)."""
    rows = ["| column | first week in which |", "|---|---|"]
    rows += [f"| `{e.name}` | {e.description} |" for e in RUN_EVENTS]
    return "\n".join(rows)


# --------------------------------------------------------------------------- ODD section 8
ODD_HEADER = "| column | kind | unit | meaning |\n|---|---|---|---|"


def odd_table(outcomes: Sequence[Outcome] = OUTCOMES) -> str:
    """ODD section 8's table of outcomes (docs/ODD.md holds this text; a test compares)."""
    rows = [ODD_HEADER, f"| `{WEEK}` | index | week | week index from 0 |"]
    for o in outcomes:
        kind = o.kind + (", summed" if o.summed else "")
        unit = o.unit
        family = o.family
        meaning = o.description + (f"; `<{family}>`: {PLACEHOLDERS[family]}" if family else "")
        if o.of:
            meaning += f" (part of `{o.of}`)"
        rows.append(f"| `{o.name}` | {kind} | {unit} | {meaning} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(odd_table())
