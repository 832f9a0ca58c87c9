"""Command-line values shared by the `ngosim` commands: whole numbers in a range, and scenario files
named by path or by preset name. The commands' parsers (sim/cli.py and the commands' own
`add_arguments`) take their types from here, so every command checks a value the same way."""

from __future__ import annotations

import argparse
from pathlib import Path


def whole(text: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`, or an argparse error saying what is allowed."""
    allowed = f"allowed: a whole number from {low} to {high if high < 2**40 else '2**62'}"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({allowed})") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{value} is out of range ({allowed})")
    return value


def count(text: str) -> int:
    """A count of workers or replicates: a whole number from 1 to 10,000."""
    return whole(text, 1, 10_000)


def scenario_path(name: str) -> Path:
    """A scenario file by path, or by preset name (scenarios/NAME.toml)."""
    path = Path(name)
    if not path.exists() and path.suffix != ".toml" and Path("scenarios", f"{name}.toml").exists():
        return Path("scenarios", f"{name}.toml")
    return path
