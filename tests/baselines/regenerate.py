"""Regenerate the committed seeded baselines of key outcomes (``make baselines``).

Runs every scenario in scenarios/ and scenarios/counterfactuals/ at 20,000 subscribers
for 104 weeks with seed 1 and writes tests/baselines/<scenario file stem>.json with a
handful of key outcomes. tests/test_baselines.py recomputes them and compares: any
change of behaviour shows up as a diff of these files in review.

Usage: .venv/bin/python tests/baselines/regenerate.py [scenario.yaml ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import PolicyModel, load_scenario  # noqa: E402

HERE = Path(__file__).resolve().parent
SUBSCRIBERS = 20_000
WEEKS = 104
SEED = 1
DIGITS = 6  # decimals kept for shares and other floats


def scenario_files() -> list[Path]:
    scenarios = ROOT / "scenarios"
    return sorted(scenarios.glob("*.yaml")) + sorted((scenarios / "counterfactuals").glob("*.yaml"))


def key_outcomes(path: Path) -> dict[str, Any]:
    """The baseline record of one scenario: settings and key outcomes, JSON-ready."""
    scenario = load_scenario(path, overrides={"population.subscribers": SUBSCRIBERS})
    m = PolicyModel(scenario, rng=SEED).run(WEEKS)
    df = m.outcomes()
    last = df.iloc[-1]
    names = [isp.name for isp in m.isps]
    return {
        "scenario": scenario.name,
        "file": str(path.relative_to(ROOT)),
        "subscribers": SUBSCRIBERS,
        "weeks": WEEKS,
        "seed": SEED,
        "infringing_share_last13": round(float(df.infringing_share.iloc[-13:].mean()), DIGITS),
        "total_notices": int(df.notices_sent.sum()),
        "total_sanction_cases": int(df.sanction_cases.sum()),
        "total_wrongful_sanction_cases": int(df.wrongful_sanction_cases.sum()),
        "total_sanctions": int(df.sanctions.sum()),
        "total_wrongful_sanctions": int(df.wrongful_sanctions.sum()),
        "total_cases_overturned": int(df.cases_overturned.sum()),
        "final_review_backlog": int(last.review_backlog),
        "final_legal_share": round(float(last.legal_share), DIGITS),
        "final_vpn_share": round(float(last.vpn_share), DIGITS),
        "final_market_shares": {n: round(float(last[f"market_share.{n}"]), DIGITS) for n in names},
        "final_stances": {n: str(last[f"stance.{n}"]) for n in names},
        "final_legislative_stage": m.regulator.stage_name,
    }


def baseline_path(path: Path) -> Path:
    return HERE / f"{path.stem}.json"


def main(argv: list[str]) -> None:
    files = [Path(a).resolve() for a in argv] or scenario_files()
    for path in files:
        record = key_outcomes(path)
        out = baseline_path(path)
        out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
