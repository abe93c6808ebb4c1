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
    for words in (
        "Infringing share, mean over the run",
        "Wrongful sanctions, total",
        "share TalkTalk",
        "median",
    ):
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


# --------------------------------------------------------------------------- issue 14
def _args(file, out):
    return ["run", str(file), "--out", str(out), "--workers", "1", "--no-plots", "--quiet"]


def test_a_bad_scheduler_address_exits_2_at_once_writing_nothing(write, tmp_path):
    file = write("s.yaml", small_yaml())
    out = tmp_path / "results"
    result = runner.invoke(app, [*_args(file, out), "--scheduler", "garbage"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --scheduler 'garbage' is not a Dask scheduler address; "
        "expected tcp://HOST:PORT (e.g. tcp://10.0.0.1:8786)\n"
    )
    assert not out.exists()


def test_a_huge_sweep_is_refused_without_allow_large(write, tmp_path):
    grid = "  sweep:\n    parameters:\n" + "".join(
        f"      {p}: [{', '.join(str(v / 1000) for v in range(400))}]\n"
        for p in ("rights_bodies.BPI.detection_prob", "rights_bodies.BPI.misattribution_rate")
    )
    file = write(
        "s.yaml", small_yaml(replicates=1).replace("  steps: 20\n", "  steps: 20\n" + grid)
    )
    out = tmp_path / "results"
    result = runner.invoke(app, _args(file, out))
    assert result.exit_code == 2
    assert "160,000 runs (more than 100,000)" in result.stderr and "--allow-large" in result.stderr
    assert not out.exists()
    checked = runner.invoke(app, ["check", str(file)])
    assert checked.exit_code == 0 and "--allow-large above 100,000" in checked.stderr
    assert "160000 sweep points x 1 replicates = 160000 runs" in checked.stdout


def test_an_internal_error_is_one_line_and_a_saved_report(write, tmp_path, monkeypatch):
    import model.experiment

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(model.experiment, "run_experiment", broken)
    monkeypatch.setenv("CONDUIT_CRASH_DIR", str(tmp_path / "crashes"))
    result = runner.invoke(app, _args(write("s.yaml", small_yaml()), tmp_path / "out"))
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    (report,) = (tmp_path / "crashes").iterdir()
    assert line == (
        f"error: internal error (ValueError: a bug); the full traceback is in {report}; "
        "please report it, with that file, to the conduit maintainers "
        "(open an issue in the conduit repository)"
    )
    text = report.read_text()
    assert "Traceback (most recent call last)" in text and "ValueError: a bug" in text


def test_plots_failing_on_a_full_disk_is_an_error(write, tmp_path, monkeypatch):
    import errno

    import model.plots

    def full(directory, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(directory / "report.html"))

    monkeypatch.setattr(model.plots, "plot_results", full)
    file = write("s.yaml", small_yaml(steps=3))
    result = runner.invoke(app, [a for a in _args(file, tmp_path) if a != "--no-plots"])
    assert result.exit_code == 1
    assert (
        f"error: plotting failed: cannot use {tmp_path / 'small' / 'report.html'}: "
        "the disk is full" in result.stderr
    )
    assert f"draw them again with `conduit plot {tmp_path / 'small'}`" in result.stderr


def test_results_commands_name_a_missing_or_corrupted_file(write, tmp_path):
    file = write("s.yaml", small_yaml(steps=3))
    assert runner.invoke(app, _args(file, tmp_path)).exit_code == 0
    folder = tmp_path / "small"
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 0
    data = bytearray((folder / "timeseries.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "timeseries.parquet").write_bytes(bytes(data))
    commands = [["plot"], ["analyse"], ["compare-policies"], ["compare", str(folder), "--out"]]
    for command in commands:
        args = [*command, str(tmp_path / "cmp")] if command[0] == "compare" else command
        result = runner.invoke(app, [*args, str(folder)])
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr == (
            f"error: {folder / 'timeseries.parquet'} is corrupted (its checksum differs from "
            "the manifest's); run the scenario again (`conduit run`) to rebuild it from the "
            "run files\n"
        )
    verdict = runner.invoke(app, ["verify", str(folder)])
    assert verdict.exit_code == 1 and "corrupted  timeseries.parquet" in verdict.stdout
    (folder / "timeseries.parquet").unlink()
    for command in (["analyse"], ["compare-policies"]):
        result = runner.invoke(app, [*command, str(folder)])
        assert result.exit_code == 2 and "timeseries.parquet is missing" in result.stderr
    (folder / "manifest.json").write_text("[1, 2]")
    for command in (["analyse"], ["compare-policies"], ["verify"], ["plot"]):
        result = runner.invoke(app, [*command, str(folder)])
        assert result.exit_code == 2
        assert result.stderr == f"error: {folder / 'manifest.json'}: not a conduit manifest\n"
    result = runner.invoke(app, _args(file, tmp_path))
    assert result.exit_code == 2 and "was not written by conduit" in result.stderr


def test_a_file_in_place_of_the_results_folder_exits_2(write, tmp_path):
    (tmp_path / "small").write_text("mine")
    result = runner.invoke(app, _args(write("s.yaml", small_yaml()), tmp_path))
    assert result.exit_code == 2 and "is a file, not a results folder" in result.stderr
    assert (tmp_path / "small").read_text() == "mine"


def test_compare_never_overwrites_a_report_it_did_not_write(write, tmp_path):
    file = write("s.yaml", small_yaml(steps=3))
    assert runner.invoke(app, _args(file, tmp_path)).exit_code == 0
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.html").write_text("my report")
    folder = str(tmp_path / "small")
    result = runner.invoke(app, ["compare", folder, folder, "--out", str(out), "--no-svg"])
    assert result.exit_code == 2 and "did not write" in result.stderr
    assert (out / "report.html").read_text() == "my report"


def test_viz_port_range_and_a_warning_off_loopback(monkeypatch):
    from model.cli.viz import is_loopback

    result = runner.invoke(app, ["viz", "--port", "70000"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "less than or equal to 65535" in result.stderr
    assert [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.1.2.3")] == [True] * 4
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.4", "example.org")] == [False] * 4
    import model.viz.server

    monkeypatch.setattr(model.viz.server, "serve", lambda *a, **k: 0)
    result = runner.invoke(app, ["viz", "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert "warning: --host 0.0.0.0 makes the visualiser reachable from other machines" in (
        result.stderr
    )
    assert "warning" not in runner.invoke(app, ["viz"]).stderr


def test_sigterm_reaches_viz_as_the_interrupt_that_stops_the_server(monkeypatch):
    import os
    import signal
    import time

    import model.viz.server

    def serve(*args, **kwargs):  # serve() terminates the Solara server on KeyboardInterrupt
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
        except KeyboardInterrupt:
            return 0
        return 99

    monkeypatch.setattr(model.viz.server, "serve", serve)
    before = signal.getsignal(signal.SIGTERM)
    assert runner.invoke(app, ["viz"]).exit_code == 0
    assert signal.getsignal(signal.SIGTERM) == before


def test_an_unreachable_scheduler_exits_2_and_leaves_nothing(write, tmp_path):
    import dask
    import distributed  # noqa: F401 - its defaults must be loaded before overriding one

    file = write("s.yaml", small_yaml())
    out = tmp_path / "results"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = runner.invoke(app, [*_args(file, out), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (out / "small").exists()
