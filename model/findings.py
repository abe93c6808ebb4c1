"""Key findings: a few plain-language sentences generated from the results, never by hand.

Each finding states a number with its 5-95 % range over runs and names the figure that
shows it. One group of runs (a single scenario) gets the law, infringement, sanctions,
notices, money and market-share findings; a sweep or a policy design gets sentences that
set its points (or policies) side by side. Counts resting on fewer than
:data:`model.headline.RARE_EVENTS` simulated events say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import headline
from model.formatting import point_labels
from model.headline import cell, show
from model.results import Results

ACROSS = {
    "mean.infringing_share": ("mean infringing share over the run", "outcomes"),
    "final.infringing_share": ("infringing share in the final week", "outcomes"),
    "total.sanctions": ("total number of sanctions", "funnel"),
    "total.notices_sent": ("total number of notices sent", "funnel"),
}
"""Measures set side by side in a sweep or policy design: (phrase, figure)."""
MAX_LISTED = 4
"""Groups named one by one in a sweep sentence; beyond, only the lowest and highest."""


@dataclass(frozen=True)
class Finding:
    """One sentence, and the figure (file stem) that shows it."""

    text: str
    figure: str


def findings(results: Results) -> list[Finding]:
    """Three to six findings about a results folder (see the module docstring)."""
    by = "policy" if _by_policy(results) else "point"
    table = headline.table(results, by=by)
    if table.empty:
        return []
    groups = list(dict.fromkeys(table[by]))
    if len(groups) == 1:
        return _single(results, table)
    labels = {g: g for g in groups} if by == "policy" else point_labels(results)
    kind = "policies" if by == "policy" else "sweep points"
    return _across(results, table, by, labels, kind)


def _by_policy(results: Results) -> bool:
    s = results.summary
    return "policy" in s and s["policy"].nunique() > 1 and "policy" in results.timeseries


def _row(table: pd.DataFrame, key: str) -> pd.Series | None:
    rows = table[table["key"] == key]
    return rows.iloc[0] if len(rows) else None


def _cell(row: pd.Series) -> str:
    return cell(row["median"], row["q05"], row["q95"], row["kind"])


def _rare(row: pd.Series) -> str:
    return f" (this {headline.rare_note(row['events'])})" if row["rare"] else ""


def _single(results: Results, table: pd.DataFrame) -> list[Finding]:
    out = [_law(results)]
    ts = results.timeseries
    final, mean = _row(table, "final.infringing_share"), _row(table, "mean.infringing_share")
    if final is not None and mean is not None:
        start = ts.loc[ts["week"] == 0, "infringing_share"].median()
        out.append(
            Finding(
                f"Infringement went from {show(start, 'share')} of subscribers in week 0 to "
                f"{_cell(final)} in the final week; the mean over the {results.steps} weeks "
                f"was {_cell(mean)}.",
                "outcomes",
            )
        )
    sanctions = _row(table, "total.sanctions")
    if sanctions is not None:
        if sanctions["q95"] == 0:
            text = f"No subscriber was sanctioned in any of {sanctions['runs']} runs."
        else:
            text = f"{_cell(sanctions)} sanctions were applied over the run"
            wrongful = _row(table, "total.wrongful_sanctions")
            if wrongful is not None:
                text += f", {_cell(wrongful)} of them wrongful"
            text += f"{_rare(sanctions)}."
        out.append(Finding(text, "funnel"))
    notices = _row(table, "total.notices_sent")
    if notices is not None:
        out.append(
            Finding(f"Rights holders sent {_cell(notices)} notices{_rare(notices)}.", "funnel")
        )
    money = table[table["key"].str.startswith("total.enforcement_cost.")]
    if len(money) and money["median"].max() > 0:
        top = money.loc[money["median"].idxmax()]
        party = top["key"].removeprefix("total.enforcement_cost.")
        out.append(Finding(f"{party} spent {_cell(top)} on enforcement.", "money"))
    share = _market_share(results)
    if share is not None:
        out.append(share)
    return [f for f in out if f is not None][:6]


def _law(results: Results, rows: pd.DataFrame | None = None) -> Finding | None:
    """When the law came into force (share of runs, median week and date, range)."""
    ts = results.timeseries if rows is None else rows
    if "law_in_force" not in ts:
        return None
    runs = ts["run_id"].nunique()
    first = ts[ts["law_in_force"] > 0].groupby("run_id")["week"].min()
    if first.empty:
        return Finding(f"No law came into force in any of {runs} runs.", "legislation")
    q05, median, q95 = np.quantile(first, [0.05, 0.5, 0.95])
    return Finding(
        f"A law came into force in {len(first) / runs:.0%} of runs, median week "
        f"{median:.0f}{_date(results, median)} [weeks {q05:.0f}–{q95:.0f}].",
        "legislation",
    )


def _date(results: Results, week: float) -> str:
    start = results.scenario.start_date
    if not start:
        return ""
    try:
        day = pd.Timestamp(start) + pd.Timedelta(days=7 * float(week))
    except ValueError:
        return ""
    return f" ({day:%B %Y})"


def _market_share(results: Results) -> Finding | None:
    """The ISP whose median market share moved most between week 0 and the final week."""
    ts = results.timeseries
    cols = [c for c in ts.columns if c.startswith("market_share.")]
    if not cols:
        return None
    last = ts[ts["week"] == ts["week"].max()]
    first = ts[ts["week"] == 0]
    change = (last[cols].median() - first[cols].median()).abs()
    col = change.idxmax()
    q05, median, q95 = np.quantile(last[col], [0.05, 0.5, 0.95])
    isp = col.removeprefix("market_share.")
    return Finding(
        f"{isp}'s market share moved most: from {show(first[col].median(), 'share')} to "
        f"{cell(median, q05, q95, 'share')} in the final week.",
        "market-shares",
    )


def _across(
    results: Results, table: pd.DataFrame, by: str, labels: dict, kind: str
) -> list[Finding]:
    """Sweep or policy design: each headline measure across the groups."""
    out = []
    n = table[by].nunique()
    one = {"policies": "policy", "sweep points": "sweep point"}[kind]
    for key, (phrase, figure) in ACROSS.items():
        rows = table[table["key"] == key].sort_values("median")
        if rows.empty:
            continue
        if rows["q95"].max() == 0:
            out.append(Finding(f"The {phrase} is 0 in every run of every {one}.", figure))
            continue
        if n <= MAX_LISTED:
            parts = [f"{labels.get(r[by], r[by])}: {_cell(r)}" for _, r in rows.iterrows()]
            text = f"The {phrase} by {one}: " + "; ".join(parts) + "."
        else:
            lo, hi = rows.iloc[0], rows.iloc[-1]
            text = (
                f"Across the {n} {kind}, the {phrase} ranges from {_cell(lo)} "
                f"({labels.get(lo[by], lo[by])}) to {_cell(hi)} ({labels.get(hi[by], hi[by])})."
            )
        rare = rows[rows["rare"]]
        if len(rare):
            text += (
                f" For {len(rare)} of them it rests on fewer than {headline.RARE_EVENTS} "
                f"simulated events per run: {headline.PRECISION_HINT}."
            )
        out.append(Finding(text, figure))
    law = _law(results)
    if law is not None:
        out.append(Finding(law.text.replace("of runs", f"of runs (all {kind})"), law.figure))
    return out[:6]


def text(results: Results, figures_dir: str = "plots") -> str:
    """The findings as numbered plain-text lines, each naming its figure's file."""
    lines = [
        f"{i}. {f.text} (see {figures_dir}/{f.figure}.png)"
        for i, f in enumerate(findings(results), 1)
    ]
    return "Key findings:\n" + "\n".join(lines) if lines else ""
