"""How numbers and names read to a person: shared by the figures, the report and the tables.

Shares are shown in percent, counts with thousands separators or a k/M/bn suffix, sweep
points as ``param=value`` with the shortest unambiguous parameter names. No plotting and
no HTML here, so every module that writes for a reader can import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from model.results import Results


def value(x: Any) -> str:
    """A parameter value as written in a label: ``0.002``, ``graduated``."""
    return f"{x:g}" if isinstance(x, int | float | np.number) else str(x)


def short_names(paths: Sequence[str]) -> dict[str, str]:
    """Shortest unambiguous dotted suffix of each parameter path."""
    out = {}
    for path in paths:
        parts = path.split(".")
        for n in range(1, len(parts) + 1):
            name = ".".join(parts[-n:])
            if sum(p.endswith(name) for p in paths) == 1:
                break
        out[path] = name
    return out


def human(x: float) -> str:
    """12,345 -> '12.3k'; for bar labels and axis ticks."""
    if not np.isfinite(x):
        return "n/a"
    for unit, div in (("bn", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def number(x: float) -> str:
    """A table number: ``12,345`` from 10,000 up, else three significant digits."""
    if pd.isna(x):
        return "n/a"
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def percent(fraction: float) -> str:
    """A share (fraction) in percent: ``0.0912`` -> ``9.12%``."""
    if pd.isna(fraction):
        return "n/a"
    return f"{100 * fraction:.3g}%"


def point_labels(results: Results) -> dict[int, str]:
    """Legend label per design point: ``param=value, ...`` (the policy first, if any).

    Without a sweep the label is the scenario's name.
    """
    params = results.parameters
    summary = results.summary
    if not params and "policy" not in summary:
        return {p: results.name for p in results.points}
    short = short_names(params)
    first = summary.drop_duplicates("point").set_index("point")
    out = {}
    for p in results.points:
        if p not in first.index or not all(k in first.columns for k in params):
            out[p] = f"point {p}"
            continue
        parts = [f"{short[k]}={value(first.at[p, k])}" for k in params]
        if "policy" in first.columns:
            parts.insert(0, str(first.at[p, "policy"]))
        out[p] = ", ".join(parts)
    return out
