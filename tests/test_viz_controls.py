"""The visualiser's controls come from the scenario schema: bounds, defaults, choices."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from model.params import STANCES, ISPParams, RegulatorParams, RightsBodyParams
from model.scenario import ScenarioError, load_scenario
from model.viz.controls import build_controls, groups, nice_step, prominent_label, stance_label
from model.viz.settings import (
    FileExists,
    Settings,
    changes_from_file,
    normalise_shares,
    variant_scenario,
)

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
NORWAY = ROOT / "scenarios" / "norway-2008-ikt-refusal.yaml"


@pytest.fixture(scope="module")
def uk_specs():
    return {s.path: s for s in build_controls(load_scenario(UK), max_subscribers=200_000)}


def test_bounded_float_becomes_slider_with_schema_bounds_and_unit(uk_specs):
    spec = uk_specs["rights_bodies.BPI.detection_prob"]
    field = RightsBodyParams.model_fields["detection_prob"]
    assert spec.kind == "SliderFloat"
    assert (spec.min, spec.max) == (0.0, 1.0)
    assert spec.default == 0.002  # the scenario's value, not the schema default
    assert field.default != spec.default
    assert "[1/week]" in spec.label
    assert not spec.ui_range
    # the default lies on the slider's grid
    assert abs(spec.default / spec.step - round(spec.default / spec.step)) < 1e-9
    assert spec.mesa_param() == {
        "type": "SliderFloat",
        "value": 0.002,
        "label": spec.label,
        "min": 0.0,
        "max": 1.0,
        "step": spec.step,
    }


def test_bounded_int_becomes_int_slider(uk_specs):
    spec = uk_specs["isps.BT.warning_levels"]
    assert spec.kind == "SliderInt"
    assert (spec.min, spec.max, spec.step, spec.default) == (0, 10, 1, 2)


def test_literal_becomes_select_with_choices(uk_specs):
    stance = uk_specs["isps.TalkTalk.stance"]
    assert stance.kind == "Select"
    assert stance.choices == STANCES
    assert stance.default == "refuse"
    assert stance.mesa_param("graduated")["values"] == list(STANCES)
    assert stance.mesa_param("graduated")["value"] == "graduated"
    regime = uk_specs["regulator.mandated_regime"]
    assert regime.choices == ("graduated", "forward", "disconnect")


def test_bool_becomes_checkbox(uk_specs):
    spec = uk_specs["regulator.due_process"]
    assert spec.kind == "Checkbox"
    assert spec.default is False
    assert uk_specs["isps.TalkTalk.principled"].default is True
    assert uk_specs["isps.BT.principled"].default is False


def test_lower_bound_only_gets_ui_range(uk_specs):
    spec = uk_specs["regulator.bill_threshold"]
    assert spec.ui_range
    assert spec.min == 0.0
    assert spec.max == 4 * RegulatorParams.model_fields["bill_threshold"].default


def test_names_references_and_the_scale_are_skipped(uk_specs):
    for path in (
        "population.represents",
        "isps.BT.name",
        "isps.BT.association",
        "rights_bodies.BPI.targets",
        "regulator.law_probability",
    ):
        assert path not in uk_specs


def test_optional_fields_get_a_never_or_unlimited_option(uk_specs):
    law = uk_specs["regulator.schedule.law_week"]
    assert law.none_label == "never" and law.default is None
    assert (law.kind, law.min, law.max) == ("SliderInt", 0, 260)
    assert law.check(None) is None and law.check(12) is None
    assert uk_specs["rights_bodies.BPI.legal_service.launch_week"].none_label == "never"
    assert uk_specs["isps.BT.notice_capacity"].none_label == "unlimited"
    assert uk_specs["rights_bodies.BPI.notice_budget"].none_label == "unlimited"
    assert uk_specs["regulator.due_process"].check(None) == "a value is required"


def test_small_probabilities_get_a_log_scale_and_typed_values_are_checked(uk_specs):
    detection = uk_specs["rights_bodies.BPI.detection_prob"]
    assert detection.log  # 0.002 on a 0..1 range
    assert detection.log_floor == pytest.approx(1e-5)
    assert detection.check(0.003) is None and detection.check(0.001) is None
    assert detection.check(1.5) == "must be at most 1"
    assert detection.check(-0.1) == "must be at least 0"
    assert detection.check("x") == "expected a number"
    assert not uk_specs["population.sharing.baseline_share"].log
    assert not uk_specs["isps.BT.warning_levels"].log  # integers never


def test_stance_controls_say_what_they_set(uk_specs):
    bt = uk_specs["isps.BT.stance"].label  # adaptive, random review times
    assert bt.startswith("Starting stance (reviewed on average every 13")
    assert uk_specs["isps.TalkTalk.stance"].label.startswith("Stance (held all run")
    assert stance_label(ISPParams(name="X", adaptive=True, principled=True)).startswith(
        "Starting stance (principled"
    )
    norway = {s.path: s for s in build_controls(load_scenario(NORWAY))}
    assert "set by IKT Norway" in norway["isps.Telenor.stance"].label


def test_every_isp_and_rights_body_has_its_group(uk_specs):
    by_group = groups(list(uk_specs.values()))
    scenario = load_scenario(UK)
    for isp in scenario.isps:
        assert f"ISP {isp.name}" in by_group
        assert f"isps.{isp.name}.stance" in uk_specs
    assert "Rights body BPI" in by_group
    assert "Population / Sharing" in by_group
    assert "Regulator" in by_group
    # every bounded numeric ISP field has a control
    bounded = [
        n
        for n, f in ISPParams.model_fields.items()
        if f.annotation in (int, float) and any(hasattr(m, "le") for m in f.metadata)
    ]
    assert {f"isps.BT.{n}" for n in bounded} <= set(uk_specs)


def test_subscribers_are_capped_and_the_cap_shown():
    specs = {s.path: s for s in build_controls(load_scenario(UK), max_subscribers=20_000)}
    spec = specs["population.subscribers"]
    assert spec.max == 20_000
    assert spec.default == 20_000  # the UK file asks for 100,000
    assert "20,000" in spec.label


def test_prominent_controls_are_labelled_with_their_agent(uk_specs):
    prominent = [s for s in uk_specs.values() if s.prominent]
    assert uk_specs["rights_bodies.BPI.detection_prob"] in prominent
    assert uk_specs["population.subscribers"] in prominent
    assert not uk_specs["salience.maximum"].prominent
    assert prominent_label(uk_specs["isps.BT.stance"]).startswith("BT: Starting stance")


@pytest.mark.parametrize(
    ("low", "high", "values", "expected"),
    [(0.0, 1.0, (0.002, 0.01), 0.002), (0.0, 1.0, (0.5,), 0.01), (0.0, 1e5, (40.0,), 20.0)],
)
def test_nice_step_reaches_the_values(low, high, values, expected):
    assert nice_step(low, high, values, integer=False) == pytest.approx(expected)


def test_normalise_shares_keeps_the_users_share():
    shares = {"a": 0.5, "b": 0.3, "c": 0.2}
    out = normalise_shares({**shares, "a": 0.6}, {"a"})
    assert out["a"] == 0.6
    assert out["b"] == pytest.approx(0.24) and out["c"] == pytest.approx(0.16)
    assert normalise_shares(shares, set()) == shares


def test_saved_scenario_extends_the_base_and_lists_only_changes(tmp_path):
    settings = Settings(UK, max_subscribers=20_000)
    settings.set("rights_bodies.BPI.detection_prob", 0.05)
    settings.set("isps.Virgin Media.stance", "graduated")
    settings.set("regulator.due_process", True)
    path = settings.save("my-idea", folder=tmp_path / "saved")
    data = yaml.safe_load(path.read_text())
    assert (path.parent / data["extends"]).resolve() == UK.resolve()
    assert data["rights_bodies"] == [{"name": "BPI", "detection_prob": 0.05}]
    assert data["isps"] == [{"name": "Virgin Media", "stance": "graduated"}]
    assert data["regulator"] == {"due_process": True}
    assert data["population"] == {"subscribers": 20_000}
    assert "salience" not in data
    loaded = load_scenario(path)
    assert loaded.name == "my-idea"
    assert loaded.isp("Virgin Media").stance == "graduated"
    assert loaded.isp("BT").stance == "refuse"
    assert (
        loaded.sha256()
        == settings.scenario()
        .model_copy(update={"name": "my-idea", "description": loaded.description})
        .sha256()
    )


def test_save_rejects_a_bad_name(tmp_path):
    with pytest.raises(ScenarioError, match="not a scenario name"):
        Settings(UK).save("../escape", folder=tmp_path)
    with pytest.raises(ScenarioError, match="300 characters long: use at most 80") as err:
        Settings(UK).save("x" * 300, folder=tmp_path)
    assert str(tmp_path) not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_save_asks_before_overwriting_and_never_replaces_the_base(tmp_path):
    settings = Settings(UK, max_subscribers=20_000)
    path = settings.save("idea.yaml", folder=tmp_path)
    assert path.name == "idea.yaml"  # not idea.yaml.yaml
    settings.set("regulator.due_process", True)
    with pytest.raises(FileExists):
        settings.save("idea", folder=tmp_path)
    assert "due_process" not in path.read_text()
    settings.save("idea", folder=tmp_path, overwrite=True)
    assert "due_process: true" in path.read_text()
    with pytest.raises(ScenarioError, match="never overwritten"):
        settings.save(UK.stem, folder=UK.parent, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idea.yaml"]  # no temp files


def test_saved_scenario_still_loads_when_moved_beside_the_base_folder(tmp_path):
    """scenarios/saved/README.md: move a saved file to another folder under scenarios/."""
    scenarios = tmp_path / "scenarios"
    (scenarios / "saved").mkdir(parents=True)
    base = scenarios / UK.name
    base.write_text(UK.read_text())
    settings = Settings(base, max_subscribers=20_000)
    settings.set("isps.BT.stance", "graduated")
    path = settings.save("moved", folder=scenarios / "saved")
    assert yaml.safe_load(path.read_text())["extends"] == f"../{UK.name}"
    (scenarios / "counterfactuals").mkdir()
    moved = path.rename(scenarios / "counterfactuals" / path.name)
    assert load_scenario(moved).isp("BT").stance == "graduated"


def test_save_keeps_the_ab_pair_and_the_ensemble_size(tmp_path):
    settings = Settings(UK, max_subscribers=20_000)
    b, changes = variant_scenario(settings, "isps.BT.stance: graduated")
    path = settings.save("pair", folder=tmp_path, runs=12, variant=changes)
    loaded = load_scenario(path)
    assert loaded.experiment.replicates == 12
    assert [p.name for p in loaded.policies] == ["A", "B"]
    assert loaded.policies[1].set == {"isps.BT.stance": "graduated"}
    assert b.isp("BT").stance == "graduated"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("isps.BT.stance: graduated\nisps.BT.stanc: refuse", "policy B:2: isps.BT.stanc: unknown"),
        ("\n\nrights_bodies.BPI.detection_prob: 3", "policy B:3: rights_bodies.BPI.detection_prob"),
        ("isps.BT.stance graduated", "policy B:1: expected 'path: value'"),
        ("isps.Nobody.stance: refuse", "policy B:1: isps.Nobody.stance: no item named 'Nobody'"),
        ("# nothing", "no changes"),
    ],
)
def test_policy_b_errors_are_located_at_the_editor_line(text, message):
    with pytest.raises(ScenarioError) as err:
        variant_scenario(Settings(UK, max_subscribers=20_000), text)
    assert str(err.value).startswith(message) or message == "no changes", str(err.value)
    assert message in str(err.value)


def test_policy_b_can_start_from_another_scenario_file(tmp_path):
    settings = Settings(UK, max_subscribers=20_000)
    text = changes_from_file(
        settings, ROOT / "scenarios" / "counterfactuals" / "uk-law-due-process.yaml"
    )
    assert "regulator.due_process: true" in text.splitlines()
    assert "population.subscribers" not in text  # the visualiser's cap decides
    scenario, changes = variant_scenario(settings, text)
    assert scenario.regulator.due_process and changes["regulator.due_process"] is True
    # a saved pair (policies, replicates) is still the same world
    pair = settings.save("pair", folder=tmp_path, runs=4, variant={"isps.BT.stance": "forward"})
    assert changes_from_file(settings, pair) == ""
    with pytest.raises(ScenarioError, match="other agents"):
        changes_from_file(settings, NORWAY)
