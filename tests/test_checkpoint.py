"""A checkpoint of the shared history, resumed under a branch, gives exactly the branch's full run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, Outputs, outputs, run_model

from sim import NGOModel, load_scenario
from sim.model.checkpoint import ModelCheckpoint, history_key, read_checkpoint, write_checkpoint
from sim.model.policy import PolicyEvent

SEED, SCALE = 5, 0.02
PRESETS = ("status_quo", "tightening", "open_all")


def assert_same(a: Outputs, b: Outputs) -> None:
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    pd.testing.assert_frame_equal(a.organisations, b.organisations, check_exact=True)


@pytest.fixture(scope="module")
def presets():
    return {name: load_scenario(SCENARIOS / f"{name}.toml") for name in PRESETS}


@pytest.fixture(scope="module")
def history_checkpoint(presets) -> ModelCheckpoint:
    """The 2016 state of a run of the open_all preset (another preset than those resumed below)."""
    scenario = presets["open_all"]
    model = NGOModel(scenario, seed=SEED, scale=SCALE)
    model.run_until(scenario.branch.date)
    return model.checkpoint()


def test_presets_share_the_history_key(presets):
    keys = {history_key(s, SEED, SCALE, dt.date(2016, 1, 1)) for s in presets.values()}
    assert len(keys) == 1


def test_the_checkpoint_is_on_the_branch_date(history_checkpoint, presets):
    assert history_checkpoint.date == dt.date(2016, 1, 1)
    assert history_checkpoint.step == 84  # 21 years of quarters from 1995
    assert history_checkpoint.key == history_key(presets["status_quo"], SEED, SCALE, dt.date(2016, 1, 1))


@pytest.mark.parametrize("name", ["status_quo", "tightening"])
def test_resumed_branch_equals_its_full_run(history_checkpoint, presets, name):
    resumed = NGOModel.resume(history_checkpoint, presets[name])
    resumed.run()
    full = run_model(presets[name], SEED, SCALE)
    assert_same(outputs(resumed), outputs(full))
    assert resumed.timeseries()["date"].iloc[0] == "1995-03-31"  # the history's rows are kept


def test_two_presets_resumed_from_one_checkpoint_differ(history_checkpoint, presets):
    runs = []
    for name in ("status_quo", "tightening"):
        model = NGOModel.resume(history_checkpoint, presets[name])
        model.run()
        runs.append(model.timeseries())
    before = runs[0]["date"] < "2016-01-01"
    shared = runs[0].columns  # tightening adds a column for its own easing of one domain
    pd.testing.assert_frame_equal(runs[0].loc[before, shared], runs[1].loc[before, shared], check_exact=True)
    assert not runs[0]["accreditation_veto"].equals(runs[1]["accreditation_veto"])
    assert not runs[0]["registered_grassroots"].equals(runs[1]["registered_grassroots"])


def test_a_checkpoint_resumed_twice_gives_independent_models(history_checkpoint, presets):
    first = NGOModel.resume(history_checkpoint, presets["status_quo"])
    second = NGOModel.resume(history_checkpoint, presets["status_quo"])
    expertise = second.register.view("expertise").copy()
    events = len(second.events.rows)
    for _ in range(4):
        first.step()
    assert first.steps == history_checkpoint.step + 4
    assert second.steps == history_checkpoint.step
    np.testing.assert_array_equal(second.register.view("expertise"), expertise)
    assert len(second.events.rows) == events
    assert not np.array_equal(first.register.view("expertise"), expertise)


def test_resumed_agents_belong_to_the_resumed_model(history_checkpoint, presets):
    model = NGOModel.resume(history_checkpoint, presets["status_quo"])
    assert len(model.abroad) > 0
    assert all(agent.model is model for agent in model.abroad.values())
    assert set(model.agents) >= set(model.abroad.values())
    ids = [agent.unique_id for agent in model.spells]
    model.step()
    new = [agent.unique_id for agent in model.spells[len(ids) :]]
    assert not set(new) & set(ids)  # agents made after resuming get fresh ids


def test_fork_continues_like_the_original(presets):
    scenario = dataclasses.replace(presets["status_quo"], end=dt.date(2000, 12, 31))
    model = NGOModel(scenario, seed=SEED, scale=SCALE)
    model.run_until(dt.date(1998, 1, 1))
    copy = model.fork()
    model.run()
    copy.run()
    assert_same(outputs(model), outputs(copy))


def test_a_checkpoint_file_resumes_the_branch_exactly_and_its_writer_goes_on_undisturbed(presets, tmp_path):
    """The file keeps the arrays out of the pickle: written from views of the live model, read as views of
    the mapped file; the branch resumed from it and the model that wrote it both end as the full run."""
    scenario = presets["status_quo"]
    model = NGOModel(scenario, seed=SEED, scale=SCALE)
    model.run_until(scenario.branch.date)
    written = model.checkpoint(out_of_band=True)
    assert written.buffers and all(isinstance(b, memoryview) for b in written.buffers)
    write_checkpoint(tmp_path / "history.checkpoint", written)
    read = read_checkpoint(tmp_path / "history.checkpoint")
    assert (read.key, read.step, read.date) == (written.key, written.step, written.date)
    assert [b.nbytes for b in read.buffers] == [b.nbytes for b in written.buffers]
    resumed = NGOModel.resume(read, presets["tightening"])
    resumed.run()
    model.run()
    assert_same(outputs(resumed), outputs(run_model(presets["tightening"], SEED, SCALE)))
    assert_same(outputs(model), outputs(run_model(scenario, SEED, SCALE)))


def test_a_file_that_is_not_a_whole_checkpoint_reads_as_none(history_checkpoint, tmp_path):
    whole = tmp_path / "whole"
    write_checkpoint(whole, history_checkpoint)
    data = whole.read_bytes()
    for name, content in [("empty", b""), ("pickle", pickle.dumps(history_checkpoint)), ("cut", data[:-10])]:
        (tmp_path / name).write_bytes(content)
        assert read_checkpoint(tmp_path / name) is None, name
    assert read_checkpoint(whole) is not None


def test_the_checkpoint_travels_by_pickle(history_checkpoint):
    again = pickle.loads(pickle.dumps(history_checkpoint))
    assert again == history_checkpoint


def test_another_history_is_refused(history_checkpoint, presets):
    base, date = presets["status_quo"], history_checkpoint.date
    earlier = dataclasses.replace(
        base, events=(*base.events, PolicyEvent(dt.date(2010, 1, 1), "association", value=1.0))
    )
    wage = dataclasses.replace(base, parameters=dataclasses.replace(base.parameters, wage=base.parameters.wage * 1.01))
    assert history_key(base, SEED + 1, SCALE, date) != history_checkpoint.key
    assert history_key(base, SEED, SCALE / 2, date) != history_checkpoint.key
    assert history_key(wage, SEED, SCALE, date) != history_checkpoint.key
    with pytest.raises(ValueError, match="does not share the checkpoint's history"):
        NGOModel.resume(history_checkpoint, earlier)


def test_a_later_event_keeps_the_key(presets):
    base = presets["status_quo"]
    later = dataclasses.replace(base, events=(*base.events, PolicyEvent(dt.date(2020, 1, 1), "association", value=1.0)))
    date = dt.date(2016, 1, 1)
    assert history_key(later, SEED, SCALE, date) == history_key(base, SEED, SCALE, date)
    assert history_key(later, SEED, SCALE, dt.date(2021, 1, 1)) != history_key(base, SEED, SCALE, dt.date(2021, 1, 1))
