"""The command line: run, check, diff, schema; extends and --set precedence."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from model import load_scenario
from model.cli import app, scenario_schema
from model.results import load
from tests.conftest import ROOT, small_yaml

runner = CliRunner()


def test_extends_then_file_then_set_then_flags(write):
    write("parent.yaml", small_yaml(extra="salience: {maximum: 0.8, decay_weeks: 5}\n"))
    child = write(
        "child.yaml",
        "extends: parent.yaml\nname: child\nsalience: {maximum: 0.7}\n"
        "isps:\n  - {name: TalkTalk, stance: forward}\n",
    )
    s = load_scenario(child)
    assert (s.salience.maximum, s.salience.decay_weeks) == (0.7, 5)  # child over parent
    assert s.isp("TalkTalk").stance == "forward" and s.isp("TalkTalk").principled  # item merge
    assert s.isp("TalkTalk").market_share == 0.152
    s = load_scenario(child, overrides=["salience.maximum=0.6", "isps.TalkTalk.stance=graduated"])
    assert (s.salience.maximum, s.isp("TalkTalk").stance) == (0.6, "graduated")  # --set wins


def test_run_prints_the_summary_and_flags_override_set(write, tmp_path):
    file = write("s.yaml", small_yaml())
    out = tmp_path / "results"
    args = ["run", str(file), "--out", str(out), "--workers", "1", "--no-plots", "--quiet"]
    result = runner.invoke(
        app, [*args, "--set", "experiment.replicates=5", "--replicates", "3", "--steps", "12"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    for words in ("final infringing share", "wrongful sanctions", "share TalkTalk", "median"):
        assert words in result.stdout
    res = load(out / "small")
    assert res.summary["run_id"].tolist() == [0, 1, 2]
    assert res.timeseries["week"].max() == 11
    assert res.manifest["command"][0] == "conduit"


def test_run_sweep_table_has_a_row_per_point(write, tmp_path):
    text = small_yaml(steps=10).replace(
        "  steps: 10\n",
        "  steps: 10\n  sweep:\n    parameters:\n      isps.TalkTalk.price: [9, 11, 13]\n",
    )
    file = write("s.yaml", text)
    result = runner.invoke(
        app, ["run", str(file), "--out", str(tmp_path), "--workers", "1", "--no-plots", "--quiet"]
    )
    assert result.exit_code == 0, result.stderr
    assert "isps.TalkTalk.price" in result.stdout
    cells = [ln.split("│")[2].strip() for ln in result.stdout.splitlines() if ln.startswith("│")]
    assert [c for c in cells if c] == ["9", "11", "13"] * 2  # outcomes table, ISP shares table
    assert "final ISP market shares" in result.stdout and "[" in result.stdout


def test_a_conflicting_scenario_exits_2_with_advice(write, tmp_path):
    file = write("s.yaml", small_yaml(steps=5))
    base = ["run", str(file), "--out", str(tmp_path), "--workers", "1", "--no-plots", "--quiet"]
    assert runner.invoke(app, base).exit_code == 0
    result = runner.invoke(app, [*base, "--seed", "8"])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert runner.invoke(app, [*base, "--seed", "8", "--force"]).exit_code == 0
    assert load(tmp_path / "small").manifest["experiment"]["seed"] == 8


def test_bad_set_exits_2(write, tmp_path):
    file = write("s.yaml", small_yaml())
    out = tmp_path / "results"
    for bad in ("population.subscribers", "population.subscribrs=5", "population.subscribers=x"):
        result = runner.invoke(app, ["run", str(file), "--out", str(out), "--set", bad])
        assert result.exit_code == 2 and "<command line>" in result.stderr, bad
    assert not out.exists()


def test_check_prints_the_resolved_scenario(write):
    file = write("s.yaml", small_yaml())
    result = runner.invoke(app, ["check", str(file), "--set", "isps.BT.price=99"])
    assert result.exit_code == 0
    assert "1 sweep points x 2 replicates = 2 runs of 20 weeks" in result.stdout
    assert "price: 99" in result.stdout and "subscribers: 2000" in result.stdout


def test_diff_lists_only_differing_parameters():
    base = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
    cf = ROOT / "scenarios" / "counterfactuals" / "uk-legal-service.yaml"
    result = runner.invoke(app, ["diff", str(base), str(cf)])
    assert result.exit_code == 0
    assert "rights_bodies.BPI.legal_service.launch_week" in result.stdout
    assert "isps.BT.price" not in result.stdout
    assert "parameters differ" in result.stdout
    assert runner.invoke(app, ["diff", str(base), str(base)]).stdout.strip() == "no differences"


def test_committed_schema_is_the_generated_one():
    committed = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert committed == scenario_schema()
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.stdout) == committed
    assert "extends" in committed["properties"] and committed["additionalProperties"] is False


def test_shipped_scenarios_reference_the_schema_and_are_valid():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    files += sorted((ROOT / "scenarios" / "counterfactuals").glob("*.yaml"))
    assert files
    for file in files:
        depth = len(file.relative_to(ROOT / "scenarios").parts) - 1
        expected = f"# yaml-language-server: $schema={'../' * (depth + 1)}docs/scenario.schema.json"
        assert file.read_text().splitlines()[0] == expected, file
    result = runner.invoke(app, ["check", "--quiet", *map(str, files)])
    assert result.exit_code == 0, result.stderr
