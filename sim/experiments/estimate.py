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

TIMED_YEARS = 2  # short runs of this many simulated years are timed and measured
# Measured on status_quo (1995-2035): the part of a step's cost that grows with the population is
# on average 11 times its size in the second simulated year (the register grows from 0.14 to over
# 2 million rows); the rest of a step's cost is a fixed overhead, told apart by timing the short run
# at the experiment's scale and at a tenth of it. Runs that end earlier are overestimated.
GROWTH = 11.0


def _timed(experiment: Experiment, scale: float) -> tuple[float, float, float, float, int]:
    """A short run of the first run's scenario at `scale`: seconds to build the model, seconds and
    bytes per step in the second year, bytes after the first year, and the steps in that year."""
    spec = experiment.runs()[0]
    scenario = spec.scenario_now()
    short = dataclasses.replace(scenario, end=min(scenario.end, _years_after(scenario.start, TIMED_YEARS)))
    started = time.perf_counter()
    model = NGOModel(short, seed=spec.seed, scale=scale)
    build = time.perf_counter() - started
    elapsed, marks = 0.0, []  # (steps, seconds, bytes) after the first year and at the end of the short run
    while not model.finished:
        started = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - started  # run time only: measuring the sizes is not counted
        if model.steps in (scenario.steps_per_year, model.calendar.n_steps):
            marks.append((model.steps, elapsed, _size(model, short, spec, experiment.keep)))
    (s1, t1, b1), (s2, t2, b2) = marks[0], marks[-1]
    steps = max(s2 - s1, 1)
    return build, (t2 - t1) / steps, (b2 - b1) / steps, b1, s1


def estimate(experiment: Experiment, folder: Path, jobs: int) -> str:
    """A description of the runs and of their cost, without running the experiment."""
    specs = experiment.runs()
    points = pd.DataFrame([{"point": s.point, **s.values} for s in specs]).drop_duplicates("point")
    build, step, step_bytes, first_bytes, first_steps = _timed(experiment, experiment.scale)
    _, tenth, _, _, _ = _timed(experiment, experiment.scale / 10)
    overhead = min(step, max(0.0, (10 * tenth - step) / 9))  # the part of a step that does not scale
    full_steps = _steps(specs[0].scenario_now())
    per_run = build + full_steps * (overhead + (step - overhead) * GROWTH)
    wall = per_run * len(specs) / max(1, jobs)
    disk = (first_bytes + step_bytes * GROWTH * (full_steps - first_steps)) * len(specs)
    free = shutil.disk_usage(_existing(folder)).free
    lines = [
        f"{experiment.name}: design {experiment.design}, {len(points)} points x {experiment.replicates} replicates "
        f"= {len(specs)} runs at scale {experiment.scale:g}, keeping {', '.join(experiment.keep)}",
        points.head(20).to_string(index=False),
        *(["..."] if len(points) > 20 else []),
        f"estimated wall time: {_duration(wall)} on {jobs} workers (about {per_run:.1f} s a run, from {TIMED_YEARS} "
        "simulated years timed at this scale and a tenth of it, and the population's measured growth; runs "
        "already in the store are skipped)",
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
