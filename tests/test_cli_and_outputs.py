"""The `ngosim run` command and what it writes: run folders, Parquet/CSV tables with provenance,
register snapshots and the summary (comparisons are in test_compare.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HISTORY, REPO, ngosim, run_model

from sim import load_scenario
from sim.experiments.provenance import RESULTS_SCHEMA_VERSION, git_state
from sim.experiments.runner import OutputError, read_provenance, run_scenario
from sim.model.domain import KINDS

SNAPSHOT = "2001-05-15"
PROVENANCE = (
    "results_schema_version",
    "model_version",
    "package_version",
    "git_commit",
    "git_modified",
    "seed",
    "scale",
    "parameters",
    "levers",
    "events",
)


def tree(folder: Path) -> dict[str, int]:
    """Every file under a folder with its modification time (ns)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name)


# --- ngosim run ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parquet_run(tmp_path_factory):
    parent = tmp_path_factory.mktemp("run")
    out = parent / "history-small"
    result = ngosim("run", "history", "--out", out, "--scale", "0.01", "--seed", "3", "--snapshot", SNAPSHOT)
    return result, out


def test_run_exits_0_and_prints_the_summary(parquet_run):
    result, out = parquet_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "history: seed 3, scale 0.01, 120 steps" in result.stdout
    for label in (
        "registered G-R NGOs",
        "internationalised G-R NGOs",
        "G-R NGOs in ECOSOC status",
        "state's trust in G-R NGOs",
    ):
        assert label in result.stdout
    assert "value at 2024-12-31" in result.stdout
    assert f"outputs: {out}" in result.stdout


def test_run_writes_the_three_tables_and_the_manifest(parquet_run):
    _, out = parquet_run
    assert sorted(p.name for p in out.iterdir()) == [
        "events.parquet",
        "manifest.json",
        "organisations.parquet",
        "snapshots",
        "timeseries.parquet",
    ]
    assert leftovers(out.parent) == []
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 120 and ts["date"].iloc[-1] == "2024-12-31"
    assert (ts["scale"] == 0.01).all()
    events = pd.read_parquet(out / "events.parquet")
    assert {"policy_change", "engaged", "upr_submission"} <= set(events["event"])
    organisations = pd.read_parquet(out / "organisations.parquet")
    assert len(organisations) > 0 and set(organisations["kind"].astype(str)) <= set(KINDS)


def test_the_manifest_holds_the_provenance(parquet_run):
    _, out = parquet_run
    manifest = json.loads((out / "manifest.json").read_text())
    for key in PROVENANCE:
        assert key in manifest, key
    assert manifest["results_schema_version"] == RESULTS_SCHEMA_VERSION
    assert manifest["seed"] == 3 and manifest["scale"] == 0.01
    assert manifest["scenario"] == "history" and manifest["start"] == "1995-01-01" and manifest["end"] == "2024-12-31"
    history = load_scenario(HISTORY)
    assert manifest["parameters"] == history.parameters.as_dict()
    assert manifest["levers"] == history.levers.as_dict()
    assert len(manifest["events"]) == len(history.events)
    assert manifest["events"][0]["date"] == history.events[0].date.isoformat()
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if commit.returncode == 0:
        assert manifest["git_commit"] == commit.stdout.strip()
        assert isinstance(manifest["git_modified"], bool)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", manifest["package_version"])
    assert manifest["steps"] == 120


def test_the_parquet_metadata_carries_the_manifest(parquet_run):
    _, out = parquet_run
    manifest = json.loads((out / "manifest.json").read_text())
    # the manifest adds the files' checksums, which cannot be inside the files they check
    for table in ("timeseries", "events", "organisations"):
        assert read_provenance(out / f"{table}.parquet") == {k: v for k, v in manifest.items() if k != "files"}
    snapshot = read_provenance(out / "snapshots" / f"register-{SNAPSHOT}.parquet")
    for key in PROVENANCE:
        assert snapshot[key] == manifest[key]


def test_the_manifest_lists_every_file_with_its_checksum(parquet_run):
    _, out = parquet_run
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert sorted(manifest["files"]) == on_disk
    for name, checksum in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == checksum


def test_the_tables_on_disk_are_the_models_outputs(parquet_run):
    _, out = parquet_run
    model = run_model(load_scenario(HISTORY), 3, 0.01)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), model.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "events.parquet"), model.event_log(), check_exact=True)
    on_disk = pd.read_parquet(out / "organisations.parquet")
    pd.testing.assert_frame_equal(on_disk, model.organisations_table(), check_exact=True, check_categorical=False)


def test_a_snapshot_holds_every_organisation_on_its_date(parquet_run):
    _, out = parquet_run
    assert sorted(p.name for p in (out / "snapshots").iterdir()) == [f"register-{SNAPSHOT}.parquet"]
    snap = pd.read_parquet(out / "snapshots" / f"register-{SNAPSHOT}.parquet")
    ts = pd.read_parquet(out / "timeseries.parquet")
    row = ts[ts["date"] == "2001-06-30"].iloc[0]  # the end of the quarter holding the date
    assert (snap["date"] == "2001-06-30").all()
    registered = snap[snap["registered"]]
    unregistered = snap[~snap["registered"]]
    # registered rows: every row of the register, numbered from 0, dissolved ones marked
    assert registered["org_id"].tolist() == list(range(len(registered)))
    alive = registered[registered["alive"]]
    for kind in KINDS:
        assert (alive["kind"].astype(str) == kind).sum() == row[f"registered_{kind}"]
    # unregistered groups: one row each, all G-R groups
    assert len(unregistered) == row["unregistered_grassroots"] > 0
    assert (unregistered["kind"].astype(str) == "grassroots").all()
    assert (unregistered["org_id"] == -1).all()
    assert len(snap) == len(registered) + row["unregistered_grassroots"]
    # organisations registered after the snapshot are not in it
    final = pd.read_parquet(out / "timeseries.parquet")["registered_all"].iloc[-1]
    assert len(alive) < final


def test_a_snapshot_in_python_matches_the_model_state():
    scenario = load_scenario(HISTORY)
    result = run_scenario(scenario, seed=3, scale=0.005, snapshots=[dt.date(1995, 1, 1), dt.date(2000, 2, 1)])
    assert sorted(result.snapshots) == ["1995-01-01", "2000-02-01"]
    first = result.snapshots["1995-01-01"]
    assert (first["date"] == "1995-03-31").all()
    assert (~first["registered"]).sum() == result.timeseries["unregistered_grassroots"].iloc[0]


def test_csv_output(tmp_path):
    out = tmp_path / "csv-run"
    result = ngosim(
        "run", HISTORY, "--out", out, "--scale", "0.005", "--seed", "4", "--csv", "--quiet", "--snapshot", "1999-12-31"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # --quiet: no summary
    assert sorted(p.name for p in out.iterdir()) == [
        "events.csv",
        "manifest.json",
        "organisations.csv",
        "snapshots",
        "timeseries.csv",
    ]
    assert [p.name for p in (out / "snapshots").iterdir()] == ["register-1999-12-31.csv"]
    ts = pd.read_csv(out / "timeseries.csv")
    model = run_model(load_scenario(HISTORY), 4, 0.005)
    expected = model.timeseries()
    assert list(ts.columns) == list(expected.columns)
    numeric = expected.select_dtypes("number").columns
    np.testing.assert_allclose(ts[numeric].to_numpy(float), expected[numeric].to_numpy(float), rtol=1e-12)
    events = pd.read_csv(out / "events.csv")
    assert len(events) == len(model.event_log())
    assert json.loads((out / "manifest.json").read_text())["seed"] == 4
    assert leftovers(tmp_path) == []


def test_a_second_run_into_the_same_folder_replaces_it_whole(tmp_path):
    out = tmp_path / "again"
    short = tmp_path / "short.toml"
    short.write_text('name = "short"\nend = 1997-12-31\nseed = 5\nscale = 0.005\n')
    first = ngosim("run", short, "--out", out, "--quiet")
    assert first.returncode == 0, first.stderr
    (out / "stray.txt").write_text("left by hand\n")
    second = ngosim("run", short, "--out", out, "--quiet", "--seed", "6", "--csv")
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "events.csv",
        "manifest.json",
        "organisations.csv",
        "timeseries.csv",
    ]
    assert json.loads((out / "manifest.json").read_text())["seed"] == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "short.toml"]


def test_run_scenario_checks_its_arguments_before_writing(tmp_path):
    scenario = load_scenario(HISTORY)
    for kwargs in ({"scale": 0.0}, {"scale": 1.5}, {"seed": -1}, {"snapshots": [dt.date(2030, 1, 1)]}):
        with pytest.raises(OutputError, match="allowed"):
            run_scenario(scenario, out=tmp_path / "never", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_version_and_help():
    version = ngosim("--version")
    assert version.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+\S*\n", version.stdout)
    bare = ngosim()
    assert bare.returncode == 2 and "run" in bare.stdout and "compare" in bare.stdout


# --- provenance -----------------------------------------------------------------------------------------------


def test_git_state_outside_a_checkout_is_unknown(tmp_path):
    assert git_state(tmp_path) == {"git_commit": "unknown", "git_modified": None}


def test_git_state_in_another_repository_is_unknown(tmp_path):
    init = subprocess.run(["git", "init", "-q", str(tmp_path)], capture_output=True)
    if init.returncode != 0:
        pytest.skip("git is not available")
    assert git_state(tmp_path)["git_commit"] == "unknown"


def test_git_state_in_this_checkout_names_the_commit():
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not run from a git checkout")
    state = git_state(REPO / "sim")
    assert state["git_commit"] == head.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", state["git_commit"])
    assert isinstance(state["git_modified"], bool)


def test_an_interrupted_run_leaves_nothing_behind(tmp_path):
    """Ctrl-C during a run (here a real SIGINT while the partial folder exists): exit 130, no folder."""
    out = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(HISTORY), "--scale", "1", "--out", str(out), "--quiet"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(1200):  # wait (at most about a minute) until the run is writing into its partial folder
            if any(".partial-" in p.name for p in tmp_path.iterdir()) or process.poll() is not None:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert list(tmp_path.iterdir()) == []
