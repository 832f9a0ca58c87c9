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

    [factors.accreditation_veto]
    levels = [0.0, 0.5, 1.0]   # grid
    [factors.engage_grassroots]
    range = [0.0001, 0.001]    # sampled designs
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

from sim.experiments.provenance import fingerprint
from sim.experiments.scenario_file import Checker, load_scenario, read_toml
from sim.model.domain import NUMERIC_LEVERS, PD_TARGETING
from sim.model.parameters import Parameters
from sim.model.policy import Levers, PolicyEvent
from sim.model.scenario import Scenario

DESIGNS = ("grid", "latin_hypercube", "sobol", "morris")
TOP_KEYS = ("name", "description", "scenario", "design", "samples", "replicates", "seed", "scale", "factors")
FACTOR_KEYS = ("levels", "range")


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


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: a design point, a replicate, its seed and scale."""

    run_id: str
    point: int
    replicate: int
    seed: int
    scale: float
    values: dict[str, Any]


@dataclass(frozen=True)
class Experiment:
    """A checked experiment definition (see the module docstring for the file format)."""

    name: str
    scenario_file: str
    factors: tuple[Factor, ...]
    design: str = "grid"
    samples: int = 8
    replicates: int = 1
    seed: int = 1
    scale: float = 1.0
    description: str = ""
    source_file: str = ""

    def base_scenario(self) -> Scenario:
        return load_scenario(self.scenario_file)

    def points(self) -> list[dict[str, Any]]:
        """The design points: factor name -> value, before replicates."""
        if self.design == "grid":
            combos = itertools.product(*(f.levels for f in self.factors))
            return [dict(zip([f.name for f in self.factors], combo, strict=True)) for combo in combos]
        matrix = sample_matrix(self)
        return [{f.name: float(v) for f, v in zip(self.factors, row, strict=True)} for row in matrix]

    def runs(self) -> list[RunSpec]:
        """Every run: each point with each replicate (replicate r uses seed + r at every point)."""
        base = fingerprint(self.base_scenario())
        specs = []
        for p, values in enumerate(self.points()):
            for r in range(self.replicates):
                seed = self.seed + r
                specs.append(RunSpec(run_id(base, values, seed, self.scale), p, r, seed, self.scale, values))
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
    """Design points of a sampled design, drawn with SALib from the experiment's seed."""
    from SALib.sample import latin, morris, sobol

    problem = experiment.salib_problem()
    n = experiment.samples
    if experiment.design == "latin_hypercube":
        return latin.sample(problem, n, seed=experiment.seed)
    if experiment.design == "sobol":
        return sobol.sample(problem, n, calc_second_order=False, seed=experiment.seed)
    return morris.sample(problem, n, num_levels=4, seed=experiment.seed)


def run_id(scenario_fingerprint: str, values: dict[str, Any], seed: int, scale: float) -> str:
    """A stable id for a run: the same scenario content, values, seed and scale give the same id."""
    key = json.dumps([scenario_fingerprint, sorted(values.items()), seed, scale], default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def apply_values(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario with a design point's values: parameters replaced; levers set at the start,
    or for a branch scenario at its branch date (after the branch's own regime)."""
    params = {k: v for k, v in values.items() if k in Parameters.names()}
    levers = {k: v for k, v in values.items() if k not in params}
    new = dataclasses.replace(scenario, parameters=scenario.parameters.replace(**params)) if params else scenario
    if not levers:
        return new
    if scenario.branch is None:
        merged = {**new.levers.__dict__, **levers, "easing_by_domain": dict(new.levers.easing_by_domain)}
        return dataclasses.replace(new, levers=Levers(**merged))
    date = scenario.branch.date
    extra = [PolicyEvent(date, lever, value=value, description="experiment factor") for lever, value in levers.items()]
    events = sorted([*new.events, *extra], key=lambda e: e.date)
    return dataclasses.replace(new, events=tuple(events))


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file; errors name the file, the field and what is allowed."""
    path = Path(path)
    data = read_toml(path)
    check = Checker(path)
    check.keys(data, TOP_KEYS, "")
    for key in ("name", "scenario", "factors"):
        if key not in data:
            check.fail(key, "missing", "see docs/experiments.md")
    scenario_file = path.parent / check.text(data["scenario"], "scenario")
    if not scenario_file.is_file():
        check.fail("scenario", f"no such file: {scenario_file}", "a scenario file, relative to the experiment file")
    load_scenario(scenario_file)  # check the base scenario now
    design = check.choice(data.get("design", "grid"), "design", DESIGNS)
    factors_table = data["factors"]
    if not isinstance(factors_table, dict) or not factors_table:
        check.fail(
            "factors",
            "expected a non-empty table of factors",
            "[factors.NAME] with levels = [...] or range = [low, high]",
        )
    allowed = (*NUMERIC_LEVERS, "pd_targeting", *Parameters.names())
    factors = []
    for name, spec in factors_table.items():
        where = f"factors.{name}"
        check.choice(name, where, allowed)
        if not isinstance(spec, dict):
            check.fail(where, "expected a table", "levels = [...] or range = [low, high]")
        check.keys(spec, FACTOR_KEYS, f"{where}.")
        factors.append(_factor(check, name, spec, design, where))
    samples = check.integer(data.get("samples", 8), "samples", "a whole number >= 1")
    replicates = check.integer(data.get("replicates", 1), "replicates", "a whole number >= 1")
    if samples < 1:
        check.fail("samples", f"{samples} is too small", "a whole number >= 1")
    if replicates < 1:
        check.fail("replicates", f"{replicates} is too small", "a whole number >= 1")
    return Experiment(
        name=check.text(data["name"], "name"),
        scenario_file=str(scenario_file),
        factors=tuple(factors),
        design=design,
        samples=samples,
        replicates=replicates,
        seed=check.seed(data.get("seed", 1)),
        scale=check.number(data.get("scale", 1.0), "scale", 0, 1, low_open=True),
        description=check.text(data.get("description", ""), "description"),
        source_file=str(path),
    )


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
