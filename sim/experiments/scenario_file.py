"""Scenario files (TOML): read, check every field, and build the Scenario the model takes.

Scenario files are data: they are parsed with the standard library's TOML reader and never
executed. Every problem is reported as a ScenarioError naming the file, the field and what
is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

from sim.experiments.limits import (
    MAX_BRANCHES,
    MAX_EVENTS,
    MAX_FILE_BYTES,
    MAX_SEED,
    MAX_TEXT,
    MAX_YEARS,
    NAME_ALLOWED,
    non_finite,
    plain_name,
)
from sim.model.calendar import STEPS_PER_YEAR_ALLOWED
from sim.model.domain import NUMERIC_LEVERS, PD_TARGETING, issue_domains
from sim.model.parameters import Parameters
from sim.model.policy import Levers, PolicyEvent
from sim.model.scenario import Branch, Scenario

TOP_KEYS = {
    "name": f"a short name: {NAME_ALLOWED}",
    "description": "free text",
    "start": "a date, the first of a month",
    "end": "a date after start",
    "steps_per_year": f"one of {list(STEPS_PER_YEAR_ALLOWED)}",
    "seed": "a whole number from 0 to 2**62",
    "scale": "a number in (0, 1]",
    "levers": "a table of lever values",
    "events": "an array of tables [[events]]",
    "parameters": "a table of parameter values",
    "parameters_file": "a TOML file of parameter values, relative to this file",
    "branch_from": "the parent scenario file, relative to this file",
    "branch_date": "the date the branch leaves its parent",
    "inherit_events_until": "the parent's events up to this date are kept",
}
BRANCH_ONLY = ("branch_from", "branch_date", "inherit_events_until")
EVENT_KEYS = ("date", "lever", "value", "shift", "domain", "description", "source")
LEVER_KEYS = (*NUMERIC_LEVERS, "pd_targeting", "registration_easing_by_domain")


class ScenarioError(ValueError):
    """A problem in a scenario file: which file, which field, what is wrong, what is allowed."""

    def __init__(self, path: Path | str, field: str, problem: str, allowed: str = "") -> None:
        self.path, self.field, self.problem, self.allowed = str(path), field, problem, allowed
        message = f"{path}: field '{field}': {problem}"
        if allowed:
            message += f" (allowed: {allowed})"
        super().__init__(message)


class Checker:
    """Checks of values taken from one file, each raising a ScenarioError that names the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str, allowed: str = "") -> None:
        raise ScenarioError(self.path, field, problem, allowed)

    def keys(self, table: dict[str, Any], allowed: tuple[str, ...] | list[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.fail(f"{where}{key}", "unknown key", ", ".join(allowed))

    def number(self, value: Any, field: str, low: float, high: float, *, low_open: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(field, f"expected a number, got {type(value).__name__} {value!r}", f"a number in [{low}, {high}]")
        if not math.isfinite(value):
            self.fail(field, f"{value} is not a finite number", f"a number in [{low}, {high}]")
        bad_low = value <= low if low_open else value < low
        if bad_low or value > high:
            bracket = "(" if low_open else "["
            self.fail(field, f"{value} is out of range", f"a number in {bracket}{low}, {high}]")
        return float(value)

    def integer(self, value: Any, field: str, allowed: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"expected a whole number, got {type(value).__name__} {value!r}", allowed)
        return int(value)

    def seed(self, value: Any) -> int:
        seed = self.integer(value, "seed", TOP_KEYS["seed"])
        if not 0 <= seed <= MAX_SEED:
            self.fail("seed", f"{seed} is out of range", TOP_KEYS["seed"])
        return seed

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            self.fail(field, f"expected text, got {type(value).__name__} {value!r}", "a quoted string")
        if len(value) > MAX_TEXT:
            self.fail(field, f"{len(value):,} characters", f"at most {MAX_TEXT:,} characters")
        return value

    def name(self, value: Any, field: str = "name") -> str:
        """A name that labels outputs: never a path (no '/', '..', spaces or control characters)."""
        name = self.text(value, field)
        if not plain_name(name):
            self.fail(field, f"{name!r} is not a plain name", NAME_ALLOWED)
        return name

    def date(self, value: Any, field: str) -> dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.fail(field, f"expected a date, got {type(value).__name__} {value!r}", "a TOML date such as 2016-01-01")
        return value

    def choice(self, value: Any, field: str, options: tuple[str, ...]) -> str:
        if value not in options:
            self.fail(field, f"{value!r} is not one of the options", ", ".join(options))
        return value


def read_toml(path: Path, field: str = "file", origin: Path | None = None) -> dict[str, Any]:
    """A TOML file's data, checked as a whole first: its size, its nesting, every number finite."""
    if not path.is_file():
        raise ScenarioError(origin or path, field, f"no such file: {path}", "an existing .toml file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(path, "file", f"{size:,} bytes", f"a file of at most {MAX_FILE_BYTES:,} bytes")
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "file", f"not valid TOML: {exc}", "TOML syntax (toml.io)") from None
    except RecursionError:
        raise ScenarioError(path, "file", "nests too deeply to read", "tables and arrays a few levels deep") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "file", f"cannot be read: {exc}", "a readable UTF-8 text file") from None
    found = non_finite(data)
    if found is not None:
        raise ScenarioError(path, found[0], found[1], "finite numbers, tables and arrays a few levels deep")
    return data


def _parameters(check: Checker, table: Any, base: Parameters, where: str) -> Parameters:
    if not isinstance(table, dict):
        check.fail(where.rstrip("."), "expected a table", "a TOML table of parameter = number")
    names = Parameters.names()
    check.keys(table, names, where)
    values = {}
    for name, value in table.items():
        spec = Parameters.spec(name)
        values[name] = check.number(value, f"{where}{name}", spec["low"], spec["high"])
    return dataclasses.replace(base, **values)


def _levers(check: Checker, table: Any, base: Levers) -> dict[str, Any]:
    """Lever values from a [levers] table, checked; returns the fields to change."""
    if not isinstance(table, dict):
        check.fail("levers", "expected a table", ", ".join(LEVER_KEYS))
    check.keys(table, LEVER_KEYS, "levers.")
    changes: dict[str, Any] = {}
    for name, value in table.items():
        if name == "pd_targeting":
            changes[name] = check.choice(value, "levers.pd_targeting", PD_TARGETING)
        elif name == "registration_easing_by_domain":
            if not isinstance(value, dict):
                check.fail("levers.registration_easing_by_domain", "expected a table", "domain = number")
            domains = issue_domains().names
            check.keys(value, domains, "levers.registration_easing_by_domain.")
            changes[name] = {
                d: check.number(v, f"levers.registration_easing_by_domain.{d}", 0, 1) for d, v in value.items()
            }
        else:
            changes[name] = check.number(value, f"levers.{name}", 0, 1)
    return changes


def _events(check: Checker, items: Any, params: Parameters, first: dt.date, last: dt.date) -> list[PolicyEvent]:
    if not isinstance(items, list):
        check.fail("events", "expected an array of tables [[events]]", ", ".join(EVENT_KEYS))
    if len(items) > MAX_EVENTS:
        check.fail("events", f"{len(items):,} events", f"at most {MAX_EVENTS:,} events in one scenario")
    events = []
    domains = issue_domains().names
    for i, item in enumerate(items):
        where = f"events[{i}]."
        if not isinstance(item, dict):
            check.fail(f"events[{i}]", "expected a table", ", ".join(EVENT_KEYS))
        check.keys(item, EVENT_KEYS, where)
        for required in ("date", "lever"):
            if required not in item:
                check.fail(f"{where}{required}", "missing", TOP_KEYS.get(required, "required"))
        date = check.date(item["date"], f"{where}date")
        if not first <= date <= last:
            check.fail(f"{where}date", f"{date} is outside the run", f"a date from {first} to {last}")
        lever = check.choice(item["lever"], f"{where}lever", (*NUMERIC_LEVERS, "pd_targeting"))
        if ("value" in item) == ("shift" in item):
            check.fail(
                f"{where}value", "give exactly one of 'value' and 'shift'", "value = new level, or shift = a change"
            )
        domain = None
        if "domain" in item:
            if lever != "registration_easing":
                check.fail(
                    f"{where}domain", "only registration_easing can be set per domain", "lever = 'registration_easing'"
                )
            domain = check.choice(item["domain"], f"{where}domain", domains)
        value = shift = shift_parameter = None
        if lever == "pd_targeting":
            if "value" not in item:
                check.fail(f"{where}shift", "pd_targeting takes a value, not a shift", ", ".join(PD_TARGETING))
            value = check.choice(item["value"], f"{where}value", PD_TARGETING)
        elif "value" in item:
            value = check.number(item["value"], f"{where}value", 0, 1)
        elif isinstance(item["shift"], str):
            shift_parameter = check.choice(item["shift"], f"{where}shift", tuple(Parameters.names()))
            shift = check.number(getattr(params, shift_parameter), f"{where}shift ({shift_parameter})", -1, 1)
        else:
            shift = check.number(item["shift"], f"{where}shift", -1, 1)
        events.append(
            PolicyEvent(
                date=date,
                lever=lever,
                value=value,
                shift=shift,
                domain=domain,
                description=check.text(item.get("description", ""), f"{where}description"),
                source=check.text(item.get("source", ""), f"{where}source"),
                shift_parameter=shift_parameter,
            )
        )
    return events


def load_scenario(
    path: str | Path, parameters: dict[str, float] | None = None, _chain: tuple[Path, ...] = ()
) -> Scenario:
    """Read a scenario file (and its parent, for a branch) into a checked Scenario.

    `parameters` override the file's parameter values (for calibration and sweeps); they are
    checked against their ranges too.
    """
    path = Path(path)
    data = read_toml(path)
    check = Checker(path)
    check.keys(data, list(TOP_KEYS), "")
    if "branch_from" in data:
        return _load_branch(check, path, data, parameters, _chain)
    for key in ("branch_date", "inherit_events_until"):
        if key in data:
            check.fail(key, "only a branch scenario (with branch_from) can set this", "branch_from = 'history.toml'")
    if "name" not in data:
        check.fail("name", "missing", TOP_KEYS["name"])
    start = check.date(data.get("start", dt.date(1995, 1, 1)), "start")
    if start.day != 1:
        check.fail("start", f"{start} is not the first day of a month", "a date such as 1995-01-01")
    end = check.date(data.get("end", dt.date(2024, 12, 31)), "end")
    if end <= start:
        check.fail("end", f"{end} is not after start {start}", f"a date after {start}")
    _span(check, start, end)
    steps_per_year = check.integer(data.get("steps_per_year", 4), "steps_per_year", TOP_KEYS["steps_per_year"])
    if steps_per_year not in STEPS_PER_YEAR_ALLOWED:
        check.fail("steps_per_year", f"{steps_per_year} is not allowed", TOP_KEYS["steps_per_year"])
    params = Parameters()
    if "parameters_file" in data:
        file_path = path.parent / check.text(data["parameters_file"], "parameters_file")
        table = read_toml(file_path, "parameters_file", origin=path)
        params = _parameters(Checker(file_path), table.get("parameters", table), params, "parameters.")
    if "parameters" in data:
        params = _parameters(check, data["parameters"], params, "parameters.")
    if parameters:
        params = _parameters(Checker(Path("<overrides>")), parameters, params, "")
    settings = _levers(check, data.get("levers", {}), Levers())
    settings["easing_by_domain"] = settings.pop("registration_easing_by_domain", {})
    levers = Levers(**settings)
    events = _events(check, data.get("events", []), params, start, end)
    return Scenario(
        name=check.name(data["name"]),
        start=start,
        end=end,
        steps_per_year=steps_per_year,
        levers=levers,
        events=tuple(events),
        parameters=params,
        seed=check.seed(data.get("seed", 1)),
        scale=check.number(data.get("scale", 1.0), "scale", 0, 1, low_open=True),
        description=check.text(data.get("description", ""), "description"),
        source_file=str(path),
    )


def _load_branch(
    check: Checker, path: Path, data: dict[str, Any], parameters: dict[str, float] | None, chain: tuple[Path, ...]
) -> Scenario:
    """A branch: the parent's run to `branch_date`, its events to `inherit_events_until`, then its own regime."""
    for key in ("start", "steps_per_year", "parameters", "parameters_file"):
        if key in data:
            check.fail(
                key,
                "a branch takes this from its parent, so the shared history is the same",
                "set it in the parent file",
            )
    for key in BRANCH_ONLY[1:]:
        if key not in data:
            check.fail(key, "missing", TOP_KEYS[key])
    parent_path = path.parent / check.text(data["branch_from"], "branch_from")
    if parent_path.resolve() == path.resolve():
        check.fail("branch_from", "a scenario cannot branch from itself", "another scenario file")
    if not parent_path.is_file():
        check.fail("branch_from", f"no such file: {parent_path}", "an existing scenario file")
    chain = (*chain, path.resolve())
    if len(chain) >= MAX_BRANCHES:
        check.fail("branch_from", f"a chain of more than {MAX_BRANCHES} branches", f"at most {MAX_BRANCHES} files")
    if parent_path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent_path.resolve()))
        check.fail(
            "branch_from",
            f"branches form a cycle: {cycle}",
            "a chain of branches ending in a scenario without branch_from",
        )
    parent = load_scenario(parent_path, parameters, chain)
    branch_date = check.date(data["branch_date"], "branch_date")
    if not parent.start < branch_date <= parent.end:
        check.fail(
            "branch_date",
            f"{branch_date} is outside the parent's run",
            f"a date after {parent.start}, up to {parent.end}",
        )
    inherit = check.date(data["inherit_events_until"], "inherit_events_until")
    if inherit < branch_date:
        check.fail(
            "inherit_events_until", f"{inherit} is before branch_date {branch_date}", f"a date from {branch_date}"
        )
    end = check.date(data.get("end", parent.end), "end")
    if end <= branch_date:
        check.fail("end", f"{end} is not after branch_date {branch_date}", f"a date after {branch_date}")
    _span(check, parent.start, end)
    if inherit > end:
        check.fail("inherit_events_until", f"{inherit} is after the end {end}", f"a date up to {end}")
    if "name" not in data:
        check.fail("name", "missing", TOP_KEYS["name"])
    regime = _levers(check, data.get("levers", {}), parent.levers)
    events = [e for e in parent.events if e.date <= inherit]
    for lever, value in regime.items():
        if lever == "registration_easing_by_domain":
            events += [
                PolicyEvent(branch_date, "registration_easing", value=v, domain=d, description="branch regime")
                for d, v in value.items()
            ]
        else:
            events.append(PolicyEvent(branch_date, lever, value=value, description="branch regime"))
    events += _events(check, data.get("events", []), parent.parameters, branch_date, end)
    if len(events) > MAX_EVENTS:
        check.fail("events", f"{len(events):,} events with the parent's", f"at most {MAX_EVENTS:,} in one scenario")
    seed = check.seed(data.get("seed", parent.seed))
    return dataclasses.replace(
        parent,
        name=check.name(data["name"]),
        end=end,
        events=tuple(sorted(events, key=lambda e: e.date)),
        seed=seed,
        scale=check.number(data.get("scale", parent.scale), "scale", 0, 1, low_open=True),
        description=check.text(data.get("description", ""), "description"),
        source_file=str(path),
        branch=Branch(parent=str(parent_path), date=branch_date, inherit_until=inherit),
    )


def _span(check: Checker, start: dt.date, end: dt.date) -> None:
    """A run of at most MAX_YEARS simulated years (refused before any memory is reserved for it)."""
    if end.year - start.year >= MAX_YEARS:
        check.fail(
            "end", f"{end} is {end.year - start.year} years after the start {start}", f"at most {MAX_YEARS} years"
        )
