"""Live models in processes of their own (sim/dashboard/live.py): the same run as a model stepped in the
test's process, a child that ends with its side, its session, or its parent, and errors in the child that
reach the page as messages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import NGOSIM_ENV, REPO, SCENARIOS, process_running

from sim import NGOModel
from sim.dashboard.live import LiveModel, LiveModelGone, abroad_now, planned, policy_rows, schedule_move
from sim.dashboard.runs import Library, Side, offered_scenarios
from sim.dashboard.session import PageSession, Register
from sim.dashboard.settings import Settings

SCALE = 0.01
ENDS_WITHIN = 60.0  # seconds allowed for a child to notice its parent has gone (a deadline, not a timing)


@pytest.fixture(scope="module")
def library() -> Library:
    library = Library(offered_scenarios(SCENARIOS, []), 2017, SCALE, live_budget=0.05)
    library.record("status_quo", "branch")
    return library


def kept_state(library: Library, name: str):
    """The ready state the library keeps for `name` at the test's settings (made already)."""
    return library.ready_state(name, 2017, SCALE, "branch", lambda day: pytest.fail(f"no state kept for {day}"))


def wait_gone(pid: int) -> bool:
    """Whether the process `pid` has ended within ENDS_WITHIN seconds."""
    deadline = time.monotonic() + ENDS_WITHIN
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not process_running(pid)


def test_a_live_model_in_its_process_shows_the_frames_of_a_model_stepped_here(library):
    side = Side.open(library, "status_quo", 2017, SCALE, "branch")
    here = NGOModel.resume(kept_state(library, "status_quo"), library.scenarios["status_quo"])
    for _ in range(2):  # two stored steps, then a lever: the side goes live at the same quarter
        side.step()
        here.step()
    assert side.model is None
    assert side.move("accreditation_veto", 0.0) == here.steps == 86
    schedule_move(here, here.steps, "accreditation_veto", 0.0)
    assert side.model is not None and side.model.pid != os.getpid() and process_running(side.model.pid)
    side.schedule(here.steps + 3, "pd_targeting", "inclusive")  # a move still to come: on the planned list
    schedule_move(here, here.steps + 3, "pd_targeting", "inclusive")
    for _ in range(6):
        frame = side.frame()
        np.testing.assert_equal(frame.rows, here.recorder.rows[: here.steps])  # NaN (a mean of none) equals NaN
        assert frame.policy == policy_rows(here, 0)[0]
        assert np.array_equal(frame.abroad, abroad_now(here))
        assert frame.planned == planned(here)
        assert side.levers() == here.government.levers.as_dict()
        assert side.steps_done() == here.steps and side.finished == here.finished
        side.step()
        here.step()
    moved = [e for e in side.frame().policy if e["detail"].endswith("moved in the dashboard")]
    assert [(e["step"], e["lever"]) for e in moved] == [(86, "accreditation_veto"), (89, "pd_targeting")]
    assert side.frame().rows[-1]["accreditation_veto"] == 0.0
    side.close()


def test_closing_a_side_or_freeing_its_session_ends_its_process(library):
    side = Side.open(library, "lift_objections", 2017, SCALE, "branch")  # no stored run: live at once
    pid = side.model.pid
    side.step()
    side.close()
    assert not process_running(pid) and side.model is None and library.live_used == pytest.approx(0.0)

    register = Register(max_pages=2)
    settings = Settings("lift_objections", scale=SCALE, compare="tightening")
    page, _ = register.join("kernel-1", "", lambda: PageSession(library, settings))
    page.start(settings)
    pids = [side.model.pid for side in page.sides.values()]
    assert len(set(pids)) == 2 and all(process_running(pid) for pid in pids)
    register.leave("kernel-1")  # the tab closed, or the page culled after --cull-minutes
    assert not any(process_running(pid) for pid in pids)
    assert library.live_used == pytest.approx(0.0)


def test_a_live_model_whose_parent_is_killed_ends(tmp_path):
    code = (
        "import sys\n"
        "from sim import load_scenario\n"
        "from sim.dashboard.live import LiveModel\n"
        f"live = LiveModel(load_scenario({str(SCENARIOS / 'status_quo.toml')!r}), 2017, {SCALE})\n"
        "live.resume(None)\n"
        "print(live.pid, flush=True)\n"
        "sys.stdin.read()\n"  # wait until killed
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, env=NGOSIM_ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        pid = int(parent.stdout.readline())
        assert process_running(pid)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert wait_gone(pid)


def test_an_error_in_the_child_is_raised_here_and_a_dead_child_is_a_message_on_the_page(library):
    other = dataclasses.replace(library.scenarios["tightening"], start=dt.date(1996, 1, 1))  # another history
    live = LiveModel(other, 2017, SCALE)
    with pytest.raises(ValueError, match="does not share the checkpoint's history") as raised:
        live.resume(kept_state(library, "status_quo"))
    assert any("in the live model's process" in note for note in raised.value.__notes__)
    live.close()
    assert not process_running(live.pid)
    with pytest.raises(LiveModelGone):
        live.step()

    settings = Settings("lift_objections", scale=SCALE)
    page = PageSession(library, settings)
    page.start(settings)
    os.kill(page.sides["a"].model.pid, signal.SIGKILL)  # the child dies (e.g. out of memory)
    page.step()
    assert page.messages[-1].kind == "error" and "LiveModelGone" in page.messages[-1].text("en")
    page.close()
    assert library.live_used == pytest.approx(0.0)
