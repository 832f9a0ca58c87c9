"""Executing an experiment: every run the store does not already hold, through the executor.

Every command that runs experiments (`sweep`, `compare`) comes through `sweep()`. Each run
draws only from its own seed, so the same run gives identical results on every backend. With
speed-ups on (sim/model/speedups.py), runs of branch scenarios that share their history up
to the branch date (the same seed, scale, parameters and events before it) start from one
checkpoint of that history instead of running it again: the results are identical.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sim.experiments.executor import Executor
from sim.experiments.experiment import Experiment, RunSpec
from sim.experiments.outcomes import outcomes
from sim.experiments.provenance import git_state, manifest
from sim.experiments.runner import RunResult, file_sha256, run_folder, simulate, write_tables
from sim.experiments.store import Store
from sim.model import speedups
from sim.model.checkpoint import ModelCheckpoint, history_key
from sim.model.model import NGOModel

CHECKPOINT_BATCH = 8  # histories held in memory at once while their branches run


@dataclass
class SweepReport:
    """What a sweep did: runs planned, found already done, run now, and failed."""

    planned: int
    skipped: int
    ran: int
    failed: int
    wall_seconds: float
    shared_histories: int = 0  # checkpoints that branch runs started from

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran / self.wall_seconds if self.wall_seconds > 0 else float("nan")


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: the run, where its folder goes, what it keeps."""

    spec: RunSpec
    store_folder: str
    keep: tuple[str, ...]
    git: dict[str, Any]
    checkpoint: ModelCheckpoint | None = None


def execute(task: RunTask) -> dict[str, Any]:
    """Run one design point's replicate into its run folder in the store (whole or not at all).

    Runs in a worker: it touches only its own folder; the catalogue is written by the caller."""
    started = time.perf_counter()
    spec = task.spec
    scenario = spec.scenario_now()
    model = simulate(scenario, spec.seed, spec.scale, checkpoint=task.checkpoint)
    info = manifest(scenario, spec.seed, spec.scale, git=task.git, run_id=spec.run_id, factor_values=spec.values)
    info["steps"] = model.calendar.n_steps
    info["wall_seconds"] = round(time.perf_counter() - started, 3)
    result = RunResult(info, model.timeseries(), model.event_log(), model.organisations_table())
    store = Path(task.store_folder)
    target = store / "runs" / spec.run_id
    with run_folder(target) as folder:
        write_tables(folder, result, task.keep)
    return {
        "run_id": spec.run_id,
        "file": str(target.relative_to(store)),
        "sha256": file_sha256(target / "manifest.json"),
        "rows": len(result.timeseries),
        "wall_seconds": time.perf_counter() - started,
        "git_commit": info["git_commit"],
        "package_version": info["package_version"],
        "tables": task.keep,
        "outcomes": outcomes(result.timeseries),
    }


def history_checkpoint(spec: RunSpec) -> ModelCheckpoint:
    """The state of a branch run's history on its branch date (in a worker)."""
    scenario = spec.scenario_now()
    model = NGOModel(scenario, seed=spec.seed, scale=spec.scale)
    model.run_until(scenario.branch.date)
    return model.checkpoint()


def shared_histories(specs: list[RunSpec]) -> dict[str, list[RunSpec]]:
    """Branch runs grouped by the history they share (only groups of two or more gain from sharing)."""
    groups: dict[str, list[RunSpec]] = defaultdict(list)
    for spec in specs:
        scenario = spec.scenario_now()
        if scenario.branch is not None:
            groups[history_key(scenario, spec.seed, spec.scale, scenario.branch.date)].append(spec)
    return {key: group for key, group in groups.items() if len(group) > 1}


def sweep(
    experiment: Experiment,
    store: Store,
    backend: str = "processes",
    jobs: int = 2,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    redefine: bool = False,
) -> SweepReport:
    """Run every run of the experiment the store does not already hold intact.

    Each finished run is catalogued as soon as it arrives, so an interrupted sweep loses
    nothing finished and resumes with what is left."""
    started = time.perf_counter()
    specs = experiment.runs()
    store.plan(experiment, specs, redefine=redefine)
    todo = store.todo(specs, experiment.keep)
    counts = {"ran": 0, "failed": 0}
    task = partial(RunTask, store_folder=str(store.folder), keep=experiment.keep, git=git_state())

    def catalogue(spec: RunSpec, result: dict[str, Any] | None, error: BaseException | None) -> None:
        if error is not None:
            store.mark_failed(spec.run_id, f"{type(error).__name__}: {error}")
            counts["failed"] += 1
        else:
            store.record(result)
            counts["ran"] += 1
        if progress is not None:
            progress(counts["ran"] + counts["failed"], len(todo))

    groups = shared_histories(todo) if speedups.enabled() else {}
    grouped = {spec.run_id for group in groups.values() for spec in group}
    alone = [task(spec) for spec in todo if spec.run_id not in grouped]
    keys = list(groups)
    with Executor(backend, jobs, scheduler) as executor:
        for start in range(0, len(keys), CHECKPOINT_BATCH):
            batch = keys[start : start + CHECKPOINT_BATCH]
            tasks = []
            firsts = [(key, groups[key][0]) for key in batch]
            for (key, _), checkpoint, error in executor.map_unordered(_history_of, firsts):
                for spec in groups[key]:
                    if error is not None:  # the shared history failed: so does every run that shares it
                        catalogue(spec, None, error)
                    else:
                        tasks.append(task(spec, checkpoint=checkpoint))
            if start + CHECKPOINT_BATCH >= len(keys):  # the last batch: the other runs too, so no worker idles
                tasks, alone = tasks + alone, []
            for item, result, error in executor.map_unordered(execute, tasks):
                catalogue(item.spec, result, error)
        for item, result, error in executor.map_unordered(execute, alone):
            catalogue(item.spec, result, error)
    return SweepReport(
        len(specs), len(specs) - len(todo), counts["ran"], counts["failed"], time.perf_counter() - started, len(groups)
    )


def _history_of(pair: tuple[str, RunSpec]) -> ModelCheckpoint:
    """The checkpoint of the history that the runs with this key share (in a worker)."""
    return history_checkpoint(pair[1])
