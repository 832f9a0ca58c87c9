"""The one switch for the engine's speed-ups and the execution layer's sharing of checkpoints.

Every speed-up gives results identical bit for bit to the plain code; the switch exists to
show that (tests/test_speedups.py) and to measure what they save (benchmarks/compare_speedups.py).
They are on unless the environment variable NGOSIM_SPEEDUPS is `0`; it is read at each call,
and a model reads it when it is built or resumed.
"""

from __future__ import annotations

import os

ENV_VAR = "NGOSIM_SPEEDUPS"


def enabled() -> bool:
    """True unless NGOSIM_SPEEDUPS is `0`."""
    return os.environ.get(ENV_VAR, "1").strip() != "0"
