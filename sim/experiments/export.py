"""Writing runs out of a results store in the layout `ngosim run` writes (docs/outputs.md):

DIR/export.json            what was exported, from which store and experiment
DIR/runs.csv               one row per run: run_id, point, replicate, scenario, seed, scale, factor values
DIR/RUN_ID/                manifest.json and the run's tables (Parquet, or CSV with --csv)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from sim.experiments.limits import LimitError, inside, output_folder
from sim.experiments.runner import OutputError, file_sha256, run_folder
from sim.experiments.store import Store, StoreError

MARKER = "export.json"


def check_target(to: Path) -> None:
    """An export folder: new, empty, or an earlier export (a folder of anything else is refused)."""
    if to.exists() and not to.is_dir():
        raise OutputError(f"--to {to}: exists and is not a folder (allowed: a new folder, or an earlier export)")
    if to.is_dir() and any(to.iterdir()) and not (to / MARKER).is_file():
        raise OutputError(
            f"--to {to}: a folder that is not an ngosim export (no {MARKER}); nothing was changed "
            "(allowed: a new or empty folder, or an earlier export)"
        )
    try:
        output_folder(to, "--to")
    except LimitError as exc:
        raise OutputError(str(exc)) from None


def export(store: Store, experiment: str, to: Path, runs: list[str] | None = None, csv: bool = False) -> list[str]:
    """Write the experiment's finished runs (or the named ones) into `to`; returns their run ids."""
    check_target(to)
    done = store.done_runs(experiment)
    if runs:
        unknown = sorted(set(runs) - set(done["run_id"]))
        if unknown:
            raise StoreError(
                f"--run {', '.join(unknown)}: not a finished run of {experiment!r} "
                f"(allowed: {', '.join(done['run_id'][:10])}{' ...' if len(done) > 10 else ''})"
            )
        done = done[done["run_id"].isin(runs)]
    if done.empty:
        raise StoreError(f"experiment {experiment!r} has no finished runs to export")
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--to {to}: cannot be created ({exc.strerror})") from None
    for row in done.itertuples():
        source = store.folder / row.file
        with run_folder(inside(to, to / row.run_id, "run_id")) as folder:
            _copy_run(store, source, folder, row.run_id, csv)
    listing = done.drop(columns=["file"]).copy()
    factors = pd.DataFrame([json.loads(v) for v in listing.pop("factor_values")], index=listing.index)
    listing = pd.concat([listing, factors.add_prefix("factor_")], axis=1)
    listing.to_csv(to / "runs.csv", index=False)
    info = {"store": str(store.folder), "experiment": experiment, "runs": list(done["run_id"]), "csv": csv}
    (to / MARKER).write_text(json.dumps(info, indent=2) + "\n")
    return list(done["run_id"])


def _copy_run(store: Store, source: Path, folder: Path, run_id: str, csv: bool) -> None:
    """One run's tables into its export folder, with a manifest listing the exported files' checksums."""
    if source.is_file():  # a run file of catalogue-schema 1: the time series, its manifest in the metadata
        from sim.experiments.runner import read_provenance

        info = read_provenance(source)
        tables = {"timeseries": source}
    else:
        info = json.loads((source / "manifest.json").read_text())
        tables = {p.stem: p for p in sorted(source.glob("*.parquet"))}
    for name, path in tables.items():
        if csv:
            pd.read_parquet(path).to_csv(folder / f"{name}.csv", index=False)
        else:
            shutil.copyfile(path, folder / f"{name}.parquet")
    info["files"] = {p.name: file_sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}
    info["exported_from"] = {"store": str(store.folder), "run_id": run_id}
    (folder / "manifest.json").write_text(json.dumps(info, indent=2, default=str) + "\n")
