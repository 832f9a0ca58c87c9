"""Shared helpers and fixtures for the ngosim tests.

Scenarios are built in Python from the history file (its parameters and start date) with
the levers, events, end date and parameter overrides a test needs. Runs are small (scale
0.01-0.05, a few simulated years); runs that several tests read are shared through
session-scoped fixtures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import NGOModel, Scenario, load_scenario
from sim.model.domain import GRASSROOTS
from sim.model.policy import Levers, PolicyEvent

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
HISTORY = SCENARIOS / "history.toml"

# Overrides that make the rare tail (G-R NGOs going abroad, applying, reaching status) visible
# at reduced scale: the design allows this for tests that assert both sides of a lever.
VISIBLE_TAIL = {
    "engage_grassroots": 0.01,
    "internationalise_grassroots": 1.0,
    "apply_grassroots": 20.0,
    "apply_gongo": 1.0,
    "channel_slots": 1e7,  # the channels' room scales with the population: no limit, so experience builds
    "pneu_registration_from": 1995.0,  # G-R groups register from the start: a short run suffices
}


def short_history(tmp_path: Path) -> Path:
    """The history scenario cut to 1995-2001, so a run at scale 0.01 takes a fraction of a second."""
    text = HISTORY.read_text().replace("end = 2024-12-31", "end = 2001-12-31")
    text = text.replace(
        'parameters_file = "calibrated.toml"', f'parameters_file = "{(SCENARIOS / "calibrated.toml").as_posix()}"'
    )
    kept = text.split("[[events]]")[0]  # the lever moves are all after 2001
    path = tmp_path / "short.toml"
    path.write_text(kept)
    return path


def veto_grid_file(folder: Path, name: str, levels: int, replicates: int, seed: int, scale: float) -> Path:
    """An experiment file over the short history: `levels` accreditation_veto levels evenly from 0 to 1."""
    scenario = short_history(folder)
    values = ", ".join(f"{i / (levels - 1):.3f}" for i in range(levels))
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{scenario.as_posix()}"\ndesign = "grid"\nreplicates = {replicates}\n'
        f"seed = {seed}\nscale = {scale}\n[factors.accreditation_veto]\nlevels = [{values}]\n"
    )
    return path


def scenario_with(
    levers: Levers | None = None,
    *,
    end: dt.date = dt.date(2004, 12, 31),
    parameters: dict[str, float] | None = None,
    events: Iterable[PolicyEvent] = (),
    name: str = "test",
) -> Scenario:
    """The history scenario's start and parameters, with fixed levers, the given events and end."""
    base = load_scenario(HISTORY, parameters=parameters)
    return dataclasses.replace(base, name=name, end=end, levers=levers or Levers(), events=tuple(events))


def run_model(scenario: Scenario, seed: int, scale: float) -> NGOModel:
    """Build and run a model to the scenario's end."""
    model = NGOModel(scenario, seed=seed, scale=scale)
    model.run()
    return model


def bare_model(levers: Levers | None = None, parameters: dict[str, float] | None = None) -> NGOModel:
    """A model on its start date (not stepped), for calling its submodels directly."""
    return NGOModel(scenario_with(levers, end=dt.date(1996, 12, 31), parameters=parameters), seed=7, scale=0.002)


def add_rows(model: NGOModel, count: int = 2, **values) -> np.ndarray:
    """Append `count` identical registered rows (a G-R NGO in education by default); returns their ids."""
    domains = model.domains
    defaults = {
        "kind": GRASSROOTS,
        "domain": domains.code("education"),
        "size": 30.0,
        "resources": 30.0,
        "staff": 5.0,
        "foreign_share": 0.1,
        "alignment": 0.5,
        "expertise": 0.4,
    }
    defaults.update(values)
    return model.register.add(count, **defaults)


def ngosim(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run the `ngosim` command (as `python -m sim.cli`) and capture what it prints."""
    return subprocess.run(ngosim_command(*args), cwd=cwd, env=NGOSIM_ENV, capture_output=True, text=True, timeout=300)


def ngosim_process(*args: str | Path, own_group: bool = False) -> subprocess.Popen:
    """Start `ngosim ARGS` (stderr captured), in a process group of its own if asked (as a terminal runs
    it, so that a Ctrl-C sent to the group reaches it and its workers)."""
    return subprocess.Popen(
        ngosim_command(*args),
        cwd=REPO,
        env=NGOSIM_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=own_group,
    )


NGOSIM_ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def ngosim_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "sim.cli", *map(str, args)]


def child_processes(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def process_running(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclasses.dataclass
class Outputs:
    """What a finished run produced (the model itself is not kept)."""

    timeseries: pd.DataFrame
    events: pd.DataFrame
    organisations: pd.DataFrame


def outputs(model: NGOModel) -> Outputs:
    return Outputs(model.timeseries(), model.event_log(), model.organisations_table())


LEVER_SEEDS = (1, 2, 3)


@pytest.fixture(scope="session")
def veto_runs() -> dict[float, list[Outputs]]:
    """Runs with the state's objections off (veto 0) and at their full (veto 1), tail made visible."""
    runs: dict[float, list[Outputs]] = {}
    for veto in (0.0, 1.0):
        levers = Levers(accreditation_veto=veto, registration_easing=0.5, un_outreach=0.5)
        scenario = scenario_with(levers, parameters=VISIBLE_TAIL)
        runs[veto] = [outputs(run_model(scenario, seed, 0.02)) for seed in LEVER_SEEDS]
    return runs


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole test session (the report's and the dashboard's tests):
    Playwright's sync API allows one running instance per process. Missing in CI, it fails the tests."""
    from browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def dask_scheduler():
    """One local Dask cluster for the whole test session (two worker processes)."""
    from dask.distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()
