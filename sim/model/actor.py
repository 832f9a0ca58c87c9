"""The base of every Mesa agent in the model.

Mesa 3.3 numbers agents with a counter per model held in a class-level dict keyed by the model
(`mesa.Agent._ids`); that dict keeps every model ever built alive, so a process running many
runs (a sweep worker, a calibration, a dashboard server) grows without bound. Our agents keep
their counters in a dict with weak keys instead: a finished model is freed like any object.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import mesa


class _CountersByModel(weakref.WeakKeyDictionary):
    """A fresh id counter for each model, forgotten when the model is."""

    def __getitem__(self, model: Any) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class Actor(mesa.Agent):
    """A Mesa agent whose model can be freed when it is no longer used."""

    _ids = _CountersByModel()
