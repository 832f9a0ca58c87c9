"""Ctrl-C: the first one stops the command cleanly (exit 130), a second one ends it at once.

`ngosim` installs `handle` first thing. The first SIGINT is remembered and raised as
KeyboardInterrupt, except inside `deferred()` blocks (a catalogue write), where it is raised
when the block ends, so a write is never cut in half. A KeyboardInterrupt that some library
swallowed is still seen: `check()` raises it again before anything is committed to disk.
After the first SIGINT, errors in finalisers (`__del__`, where Python cannot propagate them) are not
printed as "Exception ignored": the interrupt itself, or the failure of an object whose construction it
cut short (seen in llvmlite while numba loads), is collateral of the stop that `check()` reports.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_INTERRUPTED = 130
_state = {"signals": 0, "deferring": 0, "waiting": False}


def handle(signum: int, frame: FrameType | None) -> None:
    """The SIGINT handler: raise KeyboardInterrupt once (or later, when deferred); end at once on the second."""
    _state["signals"] += 1
    if _state["signals"] > 1:
        os.write(2, b"ngosim: interrupted again; stopped at once\n")
        os._exit(EXIT_INTERRUPTED)
    if _state["deferring"]:
        _state["waiting"] = True
        return
    raise KeyboardInterrupt


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """Keep quiet about finalisers that fail once we are stopping; report them as Python would before that."""
    if interrupted():
        return
    sys.__unraisablehook__(unraisable)


def install() -> object:
    """Install the handler; returns the handler it replaces."""
    _state.update(signals=0, deferring=0, waiting=False)
    sys.unraisablehook = _unraisable
    return signal.signal(signal.SIGINT, handle)


def interrupted() -> bool:
    """Whether a SIGINT has arrived since `install()`."""
    return _state["signals"] > 0


def check() -> None:
    """Raise KeyboardInterrupt if a SIGINT arrived (even one a library swallowed)."""
    if interrupted():
        raise KeyboardInterrupt


@contextmanager
def deferred() -> Iterator[None]:
    """A block a SIGINT does not cut: it is raised when the block ends."""
    _state["deferring"] += 1
    try:
        yield
    finally:
        _state["deferring"] -= 1
    if not _state["deferring"] and _state["waiting"]:
        _state["waiting"] = False
        raise KeyboardInterrupt


@contextmanager
def blocked() -> Iterator[None]:
    """SIGINT held back while processes are started, so they inherit it blocked (the parent decides)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
