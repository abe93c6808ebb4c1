"""Negotiated agreements (docs/ODD.md 7.12): formed under a strong threat only, who signs,
what signatories do, when it ends, and located errors in the ``agreement:`` section."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from model import PolicyModel, ScenarioError, load_scenario
from model.cli import app
from model.params import STANCE_TRAITS, Stage

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
NORWAY = ROOT / "scenarios" / "norway-2008-ikt-refusal.yaml"
SANCTIONING = {s for s, t in STANCE_TRAITS.items() if t.sanctions}
UK_SIGNATORIES = ["BT", "Virgin Media", "TalkTalk", "Sky", "Tiscali", "Orange"]  # the MoU's six


def model(
    path: Path, weeks: int, seed: int = 5, extra: dict | None = None, **agreement: object
) -> PolicyModel:
    overrides: dict[str, object] = {"population.subscribers": 2000, **(extra or {})}
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
    assert list(df["agreement_members"][:20]) == [6] * 20 and df["agreement_members"][20] == 0
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
    plain = model(UK, 20, extra={"agreement": None})
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
    graduated = model(UK, 30, seed=seed, convene_at=0.25, regime="graduated", trial_weeks=30)
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
        ("agreement: {volume_cap: -1}", "agreement.volume_cap", "greater than or equal to 0"),
        (
            "agreement: {legislative_hold_weeks: -2}",
            "agreement.legislative_hold_weeks",
            "greater than or equal to 0",
        ),
        ("agreement: {ends_on: [trial, never]}", "agreement.ends_on", "'trial', 'law'"),
        ("agreement: {rights_bodies: [RIAA]}", "agreement", "no rights body named 'RIAA'"),
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


def test_without_a_threat_it_never_forms():
    # Norway: no government threat (stage none, law_probability 0.05) and a law firm that
    # never lobbies: the same agreement as the UK's is never convened in five years
    m = model(NORWAY, 260, extra={"agreement": {"convene_at": 0.25, "regime": "forward"}})
    df = m.outcomes()
    assert (df["legislative_stage"] == 0).all()
    assert m.agreement.signed_week is None and (df["agreement_in_force"] == 0).all()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_seed_mou_forms_at_once_and_talktalk_signs_letters_only(seed):
    m = model(UK, 260, seed=seed)  # the agreement as shipped in the seed scenario
    df = m.outcomes()
    assert m.agreement.signed_week == 0 and m.agreement.members == UK_SIGNATORIES
    assert m.agreement.rights_bodies == ["BPI"]
    assert list(df["agreement_in_force"][:14]) == [1] * 13 + [0]  # the 13-week trial
    voluntary = df["law_in_force"] == 0
    assert not df.loc[voluntary, "stance.TalkTalk"].isin(SANCTIONING).any()
    assert (df.loc[13:, "stance.TalkTalk"][voluntary[13:]] == "refuse").all()


def test_the_volume_cap_is_exact():
    # every sharer detected every week: far more notices than the cap at every ISP.
    # scale = 16.92M / 2,000 = 8,460 accounts per subscriber; a cap of 173,430 letters a
    # week is 20.5 model letters: 20, then 21 with the carried half, and so on
    scale = 16_920_000 / 2000
    m = model(
        UK,
        16,
        extra={"rights_bodies.BPI.detection_prob": 1.0},
        convene_at=0.25,
        trial_weeks=13,
        isps=[],  # every ISP signs: every handled notice is a signatory's
        volume_cap=20.5 * scale,
    )
    df = m.outcomes()
    assert (df["law_in_force"][:13] == 0).all()
    assert list(df["notices_handled"][:13]) == [20, 21] * 6 + [20]
    assert df["notices_handled"][:13].sum() == int(13 * 20.5)
    assert (df["notices_dropped"][:13] > 0).all()
    assert df["notices_handled"][13] > 21  # the trial over, its cap no longer applies


def test_the_cap_is_shared_in_proportion_to_customers():
    from model.agreement import Agreement
    from model.params import AgreementParams

    a = Agreement(AgreementParams(volume_cap=10.0))
    a.share_cap(1.0, {"A": 50.0, "B": 30.0, "C": 20.0})
    assert a.quota == {"A": 5, "B": 3, "C": 2}
    a.share_cap(1.0, {"A": 1.0, "B": 1.0, "C": 1.0})  # 3.33 each: largest remainders
    assert sum(a.quota.values()) == 10 and sorted(a.quota.values()) == [3, 3, 4]


def test_it_ends_when_a_law_binds():
    m = model(
        UK,
        12,
        extra={"regulator.schedule.law_week": 5},
        convene_at=0.25,
        trial_weeks=100,
        ends_on=["law"],
    )
    df = m.outcomes()
    assert list(df["agreement_in_force"]) == [1] * 5 + [0] * 7
    assert m.agreement.ended_week == 5


def test_it_ends_when_the_threat_lifts_and_never_without_an_end():
    m = model(UK, 8, convene_at=0.25, trial_weeks=100, ends_on=["no_threat"])
    assert m.agreement.in_force
    m.regulator.stage, m.regulator.pressure = Stage.NONE, 0.0  # government drops the plan
    m.run(1)
    assert not m.agreement.in_force and m.agreement.ended_week == 8
    endless = model(UK, 60, convene_at=0.25, trial_weeks=13, ends_on=[])
    assert (endless.outcomes()["agreement_in_force"] == 1).all()


def test_a_legislative_hold_delays_the_bill_by_its_length():
    fast = {"regulator.bill_threshold": 0.1, "regulator.action_delay_weeks": 0}
    anyway = model(UK, 40, extra=fast, legislative_hold_weeks=0)
    held = model(UK, 40, extra=fast, legislative_hold_weeks=30)
    assert anyway.regulator.stage_changes[1] == (1, "bill")
    assert held.regulator.stage_changes[1] == (31, "bill")  # signed week 0, held 1-30


def test_a_signatory_rights_body_does_not_escalate_while_it_binds():
    often = {
        "rights_bodies.BPI.review_timing": "periodic",
        "rights_bodies.BPI.review_interval_weeks": 2,
        "rights_bodies.BPI.target_reduction": 1.0,  # escalates at every review
    }
    free = model(UK, 20, extra={**often, "agreement": None})
    assert free.rights_bodies[0].level_changes[1:] == [(4, "lobby")]
    bound = model(UK, 30, extra=often, isps=["BT"], trial_weeks=20)
    assert bound.rights_bodies[0].level_changes[1:] == [(22, "lobby")]
