"""A finished model can be freed: a process that runs many models does not keep them all."""

import dataclasses
import datetime as dt
import gc
import weakref
from pathlib import Path

from sim import NGOModel, load_scenario

HISTORY = Path(__file__).resolve().parent.parent / "scenarios" / "history.toml"


def test_a_finished_model_is_freed():
    scenario = dataclasses.replace(load_scenario(HISTORY), end=dt.date(1997, 12, 31))
    model = NGOModel(scenario, seed=1, scale=0.01)
    model.run()
    assert model.organisations()  # it made agents, whose ids Mesa counts per model
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
