"""Empirical validation: published enforcement figures as targets the model must reproduce.

A targets file (``scenarios/validation/targets.yaml``) lists targets; each names a
scenario, an outcome, how the outcome is computed from a run's weekly outcomes (a
*metric*, below), the accepted band and its source and firmness (E exact, A approximate,
D disputed; ../shared/reference/empirical-targets.md).

Metrics are pure functions of one run's outcomes (``PolicyModel.outcomes()``, one row per
week, indexed by position = week):

- ``ratio``: sum of ``numerator`` / sum of ``denominator`` over ``weeks`` weeks from
  ``at`` (the HADOPI funnel: second warnings / first warnings);
- ``total``: sum of ``column`` over the window (sanctions under a law never implemented);
- ``change``: mean of ``column`` in the ``after`` weeks from ``at`` relative to the
  ``before`` weeks before ``at``, minus 1 (a fraction: -0.2 is a 20% drop);
- ``persistence``: the change measured ``later`` weeks after ``at`` (same window length
  ``after``, same baseline) as a share of the initial change (1: no decay; 0: gone);
- ``control``: mean of ``column`` over the window relative to the same window of a
  control run (same seed, the scenario with ``control`` overrides applied), minus 1:
  a difference against a counterfactual, as in Danaher et al. (2014) against a European
  control group.
- ``event_week``: the first week a *condition* (below) holds in the run (``inf`` when it
  never does); the model's value is the median over runs (a run where it never happens
  counts as later than any week);
- ``share_of_runs``: whether the condition has held by week ``by`` (inclusive), or with
  ``holds: false`` whether it has not; the model's value is the share of runs (the mean
  of the 0/1 values), with a 90% Wilson interval for 5%-95%.

A condition is one clause or ``{all: [clauses]}`` / ``{any: [clauses]}``; a clause is
``<column> <op> <number>`` (op: ``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=``) on a weekly
numeric outcome, or ``<stance column> polices`` / ``<stance column> sanctions`` on an ISP's
stance (``stance.BT polices``: forward, graduated or disconnect; ``sanctions``: graduated
or disconnect). ISP names may hold spaces (``stance.Virgin Media polices``).

``at`` is a week number or a scenario parameter path (``regulator.schedule.law_week``), so
a target follows its scenario's dates.

Each target's metric is computed per replicate; the model's value is the median over
replicates (with the 5%-95% range), and a target passes when the median lies inside the
band. See docs/validation.md.
"""

from __future__ import annotations

import concurrent.futures as cf
import io
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from model import outcomes
from model.conditions import Condition, event_week, held_by, wilson
from model.scenario import (
    Scenario,
    ScenarioError,
    ScenarioErrors,
    Source,
    flatten,
    load_scenario,
    read_yaml,
    suggest,
)

DEFAULT_TARGETS = (
    Path(__file__).resolve().parent.parent / "scenarios" / "validation" / "targets.yaml"
)


# --------------------------------------------------------------------------- metrics
def _window(series: pd.Series, start: int, weeks: int) -> pd.Series:
    """Rows ``start .. start + weeks - 1`` of a weekly series (positions = weeks)."""
    if start < 0 or weeks < 1 or start + weeks > len(series):
        raise ValueError(
            f"window of {weeks} weeks from week {start} lies outside the run "
            f"(weeks 0..{len(series) - 1})"
        )
    return series.iloc[start : start + weeks]


def ratio(df: pd.DataFrame, numerator: str, denominator: str, at: int, weeks: int) -> float:
    """Sum of ``numerator`` over sum of ``denominator`` in weeks [at, at + weeks). NaN if 0/0."""
    num = float(_window(df[numerator], at, weeks).sum())
    den = float(_window(df[denominator], at, weeks).sum())
    return num / den if den > 0 else math.nan


def total(df: pd.DataFrame, column: str, at: int, weeks: int) -> float:
    """Sum of ``column`` in weeks [at, at + weeks) (model scale)."""
    return float(_window(df[column], at, weeks).sum())


def mean(df: pd.DataFrame, column: str, at: int, weeks: int) -> float:
    """Mean of ``column`` in weeks [at, at + weeks): a level (e.g. a share of lines)."""
    return float(_window(df[column], at, weeks).mean())


def change(df: pd.DataFrame, column: str, at: int, before: int, after: int) -> float:
    """mean(column, weeks [at, at+after)) / mean(column, weeks [at-before, at)) - 1.

    A fraction: -0.25 is a 25% drop after the event relative to the weeks before it.
    NaN if the baseline mean is 0.
    """
    base = float(_window(df[column], at - before, before).mean())
    post = float(_window(df[column], at, after).mean())
    return post / base - 1.0 if base != 0 else math.nan


def persistence(
    df: pd.DataFrame,
    column: str,
    at: int,
    before: int,
    after: int,
    later: int,
    min_change: float = 0.01,
) -> float:
    """Share of the initial change still there ``later`` weeks after the event.

    The initial change is :func:`change` (``after`` weeks from ``at``); the later change
    is measured the same way over ``after`` weeks from ``at + later``, against the same
    baseline. Returns later / initial: 1 no decay, 0 fully gone, negative overshoot.
    NaN when the initial change is smaller than ``min_change`` in size (no effect to
    decay).
    """
    first = change(df, column, at, before, after)
    base = float(_window(df[column], at - before, before).mean())
    late = float(_window(df[column], at + later, after).mean())
    if math.isnan(first) or abs(first) < min_change:
        return math.nan
    return (late / base - 1.0) / first


def control(df: pd.DataFrame, control_df: pd.DataFrame, column: str, at: int, weeks: int) -> float:
    """mean(column in the run) / mean(column in the control run) over [at, at+weeks) - 1."""
    treated = float(_window(df[column], at, weeks).mean())
    counter = float(_window(control_df[column], at, weeks).mean())
    return treated / counter - 1.0 if counter != 0 else math.nan


# --------------------------------------------------------------------------- the schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Week = int | str
"""A week number, or a scenario parameter path whose value is a week."""


class RatioSpec(_Strict):
    metric: Literal["ratio"]
    numerator: str = Field(description="Outcome column summed on top.")
    denominator: str = Field(description="Outcome column summed below.")
    at: Week = Field(description="First week of the window (week or parameter path).")
    weeks: int = Field(ge=1, description="Window length (weeks).")


class TotalSpec(_Strict):
    metric: Literal["total"]
    column: str
    at: Week
    weeks: int = Field(ge=1)


class MeanSpec(_Strict):
    metric: Literal["mean"]
    column: str
    at: Week
    weeks: int = Field(ge=1)


class ChangeSpec(_Strict):
    metric: Literal["change"]
    column: str
    at: Week = Field(description="The event's week (e.g. regulator.schedule.law_week).")
    before: int = Field(ge=1, description="Baseline weeks before the event.")
    after: int = Field(ge=1, description="Weeks from the event averaged.")


class PersistenceSpec(_Strict):
    metric: Literal["persistence"]
    column: str
    at: Week
    before: int = Field(ge=1)
    after: int = Field(ge=1)
    later: int = Field(ge=1, description="Weeks after the event when the effect is measured again.")
    min_change: float = Field(0.01, ge=0.0, description="Smallest initial change (fraction).")


class ControlSpec(_Strict):
    metric: Literal["control"]
    column: str
    at: Week
    weeks: int = Field(ge=1)
    overrides: dict[str, Any] = Field(
        description="Parameter path -> value making the control (counterfactual) scenario."
    )


class EventWeekSpec(_Strict):
    metric: Literal["event_week"]
    when: Condition = Field(description="The condition whose first week is measured.")


class ShareOfRunsSpec(_Strict):
    metric: Literal["share_of_runs"]
    when: Condition = Field(description="The condition.")
    by: Week = Field(description="Last week (inclusive) by which it must have held.")
    holds: bool = Field(True, description="false: count the runs where it has NOT held by then.")


EVENT_METRICS = (EventWeekSpec, ShareOfRunsSpec)

Compute = Annotated[
    RatioSpec
    | TotalSpec
    | MeanSpec
    | ChangeSpec
    | PersistenceSpec
    | ControlSpec
    | EventWeekSpec
    | ShareOfRunsSpec,
    Field(discriminator="metric"),
]


class Target(_Strict):
    """One empirical target: a scenario, an outcome computed from it, the accepted band."""

    name: str = Field(description="Short identifier.")
    scenario: str = Field(description="Scenario file, relative to the targets file.")
    outcome: str = Field(description="What is compared, in words.")
    compute: Compute
    band: tuple[float, float] = Field(description="[low, high]: accepted values (inclusive).")
    source: str = Field(description="Where the figure comes from.")
    firmness: Literal["E", "A", "D"] = Field(description="E exact, A approximate, D disputed.")
    note: str = Field("", description="Why this band: the figure, its firmness, the margin.")
    known_failure: str = Field(
        "",
        description="Why the model's rules cannot meet this target (with the evidence); "
        "a known failure is reported but does not fail `conduit validate` or enter the "
        "calibration loss.",
    )

    @field_validator("band")
    @classmethod
    def _band_ordered(cls, band: tuple[float, float]) -> tuple[float, float]:
        if band[0] > band[1]:
            raise ValueError(f"low ({band[0]:g}) is above high ({band[1]:g})")
        return band


class TargetsFile(_Strict):
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> TargetsFile:
        names = [t.name for t in self.targets]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"targets: names must be unique; repeated: {dupes}")
        return self


@dataclass
class Targets:
    """A validated targets file: its targets and the folder scenario paths are relative to."""

    path: Path
    targets: list[Target]

    def scenario_path(self, target: Target) -> Path:
        return self.path.parent / target.scenario


def load_targets(path: str | Path = DEFAULT_TARGETS) -> Targets:
    """Read and validate a targets file; errors are located (file, line, key path).

    Also checks that every target's scenario loads and that ``at`` paths exist in it.

    Raises:
        ScenarioError: the first problem, or ScenarioErrors for several.
    """
    path = Path(path)
    where: dict = {}
    data = read_yaml(path, where)
    source = Source(where)
    try:
        parsed = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise _located(exc, data, source, str(path)) from None
    targets = Targets(path, parsed.targets)
    errors = []
    for target in parsed.targets:
        for part, check in _checks(targets, target):
            try:
                check()
            except ScenarioError as exc:
                key = ("targets", target.name, *part.split("."))
                file, line = source.locate(key)
                message = exc.message if part != "scenario" else f"{target.scenario}: {exc}"
                errors.append(ScenarioError(message, file or str(path), line, ".".join(key)))
                break
    if errors:
        raise errors[0] if len(errors) == 1 else ScenarioErrors(errors)
    return targets


def _checks(targets: Targets, target: Target) -> list[tuple[str, Callable[[], Any]]]:
    """What must hold for a target to be computable: (key, check raising ScenarioError)."""
    file = targets.scenario_path(target)
    checks: list[tuple[str, Callable[[], Any]]] = [("scenario", lambda: load_scenario(file))]
    for key in ("at", "by"):
        week = getattr(target.compute, key, None)
        if week is not None:
            checks.append((f"compute.{key}", lambda w=week: resolve_week(w, load_scenario(file))))
    condition = getattr(target.compute, "when", None)
    if condition is not None:
        for clause in condition.clauses:
            checks.append(
                ("compute.when", lambda c=clause.column: check_column(c, load_scenario(file)))
            )
    for key in ("numerator", "denominator", "column"):
        column = getattr(target.compute, key, None)
        if column is not None:
            checks.append((f"compute.{key}", lambda c=column: check_column(c, load_scenario(file))))
    if isinstance(target.compute, ControlSpec):
        overrides = target.compute.overrides
        checks.append(("compute.overrides", lambda: load_scenario(file, overrides=overrides)))
    return checks


def check_column(column: str, scenario: Scenario) -> None:
    """``column`` is a weekly outcome the model records for ``scenario`` (the registry's)."""
    known = outcomes.columns_for([scenario])
    if column not in known:
        raise ScenarioError(
            f"unknown outcome column '{column}'"
            + suggest(column, known)
            + "; targets use weekly outcome columns (docs/ODD.md section 8, model/outcomes.py)"
        )


COMMAND_LINE_AT = "<target week>"


def resolve_week(at: Week, scenario: Scenario) -> int:
    """A week number, or the value of a scenario parameter path (must be a week number)."""
    if isinstance(at, int):
        return at
    values = flatten(scenario.to_dict())
    value = values.get(at)
    if not isinstance(value, int):
        hint = "no such parameter" if at not in values else f"its value is {value!r}"
        raise ScenarioError(f"'{at}' is not a week of the scenario ({hint})", COMMAND_LINE_AT)
    return value


METRICS = (
    "ratio", "total", "mean", "change", "persistence", "control", "event_week", "share_of_runs"
)  # fmt: skip


def _located(exc: ValidationError, data: dict, source: Source, file: str) -> ScenarioError:
    errors = []
    for err in exc.errors():
        path: list[str] = []
        node: Any = data
        for part in err["loc"]:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                name = node.get("name") if isinstance(node, Mapping) else None
                path.append(str(name) if name is not None else str(part))
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
                path.append(str(part))
            elif part in METRICS:
                continue  # the discriminated union's tag, not a key
            else:
                path.append(str(part))
                node = None
        kind = err["type"]
        if kind == "extra_forbidden":
            message = f"unknown key '{err['loc'][-1]}'"
        elif kind == "missing":
            message = f"required key '{err['loc'][-1]}' is missing"
        elif kind == "union_tag_invalid":
            path.append("metric")
            message = (
                f"unknown metric {err.get('input', {}).get('metric')!r}; expected one of "
                + ", ".join(METRICS)
            )
        elif kind == "value_error":
            message = err["msg"].removeprefix("Value error, ")
        else:
            message = f"{err['msg']}; got {err.get('input')!r}"
        where_file, line = source.locate(tuple(path))
        errors.append(ScenarioError(message, where_file or file, line, ".".join(path) or None))
    return errors[0] if len(errors) == 1 else ScenarioErrors(errors)


# --------------------------------------------------------------------------- evaluating
def evaluate(
    target: Target, scenario: Scenario, run: pd.DataFrame, control_run: pd.DataFrame | None = None
) -> float:
    """The target's metric on one run's outcomes (and its control run's, for ``control``)."""
    spec = target.compute
    if isinstance(spec, EventWeekSpec):
        return event_week(run, spec.when)
    if isinstance(spec, ShareOfRunsSpec):
        return held_by(run, spec.when, resolve_week(spec.by, scenario), spec.holds)
    at = resolve_week(spec.at, scenario)
    if isinstance(spec, RatioSpec):
        return ratio(run, spec.numerator, spec.denominator, at, spec.weeks)
    if isinstance(spec, TotalSpec):
        return total(run, spec.column, at, spec.weeks)
    if isinstance(spec, MeanSpec):
        return mean(run, spec.column, at, spec.weeks)
    if isinstance(spec, ChangeSpec):
        return change(run, spec.column, at, spec.before, spec.after)
    if isinstance(spec, PersistenceSpec):
        return persistence(
            run, spec.column, at, spec.before, spec.after, spec.later, spec.min_change
        )
    if control_run is None:
        raise ValueError(f"target {target.name}: a control run is needed")
    return control(run, control_run, spec.column, at, spec.weeks)


@dataclass
class TargetResult:
    """A target against the model: the per-replicate values and the verdict."""

    target: Target
    values: np.ndarray

    @property
    def is_share(self) -> bool:
        return isinstance(self.target.compute, ShareOfRunsSpec)

    @property
    def median(self) -> float:
        """The model's value: the median over runs; for ``share_of_runs`` the share of runs."""
        ok = self.values[~np.isnan(self.values)]
        if not len(ok):
            return math.nan
        return float(np.mean(ok)) if self.is_share else float(np.median(ok))

    def _percentile(self, q: float) -> float:
        ok = self.values[~np.isnan(self.values)]
        if not len(ok):
            return math.nan
        if self.is_share:  # a 90% interval of the share, not of the 0/1 values
            return wilson(float(ok.sum()), len(ok))[0 if q < 50 else 1]
        if isinstance(self.target.compute, EventWeekSpec):  # weeks; "never" is inf
            return float(np.percentile(ok, q, method="lower" if q < 50 else "higher"))
        return float(np.percentile(ok, q))

    @property
    def low(self) -> float:
        return self._percentile(5)

    @property
    def high(self) -> float:
        return self._percentile(95)

    @property
    def passed(self) -> bool:
        m = self.median
        return not math.isnan(m) and self.target.band[0] <= m <= self.target.band[1]

    @property
    def status(self) -> str:
        """``pass``, ``FAIL``, or ``known-fail`` (a documented limitation of the rules)."""
        if self.passed:
            return "pass"
        return "known-fail" if self.target.known_failure else "FAIL"

    def miss(self) -> float:
        """Distance of the median outside the band, in band widths (0 inside; inf if NaN)."""
        m = self.median
        lo, hi = self.target.band
        if math.isnan(m):
            return math.inf
        width = max(hi - lo, 1e-9, 0.05 * max(abs(lo), abs(hi)))
        return max(lo - m, m - hi, 0.0) / width

    def off_centre(self) -> float:
        """Distance of the median from the band's centre, in half band widths."""
        m = self.median
        lo, hi = self.target.band
        if math.isnan(m):
            return math.inf
        return abs(m - (lo + hi) / 2) / max((hi - lo) / 2, 1e-9)


@dataclass
class Runs:
    """Outcomes of every replicate of every scenario variant needed by a set of targets."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    outcomes: dict[str, list[pd.DataFrame]] = field(default_factory=dict)


def _variants(
    targets: Targets, overrides: Mapping[str, Any]
) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The scenario variants to run: key -> (file, overrides). Controls are variants too."""
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for t in targets.targets:
        file = targets.scenario_path(t)
        out.setdefault(t.scenario, (file, dict(overrides)))
        if isinstance(t.compute, ControlSpec):
            out.setdefault(_control_key(t), (file, {**overrides, **t.compute.overrides}))
    return out


def _control_key(target: Target) -> str:
    return f"{target.scenario}#control:{target.name}"


def run_targets(
    targets: Targets,
    replicates: int,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    on_result: Callable[[], None] | None = None,
) -> Runs:
    """Run every scenario (and control) the targets need, ``replicates`` times each.

    Replicate r of every variant uses the seed ``SeedSequence(experiment.seed,
    spawn_key=(0, r))`` of its scenario, so a scenario and its control share their
    random numbers (common random numbers). Runs go to local processes
    (:func:`model.experiment.run_local`).
    """
    from model.experiment import RunSpec

    runs = Runs()
    jobs: list[tuple[str, dict[str, Any], Any]] = []
    for key, (file, ov) in _variants(targets, overrides or {}).items():
        scenario = load_scenario(file, overrides=ov)
        runs.scenarios[key] = scenario
        exp = scenario.experiment
        base = scenario.to_dict()
        for rep in range(replicates):
            spec = RunSpec(
                run_id=rep, point=0, replicate=rep, params={}, entropy=exp.seed, steps=exp.steps
            )
            jobs.append((key, base, spec))
        runs.outcomes[key] = [pd.DataFrame()] * replicates
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    for key, rep, result in _execute(jobs, workers):
        if result.error is not None or result.data is None:
            raise RuntimeError(f"{key} replicate {rep} failed: {result.error}")
        runs.outcomes[key][rep] = pd.read_parquet(io.BytesIO(result.data))
        if on_result is not None:
            on_result()
    return runs


def _execute(jobs: list[tuple[str, dict[str, Any], Any]], workers: int) -> Iterable[tuple]:
    """Run ``(key, base, spec)`` jobs with :func:`model.experiment.run_one`, as they finish.

    One pool of ``workers`` local processes for every scenario variant (in this process
    when ``workers`` is 1).
    """
    from model.experiment import run_one

    if workers <= 1:
        for key, base, spec in jobs:
            yield key, spec.replicate, run_one(base, spec)
        return
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_one, base, spec): (key, spec) for key, base, spec in jobs}
        for future in cf.as_completed(futures):
            key, spec = futures[future]
            yield key, spec.replicate, future.result()


def score(targets: Targets, runs: Runs) -> list[TargetResult]:
    """Each target's metric on every replicate."""
    out = []
    for t in targets.targets:
        scenario = runs.scenarios[t.scenario]
        treated = runs.outcomes[t.scenario]
        controls: Iterable[pd.DataFrame | None] = (
            runs.outcomes[_control_key(t)]
            if isinstance(t.compute, ControlSpec)
            else [None] * len(treated)
        )
        values = np.array(
            [evaluate(t, scenario, r, c) for r, c in zip(treated, controls, strict=True)]
        )
        out.append(TargetResult(t, values))
    return out


def validate(
    targets: Targets,
    replicates: int,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    on_result: Callable[[], None] | None = None,
) -> tuple[list[TargetResult], Runs]:
    """Run the targets' scenarios and score them."""
    runs = run_targets(targets, replicates, overrides, workers, on_result)
    return score(targets, runs), runs


def loss(results: Iterable[TargetResult]) -> float:
    """Fit of a set of results (lower is better; 0 is unreachable).

    Sum over targets of the squared miss outside the band (in band widths) plus 1% of the
    squared distance from the band's centre (to break ties between points inside every
    band). A NaN median counts as a miss of 10 band widths. Known failures are left out.
    """
    total_loss = 0.0
    for r in results:
        if r.target.known_failure:
            continue
        miss = r.miss()
        miss = 10.0 if math.isinf(miss) else miss
        centre = r.off_centre()
        centre = 10.0 if math.isinf(centre) else centre
        total_loss += miss**2 + 0.01 * centre**2
    return total_loss


# --------------------------------------------------------------------------- reporting
COLUMNS = ("target", "source", "firmness", "band", "median", "5%", "95%", "pass")


def fmt(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if x == 0:
        return "0"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def table(results: list[TargetResult]) -> pd.DataFrame:
    """The validation table: one row per target."""
    rows = []
    for r in results:
        t = r.target
        rows.append(
            {
                "target": t.name,
                "source": t.source,
                "firmness": t.firmness,
                "band": f"[{fmt(t.band[0])}, {fmt(t.band[1])}]",
                "median": fmt(r.median),
                "5%": fmt(r.low),
                "95%": fmt(r.high),
                "pass": r.status,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (no extra dependency)."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def write_report(
    results: list[TargetResult], runs: Runs, out: str | Path, meta: str = ""
) -> list[Path]:
    """Write ``validation.csv``, ``validation.md`` and one figure per target into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frame = table(results)
    written = [out / "validation.csv", out / "validation.md"]
    frame.to_csv(written[0], index=False)
    written[1].write_text(
        "# Validation against published figures\n\n"
        + (meta + "\n\n" if meta else "")
        + markdown(frame)
    )
    for r in results:
        written.append(figure(r, runs, out / f"{r.target.name}.png"))
    return written


def _series_column(target: Target) -> str:
    spec = target.compute
    if isinstance(spec, EVENT_METRICS):
        return spec.when.clauses[0].column
    return spec.numerator if isinstance(spec, RatioSpec) else spec.column


def figure(result: TargetResult, runs: Runs, path: Path) -> Path:
    """The model's replicate values against the target band; the outcome over time beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.target
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [1, 2]})
    lo, hi = t.band
    left.axhspan(lo, hi, color="tab:green", alpha=0.25, label=f"target band ({t.firmness})")
    vals = result.values[~np.isnan(result.values)]
    left.scatter(np.zeros(len(vals)), vals, s=12, color="0.3", alpha=0.6, label="replicates")
    if len(vals):
        left.errorbar(
            [0.25],
            [result.median],
            yerr=[[result.median - result.low], [result.high - result.median]],
            fmt="o",
            color="tab:red" if not result.passed else "tab:blue",
            capsize=4,
            label="model median, 5-95%",
        )
    left.set_xlim(-0.5, 0.75)
    left.set_xticks([])
    left.set_title(f"{t.name}: {'pass' if result.passed else 'FAIL'}", fontsize=9)
    left.legend(fontsize=7, loc="best")
    column = _series_column(t)
    scenario = runs.scenarios[t.scenario]
    frames = runs.outcomes[t.scenario]
    condition = getattr(t.compute, "when", None)
    if frames and condition is not None:  # event metrics: share of runs where it has held
        held = np.vstack([np.maximum.accumulate(condition.holds(f)) for f in frames])
        right.step(np.arange(held.shape[1]), held.mean(axis=0), where="post", color="tab:blue")
        right.set_ylim(-0.02, 1.02)
        for start, length in _windows(t, scenario):
            right.axvspan(start, start + length, color="tab:orange", alpha=0.15)
        column = "share of runs in which it has held"
    elif frames and column in frames[0]:
        stack = np.vstack([f[column].to_numpy(dtype=float) for f in frames])
        weeks = np.arange(stack.shape[1])
        right.plot(weeks, np.median(stack, axis=0), color="tab:blue", lw=1.2, label="run")
        right.fill_between(
            weeks, *np.percentile(stack, [5, 95], axis=0), color="tab:blue", alpha=0.2
        )
        if isinstance(t.compute, ControlSpec):
            ctrl = np.vstack(
                [f[column].to_numpy(dtype=float) for f in runs.outcomes[_control_key(t)]]
            )
            right.plot(weeks, np.median(ctrl, axis=0), color="0.4", ls="--", label="control")
        for start, length in _windows(t, scenario):
            right.axvspan(start, start + length, color="tab:orange", alpha=0.15)
        right.legend(fontsize=7)
    right.set_xlabel("week")
    right.set_ylabel(column)
    right.set_title(t.outcome, fontsize=8)
    fig.suptitle(f"{t.source}", fontsize=7, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _windows(target: Target, scenario: Scenario) -> list[tuple[int, int]]:
    """The windows a target's metric reads (for shading figures): (start, length)."""
    spec = target.compute
    if isinstance(spec, EventWeekSpec):
        return []
    if isinstance(spec, ShareOfRunsSpec):
        return [(0, resolve_week(spec.by, scenario) + 1)]
    at = resolve_week(spec.at, scenario)
    if isinstance(spec, RatioSpec | TotalSpec | MeanSpec | ControlSpec):
        return [(at, spec.weeks)]
    wins = [(at - spec.before, spec.before), (at, spec.after)]
    if isinstance(spec, PersistenceSpec):
        wins.append((at + spec.later, spec.after))
    return wins
