"""The `ngosim` command and what it writes: run folders, Parquet/CSV tables with provenance,
register snapshots, the summary, and comparisons that reuse finished runs and redo damaged ones."""

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
from conftest import HISTORY, REPO, SCENARIOS, ngosim, run_model

from sim import load_scenario
from sim.experiments.compare import _run_one
from sim.experiments.provenance import RESULTS_SCHEMA_VERSION, git_state
from sim.experiments.runner import OutputError, read_provenance, run_scenario
from sim.model.domain import KINDS

SNAPSHOT = "2001-05-15"
PROVENANCE = (
    "results_schema_version",
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


# --- ngosim compare -------------------------------------------------------------------------------------------


PRESETS = ("status_quo", "lift_objections")


def registered_grassroots(table: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """The comparison row of registered G-R NGOs (by outcome key or readable label)."""
    labels = table["label"] if "label" in table else table["outcome"]
    wanted = table["outcome"].eq("registered_grassroots") | labels.eq("registered G-R NGOs")
    return table[(table["scenario"] == scenario) & wanted]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """Compare two presets (2 replicates, scale 0.01, 2 jobs); again; then again after damaging one run."""
    out = tmp_path_factory.mktemp("compare") / "cmp"
    args = [
        "compare",
        *PRESETS,
        "--replicates",
        "2",
        "--scale",
        "0.01",
        "--jobs",
        "2",
        "--seed",
        "7",
        "--out",
        out,
        "--quiet",
    ]
    first = ngosim(*args)
    state = {"first": first, "out": out, "tree1": tree(out) if out.exists() else {}}
    state["table1"] = pd.read_csv(out / "comparison.csv") if first.returncode == 0 else None
    state["second"] = ngosim(*args)
    state["tree2"] = tree(out)
    damaged = out / "lift_objections" / "seed-8" / "timeseries.parquet"
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    state["tree_damaged"] = tree(out)
    state["third"] = ngosim(*args)
    state["tree3"] = tree(out)
    state["table3"] = pd.read_csv(out / "comparison.csv")
    return state


def test_compare_writes_the_comparison_and_one_folder_per_run(comparison):
    first, out = comparison["first"], comparison["out"]
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert {"comparison.csv", "comparison.md", "compare-manifest.json", *PRESETS} <= {p.name for p in out.iterdir()}
    for name in PRESETS:
        assert sorted(p.name for p in (out / name).iterdir()) == ["seed-7", "seed-8"]
        for seed in (7, 8):
            manifest = json.loads((out / name / f"seed-{seed}" / "manifest.json").read_text())
            assert manifest["scenario"] == name and manifest["seed"] == seed and manifest["scale"] == 0.01
        assert leftovers(out / name) == []
    table = comparison["table1"]
    assert {"scenario", "outcome", "mean", "low", "high", "replicates"} <= set(table.columns)
    assert set(table["scenario"]) == set(PRESETS)
    assert (table["replicates"] == 2).all()
    assert (table["low"] <= table["mean"] + 1e-9).all() and (table["mean"] <= table["high"] + 1e-9).all()
    assert len(registered_grassroots(table, "status_quo")) == 1
    lines = (out / "comparison.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("|"))
    assert header.index("status_quo") < header.index("lift_objections")
    assert any("registered G-R NGOs" in line for line in lines)
    info = json.loads((out / "compare-manifest.json").read_text())
    assert info["seeds"] == [7, 8] and info["scale"] == 0.01 and set(info["scenarios"]) == set(PRESETS)
    assert "mean [90% interval] over 2 replicates" in first.stdout


def test_compare_means_are_the_runs_means(comparison):
    out, table = comparison["out"], comparison["table1"]
    for name in PRESETS:
        ends = [
            pd.read_parquet(out / name / f"seed-{s}" / "timeseries.parquet")["registered_grassroots"].iloc[-1]
            for s in (7, 8)
        ]
        row = registered_grassroots(table, name).iloc[0]
        assert row["mean"] == pytest.approx(np.mean(ends))
        assert row["low"] == pytest.approx(np.percentile(ends, 5)) and row["high"] == pytest.approx(
            np.percentile(ends, 95)
        )


def test_compare_runs_are_the_single_runs(comparison):
    """Common random numbers: a compare replicate is the same run as `ngosim run` with its seed."""
    out = comparison["out"]
    scenario = load_scenario(SCENARIOS / "status_quo.toml")
    direct = run_model(scenario, 8, 0.01).timeseries()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "status_quo" / "seed-8" / "timeseries.parquet"), direct, check_exact=True
    )


def test_compare_again_reuses_the_finished_runs(comparison):
    assert comparison["second"].returncode == 0, comparison["second"].stderr
    before, after = comparison["tree1"], comparison["tree2"]
    runs = {k: v for k, v in before.items() if "seed-" in k}
    assert len(runs) == 2 * 2 * 4  # 2 scenarios x 2 replicates x (3 tables + manifest)
    assert {k: after[k] for k in runs} == runs  # not one run file was rewritten
    assert comparison["second"].stdout == comparison["first"].stdout


def test_compare_redoes_a_damaged_run_and_only_that_one(comparison):
    assert comparison["third"].returncode == 0, comparison["third"].stderr
    damaged_key = str(Path("lift_objections") / "seed-8" / "timeseries.parquet")
    before, after = comparison["tree_damaged"], comparison["tree3"]
    redone = {k for k in before if "seed-" in k and after.get(k) != before[k]}
    assert damaged_key in redone
    assert all(k.startswith(str(Path("lift_objections") / "seed-8")) for k in redone)
    repaired = pd.read_parquet(comparison["out"] / damaged_key)
    assert len(repaired) == len(pd.read_parquet(comparison["out"] / "status_quo" / "seed-8" / "timeseries.parquet"))
    pd.testing.assert_frame_equal(comparison["table3"], comparison["table1"], check_exact=True)


def _tiny(path: Path, veto: float) -> Path:
    path.write_text(f'name = "tiny"\nend = 1998-12-31\n[levers]\naccreditation_veto = {veto}\n')
    return path


def test_compare_does_not_reuse_a_run_of_another_regime(tmp_path):
    # _run_one is what each compare worker runs for one replicate: called here without the process pool
    scenario = _tiny(tmp_path / "tiny.toml", 0.0)
    out = tmp_path / "cmp"
    _run_one(str(scenario), 1, 0.005, str(out))
    _tiny(scenario, 1.0)
    _run_one(str(scenario), 1, 0.005, str(out))
    manifest = json.loads((out / "tiny" / "seed-1" / "manifest.json").read_text())
    assert manifest["levers"]["accreditation_veto"] == 1.0


def test_compare_redoes_a_run_whose_event_log_is_damaged(tmp_path):
    scenario = _tiny(tmp_path / "tiny.toml", 0.5)
    out = tmp_path / "cmp"
    _run_one(str(scenario), 1, 0.005, str(out))
    events = out / "tiny" / "seed-1" / "events.parquet"
    events.write_bytes(events.read_bytes()[:100])
    _run_one(str(scenario), 1, 0.005, str(out))
    assert len(pd.read_parquet(events)) > 0


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
