"""Scenario discovery: PRIM and CART recover a planted box; conditions parse or fail located;
``conduit discover`` writes its files or exits 2 with one line; the Workbench loads lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import load_scenario, results
from model.cli import app
from model.discovery import MIN_POINTS, find_box, grow_tree, report_section
from model.scenario import Scenario, ScenarioError
from model.scenario.condition import ConditionError, parse
from tests.conftest import ROOT, small_yaml

# The planted box: the outcome is 1 when x1 is in [0.2, 0.6] and x3 in [0.5, 0.9]
# (inputs uniform on [0, 1]), else 1 with probability NOISE. The box holds 16 % of the
# 1,000 points; the noise adds about 42 cases outside it (coverage at most ~0.8).
LOW1, HIGH1, LOW3, HIGH3 = 0.2, 0.6, 0.5, 0.9
NOISE = 0.05
INPUTS = [f"x{i}" for i in range(1, 6)]
# Tolerance on a recovered limit, in units of the input's [0, 1] range: one peel removes
# 5 % of the box's points through one face; near the end of the peel the box holds about
# 170 points over a 0.4-wide face, so a peel moves a face by about 0.05 * 0.4 = 0.02,
# and the chosen box may sit a peel or two either side of the true face: 2.5 peels.
TOLERANCE = 0.05


def planted(n: int = 1000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, len(INPUTS))), columns=INPUTS)
    inside = x["x1"].between(LOW1, HIGH1) & x["x3"].between(LOW3, HIGH3)
    y = inside.to_numpy() | (rng.uniform(size=n) < NOISE)
    return x, y


@pytest.mark.parametrize("seed", [1, 2])
def test_prim_recovers_the_planted_box_within_tolerance(seed):
    x, y = planted(seed=seed)
    trajectory, chosen, box, stats, _ = find_box(x, y)
    limits = box.set_index("parameter")
    assert sorted(limits.index) == ["x1", "x3"]  # only the planted inputs are restricted
    for name, low, high in (("x1", LOW1, HIGH1), ("x3", LOW3, HIGH3)):
        assert abs(limits.at[name, "low"] - low) <= TOLERANCE, (name, limits.loc[name])
        assert abs(limits.at[name, "high"] - high) <= TOLERANCE, (name, limits.loc[name])
        assert (limits.loc[name, ["qp_low", "qp_high"]] < 0.05).all()  # every limit supported
    assert stats["density"] >= 0.8  # the target density is met
    assert trajectory["chosen"].sum() == 1 and bool(trajectory.loc[chosen, "chosen"])
    # peeling trades coverage for density: along the peel, density rises and coverage falls
    peel = trajectory[trajectory["step"] == "peel/paste"]
    assert peel["density"].iloc[-1] > peel["density"].iloc[0]
    assert peel["coverage"].iloc[-1] <= peel["coverage"].iloc[0]


def test_cart_splits_on_the_planted_inputs():
    x, y = planted()
    tree, features, leaves = grow_tree(x, y)
    assert features[tree.tree_.feature[0]] in ("x1", "x3")  # the root split
    importance = dict(zip(features, tree.feature_importances_, strict=True))
    assert importance["x1"] + importance["x3"] > 0.8
    densest = leaves.iloc[0]
    assert densest["density"] > 0.9
    mentioned = {name for name in INPUTS if name in densest["rule"]}
    assert mentioned == {"x1", "x3"}, densest["rule"]


def test_find_box_and_tree_are_deterministic():
    x, y = planted()
    a, b = find_box(x, y), find_box(x, y)
    assert a[0].equals(b[0]) and a[2].equals(b[2])
    assert grow_tree(x, y)[2].equals(grow_tree(x, y)[2])


# --------------------------------------------------------------------------- conditions
def test_conditions_evaluate_and_or_not_and_reversed_comparisons():
    table = {"a": np.array([1.0, 2.0, 3.0, np.nan]), "b c": np.array([0.0, 1.0, 0.0, 1.0])}
    assert parse("a > 1.5").evaluate(table).tolist() == [False, True, True, False]
    assert parse("2 <= a").evaluate(table).tolist() == [False, True, True, False]
    assert parse("a > 1.5 and `b c` == 0").evaluate(table).tolist() == [
        False,
        False,
        True,
        False,
    ]
    assert parse("not (a > 1.5) or `b c` != 0").evaluate(table).tolist() == [
        True,
        True,
        False,
        True,
    ]
    assert parse("a >= 1e-3 and a < 2.5").columns == ["a"]


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("final.x >", 10, "expected a number after '>'; got the end"),
        ("final.x 0.3", 9, "expected a comparison"),
        ("final.x > 0.1 and", 18, "expected a column name"),
        ("(final.x > 0.1", 15, "expected ')'"),
        ("final.x = 0.1", 9, "unexpected '='"),
        ("final.x > 0.1 final.y", 15, "expected 'and', 'or' or the end"),
    ],
)
def test_malformed_conditions_name_the_character(text, position, words):
    with pytest.raises(ConditionError) as err:
        parse(text)
    assert f"at character {position}:" in str(err.value)
    assert words in str(err.value)


def test_unknown_column_is_located_with_a_suggestion():
    with pytest.raises(ConditionError) as err:
        parse("x > 1 and final.infringing_shar > 0.1").check(["x", "final.infringing_share"])
    assert "at character 11" in str(err.value)
    assert "did you mean 'final.infringing_share'" in str(err.value)


# --------------------------------------------------------------------------- the command
def fake_results(directory: Path, n: int = 1000, policies: bool = True) -> Path:
    """A results folder with the planted box as the outcome (no simulation needed)."""
    x, y = planted(n)
    names = [f"p.{c}" for c in INPUTS]
    rows = []
    for k, policy in enumerate(["status-quo", "enforce"] if policies else [None]):
        part = x.copy()
        part.columns = names
        part["final.infringing_share"] = np.where(y, 0.10, 0.05) if k == 0 else 0.04
        part.insert(0, "replicate", 0)
        part.insert(0, "point", range(k * n, (k + 1) * n))
        part.insert(0, "run_id", range(k * n, (k + 1) * n))
        if policy is not None:
            part.insert(3, "world", range(n))
            part.insert(4, "policy", policy)
        rows.append(part)
    directory.mkdir(parents=True)
    pd.concat(rows).to_csv(directory / "summary.csv", index=False)
    pd.DataFrame({"run_id": [0]}).to_parquet(directory / "timeseries.parquet")
    scenario = Scenario(name="planted").to_dict()
    if policies:
        scenario["policies"] = [{"name": "status-quo"}, {"name": "enforce"}]
    manifest = {"format": results.FORMAT, "scenario": scenario, "parameters": names}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def test_discover_writes_the_trajectory_box_tree_and_a_plain_summary(tmp_path):
    directory = fake_results(tmp_path / "r")
    result = CliRunner().invoke(
        app,
        ["discover", str(directory), "--where", "final.infringing_share > 0.08", "--name",
         "high", "--no-svg"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    folder = directory / "discovery" / "high" / "status-quo"
    for name in ("peeling.csv", "peeling.png", "box.csv", "box.png", "tree.csv", "tree.png"):
        assert (folder / name).stat().st_size > 0, name
    box = pd.read_csv(folder / "box.csv").set_index("parameter")
    assert sorted(box.index) == ["p.x1", "p.x3"]
    assert abs(box.at["p.x3", "low"] - LOW3) <= TOLERANCE
    text = (folder / "summary.md").read_text()
    assert "Under **status-quo**" in text and "x3 is between" in text and "x1 is between" in text
    # the other policy never meets the condition: said in words, no box drawn
    other = (directory / "discovery" / "high" / "enforce" / "summary.md").read_text()
    assert "in 0 of 1,000" in other and "nothing to tell apart" in other
    assert not (directory / "discovery" / "high" / "enforce" / "box.csv").exists()
    boxes = pd.read_csv(directory / "discovery" / "boxes.csv")
    assert list(boxes["policy"]) == ["status-quo", "enforce"]
    html = report_section(directory)
    assert "Scenario discovery" in html and "data:image/png;base64" in html


def test_policy_option_restricts_to_one_policy(tmp_path):
    directory = fake_results(tmp_path / "r")
    result = CliRunner().invoke(
        app,
        ["discover", str(directory), "--where", "final.infringing_share > 0.08", "--policy",
         "status-quo", "--no-svg"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert list(pd.read_csv(directory / "discovery" / "boxes.csv")["policy"]) == ["status-quo"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--where", "final.infringing_shar > 0.1"], "did you mean 'final.infringing_share'"),
        (["--where", "final.infringing_share >> 0.1"], "at character 25"),
        (["--where", "final.infringing_share > 0.1", "--policy", "enforc"], "did you mean"),
        ([], "no question: give --where"),
    ],
)
def test_bad_questions_exit_2_with_one_located_line_and_write_nothing(tmp_path, args, words):
    directory = fake_results(tmp_path / "r")
    result = CliRunner().invoke(app, ["discover", str(directory), *args])
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert not (directory / "discovery").exists()


def test_too_few_runs_for_prim_is_a_located_error(tmp_path):
    directory = fake_results(tmp_path / "r", n=MIN_POINTS - 1, policies=False)
    result = CliRunner().invoke(
        app, ["discover", str(directory), "--where", "final.infringing_share > 0.08"]
    )
    assert result.exit_code == 2
    assert f"{MIN_POINTS - 1} runs; PRIM needs at least {MIN_POINTS}" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (directory / "discovery").exists()


def test_import_model_and_cli_start_up_do_not_import_the_workbench():
    code = (
        "import sys, model, model.cli, model.report\n"
        "from typer.testing import CliRunner\n"
        "CliRunner().invoke(model.cli.app, ['--help'])\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('ema_workbench', 'sklearn')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]", out.stdout


# --------------------------------------------------------------------------- scenario
UK = ROOT / "scenarios"


def test_policy_from_a_file_is_what_the_file_changes_from_its_base(write):
    text = small_yaml(replicates=1) + (
        "policies:\n"
        "  - name: status-quo\n"
        f"  - {{name: law, file: {UK / 'counterfactuals' / 'uk-law-due-process.yaml'}}}\n"
        f"  - name: legal\n    file: {UK / 'counterfactuals' / 'uk-legal-service.yaml'}\n"
        "    set: {rights_bodies.BPI.legal_service.price: 3.0}\n"
    )
    scenario = load_scenario(write("p.yaml", text))
    law = scenario.policies[1]
    # uk-law-due-process extends uk-law-graduated extends the base: both files' changes
    assert law.set["regulator.schedule.law_week"] == 78
    assert law.set["regulator.due_process"] is True
    assert not any(k.startswith(("population", "experiment", "name")) for k in law.set)
    assert law.description.startswith("Graduated response by law")
    legal = scenario.policies[2].set
    assert legal == {
        "rights_bodies.BPI.legal_service.launch_week": 26,
        "rights_bodies.BPI.legal_service.price": 3.0,  # set wins over the file
    }


def test_missing_policy_file_is_located_like_extends(write):
    text = small_yaml(replicates=1) + (
        "policies:\n  - name: status-quo\n  - {name: law, file: nowhere/law.yaml}\n"
    )
    path = write("p.yaml", text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "policy file not found" in message and "nowhere/law.yaml" in message
    assert err.value.path == "policies.law.file" and err.value.line == text.count("\n")


def test_discovery_question_with_a_bad_condition_is_located(write):
    text = small_yaml(replicates=1) + (
        "  sweep:\n    method: lhs\n    samples: 4\n"
        "    parameters:\n      rights_bodies.BPI.detection_prob: {low: 0.001, high: 0.01}\n"
        "discovery:\n  questions:\n"
        "    - {name: high, where: final.infringing_shar > 0.1}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(write("d.yaml", text))
    assert err.value.path == "discovery.questions.high.where"
    assert "did you mean 'final.infringing_share'" in str(err.value)
