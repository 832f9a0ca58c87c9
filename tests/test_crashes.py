"""Crash tests (docs/reliability.md): a sweep and a comparison killed with SIGKILL at random moments,
from the first milliseconds to mid-write, then rerun: exactly one record per run, every checksum
good, outcomes equal to an uninterrupted run; a Dask worker killed mid-sweep: the sweep finishes."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pandas as pd
from conftest import child_processes, ngosim_process, process_running, short_history, veto_grid_file

from sim.experiments.compare import comparison_experiment
from sim.experiments.experiment import Experiment, load_experiment
from sim.experiments.runner import file_sha256
from sim.experiments.store import Store
from sim.experiments.sweep import sweep


def kill_at(args: list[str | Path], moments: list[float]) -> None:
    """Start the command and SIGKILL it (its main process only, as the OOM killer would) at each moment."""
    for moment in moments:
        process = ngosim_process(*args)
        time.sleep(moment)
        workers = child_processes(process.pid)
        process.kill()
        process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(process_running(pid) for pid in workers):
            time.sleep(0.05)
        assert not [pid for pid in workers if process_running(pid)], "workers outlived their killed parent"


def finish(args: list[str | Path]) -> None:
    process = ngosim_process(*args)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err


def assert_whole(store_folder: Path, experiment: Experiment) -> pd.DataFrame:
    """One record per planned run, each done with an intact folder whose checksum matches; the outcomes."""
    specs = experiment.runs()
    with Store(store_folder) as store:
        runs = store.runs(experiment.name)
        assert len(runs) == len(specs) and runs["run_id"].is_unique
        assert (runs["status"] == "done").all()
        for row in runs.itertuples():
            assert file_sha256(store_folder / row.file / "manifest.json") == row.sha256
        assert store.todo(specs, experiment.keep) == []
        outcomes = store.outcomes(experiment.name)
    assert not [p for p in (store_folder / "runs").iterdir() if p.name.startswith(".")]
    assert not list(store_folder.glob(".histories-*")) and not list(store_folder.glob(".catalogue.duckdb.partial-*"))
    return outcomes.sort_values(list(outcomes.columns)).reset_index(drop=True)


def test_a_sweep_killed_at_random_moments_then_rerun_has_one_record_per_run(tmp_path):
    path = veto_grid_file(tmp_path, "crash", levels=4, replicates=2, seed=9, scale=0.02)
    experiment = load_experiment(path)
    reference = tmp_path / "reference"
    finish(["sweep", path, "--out", reference, "--jobs", "2", "--quiet"])
    expected = assert_whole(reference, experiment)

    store = tmp_path / "killed"
    args = ["sweep", path, "--out", store, "--jobs", "2", "--quiet"]
    moments = [0.0, 0.005, 0.02, 0.05, *sorted(random.Random(9).uniform(0.1, 6.0) for _ in range(6))]
    kill_at(args, moments)
    finish(args)
    pd.testing.assert_frame_equal(assert_whole(store, experiment), expected)


def test_a_comparison_killed_at_random_moments_then_rerun_gives_the_same_comparison(tmp_path):
    base = short_history(tmp_path).read_text()
    files = []
    for name, veto in (("kept", "1.0"), ("lifted", "0.0")):
        files.append(tmp_path / f"{name}.toml")
        named = base.replace('name = "history"', f'name = "{name}"')
        files[-1].write_text(named.replace("accreditation_veto = 1.0", f"accreditation_veto = {veto}", 1))
    common = [*files, "--scale", "0.02", "--replicates", "3", "--jobs", "2", "--quiet"]
    reference = tmp_path / "reference"
    finish(["compare", *common, "--out", reference])
    store = tmp_path / "killed"
    moments = [0.0, 0.01, 0.1, *sorted(random.Random(3).uniform(0.3, 5.0) for _ in range(4))]
    kill_at(["compare", *common, "--out", store], moments)
    finish(["compare", *common, "--out", store])
    experiment = comparison_experiment(files, replicates=3, seed=1, scale=0.02)
    pd.testing.assert_frame_equal(assert_whole(store, experiment), assert_whole(reference, experiment))
    table = pd.read_csv(store / "analyses" / "compare" / "comparison.csv")
    pd.testing.assert_frame_equal(table, pd.read_csv(reference / "analyses" / "compare" / "comparison.csv"))


def test_a_dask_worker_killed_mid_sweep_does_not_stop_it(tmp_path, dask_scheduler):
    from dask.distributed import Client

    experiment = load_experiment(veto_grid_file(tmp_path, "crash", levels=4, replicates=2, seed=9, scale=0.05))
    with Client(dask_scheduler) as client:
        pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_one_worker_once_runs_are_under_way() -> None:
        runs = tmp_path / "store" / "runs"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (runs.is_dir() and any(runs.iterdir())):
            time.sleep(0.02)
        os.kill(pids[0], signal.SIGKILL)
        killed.append(pids[0])

    threading.Thread(target=kill_one_worker_once_runs_are_under_way, daemon=True).start()
    with Store(tmp_path / "store") as store:
        report = sweep(experiment, store, backend="dask", jobs=2, scheduler=dask_scheduler)
    assert killed, "the worker was not killed during the sweep"
    assert report.failed == 0
    assert_whole(tmp_path / "store", experiment)
