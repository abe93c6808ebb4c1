"""Comparison of several results folders: one view with a series per scenario (and point)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import matplotlib
import pandas as pd

from model import comparison, style
from model.formatting import point_labels
from model.plots.aggregate import OUTCOMES, PRESSURE_TO_NEXT
from model.plots.draw import save
from model.plots.load import PlotError, load_results, plotted, select_points
from model.plots.view import TimeAxis, View, _start, with_pressure_to_next_stage
from model.plots.write import CAPTIONS, figures
from model.report import write_comparison_report
from model.results import ID_COLUMNS, Results


def _series_labels(results: Sequence[Results]) -> list[dict[int, str]]:
    """Legend label per (results folder, sweep point), unique across folders."""
    names = [r.name for r in results]
    out = []
    for r in results:
        name = r.name if names.count(r.name) == 1 else f"{r.name} ({r.path.name})"
        if names.count(r.name) > 1 and [x.path.name for x in results].count(r.path.name) > 1:
            name = f"{r.name} ({r.path})"
        chosen = select_points(r)
        labels = point_labels(r)
        out.append({p: name if len(r.points) == 1 else f"{name} [{labels[p]}]" for p in chosen})
    return out


def _plotted(columns: Iterable[str]) -> set[str]:
    return {c for c in columns if plotted(c)}


def _only_in(
    kind: str, lists: Sequence[Sequence[str]], names: Sequence[str], where: str
) -> list[str]:
    """One note per group of entities (ISPs, parties) that only some results have."""
    everyone = set.intersection(*(set(x) for x in lists))
    groups: dict[tuple[str, ...], list[str]] = {}
    for entity in dict.fromkeys(e for lst in lists for e in lst):
        if entity not in everyone:
            having = tuple(n for n, lst in zip(names, lists, strict=True) if entity in lst)
            groups.setdefault(having, []).append(entity)
    plural = "ISPs" if kind == "ISP" else "parties"
    return [
        f"{plural if len(ents) > 1 else kind} {', '.join(ents)} only in {', '.join(having)} "
        f"({where})"
        for having, ents in groups.items()
    ]


def comparison_view(results: Sequence[Results]) -> View:
    """One view over several results folders: a series per scenario (and sweep point).

    What is not common is said in ``view.notes``: ISPs or parties only some scenarios
    have (drawn where present), other columns missing somewhere (dropped), different run
    lengths (aligned on week; totals over the common weeks), different start dates
    (x axis in weeks).

    Raises:
        PlotError: the results have no outcome in common.
    """
    notes: list[str] = []
    column_sets = [_plotted(r.timeseries.columns) for r in results]
    common = set.intersection(*column_sets)
    if not common & set(OUTCOMES) or "week" not in common:
        sizes = "; ".join(
            f"{r.path}: {len(c)} plotted columns" for r, c in zip(results, column_sets, strict=True)
        )
        raise PlotError(
            f"nothing to compare: the results have no outcome column in common ({sizes})"
        )
    per_entity = ("market_share.", "stance.", "enforcement_cost.")
    uncommon = set.union(*column_sets) - common
    dropped = sorted(c for c in uncommon if not c.startswith(per_entity))
    if dropped:
        notes.append(f"not in every result, so not shown: {', '.join(dropped)}")
    isp_lists = [r.isps() for r in results]
    isps = list(dict.fromkeys(i for lst in isp_lists for i in lst))
    names = [r.name for r in results]
    notes += _only_in("ISP", isp_lists, names, "each panel shows its own")
    party_lists = [r.parties() for r in results]
    parties = list(dict.fromkeys(p for lst in party_lists for p in lst))
    notes += _only_in(
        "party", [[p for p in lst if p not in isps] for lst in party_lists], names, "cost bars"
    )
    steps = [r.steps for r in results]
    if len(set(steps)) > 1:
        notes.append(
            "runs differ in length ("
            + ", ".join(f"{r.name}: {s} weeks" for r, s in zip(results, steps, strict=True))
            + f"): aligned on week 0; totals are over the first {min(steps)} weeks"
        )
    starts = [_start(r.scenario) for r in results]
    start = starts[0] if len(set(starts)) == 1 else None
    if len(set(starts)) > 1:
        notes.append("start dates differ: the x axis is weeks since each scenario's start")
    labels_per = _series_labels(results)
    frames, labels, scale, missing = [], {}, {}, {}
    for r, lab in zip(results, labels_per, strict=True):
        keep = [c for c in r.timeseries.columns if c in common or c.startswith(per_entity)]
        keep = [*ID_COLUMNS, *(c for c in keep if c not in ID_COLUMNS)]
        ts = r.timeseries[r.timeseries["point"].isin(list(lab))]
        ts = with_pressure_to_next_stage(ts, r.scenario)
        ts = ts[[*keep, *([PRESSURE_TO_NEXT] if PRESSURE_TO_NEXT in ts else [])]]
        frames.append(ts.assign(series=ts["point"].map(lab)))
        for label in lab.values():
            labels[label] = label
            scale[label] = r.scale
            missing[label] = [i for i in isps if i not in r.isps()]
    combined = pd.concat(frames, ignore_index=True)
    for col in combined.columns:
        if col.startswith("stance."):
            combined[col] = combined[col].astype("category")
    return View(
        timeseries=combined,
        by="series",
        labels=labels,
        scale=scale,
        isps=isps,
        parties=parties,
        time=TimeAxis(start),
        title=f"Comparison of {len(results)} results",
        steps=min(steps),
        notes=notes,
        missing_isps={k: v for k, v in missing.items() if v},
    )


def compare(
    dirs: Sequence[str | Path],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    report: bool = True,
    warn: Callable[[str], None] | None = None,
) -> list[Path]:
    """Overlay the figures of several results folders into ``out_dir``.

    Args:
        dirs: two or more results folders (e.g. a scenario and its counterfactuals).
        out_dir: where figures (and report.html) go; created if needed.
        warn: called with each difference between the results (default: print to stderr).

    Returns:
        The first-format figure paths, the side-by-side table (``headline.csv``), then
        the report's path.

    Raises:
        PlotError: fewer than two folders, a folder that is not a results folder, or
            results with nothing in common.
    """
    if len(dirs) < 2:
        raise PlotError("compare needs at least two results folders")
    results = [load_results(d) for d in dirs]
    view = comparison_view(results)
    warn = warn or (lambda text: print(f"warning: {text}", file=sys.stderr))
    for note in view.notes:
        warn(note)
    out = Path(out_dir)
    written = []
    with matplotlib.rc_context(style.RC):
        for stem, (fig, _) in figures(view).items():
            written.append(save(fig, out, stem, formats))
    table = comparison.side_by_side(results)
    written.append(comparison.write_csv(table, out))
    if report:
        written.append(
            write_comparison_report(
                out,
                results,
                [p for p in written if p.suffix == ".png"],
                view.notes,
                CAPTIONS,
                table,
            )
        )
    return written
