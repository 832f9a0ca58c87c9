"""The sweep's shared histories: the order that starts each history before its other runs, a
checkpoint saved once and loaded after, and folders of killed sweeps removed."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
import sys

from sim.experiments.experiment import RunSpec
from sim.experiments.histories import PREFIX, HistoryFolder, branch_start, remove_stale, staggered
from sim.model.checkpoint import ModelCheckpoint


def spec(name: str) -> RunSpec:
    return RunSpec(run_id=name, point=0, replicate=0, seed=1, scale=0.005, scenario="s", values={})


def test_each_history_starts_ahead_of_its_other_runs():
    groups = {key: [spec(f"{key}{i}") for i in range(3)] for key in "abcd"}
    order = [s.run_id for _, s in staggered(groups, ahead=2)]
    assert sorted(order) == sorted(s.run_id for g in groups.values() for s in g)  # each run once
    assert order[:2] == ["a0", "b0"]
    for key in "abcd":  # a group's first run comes at least two places before its others
        first = order.index(f"{key}0")
        assert all(order.index(f"{key}{i}") >= first + 2 for i in (1, 2))
    assert order == ["a0", "b0", "a1", "a2", "c0", "b1", "b2", "d0", "c1", "c2", "d1", "d2"]


def test_a_history_is_run_once_then_loaded(tmp_path, monkeypatch):
    from sim.experiments import histories

    made = []

    def run_it(run: RunSpec) -> tuple[object, ModelCheckpoint]:
        made.append(run.run_id)
        return f"the model of {run.run_id}", ModelCheckpoint(
            key="k", step=3, date=dt.date(2016, 1, 1), payload=b"state"
        )

    monkeypatch.setattr(histories, "run_history", run_it)
    with HistoryFolder(tmp_path) as folder:
        assert oct(folder.folder.stat().st_mode & 0o777) == "0o700"
        first, ran = branch_start(folder.shared("k"), spec("one"))
        again, loaded = branch_start(folder.shared("k"), spec("two"))
        assert made == ["one"] and again == first
        assert ran == "the model of one" and loaded is None  # the run that ran the history goes on with it
        assert [p.name for p in folder.folder.iterdir()] == ["k.checkpoint"]
        folder.discard("k")
        assert not list(folder.folder.iterdir())
    assert not list(tmp_path.glob(f"{PREFIX}*"))


def test_a_saved_file_of_another_history_is_not_used(tmp_path, monkeypatch):
    from sim.experiments import histories

    fresh = ModelCheckpoint("k", 3, dt.date(2016, 1, 1), b"fresh")
    monkeypatch.setattr(histories, "run_history", lambda run: (None, fresh))
    with HistoryFolder(tmp_path) as folder:
        shared = folder.shared("k")
        shared.path.write_bytes(pickle.dumps(ModelCheckpoint("other", 3, dt.date(2016, 1, 1), b"stale")))
        assert branch_start(shared, spec("y"))[0] == fresh


def test_folders_of_killed_sweeps_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"{PREFIX}{int(dead.stdout)}").mkdir()
    (tmp_path / f"{PREFIX}{os.getpid()}").mkdir()
    remove_stale(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"{PREFIX}{os.getpid()}"]


def test_without_a_folder_the_history_is_run_and_nothing_kept(tmp_path, monkeypatch):
    from sim.experiments import histories

    monkeypatch.setattr(histories, "run_history", lambda run: (None, ModelCheckpoint("k", 1, dt.date(2016, 1, 1), b"")))
    assert branch_start(histories.SharedHistory("k", None), spec("x"))[0].key == "k"
    missing = histories.SharedHistory("k", str(tmp_path / "on-another-machine"))
    assert branch_start(missing, spec("x"))[0].key == "k"
    assert not list(tmp_path.iterdir())
