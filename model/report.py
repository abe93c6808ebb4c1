"""report.html: one self-contained page per results folder (or per comparison).

The page has the scenario's description, the parameters that differ from the defaults,
the summary table (median and 5-95 % over replicates of key final outcomes, per sweep
point), and every figure embedded as a base64 PNG: no network, no other file, so a
results folder's report can be mailed or opened from disk. All text is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic_core import PydanticUndefined

from model import comparison, headline
from model import results as results_io
from model.findings import Finding, findings
from model.formatting import point_labels, short_names
from model.formatting import value as fmt_value
from model.params import AssociationParams, ISPParams, RightsBodyParams
from model.results import Results
from model.scenario import NAMED_LISTS, Scenario, flatten

ITEM_CLASSES = {
    "isps": ISPParams,
    "rights_bodies": RightsBodyParams,
    "associations": AssociationParams,
}
NOT_PARAMETERS = {"name", "description", "experiment.sweep"}

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1400px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.95em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{margin-bottom:.4em} figcaption b{display:block} .meta{color:#555;font-size:.9em}
.warn{background:#fff4e0;border-left:4px solid #E69F00;padding:.5em 1em}
"""


def esc(value: Any) -> str:
    """HTML-escaped text of any value."""
    return html.escape(fmt_value(value) if not isinstance(value, str) else value, quote=True)


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
    """Headline measures: median [5-95 %] over replicates, one column per sweep point.

    Final values, means over the run and totals (:mod:`model.headline`); shares in %,
    counts scaled to the real population; a count resting on fewer than
    :data:`~model.headline.RARE_EVENTS` simulated events per run is marked ⚠.

    Returns:
        DataFrame indexed by measure label, columns = point labels, cells = text.
    """
    rows = headline.table(results)
    labels = point_labels(results)
    table: dict[str, dict[str, str]] = {}
    for _, r in rows.iterrows():
        text = headline.cell(r["median"], r["q05"], r["q95"], r["kind"])
        if r["rare"]:
            text += f" ⚠ ~{r['events']:.0f} simulated"
        table.setdefault(r["label"], {})[labels.get(r["point"], f"point {r['point']}")] = text
    return pd.DataFrame(table).T


def _findings_list(found: Sequence[Finding]) -> str:
    items = "".join(
        f'<li>{esc(f.text)} <a href="#fig-{esc(f.figure)}">(figure)</a></li>' for f in found
    )
    return f'<ol class="findings">{items}</ol>' if items else ""


def findings_html(results: Results) -> str:
    """The key findings as a list, each linking to its figure."""
    items = _findings_list(findings(results))
    return f'<h2 id="findings">Key findings</h2>\n{items}' if items else ""


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


def _figures_html(figures: Sequence[Path], captions: Mapping[str, tuple[str, str]]) -> str:
    parts = []
    for path in figures:
        path = Path(path)
        if path.suffix.lower() != ".png" or not path.is_file():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        title, look = captions.get(path.stem, (path.stem, ""))
        parts.append(
            f'<figure id="fig-{esc(path.stem)}"><figcaption><b>{esc(title)}</b>{esc(look)}'
            f'</figcaption><img alt="{esc(title)}" src="data:image/png;base64,{data}"></figure>'
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
        short = short_names(results.parameters)
        parts.append(f"<{h}>Swept parameters</{h}>")
        rows = [
            (p, short[p], ", ".join(fmt_value(v) for v in sorted(results.summary[p].unique())))
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
        '<p class="meta">Median over replicates [5–95 %]; shares in % of subscribers; '
        "counts are totals over the run scaled to the real population the scenario "
        f"represents. ⚠: fewer than {headline.RARE_EVENTS} simulated events per run, so "
        f"the number is imprecise; {headline.PRECISION_HINT}.</p>"
    )
    rows = [(idx, *row) for idx, row in zip(table.index, table.to_numpy(), strict=True)]
    parts.append(_table(["measure", *table.columns], rows, numeric_from=1))
    return "\n".join(parts)


def write_report(
    results_dir: str | Path,
    figures: Sequence[Path],
    results: Results | None = None,
    captions: Mapping[str, tuple[str, str]] | None = None,
) -> Path:
    """Write ``RESULTS_DIR/report.html`` with ``figures`` (PNG paths) embedded.

    Args:
        results: the folder already read (saves reading it again), or None.
        captions: (title, what to look at) per figure file stem (default: the stem).

    Returns:
        The report's path.
    """
    results = results or results_io.load(results_dir)
    body = (
        f"<h1>{esc(results.name)}</h1>\n{findings_html(results)}\n{results_section(results)}\n"
        f"<h2>Figures</h2>\n{_figures_html(figures, captions or {})}"
    )
    return _write(results.path / "report.html", _page(results.name, body))


def side_by_side_html(table: pd.DataFrame) -> str:
    """The side-by-side headline table: one row per measure, a column per scenario."""
    scenarios = list(dict.fromkeys(table["scenario"]))
    header = ["measure", f"{scenarios[0]} (reference)"]
    for name in scenarios[1:]:
        header += [name, f"{name} − reference"]
    rows = []
    for _, group in table.groupby("key", sort=False):
        row = [group.iloc[0]["label"]]
        for _, r in group.iterrows():
            text = headline.cell(r["median"], r["q05"], r["q95"], r["kind"])
            row.append(text + (f" ⚠ ~{r['events']:.0f} simulated" if r["rare"] else ""))
            if r["scenario"] != scenarios[0]:
                row.append(comparison.show_difference(r))
        rows.append(row)
    paired = table.loc[table["scenario"] != scenarios[0], "paired"]
    note = (
        "Median over runs [5–95 %]. Differences from the reference are taken run by run "
        "where the runs share seeds (their 5–95 % range in brackets), else as the "
        "difference of medians. Shares in %, differences of shares in percentage points "
        "(pp)."
    )
    if len(paired) and not paired.all():
        note += " Some scenarios do not share the reference's seeds: no paired range."
    return f'<p class="meta">{esc(note)}</p>' + _table(header, rows, numeric_from=1)


def write_comparison_report(
    out_dir: str | Path,
    results: Sequence[Results],
    figures: Sequence[Path],
    notes: Sequence[str] = (),
    captions: Mapping[str, tuple[str, str]] | None = None,
    table: pd.DataFrame | None = None,
) -> Path:
    """Write ``OUT_DIR/report.html`` comparing several results folders side by side.

    Args:
        table: the side-by-side headline table (:func:`model.comparison.side_by_side`);
            computed here if not given.
    """
    out_dir = Path(out_dir)
    names = [r.name for r in results]
    title = "Comparison: " + " vs ".join(names)
    table = comparison.side_by_side(results) if table is None else table
    parts = [f"<h1>{esc(title)}</h1>"]
    if notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in notes)
        parts.append(
            f'<div class="warn"><strong>Differences between the results:</strong>'
            f"<ul>{items}</ul></div>"
        )
    parts.append('<h2 id="findings">Key findings</h2>')
    parts.append(_findings_list(comparison.difference_findings(table)))
    for r in results:
        parts.append(f"<h3>{esc(r.name)}</h3>")
        parts.append(_findings_list(findings(r)))
    parts.append("<h2>Headline measures side by side</h2>")
    parts.append(side_by_side_html(table))
    parts.append(f"<h2>Figures</h2>\n{_figures_html(figures, captions or {})}")
    for r in results:
        parts.append(f'<h2>{esc(r.name)} <span class="meta">({esc(r.path)})</span></h2>')
        parts.append(results_section(r, heading_level=3))
    return _write(out_dir / "report.html", _page(title, "\n".join(parts)))
