"""The limits on what ngosim reads and where it writes, checked in one place (docs/reliability.md).

Input files are checked here as a whole before any field is looked at: their size, how deeply
they nest, and that every number in them is finite, so a field added later is covered too.
Names label outputs and are never paths; every output path is resolved and must lie inside the
folder it belongs to. This module imports nothing heavy, so the command line can use it first.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1_000_000  # a scenario, experiment or plan file (the shipped ones are under 20 kB)
MAX_DEPTH = 8  # tables and arrays within each other in one file
MAX_TEXT = 10_000  # characters in one text field (a description, a source)
MAX_EVENTS = 2_000  # dated events in one scenario, its parents' included
MAX_YEARS = 60  # simulated years from start to end
MAX_BRANCHES = 16  # scenarios in one chain of branch_from
MAX_SEED = 2**62  # replicate seeds (seed + r) stay within the catalogue's 64-bit integers
MAX_SAMPLES = 65_536
MAX_REPLICATES = 10_000
MAX_RUNS = 1_000_000

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
NAME_ALLOWED = "1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"


class LimitError(ValueError):
    """An input beyond a limit, or an output path that is not allowed: the field and what is allowed."""


def plain_name(name: Any) -> bool:
    """Whether a name can label outputs: a plain name, never a path."""
    return isinstance(name, str) and NAME_PATTERN.fullmatch(name) is not None and ".." not in name


def non_finite(data: Any, where: str = "", depth: int = 0) -> tuple[str, str] | None:
    """The first field (and what is wrong with it) that nests too deeply or holds a NaN or infinity."""
    if depth > MAX_DEPTH:
        return where or "file", f"nests more than {MAX_DEPTH} tables or arrays deep"
    if isinstance(data, float) and not math.isfinite(data):
        return where or "file", f"{data} is not a finite number"
    if isinstance(data, dict):
        items = ((f"{where}.{key}" if where else str(key), value) for key, value in data.items())
    elif isinstance(data, list):
        items = ((f"{where}[{i}]" if isinstance(v, dict | list) else where, v) for i, v in enumerate(data))
    else:
        return None
    for field, value in items:
        found = non_finite(value, field, depth + 1)
        if found is not None:
            return found
    return None


def one_line(text: str) -> str:
    """A message on one printable line: control characters and line separators (which may come from a
    file's keys or values) shown as escapes."""
    return "".join(
        char if char.isprintable() or char == " " else char.encode("unicode_escape").decode("ascii") for char in text
    )


def output_folder(path: Path, option: str) -> Path:
    """An output folder given on the command line: not '/', '.', '..' nor a file; returned resolved."""
    if path.name in ("", ".", ".."):
        raise LimitError(f"{option} {path}: names the root, '.' or '..' (allowed: a folder's own name, e.g. results/x)")
    resolved = path.resolve()
    if resolved == Path(resolved.anchor) or resolved in Path.cwd().resolve().parents:
        raise LimitError(f"{option} {path}: the root or a folder above this one (allowed: a new folder)")
    if resolved.exists() and not resolved.is_dir():
        raise LimitError(f"{option} {path}: exists and is not a folder (allowed: a new folder)")
    writable = next((p for p in (resolved, *resolved.parents) if p.exists()), None)
    if writable is None or not os.access(writable, os.W_OK | os.X_OK):
        raise LimitError(f"{option} {path}: {writable} cannot be written (permissions; allowed: a writable place)")
    return resolved


def inside(folder: Path, path: Path, field: str) -> Path:
    """`path` resolved, refused unless it lies inside `folder` (a name must never decide where outputs go)."""
    root = folder.resolve()
    resolved = path.resolve()
    if root != resolved.parent and root not in resolved.parents:
        raise LimitError(f"{field}: {str(path)!r} would lie outside {root} (allowed: {NAME_ALLOWED})")
    return resolved
