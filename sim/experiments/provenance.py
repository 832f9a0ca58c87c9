"""Provenance: what produced an output (parameters, seed, versions, git commit, schema)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import mesa
import numpy as np

import sim
from sim.model.checkpoint import MODEL_VERSION
from sim.model.policy import PolicyEvent
from sim.model.scenario import Scenario

RESULTS_SCHEMA_VERSION = 1  # raise when the columns or files of a run change meaning


def git_state(where: Path | None = None) -> dict[str, Any]:
    """The commit of the checkout holding this package, and whether its tree was modified.

    Outside a git checkout (an installed wheel, a copied folder) the commit is "unknown".
    """
    where = where or Path(sim.__file__).resolve().parent.parent
    try:
        top = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10
        )
        if top.returncode != 0 or not (Path(top.stdout.strip()) / "sim").is_dir():
            return {"git_commit": "unknown", "git_modified": None}
        commit = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": "unknown", "git_modified": None}
    if commit.returncode != 0:
        return {"git_commit": "unknown", "git_modified": None}
    return {"git_commit": commit.stdout.strip(), "git_modified": bool(status.stdout.strip())}


def _event(event: PolicyEvent) -> dict[str, Any]:
    return {
        "date": event.date.isoformat(),
        "lever": event.lever,
        "domain": event.domain,
        "value": event.value,
        "shift": event.shift,
        "shift_parameter": event.shift_parameter,
        "description": event.description,
        "source": event.source,
    }


def manifest(
    scenario: Scenario, seed: int, scale: float, git: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything needed to reproduce a run, as plain JSON-ready values (`git`: the checkout's
    state if already known, else asked now)."""
    levers = scenario.levers.as_dict()
    return {
        "results_schema_version": RESULTS_SCHEMA_VERSION,
        "model_version": MODEL_VERSION,
        "package": "ngosim",
        "package_version": sim.__version__,
        **(git if git is not None else git_state()),
        "scenario": scenario.name,
        "scenario_file": scenario.source_file,
        "description": scenario.description,
        "start": scenario.start.isoformat(),
        "end": scenario.end.isoformat(),
        "steps_per_year": scenario.steps_per_year,
        "branch": None
        if scenario.branch is None
        else {
            "parent": scenario.branch.parent,
            "date": scenario.branch.date.isoformat(),
            "inherit_events_until": scenario.branch.inherit_until.isoformat(),
        },
        "scenario_fingerprint": fingerprint(scenario),
        "seed": int(seed),
        "scale": float(scale),
        "levers": levers,
        "events": [_event(e) for e in scenario.events],
        "parameters": scenario.parameters.as_dict(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **extra,
    }


def fingerprint(scenario: Scenario) -> str:
    """A hash of everything in a scenario that shapes its runs (not its name or file), and of the model's
    version, so that a store does not reuse runs an older model made."""
    content = {
        "start": scenario.start.isoformat(),
        "end": scenario.end.isoformat(),
        "steps_per_year": scenario.steps_per_year,
        "levers": scenario.levers.as_dict(),
        "events": [_event(e) for e in scenario.events],
        "parameters": scenario.parameters.as_dict(),
        "schema": RESULTS_SCHEMA_VERSION,
        "model": MODEL_VERSION,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
