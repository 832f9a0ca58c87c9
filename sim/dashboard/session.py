"""A run's state as pages see it: settings, side(s), messages, Play. Plain Python (no Solara).

One PageSession per browser page, or one per group (2-3 students who share one run): the
Register below hands each page its session. Every change goes through a session under one lock,
so Play's thread and a click never step a model at the same time, a failure becomes a message
for that session's page(s) only, and every change bumps `version`, on which each page showing
the session waits to redraw.

Play starts each quarter a lead time before its deadline (a live model's child computes it
meanwhile, the lock free for clicks) and shows it on the deadline (`pacing.py`), so the view
advances on the deadline, not after the computation; and each session's deadlines have a phase
of their own, so the runs of a class that pressed Play together do not redraw at one instant.
"""

from __future__ import annotations

import io
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from sim.dashboard.i18n import catalogue, t
from sim.dashboard.pacing import LEAD_WINDOW, lead_time, phase, play
from sim.dashboard.runs import BudgetFull, Library, Side
from sim.dashboard.settings import SIDES, Move, Problem, Settings, check_lever

log = logging.getLogger("ngosim.dashboard")
NUMBERS = itertools.count()  # each session's number, from which its Play's phase comes


class Word(str):
    """A message value that is itself a catalogue key, shown in the reading page's language."""


@dataclass(frozen=True)
class Message:
    """A line shown at the top of the page(s): `kind` is info, warning or error; worded when shown, in each
    page's own language (members of a group may read different languages)."""

    kind: str
    key: str
    values: tuple[tuple[str, object], ...] = ()

    def text(self, lang: str) -> str:
        """The message in `lang`."""
        shown = {k: t(v, lang) if isinstance(v, Word) else v for k, v in self.values}
        return t(self.key, lang, **shown)


@dataclass(eq=False)
class PageSession:
    """The runs one page shows and what it says about them."""

    library: Library
    settings: Settings
    sides: dict[str, Side] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = 0  # bumped by every change; the pages showing this session redraw when it moves
    changed: threading.Condition = field(default_factory=threading.Condition)
    number: int = field(default_factory=lambda: next(NUMBERS))  # sessions made one after another: spread phases
    _stop_play: threading.Event | None = None
    _begun: threading.Event | None = None  # the Play (its stop event) whose quarter is begun and not yet shown
    _step_times: deque[float] = field(default_factory=lambda: deque(maxlen=LEAD_WINDOW))

    # --- building the runs ------------------------------------------------------------------------------
    def start(self, settings: Settings) -> None:
        """Open the side(s) for these settings at their start, and schedule the moves a link carries."""
        with self.lock:
            self.close()
            self.settings = settings
            self.messages = []
            names = [settings.preset] + ([settings.compare] if settings.compare else [])
            for side, name in zip(SIDES, names, strict=False):
                self.sides[side] = self._open(name, side)
            for move in settings.moves:
                if move.side in self.sides:
                    self._guard(lambda m=move: self.sides[m.side].schedule(m.step, m.lever, m.value))
            self.bump()

    def _open(self, name: str, side: str) -> Side:
        s = self.settings
        try:
            return Side.open(self.library, name, s.seed, s.scale, s.start, side)
        except BudgetFull as full:
            self.warn("budget_full", budget=f"{full.budget:g}")
            fallback = self.library.recording(name, self.library.default_seed, self.library.default_scale, s.start)
            if fallback is None:
                raise
            self.settings = s.with_(seed=self.library.default_seed, scale=self.library.default_scale, moves=())
            return Side(self.library, name, self.settings.seed, self.settings.scale, s.start, side, replay=fallback)

    def close(self) -> None:
        """Stop Play and free the live models (the page or group was closed, reset or restarted)."""
        self.pause()
        with self.lock:
            for side in self.sides.values():
                side.close()
            self.sides = {}
            self._begun = None
            self._step_times.clear()

    def reset(self) -> None:
        """Back to the start of the same settings, without the levers moved so far."""
        self.start(self.settings.with_(moves=()))

    # --- time --------------------------------------------------------------------------------------------
    def step(self) -> bool:
        """One quarter on every side now, the Step button (so a comparison stays in step); False once every side
        has ended. If Play has a quarter begun, that one is shown now and Play's next is begun for its
        deadline, so a click adds one quarter to Play's, as it always did."""
        with self.lock:
            owner = self._begun
            more = self._finish()
            if owner is not None and more:
                self._begin(owner)
            return more

    def begin(self, stop: threading.Event) -> None:
        """Play, a lead time before a deadline: start the next quarter on every side (see `Side.begin`).
        Nothing once that Play is stopped (Pause stops before the next start); a quarter begun by a Play
        paused since (and not yet shown) becomes this Play's."""
        with self.lock:
            if self._begun is None or self._begun.is_set():
                self._begin(stop)

    def show(self, stop: threading.Event) -> bool:
        """Play, on the deadline: show the quarter that Play began (nothing if it began none, e.g. the run was
        restarted since); False once every side has ended."""
        with self.lock:
            if self._begun is stop:
                return self._finish()
            return not self._ended()

    def lead(self) -> float:
        """How long before a deadline Play starts the quarter: none for stored runs (nothing to compute), else
        from this session's recent step times (`pacing.lead_time`)."""
        with self.lock:
            if all(side.model is None for side in self.sides.values()):
                return 0.0
            return lead_time(self._step_times, 1.0 / self.settings.speed)

    def _begin(self, owner: threading.Event) -> None:
        """Start the next quarter on every side, for `owner` (a Play, unless stopped) to show (under the lock)."""
        if owner.is_set() or self._ended():
            return
        for side in self.sides.values():
            self._guard(side.begin)
        self._begun = owner

    def _finish(self) -> bool:
        """Show the quarter begun on every side, or do one now; note the live models' step time (under the lock)."""
        self._begun = None
        if self._ended():
            return False
        for side in self.sides.values():
            self._guard(side.finish)
        models = [side.model for side in self.sides.values() if side.model is not None]
        times = [model.step_seconds for model in models if model.step_seconds is not None]
        if times:
            self._step_times.append(max(times))
        self.bump()
        return not self._ended()

    def _ended(self) -> bool:
        return all(side.finished for side in self.sides.values())

    @property
    def playing(self) -> bool:
        """Whether Play's thread is stepping this session."""
        return self._stop_play is not None and not self._stop_play.is_set()

    def play(self) -> None:
        """Step at the settings' speed in a thread of the session's own (one per session, however many
        pages show it, so a group's Play does not step its model once per member) until paused or ended."""
        with self.lock:
            if self.playing:
                return
            stop = self._stop_play = threading.Event()
        threading.Thread(target=self._play, args=(stop,), name="ngosim-play", daemon=True).start()
        self.bump()

    def _play(self, stop: threading.Event) -> None:
        """Play's thread: each quarter begun `lead()` before its deadline and shown on it; the first deadline
        comes within one period, at this session's phase."""
        play(
            lambda: self.show(stop),
            lambda: 1.0 / self.settings.speed,
            stop.wait,
            prepare=lambda: self.begin(stop),
            lead=self.lead,
            offset=phase(self.number) / self.settings.speed,
        )
        stop.set()
        self.bump()

    def pause(self) -> None:
        """Stop Play (a quarter begun is shown at once; none is begun after)."""
        stop = self._stop_play
        if stop is not None and not stop.is_set():
            stop.set()
            self.bump()

    def bump(self) -> None:
        """Note a change, and wake every page waiting to redraw."""
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        """The version once it differs from `seen`, or after `timeout` seconds, whichever is first."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, timeout)
            return self.version

    # --- levers -----------------------------------------------------------------------------------------
    def move(self, side: str, lever: str, value: object) -> None:
        """Move a lever on one side from the next quarter on; bad values and a full budget become messages.

        The next quarter is the one not begun yet: while Play's quarter is computed (in its lead time
        before the deadline), a move acts from the quarter after, and the message says which.
        """
        with self.lock:
            try:
                checked = check_lever(lever, str(value))
            except ValueError:
                self.problem(Problem(lever, str(value)[:60], "0 ... 1"), "bad_input")
                return
            if side not in self.sides:
                return
            try:
                step = self.sides[side].move(lever, checked)
            except BudgetFull as full:
                self.warn("budget_full", budget=f"{full.budget:g}")
                return
            self.settings = self.settings.with_(moves=(*self.settings.moves, Move(side, step, lever, checked)))
            shown = Word(f"targeting_{checked}") if isinstance(checked, str) else f"{checked:g}"
            date = self.sides[side].step_date(step).isoformat()
            self.info("moved", lever=Word(f"short_{lever}"), value=shown, date=date)
            self.bump()

    # --- messages ----------------------------------------------------------------------------------------
    def say(self, kind: str, key: str, **values: object) -> None:
        """Add a message (the last four are kept), worded in each page's language when shown."""
        self.messages = [*self.messages[-3:], Message(kind, key, tuple(values.items()))]
        self.bump()

    def info(self, key: str, **values: object) -> None:
        self.say("info", key, **values)

    def warn(self, key: str, **values: object) -> None:
        self.say("warning", key, **values)

    def problem(self, problem: Problem, key: str = "bad_field") -> None:
        """A field that cannot be used, named in the reading page's language."""
        name = Word(f"field_{problem.field}") if f"field_{problem.field}" in catalogue() else problem.field
        self.warn(key, field=name, given=problem.given, allowed=problem.allowed)

    def _guard(self, action: Callable[[], object]) -> None:
        """Run one action; an error becomes a message on this session's page(s) (and the log), never a crash."""
        try:
            action()
        except BudgetFull as full:
            self.warn("budget_full", budget=f"{full.budget:g}")
        except Exception as exc:
            log.exception("dashboard action failed")
            self.say("error", "error", problem=type(exc).__name__)

    # --- downloads --------------------------------------------------------------------------------------
    def csv(self) -> bytes:
        """The run(s) shown, one row per side and step, as CSV."""
        with self.lock:
            frames = []
            for side in self.sides.values():
                df = pd.DataFrame(side.frame().rows)
                df.insert(0, "scenario", side.name)
                df.insert(0, "side", side.side)
                df.insert(2, "seed", side.seed)
                frames.append(df)
        out = io.StringIO()
        pd.concat(frames, ignore_index=True).to_csv(out, index=False)
        return out.getvalue().encode("utf-8")


class Register:
    """The open pages and the session each shows: a page alone has its own; the pages of one group share
    the group's (made by its first page, freed with its last), so a group's members see one run and no
    one outside the group can change it."""

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self._lock = threading.Lock()
        self._pages: dict[str, PageSession] = {}  # kernel id -> the session the page shows
        self._group_of: dict[str, str] = {}  # kernel id -> its group ("" = alone)
        self._groups: dict[str, PageSession] = {}  # group name -> its session

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)

    def join(self, page: str, group: str, make: Callable[[], PageSession]) -> tuple[PageSession, bool] | None:
        """The session of a newly opened page and whether it is new (then the caller starts it); None if the
        class is full. `make` builds an unstarted session, cheaply, under the register's lock."""
        with self._lock:
            if page in self._pages:
                return self._pages[page], False
            if len(self._pages) >= self.max_pages:
                return None
            return self._take(page, group, make)

    def regroup(self, page: str, group: str, make: Callable[[], PageSession]) -> tuple[PageSession, bool]:
        """Move an open page into `group` (or alone, for ""): it leaves its old session, freed if it was the
        last page on it; returns the new session and whether it is new."""
        with self._lock:
            old = self._drop(page)
            taken = self._take(page, group, make)
        if old is not None:
            old.close()
        return taken

    def leave(self, page: str) -> None:
        """A page has gone (tab closed, or culled): free its session if no other page shows it."""
        with self._lock:
            old = self._drop(page)
        if old is not None:
            old.close()

    def members(self, group: str) -> int:
        """How many open pages are in `group`."""
        with self._lock:
            return sum(g == group for g in self._group_of.values())

    def _take(self, page: str, group: str, make: Callable[[], PageSession]) -> tuple[PageSession, bool]:
        fresh = not group or group not in self._groups
        session = make() if fresh else self._groups[group]
        if group:
            self._groups[group] = session
        self._pages[page], self._group_of[page] = session, group
        return session, fresh

    def _drop(self, page: str) -> PageSession | None:
        """Forget a page; its session if no page shows it any more (to be closed outside the lock)."""
        session = self._pages.pop(page, None)
        group = self._group_of.pop(page, "")
        if session is None or any(s is session for s in self._pages.values()):
            return None
        self._groups.pop(group, None)
        return session
