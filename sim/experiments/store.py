"""The results store: one run folder per finished run, catalogued in a DuckDB file.

    STORE/catalogue.duckdb      experiments, runs (status, seed, values, checksum), their outcomes, analyses
    STORE/runs/RUN_ID/          the run folder `ngosim run` writes: manifest.json and the tables the
                                experiments asked to keep (timeseries, events, organisations)
    STORE/analyses/             tables and figures of comparisons, sensitivity and discovery

A run belongs to the store, not to one experiment: experiments list the runs they consist of
(`experiment_runs`), so two experiments that share runs each see all of them. Only the process
that runs a sweep writes the catalogue; workers write run folders, each whole or not at all. A
run counts as done only when the catalogue says so and its folder is intact (every file with
the checksum its manifest records); anything else is run again. A new catalogue is created
under a temporary name and renamed into place, so it appears complete or not at all. A
catalogue of an older schema is migrated in place when opened, and says so: from
catalogue-schema 1 (run files `runs/RUN_ID.parquet`, one experiment per run) and from 2 (an
experiment's runs keyed by run id, so a design point drawn twice was listed once).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from sim.experiments import interrupts
from sim.experiments.experiment import Experiment, RunSpec
from sim.experiments.limits import LimitError, output_folder
from sim.experiments.provenance import RESULTS_SCHEMA_VERSION
from sim.experiments.runner import file_sha256, intact, process_alive

CATALOGUE = "catalogue.duckdb"
CATALOGUE_SCHEMA_VERSION = 3  # raise when the catalogue's tables change; migrate from older ones below
TABLE_NAMES = ("meta", "experiments", "runs", "experiment_runs", "outcomes", "analyses")

SCHEMA = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE experiments (name VARCHAR PRIMARY KEY, definition JSON, created TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY, scenario VARCHAR, seed BIGINT, scale DOUBLE, factor_values JSON,
    tables VARCHAR, status VARCHAR, file VARCHAR, sha256 VARCHAR, rows INTEGER, wall_seconds DOUBLE,
    git_commit VARCHAR, package_version VARCHAR, finished TIMESTAMP, error VARCHAR
);
CREATE TABLE experiment_runs (
    experiment VARCHAR, run_id VARCHAR, point INTEGER, replicate INTEGER, PRIMARY KEY (experiment, point, replicate)
);
CREATE TABLE outcomes (run_id VARCHAR, outcome VARCHAR, value DOUBLE, PRIMARY KEY (run_id, outcome));
CREATE TABLE analyses (
    experiment VARCHAR, kind VARCHAR, arguments JSON, command VARCHAR, created TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (experiment, kind, arguments)
);
"""

# catalogue-schema 1 -> 2: runs no longer belong to one experiment; run folders replace run files
MIGRATE_FROM_1 = """
CREATE TABLE experiment_runs (
    experiment VARCHAR, run_id VARCHAR, point INTEGER, replicate INTEGER, PRIMARY KEY (experiment, point, replicate)
);
INSERT INTO experiment_runs SELECT experiment, run_id, point, replicate FROM runs;
CREATE TABLE runs_v2 (
    run_id VARCHAR PRIMARY KEY, scenario VARCHAR, seed BIGINT, scale DOUBLE, factor_values JSON,
    tables VARCHAR, status VARCHAR, file VARCHAR, sha256 VARCHAR, rows INTEGER, wall_seconds DOUBLE,
    git_commit VARCHAR, package_version VARCHAR, finished TIMESTAMP, error VARCHAR
);
INSERT INTO runs_v2 SELECT run_id, NULL, seed, scale, factor_values, 'timeseries', status, file, sha256, rows,
    wall_seconds, git_commit, package_version, finished, error FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
CREATE TABLE analyses (
    experiment VARCHAR, kind VARCHAR, arguments JSON, command VARCHAR, created TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (experiment, kind, arguments)
);
INSERT INTO meta VALUES ('catalogue_schema_version', '3');
"""

# catalogue-schema 2 -> 3: an experiment's runs are keyed by design point and replicate, so a sampled
# design that draws the same point twice lists its run at both (schema 2 kept one of them)
MIGRATE_FROM_2 = """
CREATE TABLE experiment_runs_v3 (
    experiment VARCHAR, run_id VARCHAR, point INTEGER, replicate INTEGER, PRIMARY KEY (experiment, point, replicate)
);
INSERT INTO experiment_runs_v3 SELECT experiment, run_id, point, replicate FROM experiment_runs;
DROP TABLE experiment_runs;
ALTER TABLE experiment_runs_v3 RENAME TO experiment_runs;
UPDATE meta SET value = '3' WHERE key = 'catalogue_schema_version';
"""


class StoreError(RuntimeError):
    """The store cannot be used as asked: damaged, locked, not a catalogue, of another schema, or no such experiment."""


class Store:
    """A results store folder; open it with `Store(folder)` (created if new, unless `create=False`)."""

    def __init__(self, folder: str | Path, create: bool = True) -> None:
        self.folder = Path(folder)
        self.path = self.folder / CATALOGUE
        self.runs_dir = self.folder / "runs"
        self.migrated_from: int | None = None  # the schema a migrated catalogue had
        if not self.path.exists():
            if not create:
                raise StoreError(f"{self.folder}: no results store here (allowed: a folder holding {CATALOGUE})")
            self._create()
        self.db = self._connect()
        try:
            self._check_schema()
            if create:
                self.runs_dir.mkdir(exist_ok=True)
                self._remove_partials()
        except BaseException:
            self.db.close()
            raise

    def _remove_partials(self) -> None:
        """Remove the hidden partial run folders that killed runs left (only this process, holding the
        catalogue's lock, writes runs now, so every one found is stale)."""
        for stale in [*self.runs_dir.glob(".*.partial-*"), *self.runs_dir.glob(".*.old-*")]:
            shutil.rmtree(stale, ignore_errors=True)

    def _create(self) -> None:
        """A new catalogue, written under a temporary name and renamed into place when complete."""
        try:
            output_folder(self.folder, "--out")
        except LimitError as exc:
            raise StoreError(str(exc)) from None
        if self.folder.is_dir() and any(not p.name.startswith(f".{CATALOGUE}.partial-") for p in self.folder.iterdir()):
            raise StoreError(
                f"--out {self.folder}: a folder that is not an ngosim results store (no {CATALOGUE}); nothing was "
                "changed (allowed: a new or empty folder, or a results store)"
            )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"--out {self.folder}: cannot be created ({exc.strerror}) (allowed: a folder in a writable place)"
            ) from None
        for stale in self.folder.glob(f".{CATALOGUE}.partial-*"):  # left by a process killed while creating it
            pid = stale.name.rsplit("-", 1)[-1]
            if not stale.name.endswith(".wal") and not (pid.isdigit() and process_alive(int(pid))):
                stale.unlink(missing_ok=True)
                stale.with_name(stale.name + ".wal").unlink(missing_ok=True)
        partial = self.folder / f".{CATALOGUE}.partial-{os.getpid()}"
        partial.unlink(missing_ok=True)
        try:
            db = duckdb.connect(str(partial))
            try:
                db.execute(SCHEMA)
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("results_schema_version", str(RESULTS_SCHEMA_VERSION)),
                        ("catalogue_schema_version", str(CATALOGUE_SCHEMA_VERSION)),
                    ],
                )
            finally:
                db.close()
            partial.replace(self.path)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"{self.path}: cannot create the catalogue ({exc})") from None
        finally:
            partial.unlink(missing_ok=True)
            partial.with_name(partial.name + ".wal").unlink(missing_ok=True)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"{self.path}: the store is in use by another process (a sweep or comparison still running?); "
                    "wait for it to finish or stop it; nothing was changed"
                ) from None
            if not os.access(self.path, os.R_OK | os.W_OK) or not os.access(self.folder, os.W_OK):
                raise StoreError(
                    f"{self.path}: cannot be read and written (permissions); nothing was changed"
                ) from None
            raise StoreError(
                f"{self.path}: the catalogue is damaged or not a DuckDB file ({exc}); nothing was changed"
            ) from None
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path}: the catalogue is damaged or not a DuckDB file ({exc}); nothing was changed"
            ) from None

    def _check_schema(self) -> None:
        try:
            tables = {row[0] for row in self.db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if not {"meta", "experiments", "runs", "outcomes"} <= tables:
                raise StoreError(f"{self.path}: not an ngosim catalogue (tables {sorted(tables)}); nothing was changed")
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: the catalogue cannot be read ({exc}); nothing was changed") from None
        results = meta.get("results_schema_version", "none")
        if results != str(RESULTS_SCHEMA_VERSION):
            raise StoreError(
                f"{self.path}: catalogue has results-schema version {results}, this ngosim writes "
                f"{RESULTS_SCHEMA_VERSION} (allowed: a new store folder, or the ngosim that wrote it); nothing was changed"
            )
        catalogue = int(meta.get("catalogue_schema_version", "1"))
        if catalogue > CATALOGUE_SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: catalogue-schema {catalogue} is newer than this ngosim's {CATALOGUE_SCHEMA_VERSION} "
                "(allowed: a newer ngosim, or a new store folder); nothing was changed"
            )
        if catalogue < CATALOGUE_SCHEMA_VERSION:
            self.migrated_from = catalogue
        if catalogue == 1:
            self._transaction(MIGRATE_FROM_1)
            catalogue = 3  # MIGRATE_FROM_1 makes schema-3 tables
        if catalogue == 2:
            self._transaction(MIGRATE_FROM_2)

    def _transaction(self, script: str) -> None:
        self.db.execute("BEGIN TRANSACTION")
        try:
            self.db.execute(script)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- experiments --------------------------------------------------------------------------------
    def plan(self, experiment: Experiment, specs: Iterable[RunSpec], redefine: bool = False) -> None:
        """Record the experiment and the runs it consists of (runs already known keep their status).

        An experiment name already here with another definition is refused, unless `redefine`
        (a comparison is a view over runs: redefining it loses no run)."""
        definition = json.dumps(experiment.definition(), default=str)
        existing = self.db.execute("SELECT definition FROM experiments WHERE name = ?", [experiment.name]).fetchone()
        if existing is not None and json.loads(existing[0]) != json.loads(definition) and not redefine:
            raise StoreError(
                f"{self.path}: an experiment named {experiment.name!r} with another definition is already here "
                "(allowed: the same definition, another name, or another store); nothing was changed"
            )
        specs = list(specs)
        self.db.execute("BEGIN TRANSACTION")
        try:
            if existing is None:
                self.db.execute(
                    "INSERT INTO experiments (name, definition) VALUES (?, ?)", [experiment.name, definition]
                )
            elif json.loads(existing[0]) != json.loads(definition):
                self.db.execute("UPDATE experiments SET definition = ? WHERE name = ?", [definition, experiment.name])
                self.db.execute("DELETE FROM experiment_runs WHERE experiment = ?", [experiment.name])
                self.db.execute("DELETE FROM analyses WHERE experiment = ?", [experiment.name])
            self.db.executemany(
                "INSERT INTO runs (run_id, scenario, seed, scale, factor_values, status) "
                "VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING",
                [(s.run_id, s.scenario, s.seed, s.scale, json.dumps(s.values, default=str)) for s in specs],
            )
            self.db.executemany(
                "INSERT INTO experiment_runs VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(experiment.name, s.run_id, s.point, s.replicate) for s in specs],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def experiments(self) -> list[str]:
        """The names of the experiments in the store, oldest first."""
        return [name for (name,) in self.db.execute("SELECT name FROM experiments ORDER BY created, name").fetchall()]

    def experiment_name(self, name: str | None) -> str:
        """The experiment asked for, or the store's only one; a clear error otherwise."""
        known = self.experiments()
        if name is None:
            if len(known) == 1:
                return known[0]
            raise StoreError(
                f"{self.folder}: holds {len(known)} experiments; name one with --experiment "
                f"(allowed: {', '.join(known) or 'none: run a sweep or comparison first'})"
            )
        if name not in known:
            raise StoreError(
                f"--experiment {name!r}: not in {self.folder} (allowed: {', '.join(known) or 'none in this store'})"
            )
        return name

    def definition(self, experiment: str) -> dict[str, Any]:
        """An experiment's definition as it was stored."""
        row = self.db.execute("SELECT definition FROM experiments WHERE name = ?", [experiment]).fetchone()
        if row is None:
            raise StoreError(f"--experiment {experiment!r}: not in {self.folder}")
        return json.loads(row[0])

    # --- which runs need running -------------------------------------------------------------------------
    def todo(self, specs: list[RunSpec], tables: Iterable[str] = ("timeseries",)) -> list[RunSpec]:
        """The runs that still need running: not done, done with a missing or damaged folder, or
        done without a table the experiment keeps."""
        wanted = set(tables)
        done = {
            run_id: (file, sha, set((kept or "timeseries").split(",")))
            for run_id, file, sha, kept in self.db.execute(
                "SELECT run_id, file, sha256, tables FROM runs WHERE status = 'done'"
            ).fetchall()
        }
        todo, seen = [], set()
        for spec in specs:
            if spec.run_id in seen:  # a sampled design's point drawn twice: one run serves both
                continue
            seen.add(spec.run_id)
            entry = done.get(spec.run_id)
            if entry is None or not wanted <= entry[2] or not self._intact(entry[0], entry[1]):
                todo.append(spec)
        return todo

    def _intact(self, file: str | None, sha: str | None) -> bool:
        if not file:
            return False
        path = self.folder / file
        if path.is_dir():  # a run folder: its manifest as recorded, and every file as the manifest says
            manifest = path / "manifest.json"
            return manifest.is_file() and file_sha256(manifest) == sha and intact(path) is not None
        return path.is_file() and file_sha256(path) == sha  # a run file of catalogue-schema 1

    def run_folder(self, run_id: str) -> Path:
        """Where a run's folder goes."""
        return self.runs_dir / run_id

    # --- recording --------------------------------------------------------------------------------------
    def record(self, result: dict[str, Any]) -> None:
        """Mark a run done with its manifest's checksum, and keep its outcomes (one transaction a
        Ctrl-C does not cut: it takes effect when the run is recorded)."""
        with interrupts.deferred():
            self._record(result)

    def _record(self, result: dict[str, Any]) -> None:
        run_id = result["run_id"]
        self.db.execute("BEGIN TRANSACTION")
        try:
            self.db.execute(
                "UPDATE runs SET status = 'done', file = ?, sha256 = ?, rows = ?, wall_seconds = ?, git_commit = ?, "
                "package_version = ?, tables = ?, finished = current_timestamp, error = NULL WHERE run_id = ?",
                [
                    result["file"],
                    result["sha256"],
                    result["rows"],
                    result["wall_seconds"],
                    result["git_commit"],
                    result["package_version"],
                    ",".join(result["tables"]),
                    run_id,
                ],
            )
            self.db.execute("DELETE FROM outcomes WHERE run_id = ?", [run_id])
            self.db.executemany(
                "INSERT INTO outcomes VALUES (?, ?, ?)", [(run_id, k, float(v)) for k, v in result["outcomes"].items()]
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def mark_failed(self, run_id: str, error: str) -> None:
        """Mark a run failed with its error (a Ctrl-C does not cut the write)."""
        with interrupts.deferred():
            self.db.execute("UPDATE runs SET status = 'failed', error = ? WHERE run_id = ?", [error[:2000], run_id])

    def record_analysis(self, experiment: str, kind: str, arguments: dict[str, Any], command: str) -> None:
        """Remember an analysis of an experiment (its arguments and the command that made it), for the report."""
        key = json.dumps(arguments, sort_keys=True, default=str)
        self.db.execute(
            "INSERT INTO analyses (experiment, kind, arguments, command) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET command = excluded.command, created = now()",
            [experiment, kind, key, command],
        )

    def analyses(self, experiment: str) -> list[dict[str, Any]]:
        """The analyses recorded for an experiment, in the order they were made."""
        rows = self.db.execute(
            "SELECT kind, arguments, command FROM analyses WHERE experiment = ? ORDER BY created", [experiment]
        ).fetchall()
        return [{"kind": k, "arguments": json.loads(a), "command": c} for k, a, c in rows]

    # --- reading -------------------------------------------------------------------------------------------
    def runs(self, experiment: str | None = None) -> pd.DataFrame:
        """The catalogue's runs (of one experiment, with its points and replicates; or all)."""
        if experiment is None:
            return self.db.execute("SELECT * FROM runs ORDER BY run_id").df()
        return self.db.execute(
            "SELECT e.experiment, e.point, e.replicate, r.* FROM experiment_runs e JOIN runs r USING (run_id) "
            "WHERE e.experiment = ? ORDER BY e.point, e.replicate",
            [experiment],
        ).df()

    def outcomes(self, experiment: str) -> pd.DataFrame:
        """One row per finished run: its point, replicate, seed, factor values and outcomes."""
        runs = self.db.execute(
            "SELECT r.run_id, e.point, e.replicate, r.seed, r.factor_values FROM experiment_runs e "
            "JOIN runs r USING (run_id) WHERE e.experiment = ? AND r.status = 'done'",
            [experiment],
        ).df()
        long = self.db.execute(
            "SELECT run_id, outcome, value FROM outcomes "
            "WHERE run_id IN (SELECT run_id FROM experiment_runs WHERE experiment = ?)",
            [experiment],
        ).df()
        if runs.empty:
            return runs.drop(columns="factor_values")
        wide = long.pivot(index="run_id", columns="outcome", values="value").reset_index()
        factors = pd.DataFrame([json.loads(v) for v in runs.pop("factor_values")], index=runs.index)
        table = pd.concat([runs, factors], axis=1).merge(wide, on="run_id")
        return table.sort_values(["point", "replicate"]).reset_index(drop=True)

    def done_runs(self, experiment: str, run_id: str | None = None) -> pd.DataFrame:
        """The finished runs of an experiment (or one run), with where their data lie: each run once
        (a run at two points of a sampled design under the first)."""
        query = (
            "SELECT r.run_id, e.point, e.replicate, r.scenario, r.seed, r.scale, r.factor_values, r.file, r.tables "
            "FROM experiment_runs e JOIN runs r USING (run_id) WHERE e.experiment = ? AND r.status = 'done'"
        )
        args: list[Any] = [experiment]
        if run_id is not None:
            query += " AND r.run_id = ?"
            args.append(run_id)
        query += " QUALIFY row_number() OVER (PARTITION BY r.run_id ORDER BY e.point, e.replicate) = 1"
        return self.db.execute(query + " ORDER BY e.point, e.replicate", args).df()

    def table_path(self, file: str, table: str) -> Path | None:
        """Where a run's table lies (None if the run did not keep it)."""
        path = self.folder / file
        if path.is_file():  # catalogue-schema 1: the run file is its time series
            return path if table == "timeseries" else None
        found = path / f"{table}.parquet"
        return found if found.is_file() else None

    def timeseries(self, experiment: str) -> pd.DataFrame:
        """Every finished run's time series, with its run id first."""
        frames = []
        for row in self.done_runs(experiment).itertuples():
            frame = pd.read_parquet(self.table_path(row.file, "timeseries"))
            if "run_id" not in frame.columns:
                frame.insert(0, "run_id", row.run_id)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
