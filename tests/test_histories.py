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
from sim.model.checkpoint import ModelCheckpoint, write_checkpoint


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


class FakeModel:
    """Stands for the history's model: what branch_start saves of it is its checkpoint."""

    def __init__(self, name: str, key: str = "k") -> None:
        self.name, self.key = name, key

    def checkpoint(self, out_of_band: bool = False) -> ModelCheckpoint:
        return ModelCheckpoint(self.key, 3, dt.date(2016, 1, 1), f"state of {self.name}".encode(), (memoryview(b"x"),))


def test_a_history_is_run_once_then_loaded(tmp_path, monkeypatch):
    from sim.experiments import histories

    made = []

    def run_it(run: RunSpec) -> FakeModel:
        made.append(run.run_id)
        return FakeModel(run.run_id)

    monkeypatch.setattr(histories, "run_history", run_it)
    with HistoryFolder(tmp_path) as folder:
        assert oct(folder.folder.stat().st_mode & 0o777) == "0o700"
        ran = branch_start(folder.shared("k"), spec("one"))
        loaded = branch_start(folder.shared("k"), spec("two"))
        assert made == ["one"]
        assert isinstance(ran, FakeModel) and ran.name == "one"  # the run that ran the history goes on with it
        assert isinstance(loaded, ModelCheckpoint) and loaded.key == "k" and bytes(loaded.payload) == b"state of one"
        assert [bytes(b) for b in loaded.buffers] == [b"x"]
        assert [p.name for p in folder.folder.iterdir()] == ["k.checkpoint"]
        folder.discard("k")
        assert not list(folder.folder.iterdir())
    assert not list(tmp_path.glob(f"{PREFIX}*"))


def test_a_saved_file_of_another_history_or_format_is_not_used(tmp_path, monkeypatch):
    from sim.experiments import histories

    monkeypatch.setattr(histories, "run_history", lambda run: FakeModel("fresh"))
    with HistoryFolder(tmp_path) as folder:
        shared = folder.shared("k")
        write_checkpoint(shared.path, FakeModel("stale", key="other").checkpoint())
        assert branch_start(shared, spec("y")).name == "fresh"
        shared.path.write_bytes(pickle.dumps(ModelCheckpoint("k", 3, dt.date(2016, 1, 1), b"an older format")))
        assert branch_start(shared, spec("z")).name == "fresh"


def test_folders_of_killed_sweeps_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"{PREFIX}{int(dead.stdout)}").mkdir()
    (tmp_path / f"{PREFIX}{os.getpid()}").mkdir()
    remove_stale(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"{PREFIX}{os.getpid()}"]


def test_without_a_folder_the_history_is_run_and_nothing_kept(tmp_path, monkeypatch):
    from sim.experiments import histories

    monkeypatch.setattr(histories, "run_history", lambda run: FakeModel("here"))
    assert branch_start(histories.SharedHistory("k", None), spec("x")).name == "here"
    missing = histories.SharedHistory("k", str(tmp_path / "on-another-machine"))
    assert branch_start(missing, spec("x")).name == "here"
    assert not list(tmp_path.iterdir())
