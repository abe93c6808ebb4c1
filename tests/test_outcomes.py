"""The outcome registry (model/outcomes.py) against what the model records, and ODD section 8."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from model import PolicyModel, load_scenario, outcomes
from model.outcomes import OUTCOMES, columns_for, lookup

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml") if p.name != "targets.yaml")
WEEKS = 4
SUBSCRIBERS = 2_000


def _recorded(path: Path) -> tuple[object, pd.DataFrame]:
    scenario = load_scenario(path, overrides={"population.subscribers": SUBSCRIBERS})
    return scenario, PolicyModel(scenario, rng=3).run(WEEKS).outcomes()


@pytest.fixture(scope="module")
def recorded() -> dict[str, tuple[object, pd.DataFrame]]:
    """Every shipped scenario, run for a few weeks with a small population."""
    return {p.relative_to(ROOT).as_posix(): _recorded(p) for p in SCENARIOS}


def test_every_shipped_scenario_is_covered():
    assert len(SCENARIOS) >= 10, SCENARIOS


def test_the_model_records_exactly_the_registered_columns(recorded):
    for name, (scenario, frame) in recorded.items():
        columns = [c for c in frame.columns if c != outcomes.WEEK]
        unregistered = [c for c in columns if lookup(c) is None]
        assert not unregistered, f"{name}: register these outcomes in model/outcomes.py"
        # the registry's expansion of families for this scenario is what the model writes
        assert sorted(columns) == sorted(columns_for([scenario])), name


def test_every_registered_outcome_is_produced_by_some_scenario(recorded):
    produced = {c for _, frame in recorded.values() for c in frame.columns}
    never = [o.name for o in OUTCOMES if not any(o.matches(c) for c in produced)]
    assert not never, f"registered but never recorded: {never}"


def test_per_run_event_columns_are_exactly_the_registered_ones(recorded):
    """Every key of ``event_weeks`` is a registered run event, and each one is produced; an
    event column is neither a weekly outcome nor a ``final.``/``total.`` summary column."""
    from model.events import event_weeks

    produced: set[str] = set()
    for name, (_, frame) in recorded.items():
        keys = event_weeks(frame)
        unregistered = [k for k in keys if outcomes.run_event(k) is None]
        assert not unregistered, f"{name}: register these in outcomes.RUN_EVENTS"
        isps = [c.removeprefix("stance.") for c in frame.columns if c.startswith("stance.")]
        assert {f"week_first_forward.{i}" for i in isps} <= set(keys), name
        produced |= set(keys)
    never = [e.name for e in outcomes.RUN_EVENTS if not any(e.matches(k) for k in produced)]
    assert not never, f"registered but never produced: {never}"
    assert all(lookup(k) is None and outcomes.summary_outcome(k) is None for k in produced)
    assert outcomes.run_event("week_first_forward.") is None
    assert outcomes.run_event("final.week_law") is None


def test_results_layout_lists_the_run_event_columns():
    layout = (ROOT / "docs" / "results-layout.md").read_text(encoding="utf-8")
    assert outcomes.run_events_table() in layout, (
        "docs/results-layout.md's per-run event table differs from outcomes.RUN_EVENTS: paste "
        "outcomes.run_events_table() there"
    )


def test_kinds_match_the_recorded_types(recorded):
    """Categories are text and everything else numeric (so summary columns are as declared)."""
    for name, (_, frame) in recorded.items():
        for column in frame.columns.drop(outcomes.WEEK):
            numeric = pd.api.types.is_numeric_dtype(frame[column])
            assert numeric == lookup(column).numeric, (name, column)
            if lookup(column).kind == "share":
                assert frame[column].between(0.0, 1.0).all(), (name, column)


def test_summed_columns_are_the_event_counts():
    """total.<column> in summary.csv: the counts of events, as summary.csv has always had."""
    summed = {o.name for o in OUTCOMES if o.summed}
    assert summed == {
        "notices_sent",
        "wrongful_notices",
        "notices_handled",
        "notices_refused",
        "notices_dropped",
        "notices_quarantined",
        "warnings_level_<n>",
        "sanction_cases",
        "sanctions",
        "wrongful_sanctions",
        "wrongful_sanction_cases",
        "cases_reviewed",
        "cases_overturned",
        "lawsuits",
        "notices_handled.<ISP>",
    }
    assert outcomes.is_summed("warnings_level_3")
    assert outcomes.is_summed("notices_handled.TalkTalk")
    assert not outcomes.is_summed("customers.TalkTalk")
    assert not outcomes.is_summed("not_an_outcome")


def test_summary_columns_scaling_and_goals():
    assert outcomes.split_summary("total.sanctions") == ("total", "sanctions")
    assert outcomes.split_summary("total.infringing_share") is None  # a share is not summed
    assert outcomes.split_summary("final.stance.BT") is None  # a category has no summary
    assert outcomes.real_factor("total.sanctions", 50.0) == 50.0
    assert outcomes.real_factor("final.customers.BT", 50.0) == 50.0
    assert outcomes.real_factor("final.infringing_share", 50.0) == 1.0
    assert outcomes.real_factor("final.rights_holder_revenue", 50.0) == 1.0  # GBP, real scale
    assert outcomes.goal("final.legal_share") == "maximise"
    assert outcomes.goal("final.market_share.BT") is None
    assert outcomes.KEY_OUTCOMES == (
        ("final infringing share", "final.infringing_share"),
        ("final legal share", "final.legal_share"),
        ("sanctions", "total.sanctions"),
        ("wrongful sanctions", "total.wrongful_sanctions"),
    )


def test_the_selections_name_registered_summary_columns():
    for column in (*outcomes.COMPARED, *outcomes.HEADLINE, *outcomes.REPORTED):
        assert outcomes.summary_outcome(column) is not None, column
    for o in OUTCOMES:
        assert o.of is None or lookup(o.of).kind == o.kind == "count", o.name


def test_the_summary_pattern_accepts_exactly_the_summary_names():
    pattern = re.compile(outcomes.summary_pattern())
    for name in ("final.market_share.Virgin Media", "total.warnings_level_2", "final.week_x"):
        assert (pattern.fullmatch(name) is not None) == (outcomes.summary_outcome(name) is not None)
    assert pattern.fullmatch("total.infringing_share") is None
    assert pattern.fullmatch("final.stance.BT") is None


def test_odd_section_8_is_the_registry_table():
    """docs/ODD.md section 8 holds ``python -m model.outcomes`` output: regenerate it there."""
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd.split("## 8.", 1)[1].split("\n## ", 1)[0]
    assert outcomes.odd_table() in section, (
        "ODD section 8's table differs from model/outcomes.py: paste the output of "
        "`python -m model.outcomes` into docs/ODD.md section 8"
    )


def test_scenario_outcome_names_expand_families_with_the_policies_warning_levels():
    from model import ScenarioError

    main = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
    data = {
        "policies": [
            {"name": "status-quo"},
            {"name": "five-strikes", "set": {"regulator.law_warning_levels": 5}},
        ],
        "analysis": None,
        "experiment": {
            "replicates": "auto",
            "precision": {"outcome": "total.warnings_level_5", "ci_width": 0.1},
        },
    }
    scenario = load_scenario(main, data=data)  # level 5 exists under one policy only
    assert scenario.experiment.precision.outcome == "total.warnings_level_5"
    data["experiment"]["precision"]["outcome"] = "total.warnings_level_6"
    with pytest.raises(ScenarioError, match=r"unknown outcome 'total.warnings_level_6'"):
        load_scenario(main, data=data)
    data["experiment"]["precision"]["outcome"] = "final.market_share.TalkTlk"
    with pytest.raises(ScenarioError, match=r"did you mean 'final.market_share.TalkTalk'"):
        load_scenario(main, data=data)


def test_validation_targets_must_name_recorded_columns(tmp_path):
    from model import ScenarioError
    from model.validation import load_targets

    scenario = ROOT / "scenarios" / "validation" / "france-hadopi-2010.yaml"
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n"
        "  - name: x\n"
        f"    scenario: {scenario}\n"
        "    outcome: sanctions in the first weeks\n"
        "    compute: {metric: ratio, numerator: warnings_level_2, denominator: warnings_level_9,"
        " at: 10, weeks: 5}\n"
        "    band: [0, 1]\n"
        "    source: a test\n"
        "    firmness: E\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_targets(targets)
    assert info.value.path == "targets.x.compute.denominator"
    assert info.value.line == 5
    assert "unknown outcome column 'warnings_level_9'" in str(info.value)


def test_labels_for_digests_tables_and_figures():
    assert [outcomes.table_label(c) for c in outcomes.REPORTED] == [
        "Infringing share, final week (%)",
        "P2P traffic index, final week",
        "Top-decile traffic share, final week (%)",
        "Repeat-notice share, final week (%)",
        "Legal share, final week (%)",
        "VPN share, final week (%)",
        "Suspended share, final week (%)",
        "Notices sent, total",
        "Sanctions, total",
        "Wrongful sanctions, total",
    ]
    assert lookup("profit.BT").label == "revenue minus enforcement costs"
    assert [o.name for o in outcomes.figure_group("outcomes")] == [
        "infringing_share",
        "p2p_traffic",
        "traffic_top_decile_share",
        "repeat_notice_share",
        "legal_share",
        "vpn_share",
        "suspended_share",
    ]
    share = lookup("infringing_share")
    assert (share.title, share.axis, share.factor) == (
        "Infringing share",
        "% of subscribers sharing that week",
        100.0,
    )
