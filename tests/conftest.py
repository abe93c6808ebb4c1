"""Shared fixtures: small scenario files (2,000 subscribers, 20 weeks) written to tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"


def small_yaml(name: str = "small", extra: str = "", replicates: int = 2, steps: int = 20) -> str:
    """A small UK scenario (extends the shipped one by absolute path) plus ``extra`` YAML."""
    return (
        f"extends: {UK}\n"
        f"name: {name}\n"
        "population: {subscribers: 2000}\n"
        f"experiment:\n  replicates: {replicates}\n  seed: 7\n  steps: {steps}\n" + extra
    )


def one_isp_data(
    isp: dict | None = None,
    body: dict | None = None,
    n: int = 1000,
    population: dict | None = None,
    regulator: dict | None = None,
) -> dict:
    """A scenario of one ISP ("A") and one rights body ("RB") detecting every sharer
    without misattribution, and no churn or VPN; each dict is merged into its section."""
    return {
        "population": {
            "subscribers": n,
            "vpn": {"adopt_on_notice": 0.0, "weekly_rate": 0.0},
            "churn": {"base_weekly": 0.0, "flight": 0.0},
            **(population or {}),
        },
        "isps": [{"name": "A", "market_share": 1.0, "adaptive": False, **(isp or {})}],
        "rights_bodies": [
            {
                "name": "RB",
                "detection_prob": 1.0,
                "misattribution_rate": 0.0,
                "escalates": False,
                **(body or {}),
            }
        ],
        "regulator": regulator or {},
    }


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(name, text)``: a file in tmp_path holding ``text``."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return _write
