"""report.html: one self-contained page per results folder (or per comparison).

The page has the scenario's description, the parameters that differ from the defaults,
the summary table (median and 5-95 % over replicates of key final outcomes, per sweep
point), and every figure embedded as a base64 PNG: no network, no other file, so a
results folder's report can be mailed or opened from disk. All text is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic_core import PydanticUndefined

from model.params import AssociationParams, ISPParams, RightsBodyParams
from model.plots import CAPTIONS, Results, _fmt, _short_names, load_results
from model.scenario import NAMED_LISTS, Scenario, flatten

ITEM_CLASSES = {
    "isps": ISPParams,
    "rights_bodies": RightsBodyParams,
    "associations": AssociationParams,
}
NOT_PARAMETERS = {"name", "description", "experiment.sweep"}

SUMMARY_COLUMNS: dict[str, tuple[str, float, bool]] = {
    "final.infringing_share": ("Infringing share, final week (%)", 100.0, False),
    "final.p2p_traffic": ("P2P traffic index, final week", 1.0, False),
    "final.legal_share": ("Legal share, final week (%)", 100.0, False),
    "final.vpn_share": ("VPN share, final week (%)", 100.0, False),
    "final.suspended_share": ("Suspended share, final week (%)", 100.0, False),
    "final.traffic_top_decile_share": (
        "Top-decile share of P2P volume, final week (%)",
        100.0,
        False,
    ),
    "total.notices_sent": ("Notices sent, total", 1.0, True),
    "total.sanctions": ("Sanctions, total", 1.0, True),
    "total.wrongful_sanctions": ("Wrongful sanctions, total", 1.0, True),
}
"""summary.csv column -> (row label with unit, factor, is a count to scale)."""

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1400px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.95em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-weight:bold;margin-bottom:.4em} .meta{color:#555;font-size:.9em}
.warn{background:#fff4e0;border-left:4px solid #E69F00;padding:.5em 1em}
"""


def esc(value: Any) -> str:
    """HTML-escaped text of any value."""
    return html.escape(_fmt(value) if not isinstance(value, str) else value, quote=True)


def parameter_differences(scenario: Scenario) -> list[tuple[str, Any, Any]]:
    """Parameters that differ from the defaults: (path, default, value).

    ISPs, rights bodies and associations are compared with a default item of the same
    name (the schema has no default ISP called BT), so only what the scenario sets shows.
    """
    defaults = flatten({k: v for k, v in Scenario().to_dict().items() if k not in NAMED_LISTS})
    rows = []
    data = scenario.to_dict()
    values = flatten({k: v for k, v in data.items() if k not in NAMED_LISTS})
    for key, value in values.items():
        if key in NOT_PARAMETERS or key.startswith("experiment.sweep"):
            continue
        if defaults.get(key, object()) != value:
            rows.append((key, defaults.get(key), value))
    for list_name, cls in ITEM_CLASSES.items():
        for item in data.get(list_name, []):
            required = {
                k: item[k]
                for k, f in cls.model_fields.items()
                if f.default is PydanticUndefined and f.default_factory is None
            }
            default_item = flatten(cls.model_validate(required).model_dump(mode="json"))
            for key, value in flatten(item).items():
                if key != "name" and default_item.get(key, object()) != value:
                    rows.append((f"{list_name}.{item['name']}.{key}", default_item.get(key), value))
    return rows


def summary_table(results: Results) -> pd.DataFrame:
    """Median [5-95 %] over replicates of key final outcomes, one column per sweep point.

    Counts are scaled to the real population (``manifest["scale"]``).

    Returns:
        DataFrame indexed by outcome label, columns = point labels, cells = text.
    """
    summary = results.summary
    labels = results.point_labels()
    table: dict[str, dict[str, str]] = {}
    for col, (label, factor, is_count) in SUMMARY_COLUMNS.items():
        if col not in summary:
            continue
        f = factor * (results.scale if is_count else 1.0)
        q = summary.groupby("point")[col].quantile([0.05, 0.5, 0.95]).unstack() * f
        table[label] = {
            labels.get(p, f"point {p}"): f"{_num(r[0.5])} [{_num(r[0.05])}–{_num(r[0.95])}]"
            for p, r in q.iterrows()
        }
    return pd.DataFrame(table).T


def _num(value: float) -> str:
    if pd.isna(value):
        return "n/a"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 99) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(c)}</td>' if i >= numeric_from else f"<td>{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figures_html(figures: Sequence[Path]) -> str:
    parts = []
    for path in figures:
        path = Path(path)
        if path.suffix.lower() != ".png" or not path.is_file():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        caption = CAPTIONS.get(path.stem, path.stem)
        parts.append(
            f'<figure id="fig-{esc(path.stem)}"><figcaption>{esc(caption)}</figcaption>'
            f'<img alt="{esc(caption)}" src="data:image/png;base64,{data}"></figure>'
        )
    return "\n".join(parts)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def results_section(results: Results, heading_level: int = 2) -> str:
    """Description, provenance, parameters and summary table of one results folder."""
    h = f"h{heading_level}"
    m = results.manifest
    exp = m.get("experiment", {})
    runs = m.get("runs", [])
    failed = [r for r in runs if r.get("status") != "done"]
    parts = [f"<p>{esc(results.scenario.description or '(no description)')}</p>"]
    meta = [
        ("scenario file", m.get("scenario_file")),
        ("start date", results.scenario.start_date or "not given"),
        ("replicates", exp.get("replicates")),
        ("weeks", exp.get("steps", results.steps)),
        ("seed", exp.get("seed")),
        ("scale", f"1 simulated subscriber = {results.scale:,.1f} real accounts"),
        ("runs finished", f"{len(runs) - len(failed)} of {len(runs)}"),
        ("created", m.get("created")),
        ("conduit", f"{m.get('conduit_version')} (git {m.get('git_commit') or 'unknown'})"),
    ]
    parts.append(_table(["", ""], [(k, v if v is not None else "") for k, v in meta]))
    if failed:
        parts.append(f'<p class="warn">{len(failed)} run(s) failed; see manifest.json.</p>')
    if results.parameters:
        short = _short_names(results.parameters)
        parts.append(f"<{h}>Swept parameters</{h}>")
        rows = [
            (p, short[p], ", ".join(_fmt(v) for v in sorted(results.summary[p].unique())))
            for p in results.parameters
            if p in results.summary
        ]
        parts.append(_table(["parameter", "shown as", "values"], rows))
    diffs = parameter_differences(results.scenario)
    parts.append(f"<{h}>Parameters that differ from the defaults</{h}>")
    if diffs:
        parts.append(_table(["parameter", "default", "this scenario"], diffs))
    else:
        parts.append("<p>None: every parameter has its default value.</p>")
    table = summary_table(results)
    parts.append(f"<{h}>Summary</{h}>")
    parts.append(
        '<p class="meta">Median over replicates [5–95 %]; counts scaled to the real '
        "population the scenario represents.</p>"
    )
    rows = [(idx, *row) for idx, row in zip(table.index, table.to_numpy(), strict=True)]
    parts.append(_table(["outcome", *table.columns], rows, numeric_from=1))
    return "\n".join(parts)


def write_report(
    results_dir: str | Path, figures: Sequence[Path], results: Results | None = None
) -> Path:
    """Write ``RESULTS_DIR/report.html`` with ``figures`` (PNG paths) embedded.

    Args:
        results: the folder already read (saves reading it again), or None.

    Returns:
        The report's path.
    """
    results = results or load_results(results_dir)
    body = (
        f"<h1>{esc(results.name)}</h1>\n{results_section(results)}\n"
        f"<h2>Figures</h2>\n{_figures_html(figures)}"
    )
    return _write(results.path / "report.html", _page(results.name, body))


def write_comparison_report(
    out_dir: str | Path,
    results: Sequence[Results],
    figures: Sequence[Path],
    notes: Sequence[str] = (),
) -> Path:
    """Write ``OUT_DIR/report.html`` comparing several results folders side by side."""
    out_dir = Path(out_dir)
    names = [r.name for r in results]
    title = "Comparison: " + " vs ".join(names)
    parts = [f"<h1>{esc(title)}</h1>"]
    if notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in notes)
        parts.append(
            f'<div class="warn"><strong>Differences between the results:</strong>'
            f"<ul>{items}</ul></div>"
        )
    parts.append(f"<h2>Figures</h2>\n{_figures_html(figures)}")
    for r in results:
        parts.append(f'<h2>{esc(r.name)} <span class="meta">({esc(r.path)})</span></h2>')
        parts.append(results_section(r, heading_level=3))
    return _write(out_dir / "report.html", _page(title, "\n".join(parts)))
