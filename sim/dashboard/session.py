"""One browser page's state: its settings, its side(s), its messages. Plain Python (no Solara), one per page.

Every change a student makes goes through here under one lock, so Play's thread and a click
never step a model at the same time, and a failure is turned into a message for this page only.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass, field

import pandas as pd

from sim.dashboard.i18n import t
from sim.dashboard.runs import BudgetFull, Library, Side
from sim.dashboard.settings import SIDES, Move, Problem, Settings, check_lever

log = logging.getLogger("ngosim.dashboard")


@dataclass
class Message:
    """A line shown at the top of the page: `kind` is info, warning or error."""

    kind: str
    text: str


@dataclass
class PageSession:
    """The runs one page shows and what it says about them."""

    library: Library
    settings: Settings
    sides: dict[str, Side] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

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
        """Free the live models (the page was closed, reset or restarted)."""
        with self.lock:
            for side in self.sides.values():
                side.close()
            self.sides = {}

    def reset(self) -> None:
        """Back to the start of the same settings, without the levers moved so far."""
        self.start(self.settings.with_(moves=()))

    # --- time --------------------------------------------------------------------------------------------
    def step(self) -> bool:
        """One quarter on every side (so a comparison stays in step); False once every side has ended."""
        with self.lock:
            if all(side.finished for side in self.sides.values()):
                return False
            for side in self.sides.values():
                self._guard(side.step)
            return not all(side.finished for side in self.sides.values())

    # --- levers -----------------------------------------------------------------------------------------
    def move(self, side: str, lever: str, value: object) -> None:
        """Move a lever on one side from the next quarter on; bad values and a full budget become messages."""
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
            lang = self.settings.lang
            shown = t(f"targeting_{checked}", lang) if isinstance(checked, str) else f"{checked:g}"
            date = self.sides[side].today().isoformat()
            self.info("moved", lever=t(f"short_{lever}", lang), value=shown, date=date)

    # --- messages ----------------------------------------------------------------------------------------
    def info(self, key: str, **values: object) -> None:
        self.messages = [*self.messages[-3:], Message("info", t(key, self.settings.lang, **values))]

    def warn(self, key: str, **values: object) -> None:
        self.messages = [*self.messages[-3:], Message("warning", t(key, self.settings.lang, **values))]

    def problem(self, problem: Problem, key: str = "bad_field") -> None:
        """A field that cannot be used, named in the page's language."""
        lang = self.settings.lang
        name = t(f"field_{problem.field}", lang) if f"field_{problem.field}" in _field_keys() else problem.field
        text = t(key, lang, field=name, given=problem.given, allowed=problem.allowed)
        self.messages = [*self.messages[-3:], Message("warning", text)]

    def _guard(self, action) -> None:
        """Run one action; an error becomes a message on this page (and the server log), never a crash."""
        try:
            action()
        except BudgetFull as full:
            self.warn("budget_full", budget=f"{full.budget:g}")
        except Exception as exc:
            log.exception("dashboard action failed")
            self.messages = [
                *self.messages[-3:],
                Message("error", t("error", self.settings.lang, problem=type(exc).__name__)),
            ]

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


def _field_keys() -> set[str]:
    from sim.dashboard.i18n import catalogue

    return {k for k in catalogue() if k.startswith("field_")}
