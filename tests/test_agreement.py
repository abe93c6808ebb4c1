"""Negotiated agreements (docs/ODD.md 7.12): formed under a strong threat only, who signs,
what signatories do, when it ends, and located errors in the ``agreement:`` section."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from model import PolicyModel, ScenarioError, load_scenario
from model.cli import app
from model.params import STANCE_TRAITS

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
NORWAY = ROOT / "scenarios" / "norway-2008-ikt-refusal.yaml"
SANCTIONING = {s for s, t in STANCE_TRAITS.items() if t.sanctions}
UK_SIGNATORIES = ["BT", "Virgin Media", "TalkTalk", "Sky", "Tiscali", "Orange", "Others"]


def model(path: Path, weeks: int, seed: int = 5, **agreement: object) -> PolicyModel:
    overrides: dict[str, object] = {"population.subscribers": 2000}
    overrides.update({f"agreement.{k}": v for k, v in agreement.items()})
    scenario = load_scenario(path, overrides=overrides)
    if agreement:
        assert scenario.agreement is not None
    return PolicyModel(scenario, rng=seed).run(weeks)


def test_it_forms_under_a_strong_threat_and_binds_for_its_trial():
    # the UK starts at consultation: ISPs believe a law 25% likely (law_probability)
    m = model(UK, 30, convene_at=0.25, trial_weeks=20)
    df = m.outcomes()
    assert m.agreement.signed_week == 0 and m.agreement.members == UK_SIGNATORIES
    assert list(df["agreement_in_force"]) == [1] * 20 + [0] * 10
    assert list(df["agreement_members"][:20]) == [7] * 20 and df["agreement_members"][20] == 0
    for isp in UK_SIGNATORIES:  # letters, not sanctions, while it binds
        assert (df[f"stance.{isp}"][:20] == "forward").all(), isp
    # TalkTalk (principled, does not choose its own stance) returns to refusal at the end
    assert (df["stance.TalkTalk"][20:] == "refuse").all()


def test_it_does_not_form_without_a_strong_threat():
    m = model(UK, 40, convene_at=0.6)  # needs a bill (law_probability 0.6)
    df = m.outcomes()
    before_bill = df["legislative_stage"] < 2
    assert before_bill.any()
    assert (df.loc[before_bill, "agreement_in_force"] == 0).all()
    assert m.agreement.signed_week is None or df["legislative_stage"][m.agreement.signed_week] >= 2


def test_without_an_agreement_section_nothing_changes():
    plain = model(UK, 20)
    assert plain.agreement is None
    df = plain.outcomes()
    assert (df["agreement_in_force"] == 0).all() and (df["agreement_members"] == 0).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_principled_signatory_never_sanctions(seed):
    letters = model(UK, 60, seed=seed, convene_at=0.25, regime="forward", trial_weeks=60)
    df = letters.outcomes()
    assert "TalkTalk" in letters.agreement.members
    voluntary = df["law_in_force"] == 0
    assert not df.loc[voluntary, "stance.TalkTalk"].isin(SANCTIONING).any()
    # an agreement that sanctions: TalkTalk does not sign; the others do
    graduated = model(UK, 30, seed=seed, convene_at=0.25, regime="graduated")
    assert "TalkTalk" not in graduated.agreement.members
    assert "BT" in graduated.agreement.members
    df = graduated.outcomes()
    assert (df["stance.TalkTalk"] == "refuse").all() and (df["stance.BT"] == "graduated").all()


def test_a_principled_association_refuses_for_its_members():
    m = model(NORWAY, 10, convene_at=0.05)  # any threat at all
    assert m.agreement.signed_week == 0
    assert m.agreement.members == ["Others"]  # IKT Norway's members stay out
    assert (m.outcomes()["stance.Telenor"] == "refuse").all()


@pytest.mark.parametrize(
    ("section", "path", "words"),
    [
        ("agreement: {isps: [BT, Nobody]}", "agreement", "no ISP named 'Nobody'"),
        ("agreement: {trial_weeks: -4}", "agreement.trial_weeks", "greater than or equal to 1"),
    ],
)
def test_bad_agreements_are_located_errors_exit_2(write, tmp_path, section, path, words):
    file = write("bad.yaml", f"extends: {UK}\nname: bad\n{section}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert info.value.line is not None and (info.value.path or "").startswith(path)
    assert words in str(info.value)
    result = CliRunner().invoke(app, ["check", str(file)])
    assert result.exit_code == 2 and words in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
