"""Play's quarters computed ahead and shown on the deadline (no browser): a live model's step begun in its child
is shown only when finished, levers moved before it starts act from it and those moved while it is computed
from the next, Step, Pause and Reset keep the run consistent, and each session's deadlines have a phase."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from conftest import SCENARIOS

from sim import NGOModel
from sim.dashboard import session
from sim.dashboard.live import abroad_now, planned, policy_rows, schedule_move
from sim.dashboard.pacing import LEAD_SHARE, phase
from sim.dashboard.runs import Library, Side, offered_scenarios
from sim.dashboard.session import PageSession
from sim.dashboard.settings import Move, Settings

SCALE = 0.01
LIVE = "lift_objections"  # no stored run in the library below: live from the start
WAIT = 30.0  # seconds allowed for Play's thread to act (a deadline, not a timing)


@pytest.fixture(scope="module")
def library() -> Library:
    library = Library(offered_scenarios(SCENARIOS, []), 2017, SCALE, live_budget=0.05)
    library.record("status_quo", "branch")
    return library


def started(library: Library, settings: Settings, **fields) -> PageSession:
    page = PageSession(library, settings, **fields)
    page.start(settings)
    return page


def acts_from(page: PageSession) -> str:
    """The date the last "moved" message says the move acts from."""
    message = page.messages[-1]
    assert message.key == "moved"
    return dict(message.values)["date"]


def moved(side: Side) -> list[tuple[int, str]]:
    """The dashboard's moves on the side's timeline so far: (step, lever)."""
    return [(e["step"], e["lever"]) for e in side.frame().policy if e["detail"].endswith("moved in the dashboard")]


def test_a_step_begun_in_the_child_shows_when_finished_with_a_move_made_meanwhile_acting_after_it(library):
    side = Side.open(library, LIVE, 2017, SCALE, "branch")
    checkpoint = library.ready_state(LIVE, 2017, SCALE, "branch", lambda day: pytest.fail("no ready state kept"))
    here = NGOModel.resume(checkpoint, library.scenarios[LIVE])
    n = side.steps_done()
    assert n == here.steps
    side.begin()
    assert side.model.begun and side.due
    assert side.move("accreditation_veto", 0.0) == n + 1  # the begun step is past: the move acts after it
    assert side.steps_done() == n and len(side.frame().rows) == n  # nothing shown before the step is finished
    here.step()
    schedule_move(here, here.steps, "accreditation_veto", 0.0)
    side.finish()
    for _ in range(3):
        frame = side.frame()
        assert side.steps_done() == here.steps and not side.model.begun
        np.testing.assert_equal(frame.rows, here.recorder.rows[: here.steps])
        assert frame.policy == policy_rows(here, 0)[0]
        assert np.array_equal(frame.abroad, abroad_now(here)) and frame.planned == planned(here)
        assert side.levers() == here.government.levers.as_dict()
        side.begin()
        side.finish()
        here.step()
    assert moved(side) == [(n + 1, "accreditation_veto")]
    assert side.model.step_seconds is not None and side.model.step_seconds > 0
    side.close()


def test_a_move_before_plays_step_starts_acts_from_it_and_one_while_it_is_computed_from_the_next(library):
    page = started(library, Settings(LIVE, scale=SCALE))
    side = page.sides["a"]
    play = threading.Event()
    n = side.steps_done()
    page.move("a", "accreditation_veto", 0.0)  # before the step starts
    assert page.settings.moves == (Move("a", n, "accreditation_veto", 0.0),)
    assert acts_from(page) == side.step_date(n).isoformat()
    page.begin(play)
    seen = page.version
    page.move("a", "pd_targeting", "inclusive")  # while it is computed
    assert page.settings.moves[-1] == Move("a", n + 1, "pd_targeting", "inclusive")
    assert acts_from(page) == side.step_date(n + 1).isoformat()
    assert side.steps_done() == n and moved(side) == []  # the view has not advanced yet
    page.wait_change(seen, 0)
    seen = page.version
    assert page.show(play)  # the deadline: the step is shown
    assert page.version > seen and side.steps_done() == n + 1
    assert moved(side) == [(n, "accreditation_veto")]
    assert side.frame().rows[-1]["accreditation_veto"] == 0.0 and side.frame().rows[-1]["pd_targeting"] != "inclusive"
    page.step()
    assert moved(side) == [(n, "accreditation_veto"), (n + 1, "pd_targeting")]
    assert side.frame().rows[-1]["pd_targeting"] == "inclusive"
    assert not [m for m in page.messages if m.kind == "error"]
    assert page.lead() < LEAD_SHARE  # estimated from the steps shown (a few ms at this scale), not the most
    page.close()


def test_a_stored_run_that_goes_live_while_plays_step_is_begun_computes_that_step_with_the_move(library):
    page = started(library, Settings("status_quo", scale=SCALE, compare=LIVE))
    stored, live = page.sides["a"], page.sides["b"]
    assert stored.model is None and live.model is not None
    play = threading.Event()
    n = stored.steps_done()
    page.begin(play)
    assert stored.due and live.model.begun
    page.move("a", "accreditation_veto", 0.0)  # nothing was computed for the stored run: acts from this step
    assert stored.model is not None and page.settings.moves == (Move("a", n, "accreditation_veto", 0.0),)
    assert page.show(play)
    assert stored.steps_done() == live.steps_done() == n + 1  # a comparison stays in step
    assert moved(stored) == [(n, "accreditation_veto")]
    page.close()


def test_step_while_plays_step_is_begun_adds_one_and_plays_next_is_begun_again(library):
    page = started(library, Settings(LIVE, scale=SCALE))
    side = page.sides["a"]
    play = threading.Event()
    n = side.steps_done()
    page.begin(play)
    page.step()  # the Step button
    assert side.steps_done() == n + 1 and side.due and side.model.begun
    assert page.show(play)
    assert side.steps_done() == n + 2 and not side.due
    page.close()


def test_pause_stops_before_the_next_start_and_a_reset_drops_the_step_begun(library):
    page = started(library, Settings(LIVE, scale=SCALE))
    side = page.sides["a"]
    n = side.steps_done()
    paused = threading.Event()
    paused.set()
    page.begin(paused)
    assert not side.due and not side.model.begun
    page.show(paused)
    assert side.steps_done() == n

    play = threading.Event()
    page.begin(play)
    pid = side.model.pid
    page.reset()  # the old side's child is ended mid-step; the new run is at its start
    again = page.sides["a"]
    assert again is not side and again.model.pid != pid and not again.due
    page.show(play)  # the old Play's deadline shows nothing on the new run
    assert again.steps_done() == n and not [m for m in page.messages if m.kind == "error"]
    page.close()


def test_pause_between_start_and_finish_shows_the_step_at_once_and_leaves_the_model_consistent(library):
    settings = Settings(LIVE, scale=SCALE, speed=0.5)  # a 2 s period; with no step time known yet the lead is 1 s
    number = next(k for k in range(100) if 0.45 < phase(k) < 0.5)  # first deadline ~0.95 s on: begun at once
    page = started(library, settings, number=number)
    side = page.sides["a"]
    n = side.steps_done()
    page.play()
    deadline = time.monotonic() + WAIT
    while not side.due and time.monotonic() < deadline:
        time.sleep(0.005)
    assert side.due and side.steps_done() == n  # begun, not yet shown
    page.pause()
    seen = page.version
    while side.steps_done() == n and time.monotonic() < deadline:
        seen = page.wait_change(seen, 1.0)
    for thread in threading.enumerate():
        if thread.name == "ngosim-play":
            thread.join(WAIT)
    assert not page.playing and side.steps_done() == n + 1 and not side.due and not side.model.begun
    assert len(side.frame().rows) == n + 1 and side.frame().rows[-1]["step"] == n
    page.step()  # the model takes the next request as ever
    assert side.steps_done() == n + 2 and len(side.frame().rows) == n + 2
    assert not [m for m in page.messages if m.kind == "error"]
    page.close()


def test_two_sessions_get_different_phases_and_the_first_deadline_comes_within_one_period(library, monkeypatch):
    offsets: list[float] = []

    def clock(*_args, **kwargs) -> int:
        """Play's clock, noting the offset of the first deadline (the clock itself is test_pacing.py's)."""
        offsets.append(kwargs["offset"])
        return 0

    monkeypatch.setattr(session, "play", clock)
    settings = Settings("status_quo", scale=SCALE, speed=2.0)
    one, two = PageSession(library, settings), PageSession(library, settings)
    assert one.number != two.number and phase(one.number) != phase(two.number)
    for page in (one, two):
        page.play()
        for thread in threading.enumerate():
            if thread.name == "ngosim-play":
                thread.join(WAIT)
    assert offsets == [phase(one.number) / 2.0, phase(two.number) / 2.0]
    assert offsets[0] != offsets[1] and all(0.0 <= offset < 0.5 for offset in offsets)  # within one period
