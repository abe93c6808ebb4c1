"""The sweep figure: final outcomes against the swept (or sampled) parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model import style
from model.formatting import short_names
from model.formatting import value as fmt_value
from model.plots.aggregate import OUTCOMES, final_vs_parameter
from model.plots.load import by_policy
from model.results import Results

SWEEP_OUTCOMES = tuple(f"final.{c}" for c in OUTCOMES)


MAX_LEVELS = 12
"""A parameter with more distinct values than this (a sampled design) is drawn in bins."""
BINS = 8


def figure_sweep(results: Results) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Final outcomes against the swept parameter(s): line with bands (one), heatmap (two).

    With more than two parameters, each panel shows the final infringing share against
    one parameter (all other parameters pooled; a sampled parameter in quantile bins).
    With several policies, each line panel has one band per policy.
    """
    params = results.parameters
    summary = results.summary
    short = short_names(params)
    outcomes = [c for c in SWEEP_OUTCOMES if c in summary]
    policies = list(dict.fromkeys(summary["policy"])) if by_policy(summary) else [None]
    colours = style.colours(policies)
    # one panel per outcome (line or heatmap), or six by-parameter panels
    n_panels = len(outcomes) if len(params) == 1 or (len(params) == 2 and policies == [None]) else 6
    rows = max(2, -(-n_panels // 3))
    fig = Figure(figsize=(13, 4.5 * rows), dpi=style.DPI, layout="constrained")
    fig.suptitle(f"{results.name}: final outcomes (week {results.steps - 1}) across the sweep")
    data: dict[str, pd.DataFrame] = {}
    heatmaps = len(params) == 2 and policies == [None]
    if len(params) == 1 or heatmaps:
        panels = [(col, params) for col in outcomes]
    else:
        panels = [("final.infringing_share", [p]) for p in params[:6]]
    axes = fig.subplots(rows, 3).ravel()
    for ax, (col, ps) in zip(axes, panels, strict=False):
        title, unit, factor = OUTCOMES[col.removeprefix("final.")]
        key = col if len(params) == 1 or heatmaps else f"{col} by {ps[0]}"
        if len(ps) == 2:
            data[key] = final_vs_parameter(summary, ps, col)
            _sweep_heatmap(fig, ax, data[key], ps, factor, unit, short)
            ax.set_title(title)
            continue
        frames = []
        for policy in policies:
            rows = summary if policy is None else summary[summary["policy"] == policy]
            d = final_vs_parameter(binned(rows, ps[0]), ps, col)
            _sweep_line(ax, d, ps[0], factor, colours[policy])
            frames.append(d if policy is None else d.assign(policy=policy))
        data[key] = pd.concat(frames, ignore_index=True)
        ax.set_xlabel(short[ps[0]] + (" (binned)" if _sampled(summary, ps[0]) else ""))
        ax.set_ylabel(unit)
        ax.set_title(title if len(params) == 1 else f"{title} vs {short[ps[0]]}")
    for ax in axes[len(panels) :]:
        ax.axis("off")
    if not heatmaps:
        handles = [
            Line2D([], [], color=colours[p], marker="o", label=str(p))
            for p in policies
            if p is not None
        ]
        handles += [
            Line2D([], [], color="black", marker="o", label="median over runs"),
            Patch(color="black", alpha=0.3, label="50 % of runs"),
            Patch(color="black", alpha=0.12, label="90 % of runs"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    return fig, data


def _sampled(summary: pd.DataFrame, param: str) -> bool:
    return summary[param].nunique() > MAX_LEVELS


def binned(summary: pd.DataFrame, param: str) -> pd.DataFrame:
    """``summary`` with a sampled parameter replaced by the median of its quantile bin."""
    if not _sampled(summary, param):
        return summary
    bins = pd.qcut(summary[param], BINS, duplicates="drop")
    return summary.assign(
        **{param: summary.groupby(bins, observed=True)[param].transform("median")}
    )


def _sweep_line(ax, d: pd.DataFrame, param: str, factor: float, colour: str) -> None:
    x = d[param]
    ax.fill_between(x, d["q05"] * factor, d["q95"] * factor, color=colour, alpha=0.12, lw=0)
    ax.fill_between(x, d["q25"] * factor, d["q75"] * factor, color=colour, alpha=0.3, lw=0)
    ax.plot(x, d["median"] * factor, color=colour, marker="o" if len(d) <= 30 else None)
    ax.set_ylim(bottom=0)


def _sweep_heatmap(fig, ax, d, params, factor, unit, short) -> None:
    grid = d.pivot_table(index=params[1], columns=params[0], values="median") * factor
    if grid.size > 900:  # continuous designs: scatter instead of a sparse grid
        sc = ax.scatter(d[params[0]], d[params[1]], c=d["median"] * factor, cmap="cividis")
        fig.colorbar(sc, ax=ax, label=unit)
    else:
        lo, hi = np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())
        im = ax.imshow(
            grid.to_numpy(),
            origin="lower",
            aspect="auto",
            cmap="cividis",
            vmin=lo,
            vmax=hi if hi > lo else lo + 1.0,
        )
        ax.set_xticks(range(grid.shape[1]), [fmt_value(v) for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [fmt_value(v) for v in grid.index])
        fig.colorbar(im, ax=ax, label=unit)
        if grid.size <= 36:
            for (i, j), v in np.ndenumerate(grid.to_numpy()):
                light = hi > lo and (v - lo) / (hi - lo) < 0.5
                ax.text(
                    j,
                    i,
                    f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if light else "black",
                )
        ax.grid(False)
    ax.set_xlabel(short[params[0]])
    ax.set_ylabel(short[params[1]])
