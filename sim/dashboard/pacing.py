"""Play's clock, shared by the page and the benchmark: steps paced by deadlines, not by a pause after each step.

The k-th step is due at start + k * period. Waiting a full period after each step (the old loop)
adds the step's own cost to every period, so a page at one step a second got fewer than one. A
step that comes late runs at once, and the deadlines start again from then: a slow moment is
never followed by a burst of steps to catch up.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def play(
    step: Callable[[], bool],
    period: Callable[[], float],
    stopped: Callable[[float], bool],
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Call `step` at each deadline until it returns False or `stopped(timeout)` does; returns the steps taken.

    `period()` is read after every step (so a new speed acts from the next step); `stopped` waits up
    to its timeout and says whether to stop, as `threading.Event.wait` does.
    """
    taken = 0
    due = clock()
    while True:
        wait = due - clock()
        if stopped(max(0.0, wait)):
            return taken
        taken += 1
        if not step():
            return taken
        due = max(due + period(), clock())
