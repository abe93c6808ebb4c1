"""The visualiser's live ensembles: batch seeds, common random numbers, bands, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import experiment, policies
from model.policy_model import PolicyModel
from model.results import load
from model.viz import charts
from model.viz.ensemble import KEY_OUTCOMES, Arm, bands, differences, seed_for, spread
from model.viz.export import export
from model.viz.settings import Options, Settings
from model.viz.workbench import ENSEMBLE_BUDGET, Workbench, subscribers_per_run

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
SMALL = 4_000


def bench(runs: int, variant: str = "", weeks: int = 4) -> Workbench:
    settings = Settings(UK, max_subscribers=SMALL)
    settings.options = Options(ensemble=runs > 1, runs=runs, compare=bool(variant), variant=variant)
    w = Workbench(settings)
    for _ in range(weeks):
        w.step()
    return w


@pytest.fixture(scope="module")
def ab():
    return bench(4, "isps.BT.stance: graduated\nisps.BT.adaptive: false", weeks=6)


def test_replicates_take_the_batch_tools_seeds(ab):
    """Run r of the arm is PolicyModel on SeedSequence(seed, spawn_key=(0, r))."""
    scenario = ab.a.scenario
    assert seed_for(scenario, 2).spawn_key == (0, 2)
    alone = PolicyModel(scenario, rng=seed_for(scenario, 2)).run(6).outcomes()
    pd.testing.assert_frame_equal(alone, ab.a.outcomes(2))
    # replicates differ from each other
    assert not ab.a.outcomes(0).equals(ab.a.outcomes(1))


def test_identical_policies_differ_by_nothing():
    """Common random numbers: B = A (a change to the value A has) gives zero differences."""
    w = bench(3, "isps.BT.stance: refuse", weeks=5)
    table = differences(w.a, w.b)
    assert (table["mean_diff"] == 0).all()
    assert (table["paired_low"] == 0).all() and (table["paired_high"] == 0).all()


def test_difference_matches_compare_policies_formula(ab):
    table = differences(ab.a, ab.b)
    rows = []
    for key in KEY_OUTCOMES:
        for label, arm in (("A", ab.a), ("B", ab.b)):
            for r, v in enumerate(key.per_run(arm)):
                rows.append(
                    {
                        "outcome": key.column,
                        "policy": label,
                        "world": 0,
                        "replicate": r,
                        "value": float(v),
                    }
                )
    reference = policies.paired(pd.DataFrame(rows), ["A", "B"])
    merged = table.merge(reference, on="outcome", suffixes=("", "_ref"))
    for col in ("mean_diff", "paired_low", "paired_high"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_ref"], rtol=1e-12, atol=1e-12)
    # BT polices in B only: more notices handled in B in every replicate
    handled_b = ab.b.totals("notices_handled")
    handled_a = ab.a.totals("notices_handled")
    assert (handled_b >= handled_a).all() and handled_b.sum() > handled_a.sum()


def test_event_timing_counts_runs_that_have_started_policing(ab):
    a_share, b_share = ab.a.policing_share(), ab.b.policing_share()
    assert len(b_share["BT"]) == 6
    assert (b_share["BT"] == 1.0).all()  # B: BT polices from week 0 in every run
    assert (a_share["TalkTalk"] == 1.0).all()  # principled, but signs the MoU's letters
    assert (np.diff(a_share["BT"]) >= 0).all()  # "has started by" never falls
    assert ((ab.a.law_share() >= 0) & (ab.a.law_share() <= 1)).all()


def test_bands_are_ordered_quantiles():
    values = np.arange(40, dtype=float).reshape(8, 5)  # runs x weeks
    b = bands(values)
    assert list(b.weeks) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(b.median, np.median(values, axis=0))
    assert (b.p05 <= b.p25).all() and (b.p25 <= b.median).all()
    assert (b.median <= b.p75).all() and (b.p75 <= b.p95).all()
    s = spread(np.array([3.0, 1.0, 2.0]))
    assert (s.median, s.low, s.high) == (2.0, 1.0, 3.0)
    assert s.text() == "2 (1 to 3)"
    assert spread(np.array([5.0, 5.0])).text() == "5"


def test_charts_draw_bands_only_for_ensembles(ab):
    single = bench(1, weeks=3)
    assert "polygon" not in charts.infringing(single.a, None, "2008-07-01").svg
    svg = charts.infringing(ab.a, ab.b, "2008-07-01").svg
    assert svg.count('class="band"') == 4  # 50 and 90 % bands, A and B
    assert "date (week 0 = 2008-07-01)" in svg
    legislation = charts.legislation(single.a, None, 10.0, 40.0, None).svg
    assert legislation.count(">consultation threshold<") == 1
    assert ">week<" in legislation
    market = charts.market(ab.a, ab.b, None)
    assert "stance changes" in market.caption


def test_the_population_is_capped_by_the_budget():
    assert subscribers_per_run(20_000, 200_000, 16) == 20_000
    assert subscribers_per_run(100_000, 200_000, 64) == ENSEMBLE_BUDGET // 64
    assert subscribers_per_run(100_000, 50_000, 1) == 50_000


def test_a_run_stops_at_its_last_week():
    settings = Settings(UK, max_subscribers=SMALL)
    w = Workbench(settings)
    w.run_weeks = 2
    w.step()
    assert w.running
    w.step()
    assert w.finished and not w.running
    w.step()
    assert w.week == 2


def test_export_writes_runs_the_batch_tools_reproduce(ab, tmp_path):
    folder = export(ab, tmp_path, stamp="t")
    res = load(folder)
    assert res.manifest["policies"] == ["A", "B"]
    assert res.manifest["experiment"]["replicates"] == 4
    assert len(res.summary) == 8 and sorted(res.timeseries["week"].unique()) == list(range(6))
    spec = experiment.plan(res.scenario)[5]  # B, replicate 1
    assert (spec.policy_name, spec.replicate) == ("B", 1)
    again = experiment.run_table(res.scenario.to_dict(), spec).reset_index(drop=True)
    written = res.timeseries[res.timeseries["run_id"] == spec.run_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(again, written, check_dtype=False)


def test_export_refuses_before_the_first_step(tmp_path):
    with pytest.raises(ValueError, match="press Step"):
        export(bench(1, weeks=0), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_arm_rejects_a_bad_run_count():
    settings = Settings(UK, max_subscribers=SMALL)
    with pytest.raises(ValueError, match=r"runs must be 1\.\.32"):
        Arm("A", settings.scenario(), 33)


def test_legends_list_each_label_once_and_axes_carry_units():
    from model.viz.svg import Series, line_chart

    svg = line_chart(
        "t",
        [Series("BT", [0, 1], [1, 2], dash="6,3"), Series("BT", [0, 1], [2, 3])],
        "% of subscribers",
        bands=[(0, 1, "#fff", "stage: law"), (1, 2, "#fff", "stage: law")],
    )
    assert svg.count(">BT<") == 1 and svg.count(">stage: law<") == 1
    assert ">% of subscribers<" in svg and ">week<" in svg


def test_long_runs_are_thinned_to_the_plot_width():
    from model.viz.svg import MAX_POINTS, thinned

    assert thinned(10) == list(range(10))
    keep = thinned(260)
    assert keep[0] == 0 and keep[-1] == 259 and len(keep) <= MAX_POINTS + 1
    assert len(set(np.diff(keep[:-1]))) == 1  # evenly spaced


def test_the_picker_lists_only_scenarios_and_says_why_others_are_left_out(tmp_path):
    from model.viz import app

    files, skipped = app.scenario_files(ROOT / "scenarios", UK)
    assert "validation/targets.yaml" not in files
    assert "uk-2008-bpi-vs-talktalk.yaml" in files and "counterfactuals/uk-all-comply.yaml" in files
    assert "validation/targets.yaml" in skipped
    assert str(ROOT) not in skipped["validation/targets.yaml"]  # no server paths
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nisps: 3\n")
    message = app._settings(broken)
    assert isinstance(message, str) and "broken.yaml" in message
    assert str(tmp_path) not in message


def test_a_finished_run_says_so_on_the_page():
    import ipyvuetify
    import solara

    from model.viz import app

    w = bench(1, weeks=0)
    w.run_weeks = 1

    @solara.component
    def View():
        app.FiguresView(w)

    def alerts(rendered) -> str:
        return " ".join(str(a.children) for a in rendered.find(ipyvuetify.Alert).widgets)

    _, running = solara.render(View(), handle_error=False)
    assert "Finished" not in alerts(running)
    w.step()
    _, finished = solara.render(View(), handle_error=False)
    assert "Finished: all 1 weeks simulated" in alerts(finished)


def test_two_downloads_never_share_a_folder(tmp_path):
    w = bench(1, weeks=2)
    first = export(w, tmp_path, stamp="same")
    w.step()
    second = export(w, tmp_path, stamp="same")
    assert first != second and second.name.endswith("-2")
    assert sorted(load(first).timeseries["week"]) == [0, 1]
    assert sorted(load(second).timeseries["week"]) == [0, 1, 2]


def test_log_sliders_reach_small_probabilities_and_zero():
    from model.viz import app
    from model.viz.controls import build_controls

    spec = next(
        s for s in build_controls(Settings(UK).base) if s.path == "rights_bodies.BPI.detection_prob"
    )
    for value in (0.001, 0.002, 0.003, 0.05):
        assert app.log_value(spec, app.log_position(spec, value)) == value
    assert app.log_value(spec, app.log_position(spec, 0.0)) == 0.0  # far left: the minimum
    assert app.log_position(spec, 0.002) == pytest.approx(np.log10(0.002))


def test_event_timing_lines_have_distinct_colours(ab):
    import re

    svg = charts.timing(ab.a, None, None).svg
    colours = re.findall(r'<polyline [^>]*stroke="(#[0-9A-Fa-f]{6})"', svg)
    assert len(colours) == 1 + len(ab.a.isps) and len(set(colours)) == len(colours)
