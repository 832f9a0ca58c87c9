"""The runs the pages show: a live model per side, or a stored run of a preset replayed until a lever moves.

The server keeps (per process, shared by every session): the ready states at the 2016 branch
date (model checkpoints, `sim/model/checkpoint.py`, a few in memory), the stored runs of the
presets at the default seed and scale, and a budget of live models (the sum of their scales),
because a 1:1 model costs about 0.7 GB and 0.1-0.2 s a step after 2016. Every model, live or
being recorded, runs in a process of its own (`live.py`), so no step holds the interpreter lock
of the server, whose one process serves every page. Nothing here imports Solara.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim import Scenario, ScenarioError, load_scenario
from sim.dashboard.live import LiveModel
from sim.model.calendar import Calendar
from sim.model.checkpoint import ModelCheckpoint, history_key
from sim.model.domain import LEVERS

log = logging.getLogger("ngosim.dashboard")

BRANCH_DATE = dt.date(2016, 1, 1)
PREFERRED_ORDER = (
    "status_quo",
    "open_registration",
    "lift_objections",
    "inclusive_support",
    "open_all",
    "tightening",
    "history",
)


def offered_scenarios(preset_dir: Path | None, extra: list[Path]) -> dict[str, Scenario]:
    """The presets (every scenario file directly in `preset_dir`) and the files named on the command line.

    A file in `preset_dir` that is not a scenario (a parameters file, a calibration plan) is left
    out; a named file that is not a valid scenario raises ScenarioError. Later names win.
    """
    found: dict[str, Scenario] = {}
    for path in sorted(preset_dir.glob("*.toml")) if preset_dir and preset_dir.is_dir() else []:
        try:
            scenario = load_scenario(path)
        except ScenarioError:
            continue
        found[scenario.name] = scenario
    ordered = {n: found.pop(n) for n in PREFERRED_ORDER if n in found} | found
    for path in extra:
        scenario = load_scenario(path)
        ordered[scenario.name] = scenario
    return ordered


def ready_date(scenario: Scenario) -> dt.date:
    """Where "start at the branch date" starts: the branch date, else 2016-01-01 if the run spans it."""
    if scenario.branch is not None:
        return scenario.branch.date
    if scenario.start < BRANCH_DATE < scenario.end:
        return BRANCH_DATE
    return scenario.start


@dataclass
class Frame:
    """What a side shows at one step: the outputs so far, the policy events so far, who is abroad now."""

    rows: list[dict]  # timeseries rows, one per step so far (shared, read-only)
    policy: list[dict]  # policy_change events so far: step, date, lever, detail
    abroad: np.ndarray  # organisations abroad now: columns row, kind, stage, coalition, unite (int)
    planned: list[dict]  # dated policy events still to come: date, lever, value
    key: tuple | None = None  # for a stored run: (run, step), the same for every page showing it


@dataclass
class Recording:
    """A stored run of a preset from its ready state to its end: a Frame's parts at each step (0 = the start)."""

    rows: list[dict]
    first: int  # rows before the ready state (the history a 2016 start begins with)
    policy: list[list[dict]]
    abroad: list[np.ndarray]
    planned: list[list[dict]]

    @property
    def steps(self) -> int:
        return len(self.abroad) - 1


class Library:
    """Server-wide: the offered scenarios, the ready states, the stored runs and the live-model budget."""

    def __init__(
        self,
        scenarios: dict[str, Scenario],
        default_seed: int,
        default_scale: float,
        live_budget: float,
        checkpoints_kept: int = 3,
    ) -> None:
        self.scenarios = scenarios
        self.default_seed = default_seed
        self.default_scale = default_scale
        self.live_budget = live_budget
        self.live_used = 0.0
        self.checkpoints_kept = checkpoints_kept
        self._checkpoints: OrderedDict[str, ModelCheckpoint] = OrderedDict()
        self._recordings: dict[tuple, Recording] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    # --- live budget -------------------------------------------------------------------------------
    def acquire(self, scale: float) -> bool:
        """Reserve room for one live model of this scale; False if the class's budget is spent."""
        with self._lock:
            if self.live_used + scale > self.live_budget + 1e-9:
                return False
            self.live_used += scale
            return True

    def release(self, scale: float) -> None:
        with self._lock:
            self.live_used = max(0.0, self.live_used - scale)

    # --- ready states ---------------------------------------------------------------------------------
    def ready_state(
        self, name: str, seed: int, scale: float, start: str, build: Callable[[dt.date], ModelCheckpoint]
    ) -> ModelCheckpoint | None:
        """The state a run of scenario `name` starts from: None at the scenario's start, else its state on
        the branch date, kept for the last `checkpoints_kept` histories used. A state not kept is made by
        `build(date)` (a run from the start to that date), once however many sessions ask at a time."""
        scenario = self.scenarios[name]
        if start == "start" or ready_date(scenario) == scenario.start:
            return None
        day = ready_date(scenario)
        key = history_key(scenario, seed, scale, day)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                checkpoint = self._checkpoints.get(key)
                if checkpoint is not None:
                    self._checkpoints.move_to_end(key)
                    return checkpoint
            checkpoint = build(day)
            with self._lock:
                self._checkpoints[key] = checkpoint
                while len(self._checkpoints) > self.checkpoints_kept:
                    self._checkpoints.popitem(last=False)
            return checkpoint

    def live_model(self, name: str, seed: int, scale: float, start: str) -> LiveModel:
        """A model of scenario `name` in a process of its own, at its ready state (see `ready_state`)."""
        live = LiveModel(self.scenarios[name], seed, scale)
        try:
            checkpoint = self.ready_state(name, seed, scale, start, live.history)
            if not live.started:  # else the child ran the history itself and holds that model
                live.resume(checkpoint)
        except BaseException:
            live.close()
            raise
        return live

    # --- stored runs ------------------------------------------------------------------------------------
    def recording(self, name: str, seed: int, scale: float, start: str) -> Recording | None:
        """The stored run of a preset at these settings, if there is one."""
        return self._recordings.get((name, seed, scale, start))

    def record(self, name: str, start: str, stop: Callable[[], bool] = lambda: False) -> None:
        """Store a run of a preset at the default seed and scale (done once, at start-up, off the pages' way:
        the model runs in its own process, and this thread only keeps what each step sends)."""
        live = self.live_model(name, self.default_seed, self.default_scale, start)
        try:
            now = live.shown
            rec = Recording(live.rows, now.steps, [now.policy], [now.abroad], [now.planned])
            while not live.finished and not stop():
                live.step()
                now = live.shown
                rec.policy.append(now.policy)
                rec.abroad.append(now.abroad)
                rec.planned.append(now.planned)
        finally:
            live.close()
        if live.finished:
            self._recordings[(name, self.default_seed, self.default_scale, start)] = rec

    def warm(self, stop: Callable[[], bool]) -> None:
        """Prepare the ready states and stored runs of every preset at the default settings."""
        for name in self.scenarios:
            if stop():
                return
            try:
                self.record(name, "branch", stop)
            except Exception:  # a warm-up failure must not stop the server: that preset then runs live
                log.exception("could not store a run of %s", name)


@dataclass
class Side:
    """One side of a page: its run (stored, or live in a process of its own), and the levers moved on it."""

    library: Library
    name: str
    seed: int
    scale: float
    start: str
    side: str = "a"
    model: LiveModel | None = None
    replay: Recording | None = None
    position: int = 0  # steps shown, for a replay
    holds_budget: bool = False
    due: bool = False  # a step is begun (`begin`) and not yet shown (`finish`)

    @classmethod
    def open(cls, library: Library, name: str, seed: int, scale: float, start: str, side: str = "a") -> Side:
        """A side at its start: the stored run if there is one, else a live model (budget allowing)."""
        self = cls(library, name, seed, scale, start, side)
        self.replay = library.recording(name, seed, scale, start)
        if self.replay is None:
            self.go_live()
        return self

    def go_live(self) -> None:
        """Turn a replay into a live model at the same step; raise BudgetFull if the class has no room."""
        if self.model is not None:
            return
        if not self.library.acquire(self.scale):
            raise BudgetFull(self.library.live_budget)
        self.holds_budget = True
        live = None
        try:
            live = self.library.live_model(self.name, self.seed, self.scale, self.start)
            live.advance(self.replay.first + self.position if self.replay is not None else 0)
        except BaseException:
            if live is not None:
                live.close()
            self.close()
            raise
        self.model = live
        self.replay = None

    def close(self) -> None:
        """End the live model's process and give back its share of the budget."""
        if self.model is not None:
            self.model.close()
            self.model = None
        if self.holds_budget:
            self.library.release(self.scale)
            self.holds_budget = False
        self.due = False

    # --- time ---------------------------------------------------------------------------------------------
    def steps_done(self) -> int:
        if self.model is not None:
            return self.model.steps
        assert self.replay is not None
        return self.replay.first + self.position

    def today(self) -> dt.date:
        """First day of the step that runs next (the run's date now)."""
        return self.step_date(self.steps_done())

    def step_date(self, step: int) -> dt.date:
        """First day of step `step` (e.g. the quarter a move acts from)."""
        scenario = self.library.scenarios[self.name]
        return Calendar(scenario.start, scenario.end, scenario.steps_per_year).step_start(step)

    @property
    def finished(self) -> bool:
        if self.model is not None:
            return self.model.finished
        assert self.replay is not None
        return self.position >= self.replay.steps

    def step(self) -> None:
        """One quarter, at once: the next stored step, or one step of the live model."""
        self.begin()
        self.finish()

    def begin(self) -> None:
        """Start the next quarter: a live model's child computes it now, while what is shown stays as it is;
        a stored run has nothing to compute. Nothing if a quarter is begun already or the run has ended."""
        if self.due or self.finished:
            return
        self.due = True
        if self.model is not None:
            self.model.begin_step()

    def finish(self) -> None:
        """Show the quarter begun (waiting for the child if it is not done), or, if none is, do one now.

        A side that went live after its quarter was begun (a lever moved on a stored run) computes
        that quarter now, with the move.
        """
        if not self.due:
            self.begin()
        if not self.due:
            return
        self.due = False
        if self.model is not None:
            self.model.step()
        else:
            self.position += 1

    def move(self, lever: str, value: float | str) -> int:
        """Move a lever from the next step on (it goes on the timeline as a policy event); returns that step.

        A live model's step begun and not yet shown is past already: the move acts from the one after.
        """
        return self.schedule(self.steps_done(), lever, value)

    def schedule(self, step: int, lever: str, value: float | str) -> int:
        """Put a move on the schedule at its step (the next one if that has passed, e.g. from a link);
        returns the step it acts from."""
        self.go_live()
        assert self.model is not None
        return self.model.schedule(step, lever, value)

    def levers(self) -> dict[str, float | str]:
        """The levers in force now (for a replay: as recorded in the last row)."""
        if self.model is not None:
            return self.model.levers()
        rows = self.frame().rows
        return {lever: rows[-1][lever] for lever in LEVERS} if rows else {}

    def frame(self) -> Frame:
        """What this side shows now."""
        if self.model is not None:
            live = self.model
            now = live.shown  # read once: a step under way swaps in a whole new state
            return Frame(live.rows[: now.steps], now.policy, now.abroad, now.planned)
        rec = self.replay
        assert rec is not None
        i = self.position
        return Frame(rec.rows[: rec.first + i], rec.policy[i], rec.abroad[i], rec.planned[i], (id(rec), i))


class BudgetFull(RuntimeError):
    """The class's live models use the whole budget: this side stays on its stored run."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"live-model budget {budget:g} in use")
        self.budget = budget
