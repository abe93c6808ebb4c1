"""Bad scenario input: one located error (file, line, key path), exit code 2, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model import ScenarioError, load_scenario
from model.cli import app
from tests.conftest import small_yaml

SWEEP_TYPO = """  sweep:
    method: grid
    parameters:
      rights_bodies.BPX.detection_prob: [0.01, 0.02]
"""

# (case, file text, expected line, expected key path, words the message must contain)
CASES = [
    (
        "unknown key",
        small_yaml(extra="salience:\n  decay_wekks: 3\n"),
        9,
        "salience.decay_wekks",
        ["unknown key", "did you mean 'decay_weeks'"],
    ),
    (
        "wrong type",
        small_yaml(extra="salience:\n  decay_weeks: soon\n"),
        9,
        "salience.decay_weeks",
        ["valid number", "'soon'"],
    ),
    (
        "out of range",
        small_yaml(extra="rights_bodies:\n  - name: BPI\n    detection_prob: 1.5\n"),
        10,
        "rights_bodies.BPI.detection_prob",
        ["less than or equal to 1", "1.5"],
    ),
    (
        "market shares",
        small_yaml(extra="isps:\n  - {name: BT, market_share: 0.6}\n"),
        8,
        "isps",
        ["market shares must sum to 1"],
    ),
    (
        "sweep path",
        small_yaml().replace("  steps: 20\n", "  steps: 20\n" + SWEEP_TYPO),
        11,
        "experiment.sweep.parameters.rights_bodies.BPX.detection_prob",
        ["sweep path does not exist", "no item named 'BPX'", "did you mean 'BPI'"],
    ),
    (
        "sweep value",
        small_yaml().replace(
            "  steps: 20\n",
            "  steps: 20\n  sweep:\n    parameters:\n      salience.decay_weeks: [3, -1]\n",
        ),
        10,
        "experiment.sweep.parameters.salience.decay_weeks",
        ["swept value -1", "greater than or equal to 0.5"],
    ),
    (
        "unreadable yaml",
        small_yaml(extra="salience: [1, 2\nregulator: {}\n"),
        9,
        None,
        ["not valid YAML"],
    ),
    (
        "missing extends",
        "name: x\nextends: nowhere.yaml\n",
        2,
        "extends",
        ["'extends' target not found", "nowhere.yaml"],
    ),
]

FIELDS = ("case", "text", "line", "path", "words")
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(FIELDS, CASES, ids=IDS)
def test_located_error(write, case, text, line, path, words):
    file = write("bad.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    err = info.value
    assert (err.file, err.line, err.path) == (str(file), line, path), str(err)
    for word in words:
        assert word in str(err)
    assert str(err).startswith(f"{file}:{line}:")


def test_extends_cycle_is_located(write):
    a = write("a.yaml", "name: a\nextends: b.yaml\n")
    b = write("b.yaml", "# b\nextends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(a)
    err = info.value
    assert (Path(err.file).name, err.line, err.path) == ("b.yaml", 2, "extends")
    assert "forms a cycle" in err.message and str(a) in err.message and str(b) in err.message


def test_errors_in_a_parent_file_name_the_parent(write):
    write("parent.yaml", small_yaml(extra="salience:\n  maximum: 9\n"))
    child = write("child.yaml", "extends: parent.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert Path(info.value.file).name == "parent.yaml"
    assert (info.value.line, info.value.path) == (9, "salience.maximum")


def test_bad_set_is_located_on_the_command_line(write):
    file = write("ok.yaml", small_yaml())
    with pytest.raises(ScenarioError) as info:
        load_scenario(file, overrides=["isps.TalkTak.stance=graduated"])
    assert info.value.path == "isps.TalkTak"
    assert "did you mean 'TalkTalk'" in info.value.message
    assert info.value.file == "<command line>"


@pytest.mark.parametrize(FIELDS, CASES, ids=IDS)
def test_cli_exit_2_no_traceback_nothing_written(write, tmp_path, case, text, line, path, words):
    file = write("bad.yaml", text)
    out = tmp_path / "results"
    runner = CliRunner()
    for args in (["check", str(file)], ["run", str(file), "--out", str(out), "--no-plots"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert f"{file}:{line}:" in result.stderr
        assert "Traceback" not in result.output + result.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- hostile input
# issue 14: each case must give one located error (file, line where one exists, key path)
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
NESTED = "population: " + "{a: " * 500 + "1" + "}" * 500 + "\n"

# (case, file bytes, line, key path or None, words the message must contain)
HOSTILE = [
    ("empty file", b"", 1, None, ["the file is empty", "{}"]),
    ("only comments", b"# nothing\n\n", 1, None, ["holds no YAML"]),
    ("random bytes", bytes(range(128, 256)) * 16, 1, None, ["not UTF-8", "byte offset 0"]),
    ("latin-1", "name: café\n".encode("latin-1"), 1, None, ["not UTF-8", "byte offset 9"]),
    ("alias bomb", BOMB.encode(), 1, None, ["aliases", "100,000"]),
    ("500 levels", NESTED.encode(), 1, None, ["nested more than 64 levels"]),
    ("python tag", b"name: x\ndescription: !!python/name:os.system\n", 2, "description", ["tag"]),
    ("custom tag", b"name: x\ndescription: !custom hi\n", 2, "description", ["'!custom'"]),
    ("tag on a list", b"isps: !custom\n  - {name: A, market_share: 1}\n", 1, "isps", ["tag"]),
    ("tag on a map", b"salience: !!set {a: 1}\n", 1, "salience", ["tag"]),
    ("list as a key", b"? [a, b]\n: 1\n", 1, None, ["key must be plain text"]),
    (
        "yes for a number",
        b"population:\n  subscribers: yes\n",
        2,
        "population.subscribers",
        ["ambiguous", "boolean", "quote it"],
    ),
    ("on for steps", b"experiment:\n  steps: on\n", 2, "experiment.steps", ["ambiguous"]),
    (
        "true for a number",
        b"population:\n  subscribers: true\n",
        2,
        "population.subscribers",
        ["expected a number", "boolean"],
    ),
    ("sexagesimal", b"experiment:\n  steps: 1:20\n", 2, "experiment.steps", ["base-60"]),
    ("octal", b"experiment:\n  steps: 0012\n", 2, "experiment.steps", ["leading zero"]),
    (
        "infinity",
        b"population:\n  represents: .inf\n",
        2,
        "population.represents",
        ["not a finite number"],
    ),
    (
        "1e309",
        b"isps:\n  - {name: A, market_share: 1, notice_capacity: 1e309}\n",
        2,
        "isps.A.notice_capacity",
        ["not a finite number"],
    ),
    (
        "quoted 1e309",
        b"isps:\n  - {name: A, market_share: 1, notice_capacity: '1e309'}\n",
        2,
        "isps.A.notice_capacity",
        ["expected a finite number"],
    ),
    (
        "huge represents",
        b"population:\n  represents: 1000000000000000000000000000000000000000000\n",
        2,
        "population.represents",
        ["less than or equal to 10000000000"],
    ),
    (
        "norway",
        b"isps:\n  - name: NO\n    market_share: 1\n",
        2,
        "isps.NO.name",
        ["'NO' is ambiguous", "quote it ('NO')"],
    ),
    ("name with newline", b'name: "a\\nb"\n', 1, "name", ["control character"]),
    ("name with NUL", b'name: "a\\0b"\n', 1, "name", ["control character"]),
    ("name of 300 chars", b"name: " + b"x" * 300 + b"\n", 1, "name", ["300 characters"]),
    ("name with a slash", b"name: a/b\n", 1, "name", ["contains one of"]),
    ("name ..", b"name: ..\n", 1, "name", ["starts with '.'"]),
    ("name with leading dot", b"name: .hidden\n", 1, "name", ["starts with '.'"]),
    ("name with tilde", b"name: ~x\n", 1, "name", ["'~'"]),
    ("extends a non-YAML file", b"extends: /etc/passwd\n", 1, "extends", [".yaml or .yml"]),
    ("extends /dev/zero", b"extends: /dev/zero\n", 1, "extends", [".yaml or .yml"]),
    ("duplicate key", b"name: a\nname: b\n", 2, "name", ["appears twice"]),
]
HOSTILE_IDS = [c[0] for c in HOSTILE]


@pytest.mark.parametrize(FIELDS, HOSTILE, ids=HOSTILE_IDS)
def test_hostile_input_gives_one_located_error(tmp_path, case, text, line, path, words):
    file = tmp_path / "bad.yaml"
    file.write_bytes(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    err = info.value
    assert (err.file, err.line, err.path) == (str(file), line, path), str(err)
    for word in words:
        assert word in str(err), str(err)
    assert len(str(err).splitlines()) == 1 and len(str(err)) < 400
    assert "root:" not in str(err)  # never echo a foreign file


def test_an_explicit_empty_mapping_and_a_bare_extends_are_valid(write):
    assert load_scenario(write("e.yaml", "{}\n")).name == "scenario"
    write("base.yaml", small_yaml())
    assert load_scenario(write("child.yaml", "extends: base.yaml\n")).name == "small"


def test_a_1200_file_extends_chain_is_cut_at_32(tmp_path):
    for i in range(1200):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\n" if i < 1199 else "{}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "c0.yaml")
    assert "longer than 32 files" in str(info.value) and info.value.path == "extends"


def test_devices_fifos_and_huge_files_are_not_read(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    for path, words in (
        (Path("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),  # would hang if opened blocking
        (big, "larger than 1024 KiB"),
        (tmp_path, "is a folder"),
    ):
        with pytest.raises(ScenarioError, match=words):
            load_scenario(path)


def test_many_unknown_keys_print_at_most_20_errors(write):
    text = "name: x\n" + "".join(f"unknown_{i}: 1\n" for i in range(5000))
    with pytest.raises(ScenarioError) as info:
        load_scenario(write("many.yaml", text))
    lines = str(info.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 4,980 more errors"


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("population.subscribers.x=5000", "'population.subscribers' is a single value"),
        ("population.subscribers=yes", "ambiguous"),
        ("population.subscribers=true", "expected a number"),
        ("salience.maximum=.nan", "not a finite number"),
        ("name=a/b", "cannot name the results folder"),
    ],
)
def test_bad_set_values_are_located(write, assignment, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write("ok.yaml", small_yaml()), overrides=[assignment])
    assert words in str(info.value)
    assert str(info.value).startswith("<command line>")


@pytest.mark.parametrize(
    "text",
    [b"", b"\xff\xfe garbage", b'name: "x\\0y"\n', b"name: " + b"n" * 300 + b"\n"],
    ids=["empty", "garbage", "NUL name", "long name"],
)
def test_check_and_run_agree_exit_2_nothing_written(tmp_path, text):
    file = tmp_path / "bad.yaml"
    file.write_bytes(text)
    out = tmp_path / "results"
    for args in (["check", str(file)], ["run", str(file), "--out", str(out), "--no-plots"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: {file}:")
        assert len(result.stderr.splitlines()) == 1
        assert "Traceback" not in result.output + result.stderr
    assert not out.exists()
