"""Executing an experiment: every run the store does not already hold, through the executor.

Every command that runs experiments (`sweep`, `compare`) comes through `sweep()`. Each run
draws only from its own seed, so the same run gives identical results on every backend. With
speed-ups on (sim/model/speedups.py), runs of branch scenarios that share their history up
to the branch date (the same seed, scale, parameters and events before it) start from one
checkpoint of that history instead of running it again (sim/experiments/histories.py): the
results are identical.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.executor import Executor
from sim.experiments.experiment import Experiment, RunSpec
from sim.experiments.histories import HistoryFolder, SharedHistory, branch_start, staggered
from sim.experiments.limits import inside
from sim.experiments.outcomes import outcomes
from sim.experiments.provenance import git_state, manifest
from sim.experiments.runner import RunResult, file_sha256, intact, run_folder, simulate, write_tables
from sim.experiments.store import Store
from sim.model import speedups
from sim.model.checkpoint import history_key


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
    history: SharedHistory | None = None  # the shared history it starts from


def execute(task: RunTask) -> dict[str, Any]:
    """Run one design point's replicate into its run folder in the store (whole or not at all).

    Runs in a worker: it touches only its own folder; the catalogue is written by the caller. A run
    whose intact folder is already there, keeping every table asked for, is not run again: an earlier
    execution finished it (a Dask worker lost after writing it has its task computed again elsewhere,
    a sweep killed before cataloguing it is run again), and that folder is the run's record."""
    started = time.perf_counter()
    spec = task.spec
    store = Path(task.store_folder)
    target = inside(store / "runs", store / "runs" / spec.run_id, "run_id")
    done = intact(target)
    if (
        done is not None
        and done.get("run_id") == spec.run_id
        and all(f"{t}.parquet" in done["files"] for t in task.keep)
    ):
        return _record(task, store, target, done, pd.read_parquet(target / "timeseries.parquet"), done["wall_seconds"])
    scenario = spec.scenario_now()
    start = None if task.history is None else branch_start(task.history, spec)
    model = simulate(scenario, spec.seed, spec.scale, start)
    info = manifest(scenario, spec.seed, spec.scale, git=task.git, run_id=spec.run_id, factor_values=spec.values)
    info["steps"] = model.calendar.n_steps
    info["wall_seconds"] = round(time.perf_counter() - started, 3)
    result = RunResult(info, model.timeseries(), model.event_log(), model.organisations_table())
    with run_folder(target) as folder:
        write_tables(folder, result, task.keep)
    return _record(task, store, target, info, result.timeseries, time.perf_counter() - started)


def _record(
    task: RunTask, store: Path, target: Path, info: dict[str, Any], timeseries: pd.DataFrame, seconds: float
) -> dict[str, Any]:
    """What the catalogue keeps of a run whose folder is written: where, its manifest's checksum, its outcomes."""
    return {
        "run_id": task.spec.run_id,
        "file": str(target.relative_to(store.resolve())),
        "sha256": file_sha256(target / "manifest.json"),
        "rows": len(timeseries),
        "wall_seconds": seconds,
        "git_commit": info["git_commit"],
        "package_version": info["package_version"],
        "tables": task.keep,
        "outcomes": outcomes(timeseries),
    }


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
    executor: Executor | None = None,
) -> SweepReport:
    """Run every run of the experiment the store does not already hold intact.

    Each finished run is catalogued as soon as it arrives, so an interrupted sweep loses
    nothing finished and resumes with what is left. With `executor` (open, its caller closes it)
    the runs go to it; otherwise an executor of `backend`, `jobs` and `scheduler` is opened for them."""
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
    left = {key: len(group) for key, group in groups.items()}
    shares = {spec.run_id: key for key, group in groups.items() for spec in group}
    own = Executor(backend, jobs, scheduler) if executor is None else nullcontext(executor)
    with HistoryFolder(store.folder) as histories, own as executor:
        tasks = [task(spec, history=histories.shared(key)) for key, spec in staggered(groups, executor.jobs)]
        tasks += [task(spec) for spec in todo if spec.run_id not in shares]
        for item, result, error in executor.map_unordered(execute, tasks):
            catalogue(item.spec, result, error)
            key = shares.get(item.spec.run_id)
            if key is not None:
                left[key] -= 1
                if not left[key]:
                    histories.discard(key)
    return SweepReport(
        len(specs), len(specs) - len(todo), counts["ran"], counts["failed"], time.perf_counter() - started, len(groups)
    )
