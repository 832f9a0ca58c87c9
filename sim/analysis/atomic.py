"""Atomic file writes: a temporary file in the destination's folder, then os.replace, so no partial file appears."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MODE = 0o644


def atomic_write(path: Path | str, data: bytes) -> Path:
    """Write bytes to path so that readers see either the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, MODE)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
