"""``conduit run --set``: an overridden run gets its own name and folder (issue 17)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from model.cli import app

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
FLAGS = ["--steps", "2", "--replicates", "1", "--no-plots", "--quiet", "--workers", "1"]


def run(out: Path, *sets: str):
    args = ["run", str(UK), *FLAGS, "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    return CliRunner().invoke(app, args)


def test_readme_example_runs_after_the_base_run(tmp_path):
    assert run(tmp_path).exit_code == 0
    base = tmp_path / "uk-2008-bpi-vs-talktalk"
    assert (base / "manifest.json").is_file()
    result = run(tmp_path, "isps.TalkTalk.stance=graduated")  # the README example
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(
        json.dumps({"isps.TalkTalk.stance": "graduated"}, sort_keys=True).encode()
    ).hexdigest()[:8]
    name = f"uk-2008-bpi-vs-talktalk-{digest}"
    assert f"this run is named {name}" in result.stderr
    manifest = json.loads((tmp_path / name / "manifest.json").read_text())
    assert manifest["scenario"]["name"] == name
    isps = {i["name"]: i for i in manifest["scenario"]["isps"]}
    assert isps["TalkTalk"]["stance"] == "graduated"
    base_manifest = json.loads((base / "manifest.json").read_text())
    assert base_manifest["scenario"]["name"] == "uk-2008-bpi-vs-talktalk"  # untouched
    again = run(tmp_path, "isps.TalkTalk.stance=graduated")  # same overrides: same folder
    assert again.exit_code == 0 and f"named {name}" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["uk-2008-bpi-vs-talktalk", name])


def test_overrides_that_change_nothing_keep_the_name(tmp_path):
    result = run(tmp_path, "population.subscribers=100000")  # the file's own value
    assert result.exit_code == 0, result.output
    assert "named" not in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["uk-2008-bpi-vs-talktalk"]
