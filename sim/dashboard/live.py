"""A live model in a process of its own, so its steps never hold the server's interpreter lock.

Every page of the dashboard shares one server process, and a 1:1 model's step costs 60-200 ms of
Python: run in a thread of the server, each step keeps the interpreter lock from the Play threads
and redraws of every other page, and a class's views stall behind it. So each live model runs in a
child process (started with "spawn": the server is threaded and is never forked) that answers
requests over a pipe. The parent (`LiveModel`) keeps what a page reads (the timeseries rows, the
policy events so far, who is abroad, the planned events, the levers in force), so reading a frame
costs no round trip; the child sends, after each request, only what changed.

A step can be split in two (`begin_step`, then `finish_step`): the request goes to the child at
once, and its answer is taken (and shown) only when asked for, so Play can have the child compute
a step ahead of its deadline and show it on the deadline. Another request meanwhile (a lever
moved) waits for that step's answer, which it keeps unshown, and then acts on the model after
that step.

The child ends with its `LiveModel`: on `close()` (a page or group freed, the session culled), when
the `LiveModel` is collected or the server exits normally, and when the server is killed (its end of
the pipe closes, which the child notices and exits). An error in the child is raised again in the
parent with the child's traceback as a note; a child that has died raises `LiveModelGone`.

The helpers that read a model's frame parts (`abroad_now`, `policy_rows`, `planned`) are here too:
the child uses them for a live model, `runs.py` for the stored runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import multiprocessing
import pickle
import signal
import threading
import time
import traceback
import weakref
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from sim.model.checkpoint import ModelCheckpoint
from sim.model.model import NGOModel
from sim.model.policy import PolicyEvent
from sim.model.scenario import Scenario

MOVE_DESCRIPTION = "moved in the dashboard"
STOP_WAIT = 10.0  # seconds a closing LiveModel waits for its child to end before killing it


def abroad_now(model: NGOModel) -> np.ndarray:
    """Register row, kind, stage, coalition and unite of every organisation abroad now, one row each."""
    rows = model.abroad_rows()
    r = model.register
    return np.column_stack([rows, r.kind[rows], r.stage[rows], r.coalition[rows], r.unite[rows]]).astype(np.int64)


def policy_rows(model: NGOModel, since: int) -> tuple[list[dict], int]:
    """The policy changes logged from event-log position `since` on, and the new position."""
    found = []
    rows = model.events.rows
    for step, date, event, _org, _kind, _domain, _value, detail in rows[since:]:
        if event == "policy_change":
            found.append({"step": int(step), "date": date, "lever": detail.split(":", 1)[0], "detail": detail})
    return found, len(rows)


def planned(model: NGOModel) -> list[dict]:
    """The policy events scheduled for later steps (the scenario's and the moves waiting for the next step)."""
    out = []
    for step, events in model.government.schedule.items():
        if step >= model.steps:
            for e in events:
                out.append({"date": model.calendar.step_start(step).isoformat(), "lever": e.lever, "value": e.value})
    return out


def schedule_move(model: NGOModel, step: int, lever: str, value: float | str) -> int:
    """Put a dashboard move on the model's schedule at `step` (the next step if that has passed); returns it.

    It goes on the timeline as a policy event ("moved in the dashboard") when the step applies it.
    """
    step = max(step, model.steps)
    event = PolicyEvent(model.calendar.step_start(step), lever, value=value, description=MOVE_DESCRIPTION)
    model.government.schedule.setdefault(step, []).append(event)
    return step


@dataclass(frozen=True)
class Changes:
    """What the child sends after a request: the model's state now, with only the new rows and events."""

    steps: int
    finished: bool
    rows: list[dict]  # timeseries rows recorded since the last Changes
    policy: list[dict]  # policy_change events logged since the last Changes
    abroad: np.ndarray  # abroad_now(model)
    planned: list[dict]  # planned(model)
    levers: dict[str, float | str]  # the levers in force now


@dataclass(frozen=True)
class Shown:
    """The parent's copy of the model's state now (swapped whole, so a reader never sees half a step)."""

    steps: int = 0
    finished: bool = False
    policy: list[dict] = field(default_factory=list)  # every policy_change event so far
    abroad: np.ndarray = field(default_factory=lambda: np.zeros((0, 5), dtype=np.int64))
    planned: list[dict] = field(default_factory=list)
    levers: dict[str, float | str] = field(default_factory=dict)


def _as_recorded(row: dict) -> dict:
    """A row as the model's recorder holds it: its missing values are `math.nan` itself again.

    The recorder writes math.nan for a mean of nothing, and rows compare equal because that one
    object equals itself; unpickled, each NaN is a new float (the same bits) and NaN != NaN.
    """
    return {k: math.nan if isinstance(v, float) and v != v else v for k, v in row.items()}


class LiveModelGone(RuntimeError):
    """The live model's process has ended (closed, or died): it can take no more requests."""


class _Child:
    """The child's side: the model, and how much of its rows and event log the parent has."""

    def __init__(self, scenario: Scenario, seed: int, scale: float) -> None:
        self.scenario, self.seed, self.scale = scenario, seed, scale
        self.model: NGOModel | None = None
        self.rows_sent = 0
        self.events_seen = 0

    def history(self, day: dt.date) -> ModelCheckpoint:
        """Run the scenario from its start up to `day`; keep that model and return its checkpoint."""
        model = NGOModel(self.scenario, seed=self.seed, scale=self.scale)
        model.run_until(day)
        self.model = model
        return model.checkpoint()

    def resume(self, checkpoint: ModelCheckpoint | None) -> None:
        """Take the model from a ready state (None: at the scenario's start)."""
        if checkpoint is None:
            self.model = NGOModel(self.scenario, seed=self.seed, scale=self.scale)
        else:
            self.model = NGOModel.resume(checkpoint, self.scenario)

    def advance(self, target: int) -> None:
        """Step until `target` steps are done or the run ends."""
        model = self._model()
        while model.steps < target and not model.finished:
            model.step()

    def schedule(self, step: int, lever: str, value: float | str) -> int:
        return schedule_move(self._model(), step, lever, value)

    def changes(self) -> Changes | None:
        """The state now, with the rows and policy events the parent has not had yet."""
        if self.model is None:
            return None
        m = self.model
        policy, self.events_seen = policy_rows(m, self.events_seen)
        rows = m.recorder.rows[self.rows_sent :]
        self.rows_sent = len(m.recorder.rows)
        return Changes(m.steps, m.finished, rows, policy, abroad_now(m), planned(m), m.government.levers.as_dict())

    def _model(self) -> NGOModel:
        if self.model is None:
            raise RuntimeError("the live model has no state yet (resume or history first)")
        return self.model


REQUESTS = ("history", "resume", "advance", "schedule")


def _sendable(exc: Exception) -> Exception:
    """The error with the child's traceback as a note, or a RuntimeError naming it if it cannot be pickled."""
    exc.add_note("in the live model's process:\n" + "".join(traceback.format_exception(exc)))
    try:
        pickle.dumps(exc)
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}\n{exc.__notes__[-1]}")


def serve(conn: Connection, scenario: Scenario, seed: int, scale: float) -> None:
    """The child process: answer (request, *arguments) until told to stop or the parent's end closes.

    Each answer is ("ok", result, Changes, seconds) or ("error", exception, Changes, seconds), where
    seconds is the time the request took here (the parent estimates from it how far ahead of a
    deadline to start a step). Ctrl-C is left to the parent (the server), which ends its children as
    it stops.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = _Child(scenario, seed, scale)
    while True:
        try:
            request, *arguments = conn.recv()
        except (EOFError, OSError):  # the parent has gone (killed, or closed its end)
            return
        if request not in REQUESTS:
            return
        began = time.perf_counter()
        try:
            answer: tuple = ("ok", getattr(child, request)(*arguments), child.changes())
        except Exception as exc:
            answer = ("error", _sendable(exc), child.changes())
        try:
            conn.send((*answer, time.perf_counter() - began))
        except (OSError, ValueError):
            return


def _stop(process: multiprocessing.process.BaseProcess, conn: Connection, lock: threading.Lock) -> None:
    """End the child: ask it to stop (or, if a request is stuck, kill it), then wait for it."""
    if lock.acquire(timeout=STOP_WAIT):
        try:
            with contextlib.suppress(OSError, ValueError):  # the child has gone already
                conn.send(("stop",))
            conn.close()
        finally:
            lock.release()
    else:
        process.kill()
    process.join(STOP_WAIT)
    if process.is_alive():
        process.kill()
        process.join()


class LiveModel:
    """One live model in its own child process, and the parent's copy of what a page shows of it.

    Start it with `history` (a run from the scenario's start to a ready date, whose checkpoint it
    returns) or `resume` (from a ready state); then `advance`, `step` (or `begin_step` and
    `finish_step`) and `schedule`. Reading `rows`, `shown`, `steps`, `finished` and `levers` asks the
    child nothing, and shows no step begun until it is finished.
    """

    def __init__(self, scenario: Scenario, seed: int, scale: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        process = context.Process(
            target=serve, args=(theirs, scenario, seed, scale), name=f"ngosim-live-{scenario.name}", daemon=True
        )
        process.start()
        theirs.close()  # the child holds the only other end: it closing (or dying) ends our reads
        self.pid: int = process.pid
        self._lock = threading.Lock()  # one request on the pipe at a time
        self._stop = weakref.finalize(self, _stop, process, self._conn, self._lock)
        self.rows: list[dict] = []  # every timeseries row so far (only ever extended)
        self.shown = Shown()
        self.started = False  # whether the child holds a model yet
        self.step_seconds: float | None = None  # the child's time for the last step shown
        self._begun = False  # a step is begun and not yet shown
        self._awaiting = False  # the begun step's answer is still on its way
        self._held: Changes | None = None  # what the child sent since the step was begun, not yet shown
        self._held_seconds: float | None = None  # the begun step's time in the child
        self._failure: BaseException | None = None  # the begun step's error, raised by finish_step

    # --- requests -------------------------------------------------------------------------------------
    def history(self, day: dt.date) -> ModelCheckpoint:
        """Run the scenario from its start up to `day` in the child, which keeps that model; its checkpoint."""
        return self._ask("history", day)

    def resume(self, checkpoint: ModelCheckpoint | None) -> None:
        """Take the model from a ready state (None: a new model at the scenario's start)."""
        self._ask("resume", checkpoint)

    def advance(self, target: int) -> None:
        """Step until `target` steps are done (or the run ends)."""
        self._ask("advance", target)

    def step(self) -> None:
        """One step (the one begun, if a step is under way), shown once it is done."""
        self.begin_step()
        self.finish_step()

    @property
    def begun(self) -> bool:
        """Whether a step is begun and not yet shown."""
        return self._begun

    def begin_step(self) -> None:
        """Ask the child for the next step and return at once (nothing if a step is begun already).

        Never raises: a child that has gone is reported by `finish_step`, so a step's outcome,
        whatever it is, comes once.
        """
        with self._lock:
            if self._begun:
                return
            self._begun = True
            if not self._stop.alive:
                self._failure = LiveModelGone(f"live model {self.pid} was closed")
                return
            try:
                self._conn.send(("advance", self.shown.steps + 1))
            except (OSError, ValueError) as exc:
                self._failure = LiveModelGone(f"live model {self.pid} has ended")
                self._failure.__cause__ = exc
                return
            self._awaiting = True

    def finish_step(self) -> None:
        """Wait for the step begun (if any), then show it, with whatever was asked since; raise its error."""
        with self._lock:
            if not self._begun:
                return
            self._collect()
            held, failure = self._held, self._failure
            self.step_seconds = self._held_seconds
            self._begun, self._held, self._held_seconds, self._failure = False, None, None, None
            if held is not None:
                self._take(held)
        if failure is not None:
            raise failure

    def schedule(self, step: int, lever: str, value: float | str) -> int:
        """Move a lever from `step` on (the next step if that has passed): a policy event; returns the step."""
        return self._ask("schedule", step, lever, value)

    def close(self) -> None:
        """End the child process (it is waited for, so its pid is gone once this returns)."""
        self._stop()

    @property
    def alive(self) -> bool:
        return self._stop.alive

    # --- what a page reads ----------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.shown.steps

    @property
    def finished(self) -> bool:
        return self.shown.finished

    def levers(self) -> dict[str, float | str]:
        """The levers in force now."""
        return dict(self.shown.levers)

    def _ask(self, request: str, *arguments: Any) -> Any:
        """Send a request and wait for its answer; with a step begun, after that step's answer (both kept
        unshown until `finish_step`), so the request acts on the model after that step."""
        with self._lock:
            if not self._stop.alive:
                raise LiveModelGone(f"live model {self.pid} was closed")
            self._collect()
            try:
                self._conn.send((request, *arguments))
                outcome, result, changes, _seconds = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise LiveModelGone(f"live model {self.pid} has ended") from exc
            if self._begun:
                self._hold(changes)
            elif changes is not None:
                self._take(changes)
        if outcome == "error":
            raise result
        return result

    def _collect(self) -> None:
        """Receive the begun step's answer if it is still on its way, and keep it unshown (under the lock)."""
        if not self._awaiting:
            return
        self._awaiting = False
        try:
            outcome, result, changes, self._held_seconds = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._failure = LiveModelGone(f"live model {self.pid} has ended")
            self._failure.__cause__ = exc
            return
        self._hold(changes)
        if outcome == "error":
            self._failure = result

    def _hold(self, changes: Changes | None) -> None:
        """Keep what the child sent while a step is begun: its rows and events added up, its state the latest."""
        if changes is None:
            return
        held = self._held
        if held is None:
            self._held = changes
            return
        self._held = replace(changes, rows=held.rows + changes.rows, policy=held.policy + changes.policy)

    def _take(self, changes: Changes) -> None:
        """Add the new rows, then swap in the new state (readers see the old state or the new, whole)."""
        self.rows.extend(_as_recorded(row) for row in changes.rows)
        old = self.shown
        policy = old.policy + changes.policy if changes.policy else old.policy
        self.shown = Shown(changes.steps, changes.finished, policy, changes.abroad, changes.planned, changes.levers)
        self.started = True
