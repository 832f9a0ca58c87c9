"""Executing an experiment: every run not yet in the store, in-process, in local processes, or
on a Dask cluster. The same scenario and seed give identical results on every backend, since
each run draws only from its own seed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.experiment import Experiment, RunSpec, apply_values
from sim.experiments.outcomes import outcomes
from sim.experiments.provenance import git_state, manifest
from sim.experiments.runner import file_sha256
from sim.experiments.scenario_file import load_scenario
from sim.experiments.store import Store
from sim.model.model import NGOModel

BACKENDS = ("serial", "processes", "dask")


@dataclass
class SweepReport:
    """What a sweep did: runs planned, found already done, run now, and failed."""

    planned: int
    skipped: int
    ran: int
    failed: int
    wall_seconds: float

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran / self.wall_seconds if self.wall_seconds > 0 else float("nan")


@lru_cache(maxsize=8)
def _scenario(path: str):
    return load_scenario(path)


def execute(spec: RunSpec, scenario_file: str, store_folder: str, git: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one design point's replicate and write its time series into the store (atomically).

    Runs in a worker: it touches only its own file; the catalogue is written by the caller.
    `git` is the checkout's state as the sweep found it when it started (asked once, not per run).
    """
    started = time.perf_counter()
    scenario = apply_values(_scenario(scenario_file), spec.values)
    model = NGOModel(scenario, seed=spec.seed, scale=spec.scale)
    model.run()
    timeseries = model.timeseries()
    timeseries.insert(0, "run_id", spec.run_id)
    info = manifest(scenario, spec.seed, spec.scale, git=git, run_id=spec.run_id, factor_values=spec.values)
    table = pa.Table.from_pandas(timeseries, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"ngosim": json.dumps(info, default=str).encode()}
    )
    folder = Path(store_folder)
    target = folder / "runs" / f"{spec.run_id}.parquet"
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    pq.write_table(table, partial)
    partial.replace(target)
    return {
        "run_id": spec.run_id,
        "file": str(target.relative_to(folder)),
        "sha256": file_sha256(target),
        "rows": len(timeseries),
        "wall_seconds": time.perf_counter() - started,
        "git_commit": info["git_commit"],
        "package_version": info["package_version"],
        "outcomes": outcomes(timeseries),
    }


Job = Callable[[RunSpec], dict[str, Any]]


def _serial(specs: list[RunSpec], job: Job, jobs: int, scheduler: str | None) -> Iterator:
    for spec in specs:
        try:
            yield spec, job(spec), None
        except Exception as exc:  # a failed run is recorded, the sweep goes on
            yield spec, None, exc


def _processes(specs: list[RunSpec], job: Job, jobs: int, scheduler: str | None) -> Iterator:
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(job, spec): spec for spec in specs}
        for future in as_completed(futures):
            exc = future.exception()
            yield futures[future], (None if exc else future.result()), exc


def _dask(specs: list[RunSpec], job: Job, jobs: int, scheduler: str | None) -> Iterator:
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    client = Client(scheduler or cluster)
    try:
        futures = client.map(job, specs, pure=False)
        spec_of = {f.key: s for f, s in zip(futures, specs, strict=True)}
        for future in dask_completed(futures):
            exc = future.exception()
            yield spec_of[future.key], (None if exc else future.result()), exc
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


EXECUTORS: dict[str, Callable[..., Iterator]] = {"serial": _serial, "processes": _processes, "dask": _dask}


def sweep(
    experiment: Experiment,
    store: Store,
    backend: str = "processes",
    jobs: int = 2,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """Run every run of the experiment the store does not already hold intact.

    Each finished run is catalogued as soon as it arrives, so an interrupted sweep loses
    nothing finished and resumes with what is left.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not known (allowed: {', '.join(BACKENDS)})")
    started = time.perf_counter()
    specs = experiment.runs()
    store.plan(experiment, specs)
    todo = store.todo(specs)
    failed = ran = 0
    job = partial(execute, scenario_file=experiment.scenario_file, store_folder=str(store.folder), git=git_state())
    for spec, result, exc in EXECUTORS[backend](todo, job, jobs, scheduler):
        if exc is not None:
            store.mark_failed(spec.run_id, f"{type(exc).__name__}: {exc}")
            failed += 1
        else:
            store.record(result)
            ran += 1
        if progress is not None:
            progress(ran + failed, len(todo))
    return SweepReport(len(specs), len(specs) - len(todo), ran, failed, time.perf_counter() - started)
