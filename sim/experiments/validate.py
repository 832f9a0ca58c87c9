"""`ngosim validate FILE`: check a scenario, an experiment or a calibration plan without running it.

The kind of file is told by its keys: `stages` makes a calibration plan, `factors` an
experiment, anything else a scenario. Each is checked by the loader that runs it, so what
passes here loads the same way later.
"""

from __future__ import annotations

from pathlib import Path

from sim.experiments.scenario_file import read_toml


def kind_of(data: dict) -> str:
    """The kind of an ngosim file, from its top-level keys."""
    if "stages" in data:
        return "calibration plan"
    if "factors" in data:
        return "experiment"
    return "scenario"


def validate(path: Path) -> str:
    """Check the file; a summary of what it holds (errors are raised with the file, field and allowed values)."""
    data = read_toml(path)
    kind = kind_of(data)
    if kind == "calibration plan":
        from sim.experiments.calibration.plan import load_plan

        plan = load_plan(path)
        stages = ", ".join(f"{s.name} ({len(s.parameters)} parameters)" for s in plan.stages)
        return f"{path}: a valid calibration plan: stages {stages}"
    if kind == "experiment":
        from sim.experiments.experiment import load_experiment, sample_size

        experiment = load_experiment(path)
        points = len(experiment.points()) if experiment.design == "grid" else sample_size(experiment)
        factors = ", ".join(f.name for f in experiment.factors)
        return (
            f"{path}: a valid experiment {experiment.name!r}: design {experiment.design}, factors {factors}, "
            f"{points} points x {experiment.replicates} replicates = {points * experiment.replicates} runs "
            f"at scale {experiment.scale:g}"
        )
    from sim.experiments.scenario_file import load_scenario

    scenario = load_scenario(path)
    branch = (
        f", branching from {Path(scenario.branch.parent).name} on {scenario.branch.date}" if scenario.branch else ""
    )
    return (
        f"{path}: a valid scenario {scenario.name!r}: {scenario.start} to {scenario.end}{branch}, "
        f"{len(scenario.events)} dated events"
    )
