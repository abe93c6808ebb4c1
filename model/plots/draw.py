"""Drawing blocks every figure shares: the figure and its notes, median-and-band lines,
their legend, and writing a figure to disk."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model import style
from model.integrity import atomic_path
from model.plots.view import View

matplotlib.use("Agg")

LEGEND_WIDTH = 36
"""Characters per line of a series label in a legend (longer labels wrap)."""


def _figure(view: View, title: str, size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, dpi=style.DPI, layout="constrained")
    fig.suptitle(f"{view.title}: {title}")
    return fig


def _add_notes(fig: Figure, view: View, extra: Sequence[str] = ()) -> None:
    notes = [*view.notes, *extra]
    if notes:
        fig.supxlabel(
            "\n".join(f"Note: {n}" for n in notes), x=0.01, ha="left", fontsize=9, color="#444444"
        )


def _draw_bands(ax, data: pd.DataFrame, view: View, factor: float = 1.0) -> None:
    """Median line with 50 % and 90 % bands, one colour per series."""
    colours = view.colours
    for key, label in view.labels.items():
        g = data[data[view.by] == key]
        if g.empty:
            continue
        x = view.time.x(g["week"])
        c = colours[key]
        ax.fill_between(x, g["q05"] * factor, g["q95"] * factor, color=c, alpha=0.12, lw=0)
        ax.fill_between(x, g["q25"] * factor, g["q75"] * factor, color=c, alpha=0.28, lw=0)
        ax.plot(x, g["median"] * factor, color=c, label=label)


def _band_legend_handles(view: View) -> list:
    handles = [
        Line2D([], [], color=c, label=textwrap.fill(view.labels[k], LEGEND_WIDTH))
        for k, c in view.colours.items()
    ]
    grey = "#777777"
    handles += [
        Line2D([], [], color=grey, label="median over runs"),
        Patch(color=grey, alpha=0.45, label="50 % of runs"),
        Patch(color=grey, alpha=0.15, label="90 % of runs"),
    ]
    return handles


def save(fig: Figure, out_dir: Path, stem: str, formats: Sequence[str] = ("png", "svg")) -> Path:
    """Write ``fig`` as ``out_dir/stem.<format>`` for each format; return the first path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        with atomic_path(path) as tmp:  # a failed write leaves no temporary file behind
            fig.savefig(tmp, format=fmt, dpi=style.DPI)
        paths.append(path)
    return paths[0]
