"""Figures of a scenario-discovery finding: peeling trajectory, box limits, CART tree.

Each takes a ``model.discovery.Finding`` that has a box and returns a matplotlib
``Figure`` (no pyplot state), drawn with the project's style (:mod:`model.style`).
"""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model import style

matplotlib.use("Agg")

TREE_DEPTH_SHOWN = 3
"""Levels of the CART tree drawn (``tree.csv`` has every leaf)."""


def label(path: str) -> str:
    """A parameter path in words: ``rights_bodies.BPI.detection_prob`` -> ``BPI detection
    prob``; ``salience.decay_weeks`` -> ``salience decay weeks``."""
    parts = path.split(".")
    return " ".join(p.replace("_", " ") for p in parts[-2:])


def number(value: float) -> str:
    """A limit or range end to three significant figures (thousands separated above 1e5)."""
    if value == 0:
        return "0"
    return f"{value:.3g}" if abs(value) < 1e5 else f"{value:,.0f}"


def figure_peeling(finding: Any, title: str) -> Figure:
    """Coverage against density of every box on the peeling trajectory, chosen box marked.

    Colour: the number of restricted parameters. The dashed line is the target density.
    """
    t = finding.trajectory
    assert t is not None and finding.chosen is not None
    fig = Figure(figsize=(7.2, 5.4), dpi=style.DPI, layout="constrained")
    ax = fig.subplots()
    dims = t["res_dim"].to_numpy()
    cmap = matplotlib.colormaps["viridis"].resampled(max(int(dims.max()), 1) + 1)
    ax.plot(t["coverage"], t["density"], color="#bbbbbb", lw=1, zorder=1)
    points = ax.scatter(
        t["coverage"],
        t["density"],
        c=dims,
        cmap=cmap,
        vmin=-0.5,
        vmax=dims.max() + 0.5,
        s=28,
        zorder=2,
    )
    fig.colorbar(points, ax=ax, label="restricted parameters", ticks=range(int(dims.max()) + 1))
    row = t.loc[finding.chosen]
    ax.scatter(
        [row["coverage"]],
        [row["density"]],
        s=220,
        facecolors="none",
        edgecolors=style.OKABE_ITO["vermillion"],
        linewidths=2.2,
        zorder=3,
        label=f"chosen box: coverage {row['coverage']:.0%}, density {row['density']:.0%}",
    )
    ax.axhline(
        finding.min_density,
        color="#444444",
        lw=0.8,
        ls="--",
        label=f"target density {finding.min_density:.0%}",
    )
    base = finding.cases / finding.runs
    ax.axhline(base, color="#999999", lw=0.8, ls=":", label=f"share overall {base:.0%}")
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("coverage (share of the cases that lie in the box)")
    ax.set_ylabel("density (share of the box's worlds that are cases)")
    ax.legend(loc="lower left", fontsize=8)
    limits = (
        ", ".join(label(u) for u in finding.box["parameter"]) if finding.box is not None else ""
    )
    ax.set_title(
        f"{title}\nPRIM peeling trajectory; chosen box on {limits or 'no parameter'}", fontsize=10
    )
    return fig


def figure_box(finding: Any, title: str) -> Figure:
    """The chosen box's limits: each restricted parameter's range (grey) and the box's
    part of it (colour), with its limits and their quasi-p-values."""
    box = finding.box
    assert box is not None
    n = max(len(box), 1)
    fig = Figure(figsize=(7.6, 1.2 + 0.75 * n), dpi=style.DPI, layout="constrained")
    ax = fig.subplots()
    for i, row in enumerate(box.itertuples()):
        span = row.range_high - row.range_low
        lo = (row.low - row.range_low) / span
        hi = (row.high - row.range_low) / span
        ax.barh(i, 1.0, left=0.0, height=0.5, color="#e6e6e6")
        ax.barh(i, hi - lo, left=lo, height=0.5, color=style.OKABE_ITO["blue"])
        for value, qp, x, ha in (
            (row.low, row.qp_low, lo, "right"),
            (row.high, row.qp_high, hi, "left"),
        ):
            text = number(value) + ("" if np.isnan(qp) else f" (qp {qp:.1g})")
            ax.text(
                x + (-0.01 if ha == "right" else 0.01),
                i + 0.36,
                text,
                ha=ha,
                va="center",
                fontsize=8,
            )
        ax.text(
            0, i - 0.36, number(row.range_low), ha="left", va="center", fontsize=7, color="#666666"
        )
        ax.text(
            1,
            i - 0.36,
            number(row.range_high),
            ha="right",
            va="center",
            fontsize=7,
            color="#666666",
        )
    ax.set_yticks(range(len(box)), [label(p) for p in box["parameter"]])
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([])
    ax.set_xlabel("sampled range (grey), the box (blue); qp: quasi-p-value of the limit")
    s = finding.stats
    ax.set_title(
        f"{title}\nbox: coverage {s['coverage']:.0%}, density {s['density']:.0%}, "
        f"{s['mass']:.0%} of the worlds",
        fontsize=10,
    )
    return fig


def figure_tree(finding: Any, title: str) -> Figure:
    """CART's classification tree, first levels (every leaf is in ``tree.csv``)."""
    from sklearn.tree import plot_tree

    fig = Figure(figsize=(13, 6.5), dpi=style.DPI, layout="constrained")
    FigureCanvasAgg(fig)  # plot_tree measures text with the canvas' renderer
    ax = fig.subplots()
    plot_tree(
        finding.tree,
        ax=ax,
        feature_names=[label(f) for f in finding.tree_features],
        class_names=["not met", "met"],
        filled=True,
        impurity=False,
        proportion=True,
        max_depth=TREE_DEPTH_SHOWN,
        fontsize=7,
        rounded=True,
    )
    ax.set_title(
        f"{title}\nCART tree (first {TREE_DEPTH_SHOWN} levels; leaves hold at least 5 % of "
        "the worlds; value = share not met / met)",
        fontsize=10,
    )
    return fig
