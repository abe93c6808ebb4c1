"""Seeded baselines of key outcomes: any change of the model's behaviour shows up here.

Each scenario in scenarios/ and scenarios/counterfactuals/ is run at 20,000 subscribers
for 104 weeks with seed 1 (tests/baselines/regenerate.py) and compared with the committed
tests/baselines/<scenario>.json: integers and strings exactly, floats to a relative
tolerance of 1e-6 (they are stored rounded to 6 decimals).

When a change of behaviour is intended, regenerate and commit the new baselines with the
change, so the diff of the JSON files shows the effect in review:

    make baselines            # or: .venv/bin/python tests/baselines/regenerate.py
    git diff tests/baselines/

A new scenario file fails here until its baseline is generated.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("regenerate", HERE / "baselines" / "regenerate.py")
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)

FILES = regenerate.scenario_files()


def compare(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for key in want:
            compare(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, bool) or isinstance(want, int | str) or want is None:
        assert got == want, f"{where}: got {got!r}, baseline {want!r}"
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9), (
            f"{where}: got {got}, baseline {want}"
        )
    else:
        assert got == want, where


def test_every_scenario_has_a_baseline():
    missing = [f.name for f in FILES if not regenerate.baseline_path(f).exists()]
    assert not missing, f"run `make baselines` to create: {missing}"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_key_outcomes_match_the_committed_baseline(path):
    stored = regenerate.baseline_path(path)
    if not stored.exists():
        pytest.fail(f"no baseline for {path.name}: run `make baselines`")
    want = json.loads(stored.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(regenerate.key_outcomes(path)))
    compare(got, want, path.stem)
