"""Experiments, sweeps and the results store: definition, every backend, resuming, damage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import SCENARIOS, short_history

from sim.experiments import provenance
from sim.experiments.experiment import Experiment, Factor, apply_values, load_experiment, run_id
from sim.experiments.scenario_file import ScenarioError, load_scenario
from sim.experiments.store import Store, StoreError
from sim.experiments.sweep import sweep
from sim.model import checkpoint

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "scenarios" / "history.toml"
STATUS_QUO = ROOT / "scenarios" / "status_quo.toml"


def small_experiment(tmp_path: Path, replicates: int = 2) -> Experiment:
    return Experiment(
        name="small",
        scenario_file=str(short_history(tmp_path)),
        factors=(Factor("accreditation_veto", levels=(0.0, 1.0)), Factor("engage_grassroots", levels=(0.0002, 0.002))),
        replicates=replicates,
        seed=3,
        scale=0.01,
    )


def test_grid_runs_share_seeds_across_points(tmp_path):
    experiment = small_experiment(tmp_path, replicates=3)
    runs = experiment.runs()
    assert len(runs) == 2 * 2 * 3
    assert len({r.run_id for r in runs}) == len(runs)
    for point in range(4):
        assert [r.seed for r in runs if r.point == point] == [3, 4, 5]
    assert [r.run_id for r in experiment.runs()] == [r.run_id for r in runs]  # ids are stable


def test_sampled_designs_cover_their_ranges(tmp_path):
    base = small_experiment(tmp_path)
    factors = (Factor("engage_grassroots", low=0.0001, high=0.001), Factor("accreditation_veto", low=0.2, high=0.8))
    lhs = dataclasses.replace(base, design="latin_hypercube", samples=10, factors=factors)
    points = pd.DataFrame(lhs.points())
    assert len(points) == 10
    assert points["engage_grassroots"].between(0.0001, 0.001).all()
    assert points["accreditation_veto"].between(0.2, 0.8).all()
    sobol = dataclasses.replace(lhs, design="sobol", samples=8)
    assert len(sobol.points()) == 8 * (2 + 2)  # N (D + 2) without second-order terms
    morris = dataclasses.replace(lhs, design="morris", samples=4)
    assert len(morris.points()) == 4 * (2 + 1)


def test_lever_factor_acts_at_the_branch_date():
    scenario = load_scenario(STATUS_QUO)
    changed = apply_values(scenario, {"accreditation_veto": 0.25, "engage_grassroots": 0.001})
    assert changed.parameters.engage_grassroots == 0.001
    last = [e for e in changed.events if e.lever == "accreditation_veto"][-1]
    assert last.date == scenario.branch.date and last.value == 0.25
    held = apply_values(scenario, {"foreign_funding_restriction": 0.3})  # status_quo moves it again in 2017
    moves = [e for e in held.events if e.lever == "foreign_funding_restriction" and e.date >= scenario.branch.date]
    assert [(e.date, e.value, e.shift) for e in moves] == [(scenario.branch.date, 0.3, None)]
    history = apply_values(load_scenario(HISTORY), {"accreditation_veto": 0.25})
    assert history.levers.accreditation_veto == 0.25


def test_a_shift_parameter_factor_moves_its_dated_event_as_reading_the_file_with_it_does():
    """`veto_2010` sets how far the 2010 event moves the veto: a design point's value reaches that event
    (the file resolved it when read), exactly as loading the scenario with the value does."""
    factor = apply_values(load_scenario(STATUS_QUO), {"veto_2010": -0.56})
    loaded = load_scenario(STATUS_QUO, parameters={"veto_2010": -0.56})
    (moved,) = [e for e in factor.events if e.shift_parameter == "veto_2010"]
    assert moved.shift == -0.56 and factor.events == loaded.events and factor.parameters == loaded.parameters
    untouched = apply_values(load_scenario(STATUS_QUO), {"engage_grassroots": 0.001})
    assert untouched.events == load_scenario(STATUS_QUO).events


def test_serial_sweep_catalogues_and_resumes(tmp_path):
    experiment = small_experiment(tmp_path)
    with Store(tmp_path / "store") as store:
        report = sweep(experiment, store, backend="serial")
        assert (report.planned, report.skipped, report.ran, report.failed) == (8, 0, 8, 0)
        runs = store.runs("small")
        assert (runs["status"] == "done").all()
        table = store.outcomes("small")
        assert len(table) == 8 and {"accreditation_veto", "engage_grassroots", "registered_gongo"} <= set(table.columns)
        again = sweep(experiment, store, backend="serial")
        assert (again.skipped, again.ran) == (8, 0)


def test_backends_give_identical_results(tmp_path, dask_scheduler):
    experiment = small_experiment(tmp_path)
    frames = {}
    for backend in ("serial", "processes", "dask"):
        with Store(tmp_path / backend) as store:
            sweep(experiment, store, backend=backend, jobs=2, scheduler=dask_scheduler if backend == "dask" else None)
            frames[backend] = store.timeseries("small").sort_values(["run_id", "step"]).reset_index(drop=True)
    assert len(frames["serial"]) == 8 * 28
    pd.testing.assert_frame_equal(frames["serial"], frames["processes"])
    pd.testing.assert_frame_equal(frames["serial"], frames["dask"])


def test_damaged_run_file_is_redone(tmp_path):
    experiment = small_experiment(tmp_path)
    with Store(tmp_path / "store") as store:
        sweep(experiment, store, backend="serial")
        victim = store.runs("small").iloc[0]
        path = store.folder / victim["file"] / "timeseries.parquet"
        original = pd.read_parquet(path)
        path.write_bytes(path.read_bytes()[:1000])
        assert [s.run_id for s in store.todo(experiment.runs())] == [victim["run_id"]]
        report = sweep(experiment, store, backend="serial")
        assert (report.ran, report.skipped) == (1, 7)
        pd.testing.assert_frame_equal(pd.read_parquet(path), original)  # same seed, same run, same data
        assert store.todo(experiment.runs()) == []


def test_interrupted_sweep_loses_nothing_and_duplicates_nothing(tmp_path):
    experiment = small_experiment(tmp_path)

    def stop_after_three(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with Store(tmp_path / "store") as store, pytest.raises(KeyboardInterrupt):
        sweep(experiment, store, backend="serial", progress=stop_after_three)
    with Store(tmp_path / "store") as store:
        assert (store.runs("small")["status"] == "done").sum() == 3
        report = sweep(experiment, store, backend="serial")
        assert (report.skipped, report.ran) == (3, 5)
        rows, distinct = store.db.execute("SELECT count(*), count(DISTINCT (run_id, outcome)) FROM outcomes").fetchone()
        runs = store.db.execute("SELECT count(*), count(DISTINCT run_id) FROM runs").fetchone()
        finished = store.db.execute("SELECT count(DISTINCT run_id) FROM outcomes").fetchone()[0]
    assert runs == (8, 8)
    assert rows == distinct and finished == 8


def test_damaged_catalogue_is_an_error_that_changes_nothing(tmp_path):
    folder = tmp_path / "store"
    folder.mkdir()
    catalogue = folder / "catalogue.duckdb"
    catalogue.write_bytes(b"this is not a database" * 100)
    before = catalogue.read_bytes()
    with pytest.raises(StoreError, match="damaged or not a DuckDB file"):
        Store(folder)
    assert catalogue.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["catalogue.duckdb"]


def test_catalogue_of_another_schema_version_is_refused(tmp_path):
    experiment = small_experiment(tmp_path, replicates=1)
    with Store(tmp_path / "store") as store:
        sweep(experiment, store, backend="serial")
    db = duckdb.connect(str(tmp_path / "store" / "catalogue.duckdb"))
    db.execute("UPDATE meta SET value = '999' WHERE key = 'results_schema_version'")
    db.close()
    before = (tmp_path / "store" / "catalogue.duckdb").read_bytes()
    with pytest.raises(StoreError, match="results-schema version 999"):
        Store(tmp_path / "store")
    assert (tmp_path / "store" / "catalogue.duckdb").read_bytes() == before


def test_same_name_other_definition_is_refused(tmp_path):
    experiment = small_experiment(tmp_path, replicates=1)
    with Store(tmp_path / "store") as store:
        sweep(experiment, store, backend="serial")
        with pytest.raises(StoreError, match="another definition"):
            sweep(dataclasses.replace(experiment, seed=99), store, backend="serial")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('name = "x"\nscenario = "s.toml"\nreplicate = 2\n[factors.accreditation_veto]\nlevels = [0.0]\n', "replicate"),
        ('name = "x"\nscenario = "s.toml"\n[factors.no_such_lever]\nlevels = [0.0]\n', "factors.no_such_lever"),
        (
            'name = "x"\nscenario = "s.toml"\n[factors.accreditation_veto]\nlevels = [1.5]\n',
            "factors.accreditation_veto.levels",
        ),
        (
            'name = "x"\nscenario = "s.toml"\ndesign = "sobol"\n[factors.pd_targeting]\nrange = [0, 1]\n',
            "factors.pd_targeting",
        ),
        (
            'name = "x"\nscenario = "s.toml"\ndesign = "latin_hypercube"\n[factors.engage_grassroots]\nrange = [0.5, 0.1]\n',
            "factors.engage_grassroots.range",
        ),
        ('name = "x"\nscenario = "missing.toml"\n[factors.accreditation_veto]\nlevels = [0.0]\n', "scenario"),
        ('name = "../../x"\nscenario = "s.toml"\n[factors.accreditation_veto]\nlevels = [0.0]\n', "name"),
        ('name = "/etc/x"\nscenario = "s.toml"\n[factors.accreditation_veto]\nlevels = [0.0]\n', "name"),
        ('name = ""\nscenario = "s.toml"\n[factors.accreditation_veto]\nlevels = [0.0]\n', "name"),
        (
            'name = "x"\nscenario = "s.toml"\n[factors.accreditation_veto]\nlevels = [0.5, 0.5]\n',
            "factors.accreditation_veto.levels",
        ),
        (
            'name = "x"\nscenario = "s.toml"\n[factors.accreditation_veto]\nlevels = [nan]\n',
            "factors.accreditation_veto.levels",
        ),
        (
            'name = "x"\nscenario = "s.toml"\ndesign = "sobol"\nsamples = 12\n[factors.un_outreach]\nrange = [0, 1]\n',
            "samples",
        ),
        (
            'name = "x"\nscenario = "s.toml"\nreplicates = 100000000\n[factors.un_outreach]\nlevels = [0.1]\n',
            "replicates",
        ),
        ('name = "x"\nscenario = "s.toml"\nkeep = ["events"]\n[factors.un_outreach]\nlevels = [0.1]\n', "keep"),
    ],
)
def test_experiment_file_errors_name_the_field(tmp_path, body, field):
    (tmp_path / "s.toml").write_text(short_history(tmp_path).read_text())
    path = tmp_path / "exp.toml"
    path.write_text(body)
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value) and "allowed" in str(caught.value)


def test_sweep_command_bad_input_exits_2_without_traceback(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('name = "x"\nscenario = "nowhere.toml"\n[factors.accreditation_veto]\nlevels = [0.0]\n')
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "scenario" in done.stderr
    assert not (tmp_path / "out").exists()


def test_sweep_command_runs_an_experiment_file(tmp_path):
    short = short_history(tmp_path)
    path = tmp_path / "exp.toml"
    path.write_text(
        f'name = "cli"\nscenario = "{short.name}"\nreplicates = 2\nscale = 0.01\n[factors.pd_targeting]\nlevels = ["gongo_only", "inclusive"]\n'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(path),
            "--out",
            str(tmp_path / "store"),
            "--backend",
            "serial",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "4 runs planned, 0 already done, 4 run now" in done.stdout
    with Store(tmp_path / "store") as store:
        assert set(store.outcomes("cli")["pd_targeting"]) == {"gongo_only", "inclusive"}


def test_a_run_computed_again_keeps_the_folder_already_written(tmp_path):
    """A Dask worker lost after writing a run has its task computed again elsewhere, perhaps after the
    catalogue took the first result: the second execution finds the intact folder and returns its
    record, writing nothing, so the folder and the catalogue's checksum agree. A folder without a
    table the task keeps is run again."""
    from sim.experiments.provenance import git_state
    from sim.experiments.sweep import RunTask, execute

    spec = small_experiment(tmp_path).runs()[0]
    (tmp_path / "store" / "runs").mkdir(parents=True)
    task = RunTask(spec, str(tmp_path / "store"), ("timeseries",), git_state())
    first = execute(task)
    manifest = tmp_path / "store" / first["file"] / "manifest.json"
    written = manifest.stat().st_mtime_ns
    again = execute(task)
    assert again["sha256"] == first["sha256"] and again["outcomes"] == first["outcomes"]
    assert manifest.stat().st_mtime_ns == written
    more = execute(dataclasses.replace(task, keep=("timeseries", "events")))
    assert more["sha256"] != first["sha256"] and (manifest.parent / "events.parquet").is_file()


def test_runs_and_histories_of_another_model_version_are_not_reused(monkeypatch):
    """A model that draws or decides otherwise (a new MODEL_VERSION) gives its runs other ids and its
    histories other keys, so a store made by the older model is not served back as this one's."""
    scenario = load_scenario(SCENARIOS / "status_quo.toml")
    before = run_id(provenance.fingerprint(scenario), {}, 1, 0.01)
    key = checkpoint.history_key(scenario, 1, 0.01, dt.date(2016, 1, 1))
    monkeypatch.setattr(provenance, "MODEL_VERSION", provenance.MODEL_VERSION + 1)
    monkeypatch.setattr(checkpoint, "MODEL_VERSION", checkpoint.MODEL_VERSION + 1)
    assert run_id(provenance.fingerprint(scenario), {}, 1, 0.01) != before
    assert checkpoint.history_key(scenario, 1, 0.01, dt.date(2016, 1, 1)) != key
