"""What a sweep would take, before it runs: the runs, a wall-time estimate from a short timing at the
experiment's scale, and the disk space the store will need (`ngosim sweep --dry-run`)."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.experiments.experiment import Experiment
from sim.experiments.provenance import manifest
from sim.experiments.runner import RunResult, write_tables
from sim.model.model import NGOModel

TIMED_YEARS = 2  # a short run of this many simulated years is timed and measured
LATE_STEP_FACTOR = 2.0  # measured: a step after 2016 costs about twice the average step of the history


def estimate(experiment: Experiment, folder: Path, jobs: int) -> str:
    """A description of the runs and of their cost, without running the experiment."""
    specs = experiment.runs()
    points = pd.DataFrame([{"point": s.point, **s.values} for s in specs]).drop_duplicates("point")
    spec = specs[0]
    scenario = spec.scenario_now()
    short = dataclasses.replace(scenario, end=min(scenario.end, _years_after(scenario.start, TIMED_YEARS)))
    started = time.perf_counter()
    model = NGOModel(short, seed=spec.seed, scale=spec.scale)
    elapsed = time.perf_counter() - started  # run time only: measuring the sizes is not counted
    marks = []  # (steps, seconds, bytes) after the first year and at the end of the short run
    while not model.finished:
        started = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - started
        if model.steps in (scenario.steps_per_year, model.calendar.n_steps):
            marks.append((model.steps, elapsed, _size(model, short, spec, experiment.keep)))
    (s1, t1, b1), (s2, t2, b2) = marks[0], marks[-1]
    per_step, per_step_bytes = (t2 - t1) / max(s2 - s1, 1), (b2 - b1) / max(s2 - s1, 1)
    full_steps = _steps(scenario)
    per_run = (t1 - per_step * s1) + per_step * full_steps * LATE_STEP_FACTOR
    wall = per_run * len(specs) / max(1, jobs)
    disk = ((b1 - per_step_bytes * s1) + per_step_bytes * full_steps) * len(specs)
    free = shutil.disk_usage(_existing(folder)).free
    lines = [
        f"{experiment.name}: design {experiment.design}, {len(points)} points x {experiment.replicates} replicates "
        f"= {len(specs)} runs at scale {experiment.scale:g}, keeping {', '.join(experiment.keep)}",
        points.head(20).to_string(index=False),
        *(["..."] if len(points) > 20 else []),
        f"estimated wall time: {_duration(wall)} on {jobs} workers (about {per_run:.1f} s a run; from {TIMED_YEARS} "
        f"simulated years timed at this scale, later steps counted {LATE_STEP_FACTOR:g}x; runs already in the "
        "store are skipped)",
        f"estimated disk space: {disk / 1e6:,.1f} MB in {folder} ({free / 1e9:,.1f} GB free)",
    ]
    return "\n".join(lines)


def _size(model: NGOModel, scenario, spec, keep: tuple[str, ...]) -> int:
    """Bytes the run's kept tables take on disk so far."""
    result = RunResult(
        manifest(scenario, spec.seed, spec.scale, git={}),
        model.timeseries(),
        model.event_log(),
        model.organisations_table(),
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_tables(Path(tmp), result, keep)
        return sum(p.stat().st_size for p in Path(tmp).iterdir())


def _years_after(day, years: int):
    return day.replace(year=day.year + years)


def _steps(scenario) -> int:
    from sim.model.calendar import Calendar

    return Calendar(scenario.start, scenario.end, scenario.steps_per_year).n_steps


def _existing(folder: Path) -> Path:
    while not folder.exists():
        folder = folder.parent
    return folder


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
