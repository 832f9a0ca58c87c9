"""Stored runs, ready states and live models (no browser): what a page shows is what the model gives."""

from __future__ import annotations

import threading

import pytest
from conftest import SCENARIOS

from sim import NGOModel
from sim.dashboard.runs import BudgetFull, Library, Side, offered_scenarios
from sim.dashboard.session import PageSession, Register
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
    before = side.frame().rows[-1]["accreditation_veto"]
    assert before > 0
    step = side.move("accreditation_veto", 0.0)  # the replay becomes a live model at the same step
    assert side.model is not None and step == 85
    assert side.frame().rows[-1]["accreditation_veto"] == pytest.approx(before)  # not yet
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
    assert one.messages[-1].kind == "warning" and "lots" in one.messages[-1].text("en")
    assert one.sides["a"].steps_done() == two.sides["a"].steps_done() + 3
    one.move("a", "pd_targeting", "inclusive")
    assert one.settings.moves == (Move("a", 87, "pd_targeting", "inclusive"),)
    csv = one.csv().decode().splitlines()
    assert csv[0].startswith("side,scenario,seed,step") and len(csv) == 1 + 87
    one.close()
    two.close()


def test_a_group_shares_one_run_and_no_one_outside_it_can_change_it(library):
    register = Register(max_pages=3)
    settings = Settings("status_quo", scale=SCALE, group="table-1")

    def make() -> PageSession:
        return PageSession(library, settings)

    first, fresh = register.join("kernel-1", "table-1", make)
    assert fresh
    first.start(settings)
    second, fresh = register.join("kernel-2", "table-1", make)
    alone, alone_fresh = register.join("kernel-3", "", lambda: PageSession(library, settings.with_(group="")))
    alone.start(alone.settings)
    assert second is first and not fresh and alone is not first and alone_fresh
    assert register.join("kernel-4", "table-1", make) is None  # the class is full
    assert register.members("table-1") == 2
    second.step()  # one member steps: the group's view moves, the page outside does not
    second.move("a", "accreditation_veto", 0.0)  # the group's one live model
    first.step()
    assert first.sides["a"].steps_done() == 86 and alone.sides["a"].steps_done() == 84
    assert first.sides["a"].model is not None and alone.sides["a"].model is None
    assert library.live_used == pytest.approx(SCALE)
    alone.step()
    assert first.sides["a"].steps_done() == 86
    register.leave("kernel-1")
    assert first.sides and register.members("table-1") == 1  # one member is still there
    register.leave("kernel-2")
    assert not first.sides and library.live_used == pytest.approx(0.0)  # freed with its last page
    again, fresh = register.join("kernel-5", "table-1", make)
    assert fresh and again is not first
    register.leave("kernel-3")
    register.leave("kernel-5")
    assert len(register) == 0


def test_a_page_moved_into_a_group_leaves_its_own_run(library):
    register = Register(max_pages=5)
    settings = Settings("status_quo", scale=SCALE)
    own, _ = register.join("kernel-1", "", lambda: PageSession(library, settings))
    group, fresh = register.join("kernel-2", "pair", lambda: PageSession(library, settings.with_(group="pair")))
    group.start(group.settings)
    own.start(settings)
    own.move("a", "accreditation_veto", 0.0)
    assert library.live_used == pytest.approx(SCALE)
    moved, fresh = register.regroup("kernel-1", "pair", lambda: PageSession(library, settings))
    assert moved is group and not fresh and register.members("pair") == 2
    assert library.live_used == pytest.approx(0.0) and not own.sides  # its own run was freed
    register.leave("kernel-1")
    register.leave("kernel-2")


def test_play_runs_one_thread_per_session_and_pause_stops_it(library):
    settings = Settings("status_quo", scale=SCALE, speed=10.0)
    page = PageSession(library, settings)
    page.start(settings)
    page.play()
    page.play()  # a second member's Play: still one thread
    assert page.playing and sum(t.name == "ngosim-play" for t in threading.enumerate()) == 1
    seen = page.version
    for _ in range(200):  # every wait ends at a change (a step) or after 5 s without one
        if page.sides["a"].steps_done() >= 86:
            break
        seen = page.wait_change(seen, 5.0)
    page.pause()
    assert not page.playing and page.sides["a"].steps_done() >= 86
    page.close()
