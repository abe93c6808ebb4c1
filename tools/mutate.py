"""A small mutation probe: does some behavioural test fail when a model rule is broken?

Each mutant is a one-line change to a file of ``model/`` (an exact text replacement). For
each, the project is copied to a scratch directory, the mutant applied there, and the
non-slow test suite run against the copy without the stored baselines
(``tests/test_baselines.py``: a baseline diff says that behaviour changed, not that a
rule is wrong). A mutant is *killed* when a test fails, *survives* when all pass.
Survivors are listed at the end and in docs/mutation.md (by hand: they need a judgement,
a new test or the reason none is worth writing).

Usage (``make mutate``)::

    .venv/bin/python tools/mutate.py            # every mutant
    .venv/bin/python tools/mutate.py 3 7        # mutants 3 and 7 (numbers as listed)
    .venv/bin/python tools/mutate.py --list     # list the mutants

Exit code 1 when a mutant survives or does not apply (its text is gone from the file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# rule tests first, so a killed mutant usually stops within seconds (-x)
FIRST = [
    "tests/test_institutions.py",
    "tests/test_isp.py",
    "tests/test_regulator.py",
    "tests/test_rights_body.py",
    "tests/test_model.py",
    "tests/test_subscribers.py",
    "tests/test_streams.py",
    "tests/test_churn.py",
    "tests/test_uncertain_institutions.py",
]

STORED = ["tests/test_baselines.py"]
"""Tests of stored outputs: they say that behaviour changed, not that a rule is wrong."""
DESELECT = ["tests/test_cli.py::test_committed_schema_is_the_generated_one"]
"""Also a stored output (a default shows in the JSON Schema)."""


@dataclass(frozen=True)
class Mutant:
    file: str
    old: str
    new: str
    what: str


MUTANTS: list[Mutant] = [
    # the eight left uncaught by the review of issue 11
    Mutant(
        "model/params/institutions.py",
        '"graduated": 0.9, "disconnect": 1.0}',
        '"graduated": 0.5, "disconnect": 1.0}',
        "compliance of graduated 0.9 -> 0.5",
    ),
    Mutant(
        "model/params/institutions.py",
        '"graduated": 0.05, "disconnect": 1.0}',
        '"graduated": 0.5, "disconnect": 1.0}',
        "expected sanction share of graduated 0.05 -> 0.5",
    ),
    Mutant(
        "model/agents/isp.py",
        "legislation = law_prob * law_cost * (1.0 - preemption * comply)",
        "legislation = law_prob * law_cost",
        "no preemption in ISP.expected_costs",
    ),
    Mutant(
        "model/params/institutions.py",
        '"threat": 0.5, "lobby": 1.0',
        '"threat": 1.0, "lobby": 1.0',
        "threat-level lobbying 0.5 -> 1",
    ),
    Mutant(
        "model/agents/regulator.py",
        "if self.pressure >= p.consultation_threshold:\n                self.stage = Stage.PASSED",
        "if self.pressure >= p.bill_threshold:\n                self.stage = Stage.PASSED",
        "a bill passes against the bill threshold, not the consultation threshold",
    ),
    Mutant(
        "model/policy_model.py",
        "still = self.accounts.isp[batch.idx] == batch.isp",
        "still = self.accounts.isp[batch.idx] >= 0",
        "due-process cases no longer lapse when the subscriber switches ISP",
    ),
    Mutant(
        "model/institutions.py",
        "return min(prices) if prices else math.inf",
        "return max(prices) if prices else math.inf",
        "legal_price takes the max instead of the min",
    ),
    Mutant(
        "model/policy_model.py",
        "* (n - tally.sharers * (1.0 - spending.sharer_purchase_factor))",
        "* (n - tally.sharers * spending.sharer_purchase_factor)",
        "revenue: sharer purchase factor inverted",
    ),
    # further probes of the rules
    Mutant(
        "model/agents/isp.py",
        "        at_sanction = strikes > regime.warning_levels",
        "        at_sanction = strikes >= regime.warning_levels",
        "graduated ladder one warning short",
    ),
    Mutant(
        "model/agents/isp.py",
        ") > self.params.strike_expiry_weeks",
        ") > 2 * self.params.strike_expiry_weeks",
        "strikes expire twice as late",
    ),
    Mutant(
        "model/agents/isp.py",
        'if self.params.principled:\n            self.set_stance("refuse", week)',
        'if False:\n            self.set_stance("refuse", week)',
        "principled ISPs no longer refuse",
    ),
    Mutant(
        "model/institutions.py",
        "    return total * (1.0 - backing)",
        "    return total",
        "association backing absorbs nothing",
    ),
    Mutant(
        "model/agents/rights_body.py",
        "if fell < p.target_reduction and refusing and self.level < self.max_level:",
        "if fell < p.target_reduction and self.level < self.max_level:",
        "rights bodies escalate even when no ISP refuses",
    ),
    Mutant(
        "model/institutions.py",
        "world.salience *= math.exp(-1.0 / sal.decay_weeks)",
        "world.salience *= math.exp(-0.5 / sal.decay_weeks)",
        "salience fades at half the rate",
    ),
    Mutant(
        "model/subscribers.py",
        "        self.sharing[self.suspended_now] = False",
        "        pass",
        "suspended subscribers may share",
    ),
    Mutant(
        "model/agents/regulator.py",
        "keep = np.where(wrongful, draw >= p.review_accuracy, draw < p.uphold_rate)",
        "keep = np.where(wrongful, draw < p.review_accuracy, draw < p.uphold_rate)",
        "due-process review inverts its accuracy",
    ),
    Mutant(
        "model/agents/regime.py",
        "            return risk.penalty_forward\n        return getattr(risk, traits.penalty)",
        "            return risk.penalty_forward\n        return risk.penalty_graduated",
        "disconnect perceived as graduated response",
    ),
    Mutant(
        "model/institutions.py",
        "risk.penalty_litigation if any(b.litigating(week) for b in world.rights_bodies)",
        "0.0 if any(b.litigating(week) for b in world.rights_bodies)",
        "litigation adds no perceived penalty",
    ),
]


def copy_project(dest: Path) -> None:
    """The files the tests need: model, tests, benchmarks, scenarios, docs, tools."""
    for name in ("model", "tests", "benchmarks", "scenarios", "docs", "tools"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, dest / name)


def run_mutant(number: int, mutant: Mutant, python: str) -> tuple[str, str, float]:
    """(status, first failing test or note, seconds) for one mutant."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="conduit-mutant-") as tmp:
        dest = Path(tmp)
        copy_project(dest)
        target = dest / mutant.file
        text = target.read_text(encoding="utf-8")
        if text.count(mutant.old) != 1:
            return "not-applied", f"text found {text.count(mutant.old)} times", 0.0
        target.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        first = [f for f in FIRST if (dest / f).exists()]
        rest = sorted(f"tests/{p.name}" for p in (dest / "tests").glob("test_*.py"))
        files = first + [f for f in rest if f not in first and f not in STORED]
        cmd = [python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"]
        cmd += ["-m", "not slow and not browser", *[f"--deselect={t}" for t in DESELECT]]
        cmd += files
        env = {**os.environ, "PYTHONPATH": str(dest), "MPLBACKEND": "Agg"}
        proc = subprocess.run(cmd, cwd=dest, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode == 0:
            return "SURVIVED", "", seconds
        failed = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
        return "killed", (failed[0] if failed else proc.stdout[-300:]), seconds


def main(argv: list[str]) -> int:
    if "--list" in argv:
        for i, m in enumerate(MUTANTS, 1):
            print(f"{i:2d}. {m.what} ({m.file})")
        return 0
    chosen = [int(a) for a in argv] or list(range(1, len(MUTANTS) + 1))
    python = sys.executable
    bad = []
    for i in chosen:
        m = MUTANTS[i - 1]
        status, note, seconds = run_mutant(i, m, python)
        print(f"{i:2d}. {status:11s} {m.what} [{seconds:.0f} s] {note}", flush=True)
        if status != "killed":
            bad.append((i, m.what, status))
    print()
    if bad:
        print("not killed:")
        for i, what, status in bad:
            print(f"  {i}. {what}: {status}")
        return 1
    print(f"all {len(chosen)} mutants killed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
