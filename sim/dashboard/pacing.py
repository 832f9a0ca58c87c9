"""Play's clock, shared by the page and the benchmark: steps paced by deadlines, computed just before them.

The k-th step is due at start + offset + k * period. Waiting a full period after each step (the old
loop) added the step's own cost to every period, so a page at one step a second got fewer than one.
A step that comes late runs at once, and the deadlines start again from then: a slow moment is
never followed by a burst of steps to catch up.

Computing a step on its deadline still shows it late by its computation, which varies (30-220 ms
for a live 1:1 model), so two advances can be a period plus that variation apart. So the clock can
start each step's work a lead time before its deadline (`prepare`) and show it on the deadline
(`step`), with the lead estimated from the recent step times (`lead_time`). And every run that
pressed Play at the same moment would have its deadlines at the same instants, its pages' redraws
queueing together for the server's interpreter lock; so each run's deadlines are offset by a phase
of its own (`phase`), spread over the period.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0  # 0.618...: its multiples mod 1 fill [0, 1) as evenly as any sequence
LEAD_FACTOR = 1.25  # the lead is the slowest recent step times this, plus LEAD_MARGIN
LEAD_MARGIN = 0.03  # seconds, for the reply's way back and a thread's scheduling
LEAD_SHARE = 0.5  # of the period, at most: a lever moved in the lead acts one step later
LEAD_WINDOW = 8  # recent step times the lead is estimated from


def play(
    step: Callable[[], bool],
    period: Callable[[], float],
    stopped: Callable[[float], bool],
    clock: Callable[[], float] = time.monotonic,
    prepare: Callable[[], object] | None = None,
    lead: Callable[[], float] = lambda: 0.0,
    offset: float = 0.0,
) -> int:
    """Call `step` at each deadline until it returns False or `stopped(timeout)` does; returns the steps taken.

    The first deadline is `offset` seconds from now. With `prepare`, it is called `lead()` seconds
    before each deadline (at once if that has passed) to start the step's work, and `step` shows it
    on the deadline; a stop between the two still calls `step` once (the work begun is shown, so
    nothing is left half done) and then ends. `period()` is read after every step (so a new speed
    acts from the next step); `stopped` waits up to its timeout and says whether to stop, as
    `threading.Event.wait` does.
    """
    taken = 0
    due = clock() + offset
    while True:
        if prepare is not None:
            if stopped(max(0.0, due - lead() - clock())):
                return taken
            prepare()
        stop = stopped(max(0.0, due - clock()))
        if stop and prepare is None:
            return taken
        taken += 1
        if not step() or stop:
            return taken
        due = max(due + period(), clock())


def lead_time(recent: Sequence[float], period: float) -> float:
    """How long before its deadline to start a step: the slowest of the `recent` step times (seconds) with a
    margin, and never more than LEAD_SHARE of the period (none known yet: that most)."""
    most = LEAD_SHARE * period
    if not recent:
        return most
    return min(most, max(list(recent)[-LEAD_WINDOW:]) * LEAD_FACTOR + LEAD_MARGIN)


def phase(number: int) -> float:
    """The share of the period by which run `number`'s deadlines are offset, in [0, 1): consecutive numbers
    (a class's runs, made one after another) get phases spread evenly over the period, never bunched."""
    return (number * GOLDEN) % 1.0
