"""The browser visualiser: Mesa's SolaraViz page for a conduit scenario (``conduit viz``).

Served by ``solara run model.viz.app`` (see :mod:`model.viz.server`), configured by
environment variables:

- ``CONDUIT_VIZ_SCENARIO``: the scenario file to open (default: the UK 2008 one);
- ``CONDUIT_VIZ_SCENARIOS``: the folder the scenario picker lists (default: ``scenarios``);
- ``CONDUIT_VIZ_SAVE_DIR``: where "Save as scenario" writes (default: ``scenarios/saved``);
- ``CONDUIT_VIZ_MAX_SUBSCRIBERS``: the population cap (default 200,000 accounts).

Every control is generated from the schema (:mod:`model.viz.controls`) and rendered by
Mesa's own ``UserInputs``; Mesa's ``SolaraViz`` supplies Step, Play/Pause and Reset, and
rebuilds the model from ``model_params`` on Reset. The model and the settings belong to
one browser session (``solara.use_memo`` inside :func:`Page`).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from model.policy_model import PolicyModel
from model.scenario import ScenarioError, load_scenario
from model.viz import charts
from model.viz.controls import MAX_SUBSCRIBERS, groups, prominent_label
from model.viz.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


SCENARIO = _env_path("CONDUIT_VIZ_SCENARIO", DEFAULT_SCENARIO)
SCENARIOS = _env_path("CONDUIT_VIZ_SCENARIOS", ROOT / "scenarios")
SAVE_DIR = _env_path("CONDUIT_VIZ_SAVE_DIR", SCENARIOS / "saved")
CAP = int(os.environ.get("CONDUIT_VIZ_MAX_SUBSCRIBERS", MAX_SUBSCRIBERS))


# --------------------------------------------------------------------------- the model
class VizModel(PolicyModel):
    """A :class:`PolicyModel` built from the visualiser's settings (Mesa calls it on Reset).

    Args:
        settings: the session's control values over a base scenario file.
        scenario: Mesa's own scenario object, passed by SolaraViz on Reset; unused.

    Attributes:
        error: why the settings could not be applied (the base scenario runs instead).
    """

    def __init__(self, settings: Settings, scenario: Any = None):
        self.settings = settings
        self.error: str | None = None
        try:
            built = settings.scenario()
        except ScenarioError as exc:
            self.error = str(exc)
            cap = settings.values["population.subscribers"]
            built = load_scenario(settings.file, overrides={"population.subscribers": cap})
        super().__init__(built, rng=built.experiment.seed)
        self._frame: tuple[int, pd.DataFrame] | None = None
        # Mesa's Play steps in a thread while the page renders: one at a time
        self.lock = threading.RLock()

    def step(self) -> None:
        with self.lock:
            super().step()
            self.running = self.week < self.params.experiment.steps

    def frame(self) -> pd.DataFrame:
        """The weekly outcomes so far, built once a week for all views."""
        if self._frame is None or self._frame[0] != self.week:
            self._frame = (self.week, self.outcomes())
        return self._frame[1]


# --------------------------------------------------------------------------- views
def _plot(svg: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["conduit-chart"])


def BehaviourView(model: VizModel) -> None:
    _plot(charts.behaviour(model.frame()))


def TrafficView(model: VizModel) -> None:
    _plot(charts.traffic(model.frame()))


def MarketView(model: VizModel) -> None:
    _plot(charts.market(model.frame(), [i.name for i in model.isps]))


def FunnelView(model: VizModel) -> None:
    _plot(charts.funnel(model.frame(), model.scale))


def LegislationView(model: VizModel) -> None:
    reg = model.params.regulator
    _plot(charts.legislation(model.frame(), reg.consultation_threshold, reg.bill_threshold))


def current_figures(model: VizModel) -> dict[str, str]:
    """The current-figures panel: label -> text. Counts in real accounts (model scale)."""
    frame = model.frame()

    def total(column: str) -> str:
        return f"{model.scale * float(frame[column].sum()):,.0f}" if not frame.empty else "0"

    last = frame.iloc[-1] if not frame.empty else None
    return {
        "Week": str(model.week),
        "Law in force": "yes" if model.regulator.law_in_force else "no",
        "Legislative stage": model.regulator.stage_name,
        "Infringing share": f"{100 * last['infringing_share']:.2f}%" if last is not None else "-",
        "Notices so far": total("notices_sent"),
        "Sanctions so far": total("sanctions"),
        "Wrongful sanctions so far": total("wrongful_sanctions"),
        "Subscribers simulated": f"{model.population.n:,}",
    }


def FiguresView(model: VizModel) -> None:
    with solara.Card("Current figures"):
        if model.error:
            solara.Error(f"Settings not applied: {model.error}")
        for label, value in current_figures(model).items():
            solara.Text(f"{label}: {value}", classes=["conduit-figure"], style={"display": "block"})
        if model.scale != 1:
            solara.Text(
                f"Counts scaled to {model.scale * model.population.n:,.0f} accounts.",
                style={"display": "block", "font-size": "0.8em"},
            )


def IspView(model: VizModel) -> None:
    """Each ISP agent as a card: stance, customers, notices handled, profit this week."""
    with solara.Row(style={"flex-wrap": "wrap"}):
        for isp in model.isps:
            customers = model.population.customers[isp.index] * model.scale
            profit = isp.weekly_revenue() - isp.costs
            with solara.Card(isp.name, classes=["conduit-isp"], style={"min-width": "11em"}):
                solara.Text(f"Stance: {isp.regime.stance}", style={"display": "block"})
                if isp.regime.stance != isp.stance:
                    solara.Text(f"(own stance: {isp.stance})", style={"display": "block"})
                solara.Text(f"Customers: {customers:,.0f}", style={"display": "block"})
                solara.Text(f"Notices handled: {isp.handled:,}", style={"display": "block"})
                solara.Text(f"Profit: £{profit:,.0f}/week", style={"display": "block"})


@solara.component
def Dashboard(model: VizModel):
    """All views of the running model. One component subscribes to Mesa's update counter,
    so a step costs one render pass (one per view would cost one pass each)."""
    update_counter.get()
    with model.lock:
        _dashboard(model)


def _dashboard(model: VizModel) -> None:
    with solara.Columns([1, 1]):
        with solara.Column():
            FiguresView(model)
            BehaviourView(model)
            LegislationView(model)
        with solara.Column():
            FunnelView(model)
            MarketView(model)
            TrafficView(model)
    with solara.Card("ISPs", classes=["conduit-isps"]):
        IspView(model)


# --------------------------------------------------------------------------- controls
def scenario_files(folder: Path = SCENARIOS, current: Path = SCENARIO) -> dict[str, Path]:
    """Scenario picker entries: path relative to ``folder`` -> file (plus ``current``)."""
    files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*.yaml"))}
    if current.resolve() not in {p.resolve() for p in files.values()}:
        files = {current.name: current, **files}
    return files


def css_name(path: str) -> str:
    """CSS class of a path (``isps.Virgin Media.stance`` -> ``...Virgin_Media-stance``)."""
    return "conduit-control-" + re.sub(r"[^A-Za-z0-9_-]", "_", path.replace(".", "-"))


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


@solara.component
def GeneratedInput(param: dict[str, Any], path: str, on_change: Callable[[str, Any], None]):
    """One control from a Mesa ``model_params`` entry, with its current value in the label.

    Mesa's own ``UserInputs`` renders the same entries but shows a slider's value only
    while it is dragged; here the label always shows it.
    """
    value, set_value = solara.use_state(param["value"])

    def change(new: Any) -> None:
        set_value(new)
        on_change(path, new)

    kind, label = param["type"], param["label"]
    with solara.Column(classes=[css_name(path)], gap="0px"):
        if kind in ("SliderFloat", "SliderInt"):
            solara.Text(f"{label}: {_show(value)}", style={"font-size": "0.85em"})
            slider = solara.SliderFloat if kind == "SliderFloat" else solara.SliderInt
            slider(
                "",
                value=value,
                on_value=change,
                min=param["min"],
                max=param["max"],
                step=param["step"],
                thumb_label=False,
            )
        elif kind == "Select":
            solara.Select(label, values=param["values"], value=value, on_value=change, dense=True)
        else:
            solara.Checkbox(label=label, value=value, on_value=change)


@solara.component
def ParameterControls(settings: Settings):
    """All generated controls: key parameters first, the rest in collapsible groups."""

    def inputs(specs, label=lambda s: s.label) -> None:
        for s in specs:
            param = {**s.mesa_param(settings.values[s.path]), "label": label(s)}
            GeneratedInput(param, s.path, settings.set).key(s.path)

    solara.Text("Parameter changes take effect on Reset.", style={"font-size": "0.85em"})
    with solara.Card("Key parameters"):
        inputs([s for s in settings.specs if s.prominent], prominent_label)
    # a group's inputs exist only while it is open: every element costs time on each step
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
def SaveScenario(settings: Settings):
    """'Save as scenario': the changed settings as a YAML file that extends the base."""
    name = solara.use_reactive(f"{settings.base.name}-variant")
    message = solara.use_reactive("")
    failed = solara.use_reactive(False)

    def save() -> None:
        try:
            path = settings.save(name.value, folder=SAVE_DIR)
        except (ScenarioError, OSError) as exc:
            failed.set(True)
            message.set(str(exc))
            return
        failed.set(False)
        message.set(f"Saved {path} ({len(settings.changed())} changes)")

    with solara.Card("Save as scenario"):
        solara.InputText("Scenario name", value=name, continuous_update=True)
        solara.Button("Save as scenario", on_click=save, color="primary")
        if message.value:
            (solara.Error if failed.value else solara.Success)(message.value)


@solara.component
def Page():
    """The visualiser: a scenario picker over one :func:`Session` per chosen file."""
    files = scenario_files()
    chosen = solara.use_reactive(
        next(k for k, p in files.items() if p.resolve() == SCENARIO.resolve())
    )
    file = files.get(chosen.value, SCENARIO)
    Session(file, chosen, list(files)).key(f"session-{file}")


@solara.component
def Session(file: Path, chosen: solara.Reactive[str], labels: list[str]):
    """One scenario in one browser session: its settings, its model, Mesa's SolaraViz."""
    settings = solara.use_memo(lambda: Settings(file, CAP), [])
    first = solara.use_memo(lambda: VizModel(settings=settings), [])
    model = solara.use_reactive(first)
    ScenarioPicker(settings, chosen, labels)
    SolaraViz(
        model,
        components=[],
        model_params={"settings": settings},
        name=f"conduit: {settings.base.name}",
        play_interval=400,  # ms: above a render pass on a busy 2-core machine
    )
    with solara.Columns([1, 3]):
        with solara.Column():
            ParameterControls(settings)
            SaveScenario(settings)
        Dashboard(model.value)


@solara.component
def ScenarioPicker(settings: Settings, chosen: solara.Reactive[str], labels: list[str]):
    """The scenario picker in the sidebar (Mesa's Step/Play/Reset follow it there)."""
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("Scenario", values=labels, value=chosen)
            if settings.base.description:
                solara.Text(settings.base.description, style={"font-size": "0.85em"})
