"""Scenarios side by side: headline measures, differences from the first, paired where fair.

``conduit compare A B C`` sets B and C against A (the reference). Each headline measure
(:mod:`model.headline`) gets its median [5-95 %] over runs per scenario and, for B and
C, the difference from A. When two results share seeds (the same ``experiment.seed``
and replicate numbers, one design point each), run r of B used the same random numbers
as run r of A (common random numbers), so the difference is taken run by run and its
5-95 % range is the range of those paired differences: much narrower than comparing two
independent spreads. Otherwise the difference is that of the medians, without a range.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from model import headline
from model.findings import Finding
from model.results import Results, atomic_write

CSV = "headline.csv"
KEY_DIFFERENCES = (
    "mean.infringing_share",
    "final.infringing_share",
    "total.sanctions",
    "total.notices_sent",
)
"""Measures whose differences from the reference are stated as findings."""


def paired(a: Results, b: Results) -> bool:
    """Whether runs of ``a`` and ``b`` can be paired: same seed, one point, same replicates."""
    seed_a = a.manifest.get("experiment", {}).get("seed")
    seed_b = b.manifest.get("experiment", {}).get("seed")
    if seed_a is None or seed_a != seed_b or len(a.points) != 1 or len(b.points) != 1:
        return False
    reps_a = set(a.summary.get("replicate", pd.Series(dtype=int)))
    return bool(reps_a) and reps_a == set(b.summary.get("replicate", pd.Series(dtype=int)))


def labels(results: Sequence[Results]) -> list[str]:
    """One label per results folder: its scenario's name, with the folder if not unique."""
    names = [r.name for r in results]
    return [r.name if names.count(r.name) == 1 else f"{r.name} ({r.path})" for r in results]


def side_by_side(results: Sequence[Results]) -> pd.DataFrame:
    """Headline measures of each results folder and their differences from the first.

    All runs of a folder are pooled (one row per scenario and measure). Runs of
    different lengths are compared over their common weeks. ``scenario`` is the
    scenario's name (with its folder when two results share a name).

    Returns:
        DataFrame[key, label, kind, scenario, median, q05, q95, runs, rare, events,
        diff_median, diff_q05, diff_q95, paired] in measure order, then scenario order.
        Differences are NaN for the reference; ``diff_q05``/``diff_q95`` are NaN when
        the runs cannot be paired.
    """
    steps = min(r.steps for r in results)
    runs = [headline.per_run(r, steps=steps) for r in results]
    names = labels(results)
    cols = [set(r.timeseries.columns) for r in results]
    common = set.intersection(*cols)
    found = headline.measures([c for c in results[0].timeseries.columns if c in common])
    ref, ref_runs = results[0], runs[0]
    rows = []
    for m in found:
        for r, per, name in zip(results, runs, names, strict=True):
            values = per[m.key].to_numpy(dtype=float)
            q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
            events = float(np.median(per[f"events.{m.column}"])) if m.kind == "count" else np.nan
            row = {
                "key": m.key,
                "label": m.label,
                "kind": m.kind,
                "scenario": name,
                "median": median,
                "q05": q05,
                "q95": q95,
                "runs": len(values),
                "rare": bool(np.isfinite(events) and events < headline.RARE_EVENTS),
                "events": events,
                "diff_median": np.nan,
                "diff_q05": np.nan,
                "diff_q95": np.nan,
                "paired": False,
            }
            if r is not ref:
                row.update(_difference(ref, ref_runs, r, per, m.key))
            rows.append(row)
    return pd.DataFrame(rows)


def _difference(ref: Results, ref_runs: pd.DataFrame, r: Results, per: pd.DataFrame, key: str):
    if paired(ref, r):
        both = ref_runs[["replicate", key]].merge(
            per[["replicate", key]], on="replicate", suffixes=("_ref", "")
        )
        d = (both[key] - both[f"{key}_ref"]).to_numpy(dtype=float)
        q05, median, q95 = np.quantile(d, [0.05, 0.5, 0.95])
        return {"diff_median": median, "diff_q05": q05, "diff_q95": q95, "paired": True}
    diff = float(np.median(per[key])) - float(np.median(ref_runs[key]))
    return {"diff_median": diff, "paired": False}


def show_difference(row: pd.Series) -> str:
    """``+1.2 pp [0.8–1.6]`` (shares in percentage points), range only when paired."""
    kind = row["kind"]

    def one(x: float) -> str:
        if kind == "share":
            return f"{100 * x:+.3g} pp"
        return ("+" if x > 0 else "") + headline.show(x, kind)

    if pd.isna(row["diff_median"]):
        return ""
    text = one(row["diff_median"])
    if row["paired"]:
        text += f" [{one(row['diff_q05'])} to {one(row['diff_q95'])}]"
    return text


def write_csv(table: pd.DataFrame, out_dir: Path) -> Path:
    """Write the side-by-side table as ``OUT_DIR/headline.csv`` (atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CSV
    atomic_write(path, table.to_csv(index=False, lineterminator="\n").encode())
    return path


def difference_findings(table: pd.DataFrame) -> list[Finding]:
    """Plain-language sentences on the key measures' differences from the reference."""
    out = []
    scenarios = list(dict.fromkeys(table["scenario"]))
    ref = scenarios[0]
    for name in scenarios[1:]:
        for key in KEY_DIFFERENCES:
            rows = table[(table["key"] == key) & (table["scenario"] == name)]
            if rows.empty:
                continue
            row = rows.iloc[0]
            phrase = row["label"][0].lower() + row["label"][1:]
            how = (
                f"paired run by run over {row['runs']} replicates sharing seeds"
                if row["paired"]
                else "difference of medians; the runs do not share seeds, so no paired range"
            )
            text = (
                f"Against {ref} (reference), {name}: {phrase} differs by "
                f"{show_difference(row)} ({how})."
            )
            if row["rare"]:
                text += f" This count {headline.rare_note(row['events'])}."
            out.append(Finding(text, "funnel" if key.startswith("total.") else "outcomes"))
    return out
