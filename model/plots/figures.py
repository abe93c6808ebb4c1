"""The figures of one view (a results folder, or several in a comparison) over time.

Each ``figure_*`` takes a :class:`~model.plots.view.View`, calls the aggregations and
returns ``(Figure, data)``: the matplotlib figure and a dict of the DataFrames drawn.
Figures are built with matplotlib's object API (no pyplot) and rendered by Agg.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model import outcomes as registry
from model import style
from model.formatting import human
from model.headline import PRECISION_HINT, RARE_EVENTS
from model.plots.aggregate import (
    OUTCOMES,
    PRESSURE_TO_NEXT,
    bands,
    costs,
    funnel,
    isp_shares,
    law_passage,
    stage_median,
    stance_changes,
)
from model.plots.draw import _add_notes, _band_legend_handles, _draw_bands, _figure
from model.plots.view import View


def figure_outcomes(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Outcome time series: median and bands over runs of each key outcome."""
    present = [c for c in OUTCOMES if c in view.timeseries]
    data = {col: bands(view.timeseries, col, view.by) for col in present}
    rows = max(3, -(-(len(present) + 1) // 2))  # a panel per outcome, one for the legend
    fig = _figure(view, "outcomes over time", (13, 9.5 * rows / 3))
    axes = fig.subplots(rows, 2, sharex=True).ravel()
    for ax, col in zip(axes, present, strict=False):
        title, unit, factor = OUTCOMES[col]
        _draw_bands(ax, data[col], view, factor)
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    legend_ax = axes[-1]
    for ax in axes[len(present) :]:
        ax.axis("off")
    legend_ax.legend(handles=_band_legend_handles(view), loc="center", fontsize=11)
    _add_notes(fig, view)
    return fig, data


def figure_market_shares(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """ISP market shares over time (median over runs), with stance changes marked."""
    shares = isp_shares(view.timeseries, view.isps, view.by)
    changes = stance_changes(view.timeseries, view.isps, view.by)
    keys = list(view.labels)
    ncols = 1 if len(keys) == 1 else 2
    nrows = -(-len(keys) // ncols)
    fig = _figure(view, "ISP market shares and stances", (13, 3.2 + 3.3 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    axes = axes.ravel()
    colours = view.isp_colours
    lines = style.linestyles(view.isps)
    for ax, key in zip(axes, keys, strict=False):
        s = shares[shares[view.by] == key]
        ch = changes[changes[view.by] == key]
        for isp in view.isps:
            g = s[s["isp"] == isp]
            if g.empty:
                continue
            x = view.time.x(g["week"])
            ax.fill_between(x, g["q05"] * 100, g["q95"] * 100, color=colours[isp], alpha=0.15)
            ax.plot(x, g["median"] * 100, color=colours[isp], ls=lines[isp], label=isp)
            at = ch[ch["isp"] == isp].merge(g[["week", "median"]], on="week")
            for stance, pts in at.groupby("stance"):
                ax.scatter(
                    view.time.x(pts["week"]),
                    pts["median"] * 100,
                    marker=style.STANCE_MARKERS.get(stance, "D"),
                    s=70,
                    color=colours[isp],
                    edgecolor="black",
                    linewidth=0.8,
                    zorder=3,
                )
        ax.set_title(view.labels[key] if len(keys) > 1 else "Market share (median, 90 % band)")
        ax.set_ylabel("% of subscribers")
        missing = view.missing_isps.get(key)
        if missing:
            ax.text(
                0.99,
                0.98,
                "no " + ", ".join(missing),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=9,
                color="#444444",
            )
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    axes[0].set_ylim(bottom=0)  # shared: set once, after every panel is drawn
    for ax in axes[len(keys) :]:
        ax.axis("off")
    isp_handles = [Line2D([], [], color=colours[i], ls=lines[i], label=i) for i in view.isps]
    spacer = Line2D([], [], ls="", label=" ")
    title = Line2D([], [], ls="", label="Stance from then on\n(most common over runs):")
    stance_handles = [
        Line2D(
            [],
            [],
            ls="",
            marker=m,
            color="white",
            markeredgecolor="black",
            markersize=9,
            label=f"{s}",
        )
        for s, m in style.STANCE_MARKERS.items()
    ]
    fig.legend(
        handles=[*isp_handles, spacer, title, *stance_handles],
        loc="outside right upper",
        title="ISP",
    )
    _add_notes(fig, view)
    return fig, {"shares": shares, "stance_changes": changes}


def figure_funnel(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Enforcement funnel: totals over the run per stage, wrongful ones shown."""
    data = funnel(view.within_steps(), view.scale, view.by)
    stages = list(dict.fromkeys(data["stage"]))
    keys = list(view.labels)
    n = len(keys)
    height = 0.8 / n
    fig = _figure(view, "enforcement funnel", (13, 2.2 + 0.55 * len(stages) * max(n, 1.6)))
    ax = fig.subplots()
    colours = view.colours
    ypos = np.arange(len(stages))
    xmax = float(np.nanmax(data["q95"])) if len(data) else 1.0
    for i, key in enumerate(keys):
        d = data[data[view.by] == key].set_index("stage").reindex(stages)
        y = ypos - 0.4 + height * (i + 0.5)
        err = np.vstack([d["median"] - d["q05"], d["q95"] - d["median"]]).clip(min=0)
        ax.barh(
            y,
            d["median"],
            height=height * 0.9,
            color=colours[key],
            label=view.labels[key],
            xerr=err,
            error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1},
        )
        ax.barh(
            y,
            d["wrongful_median"].fillna(0),
            height=height * 0.9,
            color="none",
            edgecolor="black",
            hatch="///",
            lw=0,
        )
        for yy, (_, row) in zip(y, d.iterrows(), strict=True):
            text = human(row["median"])
            if np.isfinite(row["wrongful_median"]):
                text += f" (wrongful {human(row['wrongful_median'])})"
            if row["events"] < RARE_EVENTS:
                text += f"  ⚠ ~{row['events']:.0f} simulated"
            ax.text(max(row["q95"], row["median"]) + 0.01 * xmax, yy, text, va="center", fontsize=9)
    ax.set_yticks(ypos, stages)
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * 1.3 if xmax > 0 else 1)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: human(v)))
    ax.set_xlabel(
        f"Total over {view.steps} weeks (median over runs; whiskers 5-95 %; {view.scale_text})"
    )
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=colours[k], label=view.labels[k]) for k in keys]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="wrongful"))
    ax.legend(handles=handles, loc="lower right")
    rare = (
        [
            f"⚠: the count rests on fewer than {RARE_EVENTS} simulated events per run; "
            f"{PRECISION_HINT}"
        ]
        if (data["events"] < RARE_EVENTS).any()
        else []
    )
    _add_notes(fig, view, rare)
    return fig, {"funnel": data}


def figure_legislation(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Legislative pressure and stage over time, with the law's passage marked.

    Pressure is shown as a percentage of the threshold the next stage needs
    (:func:`~model.plots.aggregate.pressure_to_next_stage`), not in model units.
    """
    pressure = bands(view.timeseries, PRESSURE_TO_NEXT, view.by)
    stage = stage_median(view.timeseries, view.by)
    law = law_passage(view.timeseries, view.by)
    fig = _figure(view, "legislation", (13, 8))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    _draw_bands(top, pressure, view)
    top.axhline(100, color="#444444", ls=":", lw=1.2)
    top.set_title(
        "Legislative pressure, % of what the next stage needs "
        "(100 % = it opens; none once a law passes)"
    )
    top.set_ylabel("% of next stage's threshold")
    top.set_ylim(bottom=0)
    colours = view.colours
    for key, label in view.labels.items():
        s = stage[stage[view.by] == key]
        bottom.step(
            view.time.x(s["week"]), s["stage"], where="post", color=colours[key], label=label
        )
    bottom.set_yticks(range(len(style.STAGE_LABELS)), style.STAGE_LABELS)
    bottom.set_ylim(-0.2, len(style.STAGE_LABELS) - 0.6)
    bottom.set_title("Legislative stage (median over runs); dashed: law comes into force")
    bottom.set_ylabel("stage")
    for ax in (top, bottom):
        for _, row in law.iterrows():
            if row["passed"] > 0 and np.isfinite(row["median_week"]):
                ax.axvline(
                    view.time.x([row["median_week"]])[0],
                    color=colours[row[view.by]],
                    ls="--",
                    lw=1.5,
                )
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    lines = []
    for _, row in law.iterrows():
        label = view.labels[row[view.by]]
        if row["passed"] > 0:
            lines.append(
                f"{label}: law in force in {row['passed']:.0%} of runs, median week "
                f"{row['median_week']:.0f}"
            )
        else:
            lines.append(f"{label}: no law in any of {int(row['runs'])} runs")
    bottom.legend(loc="upper left")
    _add_notes(fig, view, lines if len(lines) <= 4 else [])
    return fig, {"pressure": pressure, "stage": stage, "law": law}


MILLION = 1e6
"""GBP per GBP million: the unit of both money panels."""


def figure_money(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Rights holders' weekly revenue, and each party's total enforcement cost."""
    revenue = bands(view.timeseries, "rights_holder_revenue", view.by)
    cost = costs(view.within_steps(), view.parties, view.by)
    fig = _figure(view, "revenue and enforcement costs", (13, 6.5))
    left, right = fig.subplots(1, 2, width_ratios=(3, 2))
    rev = registry.BY_NAME["rights_holder_revenue"]
    _draw_bands(left, revenue, view, rev.factor)
    left.set_title(rev.title)
    left.set_ylabel(rev.axis)
    view.time.format(left)
    left.legend(loc="lower left")
    parties = [p for p in view.parties if p in set(cost["party"])]
    keys = list(view.labels)
    height = 0.8 / max(len(keys), 1)
    ypos = np.arange(len(parties))
    colours = view.colours
    for i, key in enumerate(keys):
        d = cost[cost[view.by] == key].set_index("party").reindex(parties)
        y = ypos - 0.4 + height * (i + 0.5)
        err = np.vstack([d["median"] - d["q05"], d["q95"] - d["median"]]).clip(min=0)
        right.barh(
            y,
            d["median"] / MILLION,
            height=height * 0.9,
            color=colours[key],
            xerr=err / MILLION,  # the same unit as the bars
            error_kw={"ecolor": "#333333", "capsize": 2, "lw": 1},
        )
    right.set_yticks(ypos, parties)
    right.set_xlim(left=0)
    right.invert_yaxis()
    right.grid(axis="y", visible=False)
    right.set_title("Enforcement cost by party")
    right.set_xlabel(f"GBP million over {view.steps} weeks\n(median; whiskers 5-95 %)")
    _add_notes(fig, view)
    return fig, {"revenue": revenue, "costs": cost}
