"""Comparing scenarios: an experiment of one categorical `scenario` factor crossed with
replicates, run by the sweep machinery into a results store, then analysed as paired
differences from a reference scenario (the same seeds in every scenario: common random
numbers), each with its 95% interval.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.experiments.executor import Executor
from sim.experiments.experiment import SAME_RUNS_ALLOWED, SCENARIO_FACTOR, TABLES, Experiment, Factor, same_runs
from sim.experiments.scenario_file import load_scenario
from sim.experiments.store import Store
from sim.experiments.sweep import SweepReport, sweep

DEFAULT_NAME = "compare"


def comparison_experiment(
    scenario_files: list[str | Path],
    replicates: int = 3,
    seed: int = 1,
    scale: float = 1.0,
    name: str = DEFAULT_NAME,
) -> Experiment:
    """The comparison as an experiment: every scenario with the same replicate seeds; runs keep every table."""
    scenarios = [load_scenario(path) for path in scenario_files]  # check every file before any run
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"two scenario files share a name: {sorted(names)} (allowed: distinct names)")
    twins = same_runs(scenarios)
    if twins is not None:
        raise ValueError(f"{twins[0]} and {twins[1]} would give the same runs (allowed: {SAME_RUNS_ALLOWED})")
    return Experiment(
        name=name,
        scenario_file=None,
        factors=(Factor(SCENARIO_FACTOR, levels=tuple(str(Path(p)) for p in scenario_files)),),
        replicates=replicates,
        seed=seed,
        scale=scale,
        description=f"comparison of {', '.join(names)}",
        keep=TABLES,
    )


def run_comparison(
    experiment: Experiment,
    store: Store,
    backend: str = "processes",
    jobs: int = 2,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> SweepReport:
    """Run the comparison's runs that the store does not hold yet (a comparison is redefined freely:
    its runs stay in the store, so nothing is lost); on `executor` if given (see `sweep`)."""
    return sweep(experiment, store, backend, jobs, scheduler, progress=progress, redefine=True, executor=executor)


def scenario_names(experiment: Experiment) -> list[str]:
    """The compared scenarios' names, in the order given."""
    return list(experiment.scenario_files())
