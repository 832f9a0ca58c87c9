"""Histories that branch runs share, kept as files while a sweep runs.

Runs of branch scenarios with the same seed, scale and history up to the branch date reach
the same state on that date (sim/model/checkpoint.py). During a sweep with speed-ups on, the
first of them to start runs that history, saves its checkpoint in the store's private folder
`STORE/.histories-PID/` (mode 0700, made by this sweep) and goes on with the history's model;
the others load it instead of running it again. A file goes when every run that shares it is
catalogued, the folder when the sweep ends; one left by a killed sweep is removed when the next
sweep opens the store. The files (sim/model/checkpoint.py: a pickle and the model's arrays) are
the sweep's own: nothing outside that folder is ever loaded.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.experiment import RunSpec
from sim.experiments.runner import process_alive
from sim.model.checkpoint import ModelCheckpoint, read_checkpoint, write_checkpoint
from sim.model.model import NGOModel

PREFIX = ".histories-"


@dataclass(frozen=True)
class SharedHistory:
    """Where the checkpoint of a shared history goes (`folder` None: run it, keep nothing)."""

    key: str
    folder: str | None

    @property
    def path(self) -> Path | None:
        return None if self.folder is None else Path(self.folder) / f"{self.key}.checkpoint"


def run_history(spec: RunSpec) -> NGOModel:
    """Run a branch run's history: the model on its branch date."""
    scenario = spec.scenario_now()
    model = NGOModel(scenario, seed=spec.seed, scale=spec.scale)
    model.run_until(scenario.branch.date)
    return model


def branch_start(history: SharedHistory, spec: RunSpec) -> ModelCheckpoint | NGOModel:
    """Where a branch run starts: the shared history's checkpoint when an earlier run saved it; else the
    history run here (and saved for the others), whose own model the run goes on with (the run is then
    the scenario's full run: no copy of the state to load). Two runs that start at once may both run
    it; they save identical files, each whole."""
    path = history.path
    if path is not None and path.is_file():
        checkpoint = read_checkpoint(path)  # written below by this sweep, in its own 0700 folder
        if checkpoint is not None and checkpoint.key == history.key:
            return checkpoint
    model = run_history(spec)
    if path is not None and path.parent.is_dir():  # a worker on another machine has no such folder
        partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
        write_checkpoint(partial, model.checkpoint(out_of_band=True))
        partial.replace(path)
    return model


class HistoryFolder:
    """The sweep's private folder of shared histories: made on entry, removed on exit."""

    def __init__(self, store_folder: Path) -> None:
        self.store_folder = Path(store_folder)
        self.folder = self.store_folder / f"{PREFIX}{os.getpid()}"

    def __enter__(self) -> HistoryFolder:
        remove_stale(self.store_folder)
        shutil.rmtree(self.folder, ignore_errors=True)  # one of an earlier process with this pid
        self.folder.mkdir(mode=0o700)
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def shared(self, key: str) -> SharedHistory:
        return SharedHistory(key, str(self.folder))

    def discard(self, key: str) -> None:
        """Remove a history every run of which is catalogued."""
        (self.folder / f"{key}.checkpoint").unlink(missing_ok=True)


def remove_stale(store_folder: Path) -> None:
    """Remove history folders left by sweeps that no longer run (killed)."""
    for stale in Path(store_folder).glob(f"{PREFIX}*"):
        pid = stale.name[len(PREFIX) :]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def staggered(groups: dict[str, list[RunSpec]], ahead: int) -> list[tuple[str, RunSpec]]:
    """The grouped runs in an order that starts each history `ahead` groups before its other runs,
    so they find it saved, and keeps few histories on disk at once: the first runs of groups 1..ahead,
    then for each group i its other runs followed by the first run of group i + ahead."""
    keys = list(groups)
    order = [(key, groups[key][0]) for key in keys[:ahead]]
    for i, key in enumerate(keys):
        order += [(key, spec) for spec in groups[key][1:]]
        if i + ahead < len(keys):
            following = keys[i + ahead]
            order.append((following, groups[following][0]))
    return order
