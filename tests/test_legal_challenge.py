"""A law passed but not yet in force, and ISPs' court challenge of it (issue 12 items 3
and 8; docs/ODD.md 7.13): commencement, the delay a pending challenge adds (exactly its
drawn duration), a challenge that strikes the obligations down, common random numbers,
principled ISPs challenging more often, and located errors for bad input.

Draws are re-derived from the run's named ``challenge`` stream, so delays are checked
exactly; challenge rates are binomial, checked with Z = 4.5 standard errors.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from model import PolicyModel, ScenarioError, load_scenario
from model.cli import app
from model.institutions import challenge_probability
from model.params import LegalChallenge, Stage
from model.streams import make_streams, seed_sequence
from tests.conftest import small_yaml

ROOT = Path(__file__).resolve().parent.parent
DEA = ROOT / "scenarios" / "validation" / "uk-dea-2010.yaml"
Z = 4.5

ISPS = [
    {"name": "Principled", "market_share": 0.5, "principled": True},
    {"name": "Pragmatic", "market_share": 0.5},
]


def model(seed: int = 3, isps=None, n: int = 1000, **regulator) -> PolicyModel:
    data = {
        "population": {"subscribers": n},
        "isps": isps or ISPS,
        "rights_bodies": [],
        "regulator": regulator,
    }
    return PolicyModel(load_scenario(data=data), rng=seed)


def passed_at(week: int, commencement: int, **challenge) -> dict:
    """Regulator settings: the law passes in ``week``; its obligations are due
    ``commencement`` weeks later; ``challenge`` sets regulator.challenge."""
    return {
        "schedule": {"passed_week": week},
        "commencement_weeks": commencement,
        "challenge": challenge,
    }


def drawn_duration(seed: int, n_isps: int, mean: float, sd: float) -> int:
    """The challenge's duration as the rule draws it: after one uniform per ISP and one
    for the judgment, a gamma from the run's ``challenge`` stream."""
    rng = make_streams(seed_sequence(seed))["challenge"]
    rng.random(n_isps)
    rng.random()
    return round(rng.gamma((mean / sd) ** 2, sd * sd / mean))


# --------------------------------------------------------------------------- commencement
def test_a_passed_law_comes_into_force_after_the_commencement_delay():
    m = model(**passed_at(3, 10))
    df = m.run(20).outcomes()
    assert df.legislative_stage.tolist() == [0] * 3 + [Stage.PASSED] * 10 + [Stage.LAW] * 7
    assert df.obligations_in_force.tolist() == [0] * 13 + [1] * 7
    assert (df["stance.Principled"].iloc[13:] == "graduated").all()
    assert (df["stance.Principled"].iloc[:13] == "refuse").all()
    ev = m.event_weeks()
    assert (ev["week_law"], ev["week_obligations_in_force"], ev["week_challenge"]) == (3, 13, None)


def test_the_law_makes_news_when_it_passes_not_when_it_comes_into_force():
    df = model(**passed_at(3, 10)).run(20).outcomes()
    jumps = df.salience.diff().fillna(df.salience) > 0
    assert df.week[jumps].tolist() == [3]


def test_a_scheduled_law_week_is_history_neither_commencement_nor_challenge_moves_it():
    reg = passed_at(2, 30, principled_prob=1.0, other_prob=1.0, filing_weeks=0)
    reg["schedule"]["law_week"] = 6
    m = model(**reg)
    df = m.run(10).outcomes()
    assert df.legislative_stage.tolist() == [0, 0] + [Stage.PASSED] * 4 + [Stage.LAW] * 4
    assert m.regulator.challenge is None and (df.challenge_pending == 0).all()


# --------------------------------------------------------------------------- challenge
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_challenge_delays_the_obligations_by_its_drawn_duration(seed):
    challenge = {"principled_prob": 1.0, "filing_weeks": 4, "duration_weeks": 30.0}
    challenge |= {"duration_sd_weeks": 10.0, "success_prob": 0.0}
    m = model(seed, **passed_at(2, 20, **challenge))
    df = m.run(100).outcomes()
    duration = drawn_duration(seed, len(ISPS), 30.0, 10.0)
    c = m.regulator.challenge
    assert c.challengers == ("Principled",)  # other_prob 0: the pragmatic ISP never does
    assert (c.filed_week, c.decided_week) == (6, 6 + duration)
    assert df.week[df.challenge_pending == 1].tolist() == list(range(6, 6 + duration))
    ev = m.event_weeks()
    assert ev["week_challenge"] == 6
    assert ev["week_obligations_in_force"] == 2 + 20 + duration  # the clock stops while pending
    unchallenged = model(seed, **passed_at(2, 20)).run(100).event_weeks()
    assert ev["week_obligations_in_force"] - unchallenged["week_obligations_in_force"] == duration


def test_draws_differ_by_seed_and_repeat_for_one_seed():
    challenge = {"principled_prob": 1.0, "duration_weeks": 40.0, "duration_sd_weeks": 15.0}
    challenge |= {"success_prob": 0.0}
    reg = passed_at(0, 5, **challenge) | {"commencement_sd_weeks": 3.0}

    def in_force(seed):
        return model(seed, n=500, **reg).run(90).event_weeks()["week_obligations_in_force"]

    weeks = [in_force(seed) for seed in range(8)]
    assert len(set(weeks)) >= 5  # replicates differ
    assert weeks == [in_force(seed) for seed in range(8)]  # one seed, one history


def test_a_successful_challenge_strikes_the_obligations_down():
    challenge = {"principled_prob": 1.0, "filing_weeks": 2, "duration_weeks": 10.0}
    challenge |= {"duration_sd_weeks": 0.0, "success_prob": 1.0}
    # in force at once on passing; the judgment (week 1 + 2 + 10) takes the law back out
    m = model(**passed_at(1, 0, **challenge))
    df = m.run(30).outcomes()
    assert df.obligations_in_force.tolist() == [0] + [1] * 12 + [0] * 17
    assert df.legislative_stage.iloc[13:].eq(Stage.PASSED).all()
    assert m.regulator.struck_down and (df["stance.Principled"].iloc[13:] == "refuse").all()
    # filed before commencement: the obligations never come into force
    df = model(**passed_at(1, 5, **challenge)).run(30).outcomes()
    assert (df.obligations_in_force == 0).all() and (df.law_in_force == 0).all()


def test_challenge_draws_are_common_random_numbers():
    """Whoever challenges, the duration and the judgment are the same draws, and the
    other processes' streams are untouched."""
    base = {"principled_prob": 1.0, "duration_weeks": 40.0, "duration_sd_weeks": 15.0}
    a = model(5, **passed_at(1, 50, **base))
    b = model(5, **passed_at(1, 50, **base, other_prob=1.0))
    da, db = a.run(60).outcomes(), b.run(60).outcomes()
    ca, cb = a.regulator.challenge, b.regulator.challenge
    assert cb.challengers == ("Principled", "Pragmatic") and ca.challengers == ("Principled",)
    assert (ca.filed_week, ca.decided_week, ca.succeeds) == (
        cb.filed_week,
        cb.decided_week,
        cb.succeeds,
    )
    assert da.infringing_share.equals(db.infringing_share)


def test_principled_isps_challenge_more_often_at_their_probabilities():
    """100 principled and 100 other ISPs decide independently when a law passes; over 4
    seeds each rate lies within Z binomial standard errors of its probability."""
    isps = [{"name": f"P{i}", "market_share": 0.005, "principled": True} for i in range(100)] + [
        {"name": f"O{i}", "market_share": 0.005} for i in range(100)
    ]
    p_principled, p_other = 0.6, 0.2
    counts = {"P": 0, "O": 0}
    for seed in range(4):
        reg = passed_at(0, 0, principled_prob=p_principled, other_prob=p_other)
        m = model(seed, isps=isps, n=2000, **reg).run(1)
        for name in m.regulator.challenge.challengers:
            counts[name[0]] += 1
    n = 400
    for key, p in (("P", p_principled), ("O", p_other)):
        assert abs(counts[key] / n - p) < Z * math.sqrt(p * (1 - p) / n), counts
    assert counts["P"] > counts["O"]


def test_members_of_a_principled_association_count_as_principled():
    c = LegalChallenge(principled_prob=0.9, other_prob=0.1)

    def isp(principled, association=None):
        return SimpleNamespace(
            params=SimpleNamespace(principled=principled), association=association
        )

    ikt = SimpleNamespace(params=SimpleNamespace(principled=True))
    lax = SimpleNamespace(params=SimpleNamespace(principled=False))
    assert challenge_probability(isp(True), c) == 0.9
    assert challenge_probability(isp(False, ikt), c) == 0.9
    assert challenge_probability(isp(False, lax), c) == 0.1
    assert challenge_probability(isp(False), c) == 0.1


# --------------------------------------------------------------------------- the Mesa baseline
def test_the_per_agent_baseline_shares_commencement_and_challenge():
    """Institutions only (no rights body, so no subscriber draw reaches them): the
    per-agent Mesa baseline calls the same rules and draws, so stage, challenge and
    obligations are identical week by week."""
    from benchmarks.baseline_mesa_agents import AgentBasedPolicyModel

    challenge = {"principled_prob": 1.0, "other_prob": 0.5, "duration_weeks": 20.0}
    data = {
        "population": {"subscribers": 300},
        "isps": ISPS,
        "rights_bodies": [],
        "regulator": passed_at(2, 6, **challenge) | {"commencement_sd_weeks": 3.0},
    }
    scenario = load_scenario(data=data)
    columns = ["legislative_stage", "challenge_pending", "obligations_in_force"]
    for seed in range(3):
        ours = PolicyModel(scenario, rng=seed).run(45).outcomes()[columns]
        theirs = AgentBasedPolicyModel(scenario, rng=seed).run(45).outcomes()[columns]
        assert ours.equals(theirs)
        assert ours.challenge_pending.any() and ours.obligations_in_force.any()


# --------------------------------------------------------------------------- the DEA
def test_the_rules_reproduce_the_dea_never_in_force_without_the_override():
    """uk-dea-2010.yaml sets obligations_in_force: false by hand; with the law passing at
    Royal Assent (week 42), the seed scenario's commencement and challenge settings leave
    the obligations out of force for the scenario's 150 weeks."""
    overrides = {
        "population.subscribers": 2000,
        "regulator.obligations_in_force": True,
        "regulator.schedule.law_week": None,
        "regulator.schedule.passed_week": 42,
        "regulator.commencement_weeks": 48,
        "regulator.commencement_sd_weeks": 24.0,
        "regulator.challenge.principled_prob": 1.0,
        "regulator.challenge.other_prob": 0.2,
    }
    scenario = load_scenario(DEA, overrides=overrides)
    for seed in range(4):
        m = PolicyModel(scenario, rng=seed).run(150)
        ev = m.event_weeks()
        assert ev["week_law"] == 42 and ev["week_challenge"] == 42 + 13
        assert ev["week_obligations_in_force"] is None and ev["week_first_sanction"] is None


# --------------------------------------------------------------------------- bad input
BAD = [
    (
        "regulator:\n  challenge:\n    duration_weeks: -5\n",
        10,
        "regulator.challenge.duration_weeks",
    ),
    ("regulator:\n  challenge:\n    other_prob: 1.5\n", 10, "regulator.challenge.other_prob"),
    ("regulator:\n  commencement_weeks: -1\n", 9, "regulator.commencement_weeks"),
    (
        "regulator:\n  schedule: {passed_week: 30, law_week: 20}\n",
        9,
        "regulator.schedule",
    ),
]


@pytest.mark.parametrize(("extra", "line", "path"), BAD, ids=[b[2] for b in BAD])
def test_bad_commencement_and_challenge_are_located_errors_exit_2(
    write, tmp_path, extra, line, path
):
    file = write("bad.yaml", small_yaml(extra=extra))
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert (info.value.line, info.value.path) == (line, path), str(info.value)
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["run", str(file), "--out", str(out), "--no-plots"])
    assert result.exit_code == 2, result.output
    assert f"{file}:{line}:" in result.stderr and "Traceback" not in result.output + result.stderr
    assert not out.exists()
