"""Bad scenario input: one located error (file, line, key path), exit code 2, nothing written."""

from __future__ import annotations

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
