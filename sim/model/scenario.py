"""A scenario as the model takes it: the run's span, its policy regime, and its parameters.

Reading and checking scenario files is done in sim/experiments/scenario_file.py; this module
only holds the result, so the model can be built from Python without any file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sim.model.parameters import Parameters
from sim.model.policy import Levers, PolicyEvent


@dataclass(frozen=True)
class Branch:
    """A scenario that branches from another: the same history up to `date`, then its own regime."""

    parent: str
    date: dt.date
    inherit_until: dt.date


@dataclass(frozen=True)
class Scenario:
    """Everything a run needs besides its seed and scale."""

    name: str
    start: dt.date = dt.date(1995, 1, 1)
    end: dt.date = dt.date(2024, 12, 31)
    steps_per_year: int = 4
    levers: Levers = field(default_factory=Levers)
    events: tuple[PolicyEvent, ...] = ()
    parameters: Parameters = field(default_factory=Parameters)
    seed: int = 1
    scale: float = 1.0
    description: str = ""
    source_file: str = ""
    branch: Branch | None = None
