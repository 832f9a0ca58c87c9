"""The calibration plan (TOML, e.g. scenarios/calibration.toml): read it, check every field, and
say which targets a stage fits or a criterion judges.

A plan names the scenario, the file the calibrated parameters go to, the stages of the search,
the check's replicates and scale, and the acceptance criteria the check is held to. Errors name
the file, the field and what is allowed (sim.experiments.scenario_file.Checker).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.limits import MAX_REPLICATES, MAX_RUNS
from sim.experiments.scenario_file import Checker, read_toml
from sim.experiments.targets import load_targets
from sim.model.parameters import Parameters

QUANTITIES = ("registered", "unregistered", "internationalised", "ecosoc_status", "ecosoc_share", "upr_submissions")
SAMPLERS = ("tpe", "cmaes")
PLAN_KEYS = ("scenario", "output", "seed", "stages", "check", "criteria")
STAGE_KEYS = (
    "name",
    "quantities",
    "parameters",
    "sampler",
    "scale",
    "end",
    "replicates",
    "budget",
    "patience",
    "finalists",
    "finalist_replicates",
    "tolerance",
)
CHECK_KEYS = ("replicates", "scale")
# a criterion's test and the keys it takes besides `label`, `targets` and `test`
CRITERION_TESTS = {
    "within": ("bound",),  # every selected target's relative error within +-bound
    "between": ("low", "high"),  # every selected target's model mean in [low, high] x the check's scale
}
CRITERION_KEYS = ("label", "targets", "role", "test", "bound", "low", "high")
CRITERION_ROLES = ("fit", "validation")  # which targets a criterion judges: the fitted ones, or held-out ones


@dataclass(frozen=True)
class Stage:
    """One stage: which parameters to search, against which quantities, at which scale."""

    name: str
    quantities: tuple[str, ...]  # a quantity ("registered") or a quantity and kind ("ecosoc_status/world")
    parameters: dict[str, tuple[float, float]]
    sampler: str = "tpe"
    scale: float = 1.0
    end: dt.date = dt.date(2014, 12, 31)
    replicates: int = 2
    budget: int = 40
    patience: int = 15
    finalists: int = 1  # the best trials re-run on fresh seeds before one is chosen (1: take the best)
    finalist_replicates: int = 10
    tolerance: float | None = None  # errors beyond it cost more (targets.loss)


@dataclass(frozen=True)
class Criterion:
    """One acceptance criterion of the check: a test of the targets a selector names (fitted or held out)."""

    label: str
    targets: str  # a quantity, quantity/kind, or a target key quantity/kind/date
    test: str  # one of CRITERION_TESTS
    bound: float | None = None  # within: the largest relative error allowed
    low: float | None = None  # between: the model mean's bounds at 1:1, thinned by the check's scale
    high: float | None = None
    role: str = "fit"  # the targets judged: fitted ones, or held-out ones (checked, never fitted)


@dataclass(frozen=True)
class Plan:
    """A checked calibration plan."""

    scenario_file: str
    output_file: str
    seed: int
    stages: tuple[Stage, ...]
    check_replicates: int = 20
    check_scale: float = 1.0
    source_file: str = ""
    criteria: tuple[Criterion, ...] = ()


def selectors(targets: pd.DataFrame) -> tuple[str, ...]:
    """Every way targets can be named: a quantity, a quantity/kind, or a target's key."""
    kinds = sorted(set(targets["quantity"] + "/" + targets["kind"]))
    return (*QUANTITIES, *kinds, *targets["key"])


def select(targets: pd.DataFrame, names: tuple[str, ...] | list[str]) -> pd.Series:
    """Which targets (rows) any of `names` (quantities, quantity/kind, keys) selects."""
    kind = targets["quantity"] + "/" + targets["kind"]
    return targets["quantity"].isin(names) | kind.isin(names) | targets["key"].isin(names)


def stage_targets(stage: Stage) -> pd.DataFrame:
    """The fitted targets of a stage: its quantities, dated within the stage's run."""
    targets = load_targets()
    chosen = (targets["role"] == "fit") & select(targets, stage.quantities)
    return targets[chosen & (pd.to_datetime(targets["date"]) <= pd.Timestamp(stage.end))]


def load_plan(path: str | Path) -> Plan:
    """Read and check a calibration plan; errors name the file, the field and what is allowed."""
    path = Path(path)
    data = read_toml(path)
    check = Checker(path)
    check.keys(data, PLAN_KEYS, "")
    for key in ("scenario", "output", "stages"):
        if key not in data:
            check.fail(key, "missing", "see docs/calibration.md")
    scenario_file = path.parent / check.text(data["scenario"], "scenario")
    if not scenario_file.is_file():
        check.fail("scenario", f"no such file: {scenario_file}", "a scenario file, relative to the plan")
    output = check.text(data["output"], "output")
    if Path(output).name != output or not output.endswith(".toml"):
        check.fail("output", f"{output!r} is not a file name beside the plan", "a name such as calibrated.toml")
    if not isinstance(data["stages"], list) or not data["stages"]:
        check.fail("stages", "expected an array of tables [[stages]]", "one or more [[stages]]")
    stages = tuple(_stage(check, i, table) for i, table in enumerate(data["stages"]))
    checking = data.get("check", {})
    if not isinstance(checking, dict):
        check.fail("check", "expected a table", ", ".join(CHECK_KEYS))
    check.keys(checking, CHECK_KEYS, "check.")
    replicates = _count(check, checking.get("replicates", 20), "check.replicates", MAX_REPLICATES)
    criteria = data.get("criteria", [])
    if not isinstance(criteria, list):
        check.fail("criteria", "expected an array of tables [[criteria]]", "zero or more [[criteria]]")
    return Plan(
        scenario_file=str(scenario_file),
        output_file=str(path.parent / output),
        seed=check.seed(data.get("seed", 1)),
        stages=stages,
        check_replicates=replicates,
        check_scale=check.number(checking.get("scale", 1.0), "check.scale", 0, 1, low_open=True),
        source_file=str(path),
        criteria=tuple(_criterion(check, i, table) for i, table in enumerate(criteria)),
    )


def _count(check: Checker, value: Any, field: str, most: int) -> int:
    """A count of trials or replicates: a whole number from 1 to `most` (limits checked before any trial)."""
    allowed = f"a whole number from 1 to {most:,}"
    number = check.integer(value, field, allowed)
    if not 1 <= number <= most:
        check.fail(field, f"{number} is out of range", allowed)
    return number


def _stage(check: Checker, i: int, table: Any) -> Stage:
    where = f"stages[{i}]."
    if not isinstance(table, dict):
        check.fail(f"stages[{i}]", "expected a table", "name, quantities, parameters, ...")
    check.keys(table, STAGE_KEYS, where)
    for key in ("name", "quantities", "parameters"):
        if key not in table:
            check.fail(f"{where}{key}", "missing", "see docs/calibration.md")
    quantities = table["quantities"]
    if not isinstance(quantities, list) or not quantities:
        check.fail(f"{where}quantities", "expected a non-empty list", ", ".join(QUANTITIES))
    targets = load_targets()
    allowed = (*QUANTITIES, *sorted(set(targets["quantity"] + "/" + targets["kind"])))
    quantities = tuple(check.choice(q, f"{where}quantities", allowed) for q in quantities)
    ranges = table["parameters"]
    if not isinstance(ranges, dict) or not ranges:
        check.fail(
            f"{where}parameters", "expected a table of name = [low, high]", "parameters of sim/model/parameters.py"
        )
    parameters = {}
    for name, bounds in ranges.items():
        field = f"{where}parameters.{name}"
        check.choice(name, field, tuple(Parameters.names()))
        spec = Parameters.spec(name)
        if not isinstance(bounds, list) or len(bounds) != 2:
            check.fail(field, "expected [low, high]", f"two numbers within [{spec['low']}, {spec['high']}]")
        low = check.number(bounds[0], field, spec["low"], spec["high"])
        high = check.number(bounds[1], field, spec["low"], spec["high"])
        if not low < high:
            check.fail(field, f"low {low} is not below high {high}", "[low, high] with low < high")
        parameters[name] = (low, high)
    defaults = {"replicates": 2, "budget": 40, "patience": 15, "finalists": 1, "finalist_replicates": 10}
    most = {"replicates": MAX_REPLICATES, "finalist_replicates": MAX_REPLICATES}
    counts = {
        key: _count(check, table.get(key, default), f"{where}{key}", most.get(key, MAX_RUNS))
        for key, default in defaults.items()
    }
    return Stage(
        name=check.text(table["name"], f"{where}name"),
        quantities=quantities,
        parameters=parameters,
        sampler=check.choice(table.get("sampler", "tpe"), f"{where}sampler", SAMPLERS),
        scale=check.number(table.get("scale", 1.0), f"{where}scale", 0, 1, low_open=True),
        end=check.date(table.get("end", dt.date(2014, 12, 31)), f"{where}end"),
        tolerance=check.number(table["tolerance"], f"{where}tolerance", 0, 1) if "tolerance" in table else None,
        **counts,
    )


def _criterion(check: Checker, i: int, table: Any) -> Criterion:
    where = f"criteria[{i}]."
    if not isinstance(table, dict):
        check.fail(f"criteria[{i}]", "expected a table", ", ".join(CRITERION_KEYS))
    check.keys(table, CRITERION_KEYS, where)
    for key in ("label", "targets", "test"):
        if key not in table:
            check.fail(f"{where}{key}", "missing", "see docs/calibration.md")
    test = check.choice(table["test"], f"{where}test", tuple(CRITERION_TESTS))
    needed = CRITERION_TESTS[test]
    for key in ("bound", "low", "high"):
        if key in needed and key not in table:
            check.fail(f"{where}{key}", f"missing (test {test!r} takes {' and '.join(needed)})")
        if key not in needed and key in table:
            check.fail(f"{where}{key}", f"not used by test {test!r}", ", ".join(("label", "targets", "test", *needed)))
    role = check.choice(table.get("role", "fit"), f"{where}role", CRITERION_ROLES)
    judged = load_targets()
    judged = judged[judged["role"] == role]
    names = check.text(table["targets"], f"{where}targets")
    if names not in selectors(judged):
        kinds = sorted(set(judged["quantity"] + "/" + judged["kind"]))
        check.fail(
            f"{where}targets",
            f"{names!r} names no target of role {role!r}",
            f"{', '.join(sorted(set(judged['quantity'])))}, {', '.join(kinds)}, or a key such as {judged['key'].iloc[0]}",
        )
    values: dict[str, float] = {}
    if test == "within":
        values["bound"] = check.number(table["bound"], f"{where}bound", 0, 10, low_open=True)
    else:
        values["low"] = check.number(table["low"], f"{where}low", 0, math.inf)
        values["high"] = check.number(table["high"], f"{where}high", 0, math.inf)
        if not values["low"] <= values["high"]:
            check.fail(f"{where}low", f"low {values['low']} is above high {values['high']}", "low <= high")
    return Criterion(label=check.text(table["label"], f"{where}label"), targets=names, test=test, role=role, **values)
