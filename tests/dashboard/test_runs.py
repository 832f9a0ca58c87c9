"""Stored runs, ready states and live models (no browser): what a page shows is what the model gives."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS

from sim import NGOModel
from sim.dashboard.runs import BudgetFull, Library, Side, offered_scenarios
from sim.dashboard.session import PageSession
from sim.dashboard.settings import Move, Settings

SCALE = 0.01


@pytest.fixture(scope="module")
def library() -> Library:
    library = Library(offered_scenarios(SCENARIOS, []), 2017, SCALE, live_budget=0.05)
    library.record("status_quo", "branch")
    return library


def test_presets_are_the_scenario_files_and_nothing_else(library):
    assert list(library.scenarios)[:6] == [
        "status_quo",
        "open_registration",
        "lift_objections",
        "inclusive_support",
        "open_all",
        "tightening",
    ]
    assert "history" in library.scenarios and "calibrated" not in library.scenarios


def test_a_replay_shows_the_same_run_as_a_full_live_run(library):
    side = Side.open(library, "status_quo", 2017, SCALE, "branch")
    assert side.model is None and side.today().isoformat() == "2016-01-01"
    for _ in range(6):
        side.step()
    full = NGOModel(library.scenarios["status_quo"], seed=2017, scale=SCALE)
    while full.steps < side.steps_done():
        full.step()
    assert side.frame().rows == full.recorder.rows


def test_a_moved_lever_acts_from_the_next_quarter_and_is_on_the_timeline(library):
    side = Side.open(library, "status_quo", 2017, SCALE, "branch")
    side.step()
    step = side.move("accreditation_veto", 0.0)  # the replay becomes a live model at the same step
    assert side.model is not None and step == 85
    assert side.frame().rows[-1]["accreditation_veto"] == pytest.approx(0.7)  # not yet
    side.step()
    frame = side.frame()
    assert frame.rows[-1]["accreditation_veto"] == 0.0
    moved = [e for e in frame.policy if e["detail"].endswith("moved in the dashboard")]
    assert [(e["step"], e["date"], e["lever"]) for e in moved] == [(85, "2016-04-01", "accreditation_veto")]
    side.close()


def test_the_live_budget_is_shared_and_given_back(library):
    sides = [Side.open(library, "lift_objections", 2017, SCALE, "branch") for _ in range(5)]
    with pytest.raises(BudgetFull):
        Side.open(library, "lift_objections", 2017, SCALE, "branch")
    sides[0].close()
    Side.open(library, "lift_objections", 2017, SCALE, "branch").close()
    for side in sides:
        side.close()
    assert library.live_used == pytest.approx(0.0)


def test_a_page_keeps_its_own_state_and_turns_bad_input_into_messages(library):
    one, two = PageSession(library, Settings("status_quo", scale=SCALE)), PageSession(library, Settings("status_quo"))
    one.start(Settings("status_quo", scale=SCALE))
    two.start(Settings("status_quo", scale=SCALE))
    for _ in range(3):
        one.step()
    one.move("a", "accreditation_veto", "lots")
    assert one.messages[-1].kind == "warning" and "lots" in one.messages[-1].text
    assert one.sides["a"].steps_done() == two.sides["a"].steps_done() + 3
    one.move("a", "pd_targeting", "inclusive")
    assert one.settings.moves == (Move("a", 87, "pd_targeting", "inclusive"),)
    csv = one.csv().decode().splitlines()
    assert csv[0].startswith("side,scenario,seed,step") and len(csv) == 1 + 87
    one.close()
    two.close()
