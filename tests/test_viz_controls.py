"""The visualiser's controls come from the scenario schema: bounds, defaults, choices."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from model.params import STANCES, ISPParams, RightsBodyParams
from model.scenario import load_scenario
from model.viz.controls import build_controls, groups, nice_step, prominent_label
from model.viz.settings import Settings, normalise_shares

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"


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
    assert spec.max == 4 * 40.0


def test_optional_names_and_references_are_skipped(uk_specs):
    for path in (
        "population.represents",
        "isps.BT.notice_capacity",
        "isps.BT.name",
        "isps.BT.association",
        "rights_bodies.BPI.notice_budget",
        "rights_bodies.BPI.targets",
        "regulator.law_probability",
    ):
        assert path not in uk_specs


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
    assert prominent_label(uk_specs["isps.BT.stance"]) == "BT: Stance"


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
    with pytest.raises(Exception, match="not a scenario name"):
        Settings(UK).save("../escape", folder=tmp_path)
