"""Running one scenario: the model from start to end, its outputs, and a run folder on disk.

A run folder is written whole or not at all: everything goes into a hidden partial folder
beside it, which is renamed into place only when every file is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from sim.experiments import interrupts
from sim.experiments.limits import MAX_SEED, LimitError, output_folder
from sim.experiments.outcomes import summarise
from sim.experiments.provenance import manifest as make_manifest
from sim.model.model import NGOModel
from sim.model.scenario import Scenario

if TYPE_CHECKING:
    from sim.model.checkpoint import ModelCheckpoint

TABLES = ("timeseries", "events", "organisations")


class OutputError(LimitError):
    """A problem with where or how outputs are to be written (bad folder, bad snapshot date)."""


@dataclass
class RunResult:
    """A finished run's outputs, with the manifest that says how they were made."""

    manifest: dict[str, Any]
    timeseries: pd.DataFrame
    events: pd.DataFrame
    organisations: pd.DataFrame
    snapshots: dict[str, pd.DataFrame] = field(default_factory=dict)
    out: Path | None = None

    def summary(self) -> pd.DataFrame:
        """Key outcomes at the end of the run (and totals over it), one row each."""
        return summarise(self.timeseries)


def simulate(
    scenario: Scenario,
    seed: int,
    scale: float,
    start: ModelCheckpoint | NGOModel | None = None,
    on_step: Callable[[NGOModel], None] | None = None,
) -> NGOModel:
    """The one way a model is run to its end: from its start, from `start` as a checkpoint of a shared
    history, or on from `start` as the scenario's own model part way (a shared history this run ran
    itself); identical results every way. `on_step` is called after every step."""
    if start is None:
        model = NGOModel(scenario, seed=seed, scale=scale)
    elif isinstance(start, NGOModel):
        model = start
    else:
        model = NGOModel.resume(start, scenario)
    while not model.finished:
        model.step()
        if on_step is not None:
            on_step(model)
    return model


def check_snapshot_dates(scenario: Scenario, dates: Iterable[dt.date]) -> list[dt.date]:
    """Snapshot dates must fall within the run."""
    checked = sorted(set(dates))
    for day in checked:
        if not scenario.start <= day <= scenario.end:
            raise OutputError(
                f"--snapshot {day}: outside the run (allowed: a date from {scenario.start} to {scenario.end})"
            )
    return checked


def progress_bar(name: str, unit: str, disable: bool, leave: bool = True) -> tqdm:
    """A progress bar on stderr. Its lock is a thread lock, not tqdm's default process-shared semaphore,
    so a program that Ctrl-C ends at once (sim/cli.py) leaves no semaphore for Python to warn about."""
    tqdm.set_lock(threading.RLock())
    return tqdm(desc=name, unit=unit, disable=disable, leave=leave)


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    scale: float | None = None,
    out: str | Path | None = None,
    csv: bool = False,
    snapshots: Iterable[dt.date] = (),
    progress: bool = False,
) -> RunResult:
    """Run a scenario to its end; write a run folder if `out` is given.

    Snapshots of the whole register are taken at the end of the step holding each date;
    with `out` they go straight to disk (they can be large), otherwise they are returned.
    """
    where = "the scenario's" if scale is None else "--scale"
    seed = scenario.seed if seed is None else int(seed)
    scale = scenario.scale if scale is None else float(scale)
    if not 0 < scale <= 1:
        raise OutputError(f"{where} scale {scale}: out of range (allowed: a finite number in (0, 1])")
    if not 0 <= seed <= MAX_SEED:
        raise OutputError(f"--seed {seed}: out of range (allowed: a whole number from 0 to 2**62)")
    pending = check_snapshot_dates(scenario, snapshots)
    info = make_manifest(scenario, seed, scale)
    with run_folder(Path(out) if out is not None else None) as folder:
        kept: dict[str, pd.DataFrame] = {}
        bar = progress_bar(scenario.name, "step", disable=not progress, leave=False)

        def after_step(model: NGOModel) -> None:
            bar.total = model.calendar.n_steps
            bar.update()
            while pending and pending[0] <= model.calendar.step_end(model.now):
                day = pending.pop(0).isoformat()
                frame = model.snapshot()
                if folder is None:
                    kept[day] = frame
                else:
                    _write(frame, folder / "snapshots" / f"register-{day}", csv, info)

        started = dt.datetime.now()
        model = simulate(scenario, seed, scale, on_step=after_step)
        bar.close()
        info["wall_seconds"] = round((dt.datetime.now() - started).total_seconds(), 3)
        info["steps"] = model.calendar.n_steps
        result = RunResult(info, model.timeseries(), model.event_log(), model.organisations_table(), kept)
        if folder is not None:
            write_tables(folder, result, TABLES, csv)
            result.out = Path(out)
    return result


def write_tables(folder: Path, result: RunResult, tables: Iterable[str], csv: bool = False) -> Path:
    """Write a run's tables into its (partial) folder, then its manifest with every file's checksum:
    a run folder is intact when its manifest is there and every file matches it. Returns the manifest."""
    for name in tables:
        _write(getattr(result, name), folder / name, csv, result.manifest)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    result.manifest["files"] = {str(p.relative_to(folder)): file_sha256(p) for p in files}
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(result.manifest, indent=2, default=str) + "\n")
    return manifest


def _write(frame: pd.DataFrame, stem: Path, csv: bool, info: dict[str, Any]) -> None:
    """Write a table as Parquet (the manifest in its metadata) or CSV (the manifest beside it)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    if csv:
        frame.to_csv(stem.with_suffix(".csv"), index=False)
        return
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), b"ngosim": json.dumps(info, default=str).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), stem.with_suffix(".parquet"))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def intact(folder: Path) -> dict[str, Any] | None:
    """A run folder's manifest if every file it lists is there with its checksum, else None."""
    try:
        info = json.loads((folder / "manifest.json").read_text())
        files = info["files"]
        if all(file_sha256(folder / name) == sha for name, sha in files.items()):
            return info
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def read_provenance(path: str | Path) -> dict[str, Any]:
    """The manifest stored in a Parquet output's metadata."""
    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata[b"ngosim"])


@contextmanager
def run_folder(out: Path | None):
    """A hidden partial folder that becomes `out` only if everything inside was written.

    An existing `out` is replaced only if it is a run folder (it has a manifest.json) or empty:
    a folder of anything else is refused, so a user's files are never deleted."""
    if out is None:
        yield None
        return
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder (allowed: a new folder, or a run folder)")
    out = output_folder(out, "--out")
    if out.is_dir() and not (out / "manifest.json").is_file() and any(out.iterdir()):
        raise OutputError(
            f"--out {out}: a folder that is not an ngosim run folder (no manifest.json); nothing was changed "
            "(allowed: a new or empty folder, or a run folder to replace)"
        )
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    _remove_stale(out)
    try:
        partial.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot be created ({exc.strerror})") from None
    try:
        yield partial
        interrupts.check()  # a Ctrl-C that a library swallowed still keeps the half-done folder out
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            partial.rename(out)
            shutil.rmtree(old)
        else:
            partial.rename(out)
    finally:
        if partial.exists():
            shutil.rmtree(partial)


def _remove_stale(out: Path) -> None:
    """Remove partial and old copies of `out` left by processes that no longer run (killed mid-write)."""
    for stale in [*out.parent.glob(f".{out.name}.partial-*"), *out.parent.glob(f".{out.name}.old-*")]:
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != 0
