"""One look for every figure: a colour-blind-safe palette, fonts, and colour assignment.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
which stays distinguishable under the common forms of colour blindness. Yellow is kept
last because thin yellow lines are hard to see on white.

A name (an ISP, a scenario, a sweep point) gets its colour from its position in an
ordered list of names, so the same list gives the same colours in every figure: ISPs in
the scenario's order, scenarios in the order given to ``conduit compare``.
"""

from __future__ import annotations

from collections.abc import Iterable

OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish green": "#009E73",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
PALETTE: tuple[str, ...] = tuple(c for k, c in OKABE_ITO.items() if k != "yellow")
"""Colours in the order they are handed out (yellow left out: too faint for lines on white)."""

LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")
"""Beyond len(PALETTE) names, colours repeat with the next line style."""

STANCE_MARKERS: dict[str, str] = {
    "refuse": "o",
    "forward": "s",
    "graduated": "^",
    "disconnect": "X",
}
"""Marker for an ISP's stance where it changes (shape, not colour: colour is the ISP)."""

STAGE_LABELS: tuple[str, ...] = ("none", "consultation", "bill", "passed", "law")

RC: dict[str, object] = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "figure.titlesize": 14,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.0,
    "svg.fonttype": "none",
}
"""matplotlib settings for every figure (used with ``matplotlib.rc_context``)."""

DPI = 110
"""PNG resolution: a 12-inch-wide figure is 1320 px, legible at 100 % zoom."""


def colours(names: Iterable[object]) -> dict[object, str]:
    """Colour per name, by position: the same ordered names always get the same colours."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(dict.fromkeys(names))}


def linestyles(names: Iterable[object]) -> dict[object, str]:
    """Line style per name: solid for the first len(PALETTE) names, then dashed, ..."""
    return {
        name: LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)]
        for i, name in enumerate(dict.fromkeys(names))
    }
