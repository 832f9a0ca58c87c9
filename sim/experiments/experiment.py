"""Experiment definition: a base scenario, the factors to vary, a design, replicates, a root seed.

Like EMA Workbench's split of definition, execution and analysis, this module only says
*which* runs an experiment consists of; sweep.py runs them and store.py keeps them.

An experiment file (TOML, data only):

    name = "veto_by_support"
    scenario = "../scenarios/status_quo.toml"   # relative to this file
    design = "grid"            # grid | latin_hypercube | sobol | morris
    samples = 16               # base samples for latin_hypercube / sobol / morris
    replicates = 3
    seed = 1                   # replicate r of every point runs with seed + r
    scale = 0.1
    keep = ["timeseries"]      # the tables each run keeps in the store (timeseries, events, organisations)

    [factors.accreditation_veto]
    levels = [0.0, 0.5, 1.0]   # grid
    [factors.engage_grassroots]
    range = [0.0001, 0.001]    # sampled designs
    [factors.scenario]
    levels = ["../status_quo.toml", "../tightening.toml"]   # a categorical factor: whole scenarios (grid)

A comparison of scenarios is such an experiment: a `scenario` factor crossed with replicates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.limits import MAX_REPLICATES, MAX_RUNS, MAX_SAMPLES
from sim.experiments.provenance import fingerprint
from sim.experiments.scenario_file import Checker, load_scenario, read_toml
from sim.model.domain import NUMERIC_LEVERS, PD_TARGETING
from sim.model.parameters import Parameters
from sim.model.policy import Levers, PolicyEvent
from sim.model.scenario import Scenario

DESIGNS = ("grid", "latin_hypercube", "sobol", "morris")
TOP_KEYS = (
    "name",
    "description",
    "scenario",
    "design",
    "samples",
    "replicates",
    "seed",
    "scale",
    "keep",
    "second_order",
    "morris_levels",
    "factors",
)
FACTOR_KEYS = ("levels", "range")
SCENARIO_FACTOR = "scenario"  # the categorical factor whose levels are scenario files
TABLES = ("timeseries", "events", "organisations")  # what a run can keep (the tables of a run folder)


@dataclass(frozen=True)
class Factor:
    """One input varied by the experiment: a lever, pd_targeting, or a named parameter."""

    name: str
    levels: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def is_lever(self) -> bool:
        return self.name in NUMERIC_LEVERS or self.name == "pd_targeting"

    @property
    def is_numeric(self) -> bool:
        return self.name not in ("pd_targeting", SCENARIO_FACTOR)


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: a design point, a replicate, its seed and scale."""

    run_id: str
    point: int
    replicate: int
    seed: int
    scale: float
    values: dict[str, Any]  # factor values; a scenario factor's value is the scenario's name
    scenario: str = ""  # the scenario's name
    scenario_file: str = ""  # the file the run's scenario is read from (before the values are applied)

    def scenario_now(self) -> Scenario:
        """The run's scenario: its file with the point's values applied."""
        values = {k: v for k, v in self.values.items() if k != SCENARIO_FACTOR}
        return apply_values(load_scenario(self.scenario_file), values)


@dataclass(frozen=True)
class Experiment:
    """A checked experiment definition (see the module docstring for the file format)."""

    name: str
    scenario_file: str | None  # the base scenario (None when a scenario factor names them all)
    factors: tuple[Factor, ...]
    design: str = "grid"
    samples: int = 8
    replicates: int = 1
    seed: int = 1
    scale: float = 1.0
    description: str = ""
    source_file: str = ""
    keep: tuple[str, ...] = ("timeseries",)
    second_order: bool = False  # Sobol: sample (and analyse) second-order indices too
    morris_levels: int = 4  # Morris: levels of the grid each trajectory moves on

    def scenario_files(self) -> dict[str, str]:
        """The scenarios the runs use, by name: the base, or the scenario factor's levels."""
        factor = next((f for f in self.factors if f.name == SCENARIO_FACTOR), None)
        files = [self.scenario_file] if factor is None else list(factor.levels)
        return {load_scenario(path).name: str(path) for path in files}

    def points(self) -> list[dict[str, Any]]:
        """The design points: factor name -> value, before replicates (a scenario factor's value is
        the scenario's name)."""
        if self.design == "grid":
            names = {path: name for name, path in self.scenario_files().items()}
            levels = [
                tuple(names[str(v)] for v in f.levels) if f.name == SCENARIO_FACTOR else f.levels for f in self.factors
            ]
            combos = itertools.product(*levels)
            return [dict(zip([f.name for f in self.factors], combo, strict=True)) for combo in combos]
        matrix = sample_matrix(self)
        return [{f.name: float(v) for f, v in zip(self.factors, row, strict=True)} for row in matrix]

    def runs(self) -> list[RunSpec]:
        """Every run: each point with each replicate (replicate r uses seed + r at every point).

        A run's id is a hash of its scenario's content, its other values, seed and scale, so the
        same run has the same id in every experiment."""
        files = self.scenario_files()
        base = next(iter(files)) if self.scenario_file is not None else None
        prints = {name: fingerprint(load_scenario(path)) for name, path in files.items()}
        specs = []
        for p, values in enumerate(self.points()):
            name = values.get(SCENARIO_FACTOR, base)
            others = {k: v for k, v in values.items() if k != SCENARIO_FACTOR}
            for r in range(self.replicates):
                seed = self.seed + r
                specs.append(
                    RunSpec(
                        run_id(prints[name], others, seed, self.scale),
                        p,
                        r,
                        seed,
                        self.scale,
                        values,
                        scenario=name,
                        scenario_file=files[name],
                    )
                )
        return specs

    def definition(self) -> dict[str, Any]:
        """The experiment as plain data (stored in the catalogue)."""
        return {
            **{k: v for k, v in dataclasses.asdict(self).items() if k != "factors"},
            "factors": [dataclasses.asdict(f) for f in self.factors],
        }

    def salib_problem(self) -> dict[str, Any]:
        """The factors as a SALib problem (sampled designs only)."""
        return {
            "num_vars": len(self.factors),
            "names": [f.name for f in self.factors],
            "bounds": [[f.low, f.high] for f in self.factors],
        }


def sample_matrix(experiment: Experiment) -> np.ndarray:
    """Design points of a sampled design, drawn with SALib from the experiment's seed (the
    sensitivity analysis draws the same sample again to check that the store matches it)."""
    from SALib.sample import latin

    from sim.analysis.sensitivity import morris_sample, sobol_sample

    problem = experiment.salib_problem()
    n = experiment.samples
    if experiment.design == "latin_hypercube":
        return latin.sample(problem, n, seed=experiment.seed)
    if experiment.design == "sobol":
        return sobol_sample(problem, n, calc_second_order=experiment.second_order, seed=experiment.seed)
    return morris_sample(problem, n, num_levels=experiment.morris_levels, seed=experiment.seed)


def run_id(scenario_fingerprint: str, values: dict[str, Any], seed: int, scale: float) -> str:
    """A stable id for a run: the same scenario content, values, seed and scale give the same id."""
    key = json.dumps([scenario_fingerprint, sorted(values.items()), seed, scale], default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def apply_values(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario with a design point's values: parameters replaced, and with them the dated events
    whose shift a parameter sets (`shift = "veto_2010"`: the scenario file resolved it when it was read);
    levers set at the start, or for a branch scenario from its branch date on (replacing the branch's
    own moves of that lever)."""
    params = {k: v for k, v in values.items() if k in Parameters.names()}
    levers = {k: v for k, v in values.items() if k not in params}
    new = scenario
    if params:
        shifted = tuple(
            dataclasses.replace(e, shift=float(params[e.shift_parameter])) if e.shift_parameter in params else e
            for e in scenario.events
        )
        new = dataclasses.replace(scenario, parameters=scenario.parameters.replace(**params), events=shifted)
    if not levers:
        return new
    if scenario.branch is None:
        merged = {**new.levers.__dict__, **levers, "easing_by_domain": dict(new.levers.easing_by_domain)}
        return dataclasses.replace(new, levers=Levers(**merged))
    date = scenario.branch.date
    extra = [PolicyEvent(date, lever, value=value, description="experiment factor") for lever, value in levers.items()]
    # the factor holds the lever from the branch date on: the branch's own moves of it are replaced
    kept = [e for e in new.events if not (e.date >= date and e.lever in levers and e.domain is None)]
    events = sorted([*kept, *extra], key=lambda e: e.date)
    return dataclasses.replace(new, events=tuple(events))


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file; errors name the file, the field and what is allowed."""
    path = Path(path)
    data = read_toml(path)
    check = Checker(path)
    check.keys(data, TOP_KEYS, "")
    for key in ("name", "factors"):
        if key not in data:
            check.fail(key, "missing", "see docs/experiments.md")
    factors_table = data["factors"]
    if not isinstance(factors_table, dict) or not factors_table:
        check.fail(
            "factors",
            "expected a non-empty table of factors",
            "[factors.NAME] with levels = [...] or range = [low, high]",
        )
    scenario_file = None
    if "scenario" in data:
        scenario_file = str(_scenario_file(check, path, data["scenario"], "scenario"))
    elif SCENARIO_FACTOR not in factors_table:
        check.fail("scenario", "missing", "a scenario file relative to this file, or a [factors.scenario] of files")
    design = check.choice(data.get("design", "grid"), "design", DESIGNS)
    allowed = (SCENARIO_FACTOR, *NUMERIC_LEVERS, "pd_targeting", *Parameters.names())
    factors = []
    for name, spec in factors_table.items():
        where = f"factors.{name}"
        check.choice(name, where, allowed)
        if not isinstance(spec, dict):
            check.fail(where, "expected a table", "levels = [...] or range = [low, high]")
        check.keys(spec, FACTOR_KEYS, f"{where}.")
        if name == SCENARIO_FACTOR:
            factors.append(_scenario_factor(check, path, spec, design, scenario_file))
        else:
            factors.append(_factor(check, name, spec, design, where))
    samples = _count(check, data.get("samples", 8), "samples", MAX_SAMPLES)
    replicates = _count(check, data.get("replicates", 1), "replicates", MAX_REPLICATES)
    if design == "sobol" and samples & (samples - 1):
        check.fail("samples", f"{samples} is not a power of 2", "a power of 2 for a sobol design (8, 16, 32, ...)")
    second_order = data.get("second_order", False)
    if not isinstance(second_order, bool):
        check.fail("second_order", f"expected true or false, got {second_order!r}", "true or false (sobol only)")
    morris_levels = _count(check, data.get("morris_levels", 4), "morris_levels", 64)
    if morris_levels % 2 or morris_levels < 2:
        check.fail("morris_levels", f"{morris_levels} is not an even number >= 2", "an even number such as 4")
    keep = data.get("keep", ["timeseries"])
    if not isinstance(keep, list) or "timeseries" not in keep:
        check.fail("keep", f"{keep!r} does not keep the time series", f"a list of {', '.join(TABLES)} with timeseries")
    keep = tuple(t for t in TABLES if t in {check.choice(k, "keep", TABLES) for k in keep})
    experiment = Experiment(
        name=check.name(data["name"]),
        scenario_file=scenario_file,
        factors=tuple(factors),
        design=design,
        samples=samples,
        replicates=replicates,
        seed=check.seed(data.get("seed", 1)),
        scale=check.number(data.get("scale", 1.0), "scale", 0, 1, low_open=True),
        description=check.text(data.get("description", ""), "description"),
        source_file=str(path),
        keep=keep,
        second_order=second_order,
        morris_levels=morris_levels,
    )
    total = len(experiment.points()) * replicates if design == "grid" else sample_size(experiment) * replicates
    if total > MAX_RUNS:
        check.fail("factors", f"the design has {total:,} runs", f"at most {MAX_RUNS:,} runs in one experiment")
    return experiment


def sample_size(experiment: Experiment) -> int:
    """How many points a sampled design has (without drawing them)."""
    d, n = len(experiment.factors), experiment.samples
    if experiment.design == "sobol":
        return n * (2 * d + 2 if experiment.second_order else d + 2)
    if experiment.design == "morris":
        return n * (d + 1)
    return n


def _count(check: Checker, value: Any, field: str, most: int) -> int:
    count = check.integer(value, field, f"a whole number from 1 to {most:,}")
    if not 1 <= count <= most:
        check.fail(field, f"{count} is out of range", f"a whole number from 1 to {most:,}")
    return count


def _scenario_file(check: Checker, path: Path, value: Any, field: str) -> Path:
    """A scenario file named in an experiment file (relative to it), checked now."""
    scenario_file = path.parent / check.text(value, field)
    if not scenario_file.is_file():
        check.fail(field, f"no such file: {scenario_file}", "a scenario file, relative to the experiment file")
    load_scenario(scenario_file)
    return scenario_file


def _scenario_factor(check: Checker, path: Path, spec: dict[str, Any], design: str, base: str | None) -> Factor:
    """The categorical factor of whole scenarios: a grid of scenario files with distinct names."""
    where = f"factors.{SCENARIO_FACTOR}"
    if design != "grid":
        check.fail(where, "whole scenarios can only be crossed in a grid", "design = 'grid'")
    if base is not None:
        check.fail(
            "scenario", "a scenario factor names the scenarios itself", "either scenario = ... or [factors.scenario]"
        )
    levels = spec.get("levels")
    if not isinstance(levels, list) or not levels:
        check.fail(f"{where}.levels", "expected a non-empty list of scenario files", "levels = ['a.toml', ...]")
    files = [str(_scenario_file(check, path, level, f"{where}.levels")) for level in levels]
    scenarios = [load_scenario(f) for f in files]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        check.fail(
            f"{where}.levels", f"two files share a scenario name: {sorted(names)}", "scenarios with distinct names"
        )
    twins = same_runs(scenarios)
    if twins is not None:
        check.fail(f"{where}.levels", f"{twins[0]} and {twins[1]} would give the same runs", SAME_RUNS_ALLOWED)
    return Factor(SCENARIO_FACTOR, levels=tuple(files))


SAME_RUNS_ALLOWED = "scenarios that differ in their dates, levers, events or parameters, not only in name"


def same_runs(scenarios: list[Scenario]) -> tuple[str, str] | None:
    """Two scenarios that differ only in name (their runs would be the same runs), if any."""
    seen: dict[str, str] = {}
    for scenario in scenarios:
        key = fingerprint(scenario)
        if key in seen:
            return seen[key], scenario.name
        seen[key] = scenario.name
    return None


def _factor(check: Checker, name: str, spec: dict[str, Any], design: str, where: str) -> Factor:
    low, high = (0.0, 1.0) if name in NUMERIC_LEVERS else (None, None)
    if name in Parameters.names():
        low, high = Parameters.spec(name)["low"], Parameters.spec(name)["high"]
    if design == "grid":
        if "levels" not in spec or not isinstance(spec["levels"], list) or not spec["levels"]:
            check.fail(f"{where}.levels", "a grid needs a non-empty list of levels", "levels = [value, ...]")
        if name == "pd_targeting":
            levels = tuple(check.choice(v, f"{where}.levels", PD_TARGETING) for v in spec["levels"])
        else:
            levels = tuple(check.number(v, f"{where}.levels", low, high) for v in spec["levels"])
        if len(set(levels)) != len(levels):
            check.fail(f"{where}.levels", f"{list(levels)} repeats a level", "distinct levels (replicates repeat runs)")
        return Factor(name, levels=levels)
    if name == "pd_targeting":
        check.fail(where, "pd_targeting has no numeric range; vary it in a grid design", "design = 'grid'")
    bounds = spec.get("range")
    if not isinstance(bounds, list) or len(bounds) != 2:
        check.fail(
            f"{where}.range", f"a {design} design needs range = [low, high]", f"two numbers within [{low}, {high}]"
        )
    lo = check.number(bounds[0], f"{where}.range", low, high)
    hi = check.number(bounds[1], f"{where}.range", low, high)
    if not lo < hi:
        check.fail(f"{where}.range", f"low {lo} is not below high {hi}", "range = [low, high] with low < high")
    return Factor(name, low=lo, high=hi)
