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

- ``recovery``: weeks from the event at ``at`` until ``column`` is back within ``within``
  (a fraction) of its pre-event level, the mean over the ``before`` weeks before ``at``
  (each week's level a mean over ``smooth`` weeks; ``inf`` when it never recovers, NaN
  when the event did not move it); median over runs, "never" later than any week.

``at`` and ``by`` are a week number, a scenario parameter path
(``regulator.schedule.law_week``) or a path plus or minus whole weeks
(``regulator.schedule.law_week + 12``), resolved in the target's scenario after its
overrides, so a target follows its scenario's dates.

Each target's metric is computed per replicate; the model's value is the median over
replicates (with the 5%-95% range), and a target passes when the median lies inside the
band. See docs/validation.md.

Modules: :mod:`~model.validation.metrics` (the metric functions),
:mod:`~model.validation.weeks` (weeks written as parameter expressions),
:mod:`~model.validation.schema` (the targets file: schema, loading, located errors),
:mod:`~model.validation.running` (running and scoring), :mod:`~model.validation.report`
(the table and figures). Everything is re-exported here.
"""

from model.validation.metrics import change, control, mean, persistence, ratio, recovery, total
from model.validation.report import COLUMNS, figure, fmt, markdown, table, write_report
from model.validation.running import (
    Runs,
    TargetResult,
    evaluate,
    loss,
    run_targets,
    score,
    validate,
)
from model.validation.schema import (
    DEFAULT_TARGETS,
    EVENT_METRICS,
    METRICS,
    ChangeSpec,
    Compute,
    ControlSpec,
    EventWeekSpec,
    PersistenceSpec,
    RatioSpec,
    RecoverySpec,
    ShareOfRunsSpec,
    Target,
    Targets,
    TargetsFile,
    WindowSpec,
    check_column,
    load_targets,
)
from model.validation.weeks import COMMAND_LINE_AT, RelativeWeek, Week, parse_week, resolve_week

__all__ = [
    "COLUMNS",
    "COMMAND_LINE_AT",
    "DEFAULT_TARGETS",
    "EVENT_METRICS",
    "METRICS",
    "ChangeSpec",
    "Compute",
    "ControlSpec",
    "EventWeekSpec",
    "PersistenceSpec",
    "RatioSpec",
    "RecoverySpec",
    "RelativeWeek",
    "Runs",
    "ShareOfRunsSpec",
    "Target",
    "TargetResult",
    "Targets",
    "TargetsFile",
    "Week",
    "WindowSpec",
    "change",
    "check_column",
    "control",
    "evaluate",
    "figure",
    "fmt",
    "load_targets",
    "loss",
    "markdown",
    "mean",
    "parse_week",
    "persistence",
    "ratio",
    "recovery",
    "resolve_week",
    "run_targets",
    "score",
    "table",
    "total",
    "validate",
    "write_report",
]  # fmt: skip
