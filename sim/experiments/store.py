"""The results store: one Parquet file per finished run, catalogued in a DuckDB file.

    STORE/catalogue.duckdb        experiments, runs (status, seed, values, file checksum), outcomes
    STORE/runs/RUN_ID.parquet     the run's quarterly time series, its manifest in the metadata

Only the process that runs the sweep writes the catalogue; workers write run files, each
atomically (a temporary name, then a rename). A run counts as done only when the catalogue
says so and its file is present with the recorded checksum; anything else is run again.
A catalogue that cannot be opened, or was written by another results-schema version, is an
error that changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from sim.experiments.experiment import Experiment, RunSpec
from sim.experiments.provenance import RESULTS_SCHEMA_VERSION
from sim.experiments.runner import file_sha256

CATALOGUE = "catalogue.duckdb"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS experiments (
    name VARCHAR PRIMARY KEY, definition JSON, created TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, experiment VARCHAR, point INTEGER, replicate INTEGER,
    seed BIGINT, scale DOUBLE, factor_values JSON, status VARCHAR, file VARCHAR, sha256 VARCHAR,
    rows INTEGER, wall_seconds DOUBLE, git_commit VARCHAR, package_version VARCHAR, finished TIMESTAMP,
    error VARCHAR
);
CREATE TABLE IF NOT EXISTS outcomes (run_id VARCHAR, outcome VARCHAR, value DOUBLE, PRIMARY KEY (run_id, outcome));
"""


class StoreError(RuntimeError):
    """The store's catalogue cannot be used: damaged, not a catalogue, or of another schema."""


class Store:
    """A results store folder; open it with `Store(folder)` (created if new)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / CATALOGUE
        self.runs_dir = self.folder / "runs"
        new = not self.path.exists()
        if new:
            self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.db = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path}: the catalogue is damaged or not a DuckDB file ({exc}); nothing was changed"
            ) from None
        try:
            if new:
                self.db.execute(SCHEMA)
                self.db.execute("INSERT INTO meta VALUES ('results_schema_version', ?)", [str(RESULTS_SCHEMA_VERSION)])
            self._check_schema()
        except duckdb.Error as exc:
            self.db.close()
            raise StoreError(f"{self.path}: the catalogue cannot be read ({exc}); nothing was changed") from None
        self.runs_dir.mkdir(exist_ok=True)

    def _check_schema(self) -> None:
        tables = {row[0] for row in self.db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"meta", "experiments", "runs", "outcomes"} <= tables:
            self.db.close()
            raise StoreError(f"{self.path}: not an ngosim catalogue (tables {sorted(tables)}); nothing was changed")
        found = self.db.execute("SELECT value FROM meta WHERE key = 'results_schema_version'").fetchone()
        if found is None or found[0] != str(RESULTS_SCHEMA_VERSION):
            self.db.close()
            version = found[0] if found else "none"
            raise StoreError(
                f"{self.path}: catalogue has results-schema version {version}, this ngosim writes "
                f"{RESULTS_SCHEMA_VERSION} (allowed: a new store folder, or the ngosim that wrote it); nothing was changed"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- planning ----------------------------------------------------------------------------------
    def plan(self, experiment: Experiment, specs: Iterable[RunSpec]) -> None:
        """Record the experiment and its runs (runs already known keep their status)."""
        definition = json.dumps(experiment.definition(), default=str)
        existing = self.db.execute("SELECT definition FROM experiments WHERE name = ?", [experiment.name]).fetchone()
        if existing is None:
            self.db.execute("INSERT INTO experiments (name, definition) VALUES (?, ?)", [experiment.name, definition])
        elif json.loads(existing[0]) != json.loads(definition):
            raise StoreError(
                f"{self.path}: an experiment named {experiment.name!r} with another definition is already here "
                "(allowed: the same definition, another name, or another store); nothing was changed"
            )
        rows = [
            (
                s.run_id,
                experiment.name,
                s.point,
                s.replicate,
                s.seed,
                s.scale,
                json.dumps(s.values, default=str),
                "pending",
            )
            for s in specs
        ]
        self.db.executemany(
            "INSERT INTO runs (run_id, experiment, point, replicate, seed, scale, factor_values, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            rows,
        )

    def todo(self, specs: list[RunSpec]) -> list[RunSpec]:
        """The runs that still need running: not done, or done but with a missing or damaged file."""
        done = {
            run_id: (file, sha)
            for run_id, file, sha in self.db.execute(
                "SELECT run_id, file, sha256 FROM runs WHERE status = 'done'"
            ).fetchall()
        }
        todo = []
        for spec in specs:
            entry = done.get(spec.run_id)
            if entry is None or not self._intact(entry[0], entry[1]):
                todo.append(spec)
        return todo

    def _intact(self, file: str | None, sha: str | None) -> bool:
        path = self.folder / (file or "")
        return bool(file) and path.is_file() and file_sha256(path) == sha

    def run_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.parquet"

    # --- recording ---------------------------------------------------------------------------------
    def record(self, result: dict[str, Any]) -> None:
        """Mark a run done with its file's checksum, and keep its outcomes (one transaction)."""
        run_id = result["run_id"]
        self.db.execute("BEGIN TRANSACTION")
        try:
            self.db.execute(
                "UPDATE runs SET status = 'done', file = ?, sha256 = ?, rows = ?, wall_seconds = ?, git_commit = ?, "
                "package_version = ?, finished = current_timestamp, error = NULL WHERE run_id = ?",
                [
                    result["file"],
                    result["sha256"],
                    result["rows"],
                    result["wall_seconds"],
                    result["git_commit"],
                    result["package_version"],
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
        self.db.execute("UPDATE runs SET status = 'failed', error = ? WHERE run_id = ?", [error[:2000], run_id])

    # --- reading -----------------------------------------------------------------------------------
    def runs(self, experiment: str | None = None) -> pd.DataFrame:
        """The catalogue's runs (of one experiment, or all)."""
        where, args = ("WHERE experiment = ?", [experiment]) if experiment else ("", [])
        return self.db.execute(f"SELECT * FROM runs {where} ORDER BY point, replicate", args).df()

    def outcomes(self, experiment: str) -> pd.DataFrame:
        """One row per finished run: its point, replicate, seed, factor values and outcomes."""
        runs = self.db.execute(
            "SELECT run_id, point, replicate, seed, factor_values FROM runs WHERE experiment = ? AND status = 'done'",
            [experiment],
        ).df()
        long = self.db.execute(
            "SELECT o.run_id, o.outcome, o.value FROM outcomes o JOIN runs r USING (run_id) WHERE r.experiment = ?",
            [experiment],
        ).df()
        wide = long.pivot(index="run_id", columns="outcome", values="value").reset_index()
        factors = pd.DataFrame([json.loads(v) for v in runs.pop("factor_values")], index=runs.index)
        table = pd.concat([runs, factors], axis=1).merge(wide, on="run_id")
        return table.sort_values(["point", "replicate"]).reset_index(drop=True)

    def timeseries(self, experiment: str) -> pd.DataFrame:
        """Every finished run's time series, with its run id (read through DuckDB)."""
        done = self.db.execute(
            "SELECT file FROM runs WHERE experiment = ? AND status = 'done' ORDER BY point, replicate", [experiment]
        ).fetchall()
        files = [str(self.folder / f) for (f,) in done]
        if not files:
            return pd.DataFrame()
        return duckdb.read_parquet(files).df()
