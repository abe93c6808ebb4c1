"""The browser visualiser (``conduit viz``): a policy workbench on Mesa's controller.

Served by ``solara run model.viz.app`` (see :mod:`model.viz.server`), configured by
environment variables:

- ``CONDUIT_VIZ_SCENARIO``: the scenario file to open (default: the UK 2008 one);
- ``CONDUIT_VIZ_SCENARIOS``: the folder the scenario picker lists (default: ``scenarios``);
- ``CONDUIT_VIZ_SAVE_DIR``: where "Save as scenario" writes (default: ``scenarios/saved``);
- ``CONDUIT_VIZ_RESULTS``: where "Download results" writes (default: ``results/viz``);
- ``CONDUIT_VIZ_MAX_SUBSCRIBERS``: the population cap (default 200,000 accounts).

Mesa's ``ModelController`` supplies Step, Play/Pause and Reset and rebuilds the
:class:`~model.viz.workbench.Workbench` from the session's settings on Reset; every
parameter control is generated from the schema (:mod:`model.viz.controls`). The page is
made of Solara components only (no hand-made web app, no CDN): controls in one column
and charts in a grid that is two columns wide on a laptop and one on a phone. Everything
belongs to one browser session (``solara.use_memo`` inside :func:`Page`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from model import outcomes
from model.scenario import ScenarioError, load_scenario
from model.viz import charts
from model.viz.controls import MAX_SUBSCRIBERS, ControlSpec, groups, prominent_label
from model.viz.ensemble import MAX_RUNS, spread
from model.viz.export import export
from model.viz.settings import (
    FileExists,
    Settings,
    changes_from_file,
    public_message,
    variant_scenario,
)
from model.viz.workbench import Workbench

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


SCENARIO = _env_path("CONDUIT_VIZ_SCENARIO", DEFAULT_SCENARIO)
SCENARIOS = _env_path("CONDUIT_VIZ_SCENARIOS", ROOT / "scenarios")
SAVE_DIR = _env_path("CONDUIT_VIZ_SAVE_DIR", SCENARIOS / "saved")
RESULTS = _env_path("CONDUIT_VIZ_RESULTS", Path("results") / "viz")
CAP = int(os.environ.get("CONDUIT_VIZ_MAX_SUBSCRIBERS", MAX_SUBSCRIBERS))
CURRENCY = outcomes.lookup("profit.<ISP>").unit.split("/")[0]
"""The registry's money unit: every scenario's money is in pounds-equivalent (the schema
has no currency field; see model/params/), so Norwegian ISPs' profit is in it too."""

CSS = """
.conduit-chart svg { width: 100%; height: auto; display: block; }
.conduit-caption { font-size: 0.8em; color: #555; display: block; margin-top: 2px; }
.conduit-help { font-size: 0.75em; color: #666; display: block; line-height: 1.2; }
.conduit-pending { font-size: 0.75em; color: #b25a00; font-weight: bold; display: block; }
.conduit-figure { display: block; }
.conduit-control { margin-bottom: 10px; }
.conduit-grid > .col { padding: 6px; }
.conduit-card { background: white; border-radius: 4px; padding: 8px;
  box-shadow: 0 2px 1px -1px rgba(0,0,0,.2), 0 1px 1px 0 rgba(0,0,0,.14); height: 100%; }
.conduit-figure { line-height: 1.6; }
.conduit-isp-cards { display: flex; flex-wrap: wrap; gap: 8px; }
.conduit-isp { border: 1px solid #ddd; border-radius: 4px; padding: 6px 10px; min-width: 13em;
  flex: 1 1 13em; font-size: 0.9em; }
.conduit-isp span, .conduit-isp b { display: block; }
@media (max-width: 1263px) {
  /* Vuetify's d-flex is !important: so is its undoing */
  .conduit-layout > div:first-child, .conduit-layout .conduit-left { display: contents !important; }
  .conduit-controls-top { order: 1; flex: 0 0 100%; max-width: 100%; padding: 12px; }
  .conduit-layout > div:nth-child(2) { order: 2; }
  .conduit-controls-rest { order: 3; flex: 0 0 100%; max-width: 100%; padding: 12px; }
}
.conduit-reversion { background: #e8f1fb; border-left: 3px solid #0072B2; padding: 4px 6px;
  margin-top: 4px; font-size: 0.9em; }
"""
"""Small styling of Solara's own components (no web app of our own)."""


# --------------------------------------------------------------------------- picker
def scenario_files(
    folder: Path = SCENARIOS, current: Path = SCENARIO
) -> tuple[dict[str, Path], dict[str, str]]:
    """Picker entries (path relative to ``folder`` -> file) of the files that load as
    scenarios, plus ``current``; and the files left out with their (path-free) errors."""
    files: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for path in sorted(folder.rglob("*.yaml")):
        label = path.relative_to(folder).as_posix()
        try:
            load_scenario(path)
        except (ScenarioError, OSError, ValueError) as exc:
            skipped[label] = public_message(exc)
            continue
        files[label] = path
    if current.resolve() not in {p.resolve() for p in files.values()}:
        files = {current.name: current, **files}
    return files, skipped


def css_name(path: str) -> str:
    """CSS class of a path (``isps.Virgin Media.stance`` -> ``...Virgin_Media-stance``)."""
    return "conduit-control-" + re.sub(r"[^A-Za-z0-9_-]", "_", path.replace(".", "-"))


def show(value: Any) -> str:
    """A control's value as text (thousands separators, 6 significant digits)."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def log_position(spec: ControlSpec, value: float) -> float:
    """Where ``value`` sits on a log slider: log10, the floor standing for 0."""
    return math.log10(max(float(value), spec.log_floor))


def log_value(spec: ControlSpec, position: float) -> float:
    """The value at a log slider's position (3 significant digits; its far left is the
    schema minimum)."""
    if position <= math.log10(spec.log_floor) + 1e-9:
        return float(spec.min or 0.0)
    return float(f"{10.0**position:.3g}")


# --------------------------------------------------------------------------- controls
@solara.component
def GeneratedInput(
    spec: ControlSpec,
    label: str,
    value: Any,
    applied: Any,
    on_change: Callable[[str, Any], None],
):
    """One generated control: its value in the label, the schema's help text, a typed
    value box for numbers, a "never"/"unlimited" box for optional fields, and the
    pending-change marker while its value differs from the running model's."""
    current, set_current = solara.use_state(value)
    typed_error, set_typed_error = solara.use_state("")

    def change(new: Any) -> None:
        set_current(new)
        set_typed_error("")
        on_change(spec.path, new)

    def typed(new: Any) -> None:
        problem = spec.check(new)
        if problem:
            set_typed_error(f"{show(new)}: {problem}")
            return
        change(int(new) if spec.kind == "SliderInt" else new)

    with solara.Column(classes=["conduit-control", css_name(spec.path)], gap="0px"):
        if spec.kind in ("SliderFloat", "SliderInt"):
            solara.Text(f"{label}: {show(current)}", style={"font-size": "0.85em"})
            if spec.optional:
                solara.Checkbox(
                    label=spec.none_label,
                    value=current is None,
                    on_value=lambda never: change(None if never else spec.default or spec.min),
                )
            if current is not None:
                _slider(spec, current, change)
                box = solara.InputInt if spec.kind == "SliderInt" else solara.InputFloat
                box("type a value", value=current, on_value=typed, continuous_update=False)
                if typed_error:
                    solara.Error(typed_error, dense=True)
        elif spec.kind == "Select":
            solara.Select(label, values=list(spec.choices), value=current, on_value=change)
        else:
            solara.Checkbox(label=label, value=current, on_value=change)
        if spec.description:
            solara.Text(spec.description, classes=["conduit-help"])
        if current != applied:
            solara.Text("changed: press Reset to apply", classes=["conduit-pending"])


def _slider(spec: ControlSpec, value: Any, change: Callable[[Any], None]) -> None:
    if spec.log:
        solara.SliderFloat(
            "",
            value=log_position(spec, value),
            on_value=lambda p: change(log_value(spec, p)),
            min=math.log10(spec.log_floor),
            max=math.log10(spec.max or 1.0),
            step=0.01,
            thumb_label=False,
        )
        solara.Text(
            f"log scale: {show(spec.log_floor)} to {show(spec.max)}", classes=["conduit-help"]
        )
        return
    slider = solara.SliderFloat if spec.kind == "SliderFloat" else solara.SliderInt
    high = max(spec.max, value) if spec.max is not None else value
    slider(
        "",
        value=value,
        on_value=change,
        min=spec.min,
        max=high,
        step=spec.step,
        thumb_label=False,
    )


@solara.component
def ParameterControls(settings: Settings, applied: dict[str, Any]):
    """All generated controls: key parameters first, the rest in collapsible groups."""

    def inputs(specs: list[ControlSpec], label=lambda s: s.label) -> None:
        for s in specs:
            GeneratedInput(
                s, label(s), settings.values[s.path], applied.get(s.path), settings.set
            ).key(s.path)

    with solara.Card("Key parameters"):
        solara.Text("Changes take effect when you press Reset.", classes=["conduit-help"])
        inputs([s for s in settings.specs if s.prominent], prominent_label)
    # a group's inputs exist only while it is open: every element costs render time
    opened = solara.use_reactive([])
    with solara.Card("All parameters"):
        with solara.v.ExpansionPanels(
            accordion=True, multiple=True, v_model=opened.value, on_v_model=opened.set
        ):
            rest = groups([s for s in settings.specs if not s.prominent])
            for i, (group, specs) in enumerate(rest.items()):
                with solara.v.ExpansionPanel():
                    solara.v.ExpansionPanelHeader(children=[group])
                    with solara.v.ExpansionPanelContent():
                        if i in (opened.value or []):
                            inputs(specs)


@solara.component
def RunOptions(settings: Settings, bench: Workbench, files: dict[str, Path]):
    """Ensemble mode, policy B and its editor (errors shown inline, located by line)."""
    options = solara.use_reactive(settings.options)
    problem = solara.use_reactive("")
    source = solara.use_reactive("")

    def update(**changes: Any) -> None:
        new = dataclasses.replace(options.value, **changes)
        options.set(new)
        settings.options = new
        if "variant" in changes or "compare" in changes:
            problem.set(_check_variant(settings, new))

    def start_from(label: str) -> None:
        source.set(label)
        try:
            text = changes_from_file(settings, files[label])
        except ScenarioError as exc:
            problem.set(public_message(exc))
            return
        update(variant=text)

    opts = options.value
    with solara.Card("Runs"):
        solara.Switch(
            label="Ensemble: several seeded runs",
            value=opts.ensemble,
            on_value=lambda v: update(ensemble=v),
        )
        if opts.ensemble:
            solara.SliderInt(
                f"Runs: {opts.runs}",
                value=opts.runs,
                on_value=lambda v: update(runs=v),
                min=2,
                max=MAX_RUNS,
                thumb_label=False,
            )
        solara.Text(
            f"Subscribers per run: {bench.per_run:,} (capped so a step stays interactive)",
            classes=["conduit-help"],
        )
        solara.Switch(
            label="Compare with policy B",
            value=opts.compare,
            on_value=lambda v: update(compare=v),
        )
        if opts.compare:
            solara.Text(
                "B = these settings with the changes below, one 'path: value' a line "
                "(same paths as conduit run --set). A and B share seeds.",
                classes=["conduit-help"],
            )
            solara.Select(
                "Start B from a scenario file",
                values=list(files),
                value=source.value or None,
                on_value=start_from,
            )
            with solara.Column(classes=["conduit-variant"]):
                solara.InputTextArea(
                    "Policy B changes",
                    value=opts.variant,
                    on_value=lambda v: update(variant=v),
                    continuous_update=False,
                    rows=3,
                )
            if problem.value:
                solara.Error(problem.value, classes=["conduit-variant-error"])
        if opts != bench.options:
            solara.Text("changed: press Reset to apply", classes=["conduit-pending"])


def _check_variant(settings: Settings, options) -> str:
    """B's error message for the editor ("" when it builds, or nothing is typed yet)."""
    if not options.compare or not options.variant.strip():
        return ""
    try:
        variant_scenario(settings, options.variant)
    except ScenarioError as exc:
        return public_message(exc)
    return ""


@solara.component
def SaveScenario(settings: Settings, bench: Workbench):
    """'Save as scenario': the settings (and the A/B pair, the ensemble size) as a YAML
    file that extends the base; asks before replacing a file."""
    name = solara.use_reactive(f"{settings.base.name}-variant")
    message = solara.use_reactive("")
    failed = solara.use_reactive(False)
    confirm = solara.use_reactive(False)

    def save(overwrite: bool = False) -> None:
        confirm.set(False)
        opts = settings.options
        try:
            variant = variant_scenario(settings, opts.variant)[1] if opts.compare else None
            path = settings.save(
                name.value,
                folder=SAVE_DIR,
                overwrite=overwrite,
                runs=opts.replicates if opts.ensemble else None,
                variant=variant,
            )
        except FileExists as exc:
            confirm.set(True)
            failed.set(True)
            message.set(f"{exc.message}: replace it?")
            return
        except ScenarioError as exc:
            failed.set(True)
            message.set(public_message(exc))
            return
        failed.set(False)
        extra = " with policies A and B" if variant else ""
        message.set(f"Saved {path.name}{extra} ({len(settings.changed())} changes)")

    with solara.Card("Save as scenario"):
        solara.InputText("Scenario name", value=name, continuous_update=True)
        with solara.Row():
            solara.Button("Save as scenario", on_click=lambda: save(False), color="primary")
            if confirm.value:
                solara.Button("Replace it", on_click=lambda: save(True), color="warning")
        if message.value:
            (solara.Error if failed.value else solara.Success)(message.value)


@solara.component
def DownloadResults(bench: Workbench):
    """'Download results': the runs so far as a results folder for conduit plot/compare."""
    message = solara.use_reactive("")
    failed = solara.use_reactive(False)

    def download() -> None:
        try:
            folder = export(bench, RESULTS)
        except (ValueError, OSError) as exc:
            failed.set(True)
            message.set(public_message(exc))
            return
        failed.set(False)
        shown = os.path.relpath(folder) if not RESULTS.is_absolute() else folder
        message.set(f"Wrote {shown} ({bench.a.runs * len(bench.arms)} runs, {bench.week} weeks)")

    with solara.Card("Download results"):
        solara.Button("Download results", on_click=download, color="primary")
        solara.Text(
            "Writes the runs so far as a results folder: read it with conduit plot FOLDER.",
            classes=["conduit-help"],
        )
        if message.value:
            (solara.Error if failed.value else solara.Success)(
                message.value, classes=["conduit-export-message"]
            )


# --------------------------------------------------------------------------- views
def current_figures(bench: Workbench) -> dict[str, str]:
    """The current-figures panel: label -> text. Counts in real accounts; with several
    runs the median and, in brackets, the lowest and highest run."""
    a = bench.a
    several = a.runs > 1
    week = bench.week
    out = {"Week": str(week)}
    law = a.law_share()
    if several:
        out["Law in force"] = f"in {100 * law[-1]:.0f}% of runs" if week else "-"
    else:
        out["Law in force"] = ("yes" if law[-1] else "no") if week else "no"
        out["Legislative stage"] = a.models[0].regulator.stage_name
    if week:
        out["Infringing share"] = spread(100 * a.finals("infringing_share")).text("{:.2f}%")
    else:
        out["Infringing share"] = "-"
    for column, label in (
        ("notices_sent", "Notices so far"),
        ("sanctions", "Sanctions so far"),
        ("wrongful_sanctions", "Wrongful sanctions so far"),
    ):
        out[label] = spread(a.totals(column)).text() if week else "0"
    out["Runs"] = f"{a.runs}" + (" (A) + B" if bench.b is not None else "")
    out["Subscribers simulated"] = f"{bench.per_run:,}" + (" per run" if several else "")
    return out


def FiguresView(bench: Workbench) -> None:
    with solara.Card("Current figures"):
        if bench.finished:
            solara.Success(
                f"Finished: all {bench.run_weeks} weeks simulated. Reset to run again, or "
                "download the results.",
                classes=["conduit-finished"],
            )
        if bench.error:
            solara.Error(f"Settings not applied: {bench.error}")
        if bench.variant_error:
            solara.Error(f"Policy B not run: {bench.variant_error}")
        lines = [
            f'<span class="conduit-figure">{escape(label)}: {escape(value)}</span>'
            for label, value in current_figures(bench).items()
        ]
        if bench.a.scale != 1:
            lines.append(
                '<span class="conduit-help">Counts scaled to the real population: '
                f"{bench.a.scale:,.1f} accounts per simulated subscriber.</span>"
            )
        # one HTML element, not one component per line: each element costs render time
        solara.HTML(tag="div", unsafe_innerHTML="".join(lines))


def isp_lines(bench: Workbench, name: str) -> list[str]:
    """An ISP card's lines: counts at the real population's size, money in the registry's
    currency, per week; with several runs the median and the range."""
    a = bench.a
    m = a.models[0]
    isp = next(i for i in m.isps if i.name == name)
    several = a.runs > 1
    started = a.policing_share()[name]
    lines = [f"Stance now: {isp.regime.stance}" + (" (run 1)" if several else "")]
    if isp.regime.stance != isp.stance:
        lines.append(f"(its own stance: {isp.stance}; the law's regime applies)")
    if several and len(started):
        lines.append(f"Started policing in {100 * started[-1]:.0f}% of runs")
    if a.week:
        for column, label in (
            (f"customers.{name}", "Customers"),
            (f"notices_handled.{name}", "Notices handled this week"),
            (f"profit.{name}", "Revenue minus enforcement costs"),
        ):
            # the registry says which columns are at model scale: all shown at real scale
            value = a.finals(column) * outcomes.real_factor(column, a.scale)
            unit = f" {CURRENCY}/week" if column.startswith("profit.") else ""
            lines.append(f"{label}: {spread(value).text('{:,.0f}')}{unit}")
    return lines


def reversion(bench: Workbench, name: str) -> str | None:
    """Why run 1's ISP left the stance it was set to, or None."""
    m = bench.a.models[0]
    isp = next(i for i in m.isps if i.name == name)
    changes = isp.stance_changes
    if len(changes) < 2:
        return None
    week, stance = changes[1]
    first = changes[0][1]
    p = isp.params
    if isp.association is not None:
        why = f"its association ({isp.association.name}) sets its members' stance"
    elif p.principled:
        why = "it is principled: it never complies voluntarily"
    else:
        every = "every" if p.review_timing == "periodic" else "on average every"
        why = (
            f"it is adaptive: {every} {p.review_interval_weeks} weeks it reviews its stance "
            "and takes the one with the lowest expected cost, a switching cost included "
            "(untick 'Adaptive' in its group to hold the stance set)"
        )
    return f"Set to {first}; at week {week} it switched to {stance}: {why}."


def IspView(bench: Workbench) -> None:
    """Each ISP as a card: stance, customers, notices, revenue minus enforcement costs."""
    cards = []
    for name in bench.a.isps:
        body = "".join(f"<span>{escape(line)}</span>" for line in isp_lines(bench, name))
        why = reversion(bench, name)
        if why:
            body += f'<div class="conduit-reversion">{escape(why)}</div>'
        cards.append(f'<div class="conduit-isp"><b>{escape(name)}</b>{body}</div>')
    solara.HTML(tag="div", unsafe_innerHTML="".join(cards), classes=["conduit-isp-cards"])


def chart_list(bench: Workbench) -> list[charts.Chart]:
    a, b = bench.a, bench.b
    start = a.scenario.start_date
    reg = a.scenario.regulator
    out = [
        charts.infringing(a, b, start),
        charts.funnel(a, b),
        charts.alternatives(a, b, start),
        charts.traffic(a, b, start),
        charts.market(a, b, start),
        charts.legislation(a, b, reg.consultation_threshold, reg.bill_threshold, start),
        charts.timing(a, b, start),
    ]
    if b is not None:
        out.insert(1, charts.difference(a, b))
    return out


@solara.component
def Dashboard(bench: Workbench):
    """All views of the running workbench. One component subscribes to Mesa's update
    counter, so a step costs one render pass (the views are plain functions inside it:
    child components with unchanged arguments would not re-render)."""
    update_counter.get()
    with bench.lock:
        FiguresView(bench)
        with solara.ColumnsResponsive(default=12, large=6, classes=["conduit-grid"]):
            for chart in chart_list(bench):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=f'<div class="conduit-chart">{chart.svg}</div>'
                    f'<span class="conduit-caption">{escape(chart.caption)}</span>',
                    classes=["conduit-card", f"conduit-card-{chart.key}"],
                )
        with solara.Card("ISPs", classes=["conduit-isps"]):
            IspView(bench)


# --------------------------------------------------------------------------- page
@solara.component
def Page():
    """The visualiser: a scenario picker over one :func:`Session` per chosen file."""
    files, skipped = solara.use_memo(scenario_files, [])
    chosen = solara.use_reactive(
        next(k for k, p in files.items() if p.resolve() == SCENARIO.resolve())
    )
    solara.Style(CSS)
    file = files[chosen.value]
    Session(file, chosen, files, skipped).key(f"session-{file}")


def _settings(file: Path) -> Settings | str:
    """The session's settings, or the file's load error (without server paths)."""
    try:
        return Settings(file, CAP)
    except (ScenarioError, OSError) as exc:
        return public_message(exc)


@solara.component
def Session(
    file: Path, chosen: solara.Reactive[str], files: dict[str, Path], skipped: dict[str, str]
):
    """One scenario in one browser session: its settings, its workbench, the page."""
    loaded = solara.use_memo(lambda: _settings(file), [])
    if isinstance(loaded, str):  # the file changed since it was listed: say so in-page
        with solara.Card("Scenario"):
            solara.Select("Scenario", values=list(files), value=chosen)
            solara.Error(f"{file.name} does not load: {loaded}", classes=["conduit-load-error"])
        return
    Workspace(loaded, chosen, files, skipped)


@solara.component
def Workspace(
    settings: Settings,
    chosen: solara.Reactive[str],
    files: dict[str, Path],
    skipped: dict[str, str],
):
    """The page of one loaded scenario: controls, Mesa's controller, the dashboard."""
    first = solara.use_memo(lambda: Workbench(settings=settings), [])
    model = solara.use_reactive(first)
    parameters = solara.use_reactive({"settings": settings})
    # Mesa's controller reads these as reactive values
    play_interval = solara.use_reactive(400)  # ms: above a render pass on a busy machine
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    title = f"conduit: {settings.base.name}"
    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
    bench = model.value
    # on a phone or tablet (one column) the run controls come first, then the charts,
    # then the parameters (CSS order); on a laptop the controls are a column on the left
    with solara.ColumnsResponsive(
        default=12, large=[4, 8], xlarge=[3, 9], classes=["conduit-layout"]
    ):
        with solara.Column(classes=["conduit-left"]):
            with solara.Column(classes=["conduit-controls-top"]):
                with solara.Card("Scenario"):
                    solara.Select("Scenario", values=list(files), value=chosen)
                    if settings.base.description:
                        solara.Text(settings.base.description, classes=["conduit-help"])
                    if skipped:
                        solara.Text(
                            f"Not listed (they do not load as scenarios): {', '.join(skipped)}",
                            classes=["conduit-help"],
                        )
                with solara.Card("Run", classes=["conduit-run"]):
                    ModelController(
                        model,
                        model_parameters=parameters,
                        play_interval=play_interval,
                        render_interval=render_interval,
                        use_threads=use_threads,
                    )
                RunOptions(settings, bench, files)
            with solara.Column(classes=["conduit-controls-rest"]):
                ParameterControls(settings, bench.applied)
                SaveScenario(settings, bench)
                DownloadResults(bench)
        with solara.Column(classes=["conduit-right"]):
            Dashboard(bench)
