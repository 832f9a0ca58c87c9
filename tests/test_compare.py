"""`ngosim compare`: an experiment of a scenario factor x paired replicates in a results store,
analysed as paired differences from a reference with 95% intervals; reuse, repair, resumption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, SCENARIOS, ngosim, run_model

from sim import load_scenario
from sim.experiments.compare import comparison_experiment
from sim.experiments.store import Store

PRESETS = ("status_quo", "lift_objections")
SEEDS = (7, 8)


def tree(folder: Path) -> dict[str, int]:
    """Every file under a folder with its modification time (ns)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def run_files(folder: Path) -> dict[str, int]:
    return {k: v for k, v in tree(folder).items() if k.startswith("runs")}


def folders_by_scenario(out: Path) -> dict[tuple[str, int], Path]:
    with Store(out) as store:
        runs = store.done_runs("compare")
    return {(r.scenario, int(r.seed)): out / r.file for r in runs.itertuples()}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """Compare two presets (2 paired seeds, scale 0.01, 2 jobs); again; then again after damaging one run."""
    out = tmp_path_factory.mktemp("compare") / "cmp"
    args = ["compare", *PRESETS, "--replicates", "2", "--scale", "0.01", "--seed", "7", "--out", out, "--quiet"]
    first = ngosim(*args)
    state = {"first": first, "out": out, "tree1": tree(out) if out.exists() else {}}
    analyses = out / "analyses" / "compare"
    state["table1"] = pd.read_csv(analyses / "comparison.csv") if first.returncode == 0 else None
    state["second"] = ngosim(*args)
    state["tree2"] = tree(out)
    damaged = folders_by_scenario(out)[("lift_objections", 8)] / "timeseries.parquet"
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    state["damaged"] = str(damaged.relative_to(out))
    state["tree_damaged"] = tree(out)
    state["third"] = ngosim(*args)
    state["tree3"] = tree(out)
    state["table3"] = pd.read_csv(analyses / "comparison.csv")
    return state


def test_compare_writes_a_store_with_every_run_and_its_tables(comparison):
    first, out = comparison["first"], comparison["out"]
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    folders = folders_by_scenario(out)
    assert set(folders) == {(name, seed) for name in PRESETS for seed in SEEDS}
    for (name, seed), folder in folders.items():
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["scenario"] == name and manifest["seed"] == seed and manifest["scale"] == 0.01
        assert {"timeseries.parquet", "events.parquet", "organisations.parquet"} <= {p.name for p in folder.iterdir()}
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]  # no partial folders left
    analyses = out / "analyses" / "compare"
    assert {"comparison.csv", "comparison.md"} <= {p.name for p in analyses.iterdir()}
    assert any(p.name.startswith("forest-") for p in analyses.iterdir())
    assert any(p.name.startswith("series-") for p in analyses.iterdir())
    assert "paired difference from status_quo" in first.stdout


def test_compare_table_has_means_and_paired_differences_with_intervals(comparison):
    table = comparison["table1"]
    assert {
        "scenario",
        "outcome",
        "date",
        "mean",
        "mean_low",
        "mean_high",
        "diff",
        "diff_low",
        "diff_high",
        "n",
    } <= set(table.columns)
    assert set(table["scenario"]) == set(PRESETS)
    assert (table["n"] == 2).all()
    assert (table["mean_low"] <= table["mean"] + 1e-9).all() and (table["mean"] <= table["mean_high"] + 1e-9).all()
    reference = table[table["scenario"] == "status_quo"]
    assert (reference["diff"] == 0).all()
    other = table[table["scenario"] == "lift_objections"]
    assert (other["diff_low"] <= other["diff"] + 1e-9).all() and (other["diff"] <= other["diff_high"] + 1e-9).all()
    assert set(table["method"]) == {"bootstrap"}


def test_compare_means_and_differences_are_the_runs(comparison):
    out, table = comparison["out"], comparison["table1"]
    folders = folders_by_scenario(out)
    ends = {
        key: pd.read_parquet(folder / "timeseries.parquet")["registered_grassroots"].iloc[-1]
        for key, folder in folders.items()
    }
    rows = table[table["outcome"] == "registered_grassroots"].set_index("scenario")
    for name in PRESETS:
        assert rows.loc[name, "mean"] == pytest.approx(np.mean([ends[(name, s)] for s in SEEDS]))
    paired = [ends[("lift_objections", s)] - ends[("status_quo", s)] for s in SEEDS]
    assert rows.loc["lift_objections", "diff"] == pytest.approx(np.mean(paired))


def test_compare_runs_are_the_single_runs(comparison):
    """Common random numbers: a compare replicate is the same run as `ngosim run` with its seed."""
    folder = folders_by_scenario(comparison["out"])[("status_quo", 8)]
    direct = run_model(load_scenario(SCENARIOS / "status_quo.toml"), 8, 0.01).timeseries()
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "timeseries.parquet"), direct, check_exact=True)


def test_compare_again_reuses_the_finished_runs(comparison):
    assert comparison["second"].returncode == 0, comparison["second"].stderr
    before, after = comparison["tree1"], comparison["tree2"]
    runs = {k: v for k, v in before.items() if k.startswith("runs")}
    assert len(runs) == 2 * 2 * 4  # 2 scenarios x 2 replicates x (3 tables + manifest)
    assert {k: after[k] for k in runs} == runs  # not one run file was rewritten
    assert "0 run now, 4 already in the store" in comparison["second"].stdout


def test_compare_redoes_a_damaged_run_and_only_that_one(comparison):
    assert comparison["third"].returncode == 0, comparison["third"].stderr
    damaged = comparison["damaged"]
    before, after = comparison["tree_damaged"], comparison["tree3"]
    redone = {k for k in before if k.startswith("runs") and after.get(k) != before[k]}
    assert damaged in redone
    assert {str(Path(k).parent) for k in redone} == {str(Path(damaged).parent)}
    pd.testing.assert_frame_equal(comparison["table3"], comparison["table1"], check_exact=True)


def _tiny(path: Path, veto: float, name: str = "tiny") -> Path:
    path.write_text(f'name = "{name}"\nend = 1998-12-31\n[levers]\naccreditation_veto = {veto}\n')
    return path


def test_a_run_of_another_regime_is_another_run(tmp_path):
    scenario = _tiny(tmp_path / "tiny.toml", 0.0)
    first = comparison_experiment([scenario], replicates=1, scale=0.005).runs()
    _tiny(scenario, 1.0)
    second = comparison_experiment([scenario], replicates=1, scale=0.005).runs()
    assert first[0].run_id != second[0].run_id


def test_compare_rejects_two_files_with_one_name(tmp_path):
    a = _tiny(tmp_path / "a.toml", 0.0)
    b = _tiny(tmp_path / "b.toml", 1.0)
    result = ngosim("compare", a, b, "--replicates", "1", "--scale", "0.005", "--out", tmp_path / "cmp")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "share a name" in result.stderr and "allowed" in result.stderr
    assert not (tmp_path / "cmp").exists()


def test_compare_checks_every_file_before_running_any(tmp_path):
    good = _tiny(tmp_path / "good.toml", 0.0)
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nscale = 7\n')
    result = ngosim("compare", good, bad, "--replicates", "1", "--scale", "0.005", "--out", tmp_path / "cmp")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "bad.toml" in result.stderr and "field 'scale'" in result.stderr
    assert not (tmp_path / "cmp").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--reference", "nowhere"], "--reference 'nowhere'"),
        (["--outcome", "happiness"], "--outcome happiness"),
        (["--name", "../../escape"], "--name '../../escape'"),
    ],
)
def test_compare_bad_options_exit_2_and_change_nothing(tmp_path, options, message):
    a = _tiny(tmp_path / "a.toml", 0.0, "a")
    b = _tiny(tmp_path / "b.toml", 1.0, "b")
    result = ngosim("compare", a, b, "--replicates", "1", "--scale", "0.005", "--out", tmp_path / "cmp", *options)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and message in result.stderr and "allowed" in result.stderr
    assert not (tmp_path / "cmp").exists()
    assert not (tmp_path / "escape").exists()


def test_compare_at_dates_and_with_the_t_method(tmp_path):
    a = _tiny(tmp_path / "a.toml", 0.0, "a")
    b = _tiny(tmp_path / "b.toml", 1.0, "b")
    out = tmp_path / "cmp"
    result = ngosim(
        "compare", a, b, "--replicates", "2", "--scale", "0.005", "--out", out, "--quiet",
        "--outcome", "registered_gongo", "--outcome", "objections_gongo_total",
        "--at", "1997-06-30", "--at", "1998-12-31", "--method", "t",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "analyses" / "compare" / "comparison.csv")
    assert set(table["date"]) == {"1997-06-30", "1998-12-31"}
    assert set(table["outcome"]) == {"registered_gongo", "objections_gongo_total"}
    assert set(table["method"]) == {"t"}
    outside = ngosim("compare", a, b, "--replicates", "2", "--scale", "0.005", "--out", out, "--at", "2030-01-01")
    assert outside.returncode == 2 and "--at 2030-01-01" in outside.stderr and "allowed" in outside.stderr


def test_shared_histories_give_the_same_runs_as_separate_ones(tmp_path):
    """Branch runs started from one checkpoint of their shared history (saved by the first worker
    to run it, loaded by the others; two workers may run it at once) equal runs from 1995, and the
    sweep's folder of histories is gone when it ends."""
    files = [SCENARIOS / "status_quo.toml", SCENARIOS / "tightening.toml", SCENARIOS / "lift_objections.toml"]
    tables = {}
    for speedups, backend in (("1", "processes"), ("1", "serial"), ("0", "serial")):
        out = tmp_path / f"speedups-{speedups}-{backend}"
        env = {**os.environ, "PYTHONPATH": str(REPO), "NGOSIM_SPEEDUPS": speedups}
        command = [sys.executable, "-m", "sim.cli", "compare", *map(str, files), "--replicates", "2"]
        command += ["--scale", "0.005", "--out", str(out), "--backend", backend, "--jobs", "2"]
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert ("2 shared histories" in done.stdout) == (speedups == "1")
        assert not list(out.glob(".histories-*"))
        with Store(out) as store:
            table = store.timeseries("compare").sort_values(["run_id", "step"]).reset_index(drop=True)
        tables[speedups, backend] = table
    pd.testing.assert_frame_equal(tables["1", "processes"], tables["0", "serial"], check_exact=True)
    pd.testing.assert_frame_equal(tables["1", "serial"], tables["0", "serial"], check_exact=True)


def test_a_comparison_killed_midway_resumes_with_one_record_per_run(tmp_path):
    a = _tiny(tmp_path / "a.toml", 0.0, "a")
    b = _tiny(tmp_path / "b.toml", 1.0, "b")
    out = tmp_path / "cmp"
    command = [sys.executable, "-m", "sim.cli", "compare", str(a), str(b), "--replicates", "4", "--scale", "0.02"]
    command += ["--out", str(out), "--jobs", "1", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    catalogue = out / "catalogue.duckdb"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:  # kill once some runs are catalogued
        if catalogue.exists() and len(list((out / "runs").glob("*/manifest.json"))) >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    again = ngosim(*command[3:])
    assert again.returncode == 0, again.stderr
    with Store(out) as store:
        runs = store.runs("compare")
        assert len(runs) == 8 and runs["run_id"].is_unique and (runs["status"] == "done").all()
        rows, distinct = store.db.execute("SELECT count(*), count(DISTINCT (run_id, outcome)) FROM outcomes").fetchone()
        assert rows == distinct
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]
