"""Property-based fuzzing (Hypothesis) of every input conduit reads.

The contract, for the scenario loader, ``--set``, results folders and the command line's
file arguments: a valid input works (exit 0); anything else is one located error per problem
(exit 2), never a traceback, and nothing is written. Damaged results are named (``verify``
exit 1, other commands exit 2) and a resume repairs them to byte-identical files.

``make test`` runs a few hundred seeded, deterministic examples (``derandomize``); ``make
fuzz`` (``CONDUIT_FUZZ=long``) runs many more, randomly, without deadlines.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from model import ScenarioError, load_scenario
from model.audit import audit
from model.cli import app
from model.experiment import run_experiment
from model.results import RUNS_LOG, SUMMARY, TIMESERIES, ResultsConflict, ResultsError, load
from model.scenario.load import _name_problems
from tests.conftest import small_yaml

LONG = os.environ.get("CONDUIT_FUZZ") == "long"


def profile(examples: int) -> settings:
    """``examples`` seeded examples in ``make test``; 25 times more, random, in ``make fuzz``."""
    if LONG:
        return settings(
            max_examples=examples * 25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    return settings(
        max_examples=examples,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate] if os.environ.get("NO_SHRINK") else list(Phase),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


runner = CliRunner()

# --------------------------------------------------------------------------- YAML documents
HOSTILE_TOKENS = [
    "yes", "no", "on", "off", "NO", "Yes", "1:20", "0012", "-007", "0o17", "0x1F", "0b101",
    ".inf", "-.inf", ".nan", "1e309", "-1e309", "1e-400", "~", "null", "", "true", "false",
    "[]", "{}", "[1, 2]", "{a: 1}", "!!python/name:os.system", "!custom x", "!!binary aGk=",
    "!!str 5", "!!int '7'", "!!float x", "2008-01-01", "'2008-01-01'", '"' + "x" * 300 + '"',
    '"a/b"', '".."', '"."', '"a\\0b"', '"a\\nb"', '" lead"', '"~home"', '".hidden"', "*nowhere",
    "&anchor 5", "'unterminated", "[1, 2", "{a: 1", "- x", ": x", "@reserved", "`tick`",
    "%directive", "1_000", "+12", "1e3", "10000000000000000000000000000000000000",
]  # fmt: skip
KNOWN_PATHS = [
    "name", "description", "start_date", "population.subscribers", "population.represents",
    "experiment.steps", "experiment.replicates", "experiment.seed", "salience.maximum",
    "salience.decay_weeks", "regulator.review_capacity", "regulator.law_probability",
    "experiment.sweep", "analysis", "policies", "isps", "rights_bodies", "extends",
]  # fmt: skip

scalar = st.one_of(
    st.sampled_from(HOSTILE_TOKENS),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=40).map(json.dumps),
)
key = st.one_of(
    st.sampled_from(KNOWN_PATHS),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=20),
)


def render(data: dict[str, Any], indent: int = 0) -> str:
    """Block-style YAML of nested dicts whose leaves are raw YAML tokens."""
    out = ""
    for k, v in data.items():
        if isinstance(v, dict):
            out += " " * indent + f"{k}:\n" + render(v, indent + 2)
        else:
            out += " " * indent + f"{k}: {v}\n"
    return out


def nest(path: str, value: str) -> dict[str, Any]:
    parts = [p for p in path.split(".") if p] or ["x"]
    node: Any = value
    for part in reversed(parts):
        node = {part: node}
    return node


def merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


BASE = {
    "name": "fz",
    "population": {"subscribers": "200"},
    "experiment": {"replicates": "1", "steps": "2", "seed": "1"},
}


@st.composite
def documents(draw) -> bytes:
    """A small valid scenario, then up to three mutations (values, structure, bytes)."""
    data = dict(BASE)
    for _ in range(draw(st.integers(0, 3))):
        data = merge(data, nest(draw(key), draw(scalar)))
    text = render(data)
    structure = draw(
        st.sampled_from(
            ["none", "deep", "bomb", "duplicate", "tag", "listkey", "empty", "comments", "flow"]
        )
    )
    if structure == "deep":
        depth = draw(st.integers(1, 600))
        text += "salience: " + "{a: " * depth + "1" + "}" * depth + "\n"
    elif structure == "bomb":
        levels, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
        text += "b0: &b0 [" + ", ".join(["x"] * width) + "]\n"
        for i in range(1, levels + 1):
            text += f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * width) + "]\n"
    elif structure == "duplicate":
        lines = text.splitlines(keepends=True)
        at = draw(st.integers(0, len(lines) - 1))
        text = "".join([*lines[: at + 1], lines[at], *lines[at + 1 :]])
    elif structure == "tag":
        tag = draw(st.sampled_from(["!custom", "!!set", "!!omap", "!!python/tuple", "!!map"]))
        text = text.replace("population:", f"population: {tag}", 1)
    elif structure == "listkey":
        text += "? [a, b]\n: 1\n"
    elif structure == "empty":
        text = draw(st.sampled_from(["", " ", "\n\n", "\t"]))
    elif structure == "comments":
        text = "# only a comment\n"
    elif structure == "flow":
        text = "{" + text.replace("\n", ", ") + "}"
    raw = text.encode()
    byte_damage = draw(st.sampled_from(["none", "none", "insert", "truncate", "latin1"]))
    if byte_damage == "insert" and raw:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif byte_damage == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif byte_damage == "latin1":
        raw = raw.replace(b"fz", "fz\u00e9".encode("latin-1"))
    return raw


def check_error(err: ScenarioError, file: str) -> None:
    """A located error: every line names the file (or the command line), few short lines."""
    lines = str(err).splitlines()
    assert 1 <= len(lines) <= 21, str(err)[:500]
    for line in lines:
        assert line.startswith((file, "<command line>", "... and ")), line[:200]
        assert len(line) < 1200, line[:200]


def check_valid(scenario: Any) -> None:
    """What every accepted scenario guarantees."""
    assert _name_problems(scenario.name) == []

    def finite(value: Any) -> None:
        if isinstance(value, float):
            assert math.isfinite(value)
        elif isinstance(value, dict):
            for v in value.values():
                finite(v)
        elif isinstance(value, list):
            for v in value:
                finite(v)

    finite(scenario.model_dump())


def load_checked(path: Path, overrides: list[str] | None = None) -> Any:
    try:
        scenario = load_scenario(path, overrides=overrides)
    except ScenarioError as err:
        check_error(err, str(path))
        return None
    check_valid(scenario)
    return scenario


@profile(300)
@given(documents())
def test_the_loader_accepts_or_locates(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(raw)
        load_checked(path)


@profile(60)
@given(documents())
def test_check_exits_0_or_2_with_one_located_line_per_error(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(raw)
        result = runner.invoke(app, ["check", "--quiet", str(path)])
        assert result.exit_code in (0, 2), result.output + result.stderr
        assert "Traceback" not in result.output + result.stderr
        if result.exit_code == 2:
            first, *_ = result.stderr.splitlines()
            assert first.startswith(f"error: {path}"), result.stderr[:300]
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["fuzz.yaml"]  # nothing written


@profile(20)
@given(documents())
def test_run_exits_0_with_verified_results_or_2_writing_nothing(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "fuzz.yaml", Path(tmp) / "results"
        path.write_bytes(raw)
        bounded = ["--replicates", "1", "--steps", "2", "--set", "population.subscribers=200"]
        args = ["run", str(path), "--out", str(out), "--no-plots", "--quiet", "--workers", "1"]
        result = runner.invoke(app, [*args, *bounded])
        assert result.exit_code in (0, 2), result.output + result.stderr
        assert "Traceback" not in result.output + result.stderr
        if result.exit_code == 2:
            assert result.stderr.startswith(("error: ", "error: <command line>"))
            assert not out.exists(), "a refused run must write nothing"
        else:
            (folder,) = out.iterdir()
            assert audit(folder)[1] == []


# --------------------------------------------------------------------------- --set
assignment = st.one_of(
    st.tuples(st.sampled_from(KNOWN_PATHS), st.sampled_from(HOSTILE_TOKENS)).map("=".join),
    st.tuples(key, scalar).map("=".join),
    st.text(max_size=60),
)


@profile(150)
@given(st.lists(assignment, min_size=1, max_size=3))
def test_set_accepts_or_locates_on_the_command_line(assignments):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "base.yaml"
        path.write_text(render(BASE))
        try:
            scenario = load_scenario(path, overrides=assignments)
        except ScenarioError as err:
            check_error(err, str(path))
            return
        check_valid(scenario)


# --------------------------------------------------------------------------- results folders
@pytest.fixture(scope="module")
def clean_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-results")
    file = root / "s.yaml"
    file.write_text(small_yaml(name="fzr", replicates=2, steps=3).replace("2000", "300"))
    scenario = load_scenario(file)
    outcome = run_experiment(scenario, root / "clean", workers=1)
    return scenario, outcome.directory


TARGETS = ["manifest.json", RUNS_LOG, TIMESERIES, SUMMARY, "runs/run-00000.parquet",
           "runs/run-00001.parquet"]  # fmt: skip
CHECKSUMMED = {TIMESERIES, SUMMARY, "runs/run-00000.parquet", "runs/run-00001.parquet"}


@st.composite
def damage(draw) -> tuple[str, str, Any]:
    target = draw(st.sampled_from(TARGETS))
    op = draw(st.sampled_from(["delete", "truncate", "flip", "garbage", "json", "folder"]))
    arg: Any = None
    if op in ("truncate", "flip"):
        arg = draw(st.integers(0, 10**6))
    elif op == "garbage":
        arg = draw(st.binary(max_size=64))
    elif op == "json":
        arg = draw(st.sampled_from(["[1, 2]", "null", "{}", '{"format": "conduit-results"}', "{"]))
    return target, op, arg


def apply(directory: Path, target: str, op: str, arg: Any) -> bool:
    """Damage ``directory/target``; whether its bytes changed."""
    path = directory / target
    before = path.read_bytes()
    if op == "delete":
        path.unlink()
        return True
    if op == "folder":
        path.unlink()
        path.mkdir()
        return True
    data = bytearray(before)
    if op == "truncate":
        data = data[: arg % max(len(data), 1)]
    elif op == "flip" and data:
        data[arg % len(data)] ^= 1 << (arg % 8)
    elif op == "garbage":
        data = bytearray(arg)
    elif op == "json":
        data = bytearray(arg.encode())
    path.write_bytes(bytes(data))
    return bytes(data) != before


@profile(30)
@given(damage())
def test_damaged_results_are_named_and_a_resume_repairs_them(clean_results, hurt):
    scenario, clean = clean_results
    target, op, arg = hurt
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / clean.name
        shutil.copytree(clean, folder)
        changed = apply(folder, target, op, arg)
        # loading: a result or a located ResultsError, nothing else
        try:
            load(folder)
        except ResultsError as err:
            assert str(folder) in str(err) and "\n" not in str(err)
        # verify: a changed checksummed file is always found
        try:
            _, findings = audit(folder)
        except ResultsError:
            findings = None
        if changed and target in CHECKSUMMED:
            assert findings is None or findings, f"{op} of {target} went unnoticed"
        verdict = runner.invoke(app, ["verify", str(folder)])
        assert verdict.exit_code == (2 if findings is None else 1 if findings else 0)
        assert "Traceback" not in verdict.output + verdict.stderr
        for command in (["analyse"], ["compare-policies"]):
            result = runner.invoke(app, [*command, str(folder)])
            assert result.exit_code == 2 and result.stderr.startswith("error: ")
        if findings is None or any(
            f.file in (TIMESERIES, SUMMARY) and f.kind in ("missing", "corrupted") for f in findings
        ):
            for command in (["plot"], ["compare", str(clean), "--out", str(root / "cmp")]):
                result = runner.invoke(app, [*command, str(folder)])
                assert result.exit_code == 2, result.output + result.stderr
                assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
        # resume: repaired to the clean files, or refused (a manifest that is not conduit's)
        try:
            run_experiment(scenario, root, workers=1)
        except ResultsConflict as err:
            assert target == "manifest.json", str(err)
            return
        except OSError as err:  # a folder where conduit's own file goes: named, not repaired
            assert op == "folder" and err.filename == str(folder / target), err
            return
        for name in (TIMESERIES, SUMMARY):
            assert (folder / name).read_bytes() == (clean / name).read_bytes()
        assert audit(folder)[1] == []
