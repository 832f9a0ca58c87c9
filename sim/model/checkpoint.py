"""Snapshots of a model between steps, and the key that says which runs share a history.

Runs whose scenarios agree on everything that shapes the state before a date (start, step
length, parameters, levers at the start, the policy events dated before it, the UPR
schedule before it, seed and scale) reach the same state on that date, so one run of that
history can be saved once and resumed under each of them. The payload is a pickle of the
model's own objects: it is made and read only by this package, never from a user's file.

A checkpoint file (`write_checkpoint`, `read_checkpoint`) holds the pickle and, after it, the
model's arrays as raw bytes: reading maps the file and the arrays are made on its pages, so a
branch run that starts from it copies its state once (into its register's room) rather than
four times, and the run that saves it copies nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.model.calendar import Calendar
from sim.model.scenario import Scenario
from sim.model.un import upr_schedule

# Raise when the same scenario, seed and scale give other results or another state (a new way of
# drawing, a changed rule): runs and checkpoints stored by an older model are then not reused.
MODEL_VERSION = 2  # 2: common random numbers (sim/model/draws.py)


@dataclass(frozen=True)
class ModelCheckpoint:
    """A model's state between two steps, and the history it belongs to."""

    key: str  # history_key(...) of the state
    step: int  # the calendar step the resumed model runs next
    date: dt.date  # first day of that step
    payload: bytes | memoryview  # the model, pickled by NGOModel.checkpoint
    buffers: tuple[memoryview, ...] = ()  # the pickle's arrays, kept out of it (`NGOModel.checkpoint`)


FILE_MAGIC = b"ngosim checkpoint 1\n"
_ALIGN = 64  # each array starts on a multiple of this many bytes in the file
_LENGTH = struct.Struct("<Q")


def write_checkpoint(path: Path, checkpoint: ModelCheckpoint) -> None:
    """Write a checkpoint file: a header (key, step, date, sizes), the pickle, then each array aligned."""
    sizes = [buffer.nbytes for buffer in checkpoint.buffers]
    header = json.dumps(
        {"key": checkpoint.key, "step": checkpoint.step, "date": checkpoint.date.isoformat(), "buffers": sizes}
    ).encode()
    with open(path, "wb") as file:
        file.write(FILE_MAGIC + _LENGTH.pack(len(header)) + header + _LENGTH.pack(len(checkpoint.payload)))
        file.write(checkpoint.payload)
        for buffer in checkpoint.buffers:
            file.write(bytes(-file.tell() % _ALIGN))
            file.write(buffer)


def read_checkpoint(path: Path) -> ModelCheckpoint | None:
    """A checkpoint file mapped copy-on-write (the arrays made on it can be written; the file is not),
    or None if the file is not one (another format, or cut short)."""
    with open(path, "rb") as file:
        if os.fstat(file.fileno()).st_size < len(FILE_MAGIC) + _LENGTH.size:
            return None
        view = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY))
    if view[: len(FILE_MAGIC)] != FILE_MAGIC:
        return None
    try:
        at = len(FILE_MAGIC)
        (length,) = _LENGTH.unpack_from(view, at)
        header = json.loads(bytes(view[at + _LENGTH.size : at + _LENGTH.size + length]))
        at += _LENGTH.size + length
        (length,) = _LENGTH.unpack_from(view, at)
        payload = view[at + _LENGTH.size : at + _LENGTH.size + length]
        at += _LENGTH.size + length
        buffers = []
        for size in header["buffers"]:
            at += -at % _ALIGN
            buffers.append(view[at : at + size])
            at += size
        checkpoint = ModelCheckpoint(
            header["key"], header["step"], dt.date.fromisoformat(header["date"]), payload, tuple(buffers)
        )
    except (ValueError, KeyError, TypeError, struct.error):
        return None
    return checkpoint if at <= len(view) else None


def _plain(value: Any) -> Any:
    """A value as JSON-ready data with a fixed form (floats by repr, so equal keys mean equal numbers)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def history_key(scenario: Scenario, seed: int, scale: float, date: dt.date) -> str:
    """Equal keys mean runs of these scenarios reach identical states at `date`.

    A hash of the start, the step length, the parameters, the levers at the start, the policy
    events dated before `date` (in the order the model applies them), the UPR reviews and
    report gatherings before `date`'s step, the seed, the scale, and the end when it comes
    before `date`; the name, the description and anything dated later do not count.
    """
    calendar = Calendar(scenario.start, scenario.end, scenario.steps_per_year)
    before = calendar.step_of(date)
    _, submissions, reviews = upr_schedule(scenario.parameters, calendar)
    events = [e for e in sorted(scenario.events, key=lambda e: e.date) if e.date < date]
    content = {
        "version": MODEL_VERSION,
        "date": date,
        "start": scenario.start,
        "steps_per_year": scenario.steps_per_year,
        "parameters": scenario.parameters,
        "levers": scenario.levers,
        "events": events,
        "upr_submissions": sorted((s, r.state_mobilises) for s, r in submissions.items() if s < before),
        "upr_reviews": sorted((s, d) for s, d in reviews.items() if s < before),
        "seed": int(seed),
        "scale": float(scale),
        "end": scenario.end if scenario.end < date else None,
    }
    text = json.dumps(_plain(content), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
