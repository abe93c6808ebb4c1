"""Scenario discovery: in which combinations of uncertain conditions does a condition hold?

A results folder of any sweep (LHS, Sobol, Morris, grid; the ``analysis:`` sample crossed
with ``policies:`` where present) has one row per run in ``summary.csv``: the uncertain
parameters' values and the outcomes. A *question* is a condition on those columns
(:mod:`model.scenario.condition`, e.g. ``final.infringing_share > 0.08``); the runs
meeting it are the *cases of interest*. For each question, and each policy separately,
this module asks the EMA Workbench (``ema_workbench.analysis``, used as a library) for:

- **PRIM** (patient rule induction, Friedman and Fisher 1999, as adapted for scenario
  discovery by Bryant and Lempert 2010): a box of parameter ranges found by *peeling*
  (repeatedly cutting a 5 % slice off one side of the box, the cut that most raises the
  share of cases inside) then *pasting* (widening while that share holds). Each box on
  the way is a point of the *peeling trajectory*: its **coverage** (the share of all
  cases of interest that lie inside the box) against its **density** (the share of the
  runs inside the box that are cases of interest). Peeling trades coverage for density.
  The *chosen box* is, among the boxes whose density reaches ``min_density`` (default
  0.8), the one with the largest coverage x density (:func:`choose`; the densest box if
  none reaches it). Each restricted limit
  has a *quasi-p-value*: the one-sided binomial probability of the box's density if
  that limit were removed (Bryant and Lempert 2010); a parameter whose limits all have
  quasi-p >= 0.05 is dropped from the chosen box, so every limit reported is one the
  data support.
- **CART** (a classification tree, the Workbench's wrapper of scikit-learn, leaves of at
  least 5 % of the runs): an alternative partition, drawn as a tree.

:func:`discover` writes, under ``RESULTS_DIR/discovery/<question>/[<policy>/]``:
``peeling.csv`` and ``peeling.png`` (the trajectory, chosen box marked), ``box.csv``
and ``box.png`` (the chosen box's limits with their quasi-p-values), ``tree.csv`` (CART's
leaves as boxes with coverage and density) and ``tree.png``, and ``summary.md`` (the
finding in plain words); and ``discovery/summary.md`` and ``discovery/boxes.csv`` over
all questions. The Workbench (and scikit-learn) are imported only when discovery runs.
"""

from __future__ import annotations

import base64
import contextlib
import html
import logging
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.discovery_figures import label, number
from model.scenario.condition import Condition, ConditionError, parse

DISCOVERY_DIR = "discovery"
PEEL_ALPHA = 0.05
"""Share of the box's runs cut off by one peel (the Workbench's default)."""
PASTE_ALPHA = 0.05
"""Share of the box's runs added by one paste (the Workbench's default)."""
MASS_MIN = 0.05
"""Smallest box PRIM may return, and smallest CART leaf: 5 % of the runs."""
MIN_BOX_RUNS = 3
"""A box's density from fewer runs than this says nothing."""
MIN_POINTS = math.ceil(MIN_BOX_RUNS / MASS_MIN)
"""Runs PRIM needs: the smallest box (``MASS_MIN``) must hold ``MIN_BOX_RUNS`` runs (60)."""
SIGNIFICANCE = 0.05
"""A restriction whose quasi-p-values are all at least this is dropped from the chosen box."""
DEFAULT_MIN_DENSITY = 0.8


class DiscoveryError(Exception):
    """A question that cannot be answered: bad condition, unknown policy, too few runs."""


@dataclass(frozen=True)
class Ask:
    """One question about one policy (``policy`` None: results without policies)."""

    name: str
    condition: Condition
    policy: str | None
    description: str = ""
    origin: str = "--where"
    """Where the condition came from, for error messages."""

    @property
    def folder(self) -> str:
        return self.name if self.policy is None else f"{self.name}/{slug(self.policy)}"


@dataclass
class Finding:
    """What PRIM and CART found for one :class:`Ask` (``box`` None: nothing to find)."""

    ask: Ask
    runs: int
    cases: int
    trajectory: pd.DataFrame | None = None
    box: pd.DataFrame | None = None
    chosen: int | None = None
    stats: dict[str, float] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    tree: Any = None
    tree_features: list[str] = field(default_factory=list)
    tree_leaves: pd.DataFrame | None = None
    min_density: float = DEFAULT_MIN_DENSITY
    text: str = ""


# --------------------------------------------------------------------------- names
def slug(name: str) -> str:
    """A file-name-safe version of a name (``law due process`` -> ``law-due-process``)."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-.") or "question"


# --------------------------------------------------------------------------- data
def asks(
    summary: pd.DataFrame,
    parameters: Sequence[str],
    questions: Sequence[tuple[str, str, Sequence[str], str, str]],
    policy: str | None = None,
) -> list[Ask]:
    """Parse and check every question against the results before anything runs.

    Args:
        questions: (name, condition text, policies (empty: each), description, origin).
        policy: restrict every question to this policy (``--policy``).

    Raises:
        DiscoveryError: a malformed condition, an unknown column or policy (with a
            suggestion), or a policy with fewer than :data:`MIN_POINTS` runs.
    """
    from model.scenario import suggest

    columns = list(summary.columns)
    names = list(dict.fromkeys(summary["policy"].astype(str))) if "policy" in summary else []
    if policy is not None and not names:
        raise DiscoveryError(f"--policy {policy}: these results have no policies")
    if policy is not None and policy not in names:
        raise DiscoveryError(f"--policy: no policy named '{policy}'" + suggest(policy, names))
    if not parameters:
        raise DiscoveryError(
            "these results have no uncertain parameters (no sweep or analysis: sample); "
            "discovery needs worlds that differ"
        )
    out = []
    for name, where, wanted, description, origin in questions:
        try:
            condition = parse(where)
            condition.check(columns)
        except ConditionError as exc:
            raise DiscoveryError(f"{origin}: {exc}") from None
        chosen: list[str | None] = list(wanted) or list(names) or [None]
        if policy is not None:
            chosen = [policy]
        for p in chosen:
            if p is not None and p not in names:
                raise DiscoveryError(f"{origin}: no policy named '{p}'" + suggest(str(p), names))
            runs = len(summary) if p is None else int((summary["policy"].astype(str) == p).sum())
            if runs < MIN_POINTS:
                raise DiscoveryError(
                    f"{origin}: {runs} runs"
                    + (f" under policy '{p}'" if p is not None else "")
                    + f"; PRIM needs at least {MIN_POINTS} (its smallest box, {MASS_MIN:.0%} "
                    f"of the runs, must hold {MIN_BOX_RUNS}); sample more worlds"
                )
            out.append(Ask(slug(name), condition, p, description, origin))
    return out


def inputs(summary: pd.DataFrame, parameters: Sequence[str], policy: str | None) -> pd.DataFrame:
    """The uncertain parameters of each run (of one policy): PRIM's and CART's x."""
    rows = summary if policy is None else summary[summary["policy"].astype(str) == policy]
    x = rows[[p for p in parameters if pd.api.types.is_numeric_dtype(rows[p])]]
    return x.astype(float).reset_index(drop=True)


def cases(summary: pd.DataFrame, ask: Ask) -> np.ndarray:
    """Which runs (of the ask's policy) meet the condition: PRIM's and CART's y."""
    rows = summary if ask.policy is None else summary[summary["policy"].astype(str) == ask.policy]
    table = {c: rows[c].to_numpy() for c in ask.condition.columns}
    return ask.condition.evaluate(table)


# --------------------------------------------------------------------------- algorithms
@contextlib.contextmanager
def workbench() -> Iterator[Any]:
    """Import ``ema_workbench.analysis`` quietly (it warns about optional parallel tools)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim

        logging.getLogger("EMA").setLevel(logging.WARNING)
        yield prim, cart


def find_box(
    x: pd.DataFrame, y: np.ndarray, min_density: float = DEFAULT_MIN_DENSITY
) -> tuple[pd.DataFrame, int, pd.DataFrame, dict[str, float], list[str]]:
    """PRIM's peeling trajectory and chosen box.

    Returns:
        (trajectory: one row per box with ``coverage, density, mass, res_dim, n, k`` and
        ``step`` (peel/paste, or ``drop <parameter>`` for a dropped restriction),
        index of the chosen box in it, the chosen box's limits (:func:`box_table`),
        its stats, the parameters dropped for quasi-p >= :data:`SIGNIFICANCE`).
    """
    with workbench() as (prim, _), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        algorithm = prim.Prim(
            x, y.astype(int), peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA, mass_min=MASS_MIN
        )
        box = algorithm.find_box()
        trajectory = box.peeling_trajectory.copy()
        trajectory["step"] = "peel/paste"
        chosen = choose(trajectory, min_density)
        box.select(chosen)
        dropped = []
        while True:
            qp = box.p_values[box._cur_box]
            weak = [u for u, sides in qp.items() if all(q < 0 or q >= SIGNIFICANCE for q in sides)]
            if not weak:
                break
            u = sorted(weak, key=lambda u: -max(qp[u]))[0]
            box.drop_restriction(u)
            dropped.append(u)
            chosen = len(box.peeling_trajectory) - 1
        full = box.peeling_trajectory.copy()
        full["step"] = list(trajectory["step"]) + [f"drop {u}" for u in dropped]
        limits = box_table(box.box_lims[chosen], box.box_lims[0], box.p_values[chosen])
        row = full.loc[chosen]
        stats = {k: float(row[k]) for k in ("coverage", "density", "mass", "res_dim", "n", "k")}
    full["chosen"] = full.index == chosen
    columns = ["id", "step", "coverage", "density", "mass", "res_dim", "n", "k", "chosen"]
    return (
        full[columns].astype({"id": int, "res_dim": int, "n": int, "k": int}),
        chosen,
        limits,
        stats,
        dropped,
    )


def choose(trajectory: pd.DataFrame, min_density: float) -> int:
    """The chosen box of a peeling trajectory (its row index).

    Among the boxes whose density reaches ``min_density``, the one with the largest
    coverage x density (the cases it holds, weighted by its purity: peeling on raises
    it while the worlds it drops are mostly not cases, and lowers it once it starts
    dropping cases); fewer restricted parameters break ties. If no box reaches the
    target, the densest (then the widest of those).
    """
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        top = trajectory[trajectory["density"] == trajectory["density"].max()]
        return int(top.sort_values("coverage", ascending=False).index[0])
    score = (dense["coverage"] * dense["density"]).round(12)
    ranked = dense.assign(score=score).sort_values(["score", "res_dim"], ascending=[False, True])
    return int(ranked.index[0])


def box_table(
    limits: pd.DataFrame, initial: pd.DataFrame, qp: dict[str, list[float]]
) -> pd.DataFrame:
    """A box's restricted parameters: ``parameter, low, high, range_low, range_high,
    qp_low, qp_high`` (quasi-p NaN on a side left at the range's end)."""
    rows = []
    for u, sides in qp.items():
        rows.append(
            {
                "parameter": u,
                "low": float(limits.at[0, u]),
                "high": float(limits.at[1, u]),
                "range_low": float(initial.at[0, u]),
                "range_high": float(initial.at[1, u]),
                "qp_low": float(sides[0]) if sides[0] >= 0 else np.nan,
                "qp_high": float(sides[1]) if sides[1] >= 0 else np.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["parameter", "low", "high", "range_low", "range_high", "qp_low", "qp_high"],
    )


def grow_tree(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> tuple[Any, list[str], pd.DataFrame]:
    """CART (the Workbench's, leaves of at least :data:`MASS_MIN` of the runs).

    Returns (the fitted scikit-learn tree, its feature names, one row per leaf:
    ``leaf, coverage, density, mass, rule``). scikit-learn breaks ties between equally good
    splits at random from numpy's global generator, so it is seeded here and restored.
    """
    with workbench() as (_, cart), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        algorithm = cart.CART(x, y.astype(int), mass_min=MASS_MIN)
        state = np.random.get_state()  # noqa: NPY002 - scikit-learn reads the global one
        np.random.seed(seed)  # noqa: NPY002
        try:
            algorithm.build_tree()
        finally:
            np.random.set_state(state)  # noqa: NPY002
        boxes, stats = algorithm.boxes, algorithm.stats
    initial = pd.DataFrame({c: [x[c].min(), x[c].max()] for c in x.columns})
    rows = []
    for i, (box, s) in enumerate(zip(boxes, stats, strict=True)):
        parts = []
        for c in x.columns:
            lo, hi = float(box.at[0, c]), float(box.at[1, c])
            if lo > initial.at[0, c]:
                parts.append(f"{c} > {number(lo)}")
            if hi < initial.at[1, c]:
                parts.append(f"{c} <= {number(hi)}")
        rows.append(
            {
                "leaf": i,
                "coverage": float(s["coverage"]),
                "density": float(s["density"]),
                "mass": float(s["mass"]),
                "rule": " and ".join(parts) or "(all)",
            }
        )
    leaves = pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False)
    return algorithm.clf, list(algorithm.feature_names), leaves.reset_index(drop=True)


# --------------------------------------------------------------------------- words
def limit_words(row: Any) -> str:
    """One box limit in words: ``BPI detection prob below 0.0043``."""
    name = label(str(row.parameter))
    low_cut = row.low > row.range_low
    high_cut = row.high < row.range_high
    if low_cut and high_cut:
        return f"{name} is between {number(row.low)} and {number(row.high)}"
    if high_cut:
        return f"{name} is below {number(row.high)}"
    return f"{name} is above {number(row.low)}"


def plain_summary(finding: Finding) -> str:
    """The finding in words a minister can read (Markdown, one paragraph)."""
    ask = finding.ask
    what = ask.description.rstrip(".") if ask.description else ask.condition.describe()
    under = f"Under **{ask.policy}**" if ask.policy else "Across the sampled worlds"
    head = (
        f"{under}: *{what}* (`{ask.condition.expression}`) in {finding.cases:,} of "
        f"{finding.runs:,} sampled worlds ({finding.cases / finding.runs:.0%})."
    )
    if finding.box is None:
        nothing = "none" if finding.cases == 0 else "all"
        return f"{head} It holds in {nothing} of them: there is nothing to tell apart."
    s = finding.stats
    if finding.box.empty:
        return (
            f"{head} No combination of the uncertain parameters marks these worlds out: "
            "PRIM found no restriction that the data support (every quasi-p >= 0.05)."
        )
    limits = "; ".join(limit_words(r) for r in finding.box.itertuples())
    text = (
        f"{head} In {s['coverage']:.0%} of the worlds where this happens, {limits}. "
        f"In {s['density']:.0%} of the worlds with those conditions it happens "
        f"(against {finding.cases / finding.runs:.0%} overall); they are {s['mass']:.0%} of "
        "the sampled worlds."
    )
    if finding.dropped:
        text += (
            " Not supported by the data, so left out: "
            + ", ".join(label(u) for u in finding.dropped)
            + "."
        )
    if s["density"] < finding.min_density:
        text += (
            f" No box reached the target density ({finding.min_density:.0%}); this is the "
            "densest PRIM found, so read it as a tendency, not a rule."
        )
    return text


# --------------------------------------------------------------------------- the command
def answer(
    summary: pd.DataFrame, parameters: Sequence[str], ask: Ask, min_density: float, seed: int = 0
) -> Finding:
    """PRIM and CART for one question and policy (no file written)."""
    x = inputs(summary, parameters, ask.policy)
    y = cases(summary, ask)
    finding = Finding(ask, runs=len(y), cases=int(y.sum()), min_density=min_density)
    if 0 < finding.cases < finding.runs:
        (finding.trajectory, finding.chosen, finding.box, finding.stats, finding.dropped) = (
            find_box(x, y, min_density)
        )
        finding.tree, finding.tree_features, finding.tree_leaves = grow_tree(x, y, seed)
    finding.text = plain_summary(finding)
    return finding


def questions_of(scenario: Any, where: str | None, name: str | None) -> list[tuple]:
    """The questions to ask: ``--where`` (named ``--name`` or after the condition), else the
    scenario's ``discovery:`` section."""
    if where is not None:
        return [
            (
                name or slug(where.replace(">", " gt ").replace("<", " lt ")),
                where,
                [],
                "",
                "--where",
            )
        ]
    section = scenario.discovery
    if section is None or not section.questions:
        raise DiscoveryError(
            'no question: give --where "EXPR" (e.g. --where "final.infringing_share > '
            '0.08") or add a discovery: section to the scenario'
        )
    return [
        (q.name, q.where, list(q.policies), q.description, f"discovery.questions.{q.name}.where")
        for q in section.questions
    ]


def discover(
    results_dir: str | Path,
    where: str | None = None,
    name: str | None = None,
    policy: str | None = None,
    min_density: float | None = None,
    formats: Sequence[str] = ("png", "svg"),
) -> tuple[list[Finding], list[Path]]:
    """Answer the questions on a results folder and write ``discovery/``.

    Every question is checked (condition, columns, policies, enough runs) before
    anything is computed or written.

    Returns:
        (the findings, the paths written: ``discovery/summary.md`` first).

    Raises:
        DiscoveryError: not a results folder, no question, a bad condition, an unknown
            policy or too few runs.
    """
    import matplotlib

    from model import style
    from model.discovery_figures import figure_box, figure_peeling, figure_tree
    from model.plots.draw import save
    from model.results import load

    path = Path(results_dir)
    if not (path / "manifest.json").is_file():
        raise DiscoveryError(f"{path} is not a results folder (no manifest.json)")
    res = load(path)
    parameters = [p for p in res.manifest.get("parameters", []) if p in res.summary.columns]
    questions = questions_of(res.scenario, where, name)
    if min_density is None:
        section = res.scenario.discovery
        min_density = section.min_density if section is not None else DEFAULT_MIN_DENSITY
    if not 0 < min_density <= 1:
        raise DiscoveryError(f"--min-density: expected a share in (0, 1]; got {min_density}")
    todo = asks(res.summary, parameters, questions, policy)
    seed = res.scenario.experiment.seed
    findings = [answer(res.summary, parameters, a, min_density, seed) for a in todo]
    out = path / DISCOVERY_DIR
    files: list[tuple[Path, Any]] = []  # everything is drawn before anything is written
    with matplotlib.rc_context(style.RC):
        for f in findings:
            folder = out / f.ask.folder
            files.append((folder / "summary.md", f.text + "\n"))
            if f.trajectory is None or f.box is None or f.tree_leaves is None:
                continue
            title = f"{f.ask.name}" + (f" | {f.ask.policy}" if f.ask.policy else "")
            files += [
                (folder / "peeling.csv", f.trajectory),
                (folder / "box.csv", f.box),
                (folder / "tree.csv", f.tree_leaves),
                (folder / "peeling", figure_peeling(f, title)),
                (folder / "box", figure_box(f, title)),
                (folder / "tree", figure_tree(f, title)),
            ]
        written: list[Path] = []
        for target, content in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8")
            elif isinstance(content, pd.DataFrame):
                content.to_csv(target, index=False, lineterminator="\n", float_format="%.6g")
            else:
                target = save(content, target.parent, target.name, formats)
            written.append(target)
    boxes = pd.DataFrame([_box_row(f) for f in findings])
    boxes.to_csv(out / "boxes.csv", index=False, lineterminator="\n", float_format="%.6g")
    summary = out / "summary.md"
    summary.write_text(_summary_md(res.scenario.name, findings), encoding="utf-8")
    return findings, [summary, out / "boxes.csv", *written]


def _box_row(f: Finding) -> dict[str, Any]:
    return {
        "question": f.ask.name,
        "policy": f.ask.policy or "",
        "where": f.ask.condition.expression,
        "runs": f.runs,
        "cases": f.cases,
        "coverage": f.stats.get("coverage", np.nan),
        "density": f.stats.get("density", np.nan),
        "mass": f.stats.get("mass", np.nan),
        "limits": "; ".join(limit_words(r) for r in f.box.itertuples())
        if f.box is not None
        else "",
    }


def _summary_md(name: str, findings: Sequence[Finding]) -> str:
    lines = [f"# Scenario discovery: {name}", ""]
    current = None
    for f in findings:
        if f.ask.name != current:
            current = f.ask.name
            lines += [f"## {f.ask.name}", ""]
        lines += [f.text, ""]
    lines += [
        "Coverage: the share of the worlds where the condition holds that lie in the box. "
        "Density: the share of the worlds in the box where it holds. PRIM (peeling and "
        "pasting) and CART from the EMA Workbench; limits kept only where their quasi-p < "
        f"{SIGNIFICANCE}.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- report
def report_section(results_dir: str | Path) -> str:
    """The report's discovery section (HTML), or "" without ``discovery/``.

    Reads only the files :func:`discover` wrote (no Workbench import): each question's
    plain-language findings with its peeling-trajectory and box figures.
    """
    out = Path(results_dir) / DISCOVERY_DIR
    boxes = out / "boxes.csv"
    if not boxes.is_file():
        return ""
    table = pd.read_csv(boxes, keep_default_na=False)
    parts = [
        "<h2>Scenario discovery</h2>",
        '<p class="meta">In which uncertain conditions does each question hold? PRIM boxes '
        "(coverage: share of the worlds where it holds that lie in the box; density: share "
        "of the box's worlds where it holds) and CART trees; see discovery/.</p>",
    ]
    for row in table.itertuples():
        folder = out / str(row.question) / (slug(str(row.policy)) if row.policy else "")
        text = folder / "summary.md"
        title = f"{row.question}" + (f" | {row.policy}" if row.policy else "")
        parts.append(f"<h3>{html.escape(title)}</h3>")
        if text.is_file():
            parts.append(f"<p>{_md_inline(text.read_text(encoding='utf-8').strip())}</p>")
        for stem in ("peeling", "box"):
            png = folder / f"{stem}.png"
            if png.is_file():
                data = base64.b64encode(png.read_bytes()).decode("ascii")
                parts.append(
                    f'<figure><img alt="{html.escape(title)}: {stem}" '
                    f'src="data:image/png;base64,{data}"></figure>'
                )
    return "\n".join(parts)


def _md_inline(text: str) -> str:
    """The few Markdown marks :func:`plain_summary` uses, as HTML (text escaped first)."""
    out = html.escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"`(.+?)`", r"<code>\1</code>", out)
    return re.sub(r"\*(.+?)\*", r"<em>\1</em>", out)


__all__ = [
    "DISCOVERY_DIR",
    "MIN_POINTS",
    "DiscoveryError",
    "Finding",
    "answer",
    "discover",
    "find_box",
    "grow_tree",
    "plain_summary",
    "report_section",
]
