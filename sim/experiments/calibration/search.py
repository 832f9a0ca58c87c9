"""The staged search: Optuna proposes parameter sets, each is run on the stage's replicates and
scored against its targets; a stage stops at its budget or its patience, then confirms its
finalists on fresh seeds. The only module of the calibration that imports Optuna (lazily).

A stage's loss for a parameter set is

    loss = sum_t w_t * e_t^2 / sum_t w_t

where e_t is the relative error of the model's mean over the replicates against target t
(thinned by the scale; zero inside a target's range) and w_t its confidence weight (high 1,
medium 0.5, low 0.25); a stage's `tolerance` makes the part of an error beyond it cost more
(targets.loss). Optuna's TPE or CMA-ES sampler proposes parameter sets; the first trial is
the stage's starting point (the defaults, or the values earlier stages found). A stage stops
when its budget of trials is spent or when the best loss has not improved by 1% over
`patience` trials. It can then confirm its `finalists` (its best trials with distinct
parameters, and its starting point) on fresh seeds and keep the one with the lowest loss
there, since the best of many trials on a few replicates is partly their luck. The search
starts from the parameters' defaults (not from an earlier calibration), so the same plan and
code give the same calibrated values. Its trials are kept in a journal file, so an
interrupted calibration resumes. Every trial runs the same replicate seeds (common random
numbers), so trials differ by their parameters only. The replicates run through one
`Executor` kept open for the whole calibration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.calibration.plan import Plan, Stage, stage_targets
from sim.experiments.executor import Executor
from sim.experiments.provenance import git_state
from sim.experiments.runner import simulate
from sim.experiments.scenario_file import load_scenario
from sim.experiments.targets import load_targets, loss, model_values
from sim.model.parameters import Parameters

IMPROVEMENT = 0.01  # the stopping rule's "better": 1% lower loss
NEAR_BEST = 1.25  # trials within 25% of the best loss show how tightly the data pins a parameter
FINALIST_SEEDS = 100_000  # finalists run on seeds from plan seed + 100,000: none of the search's or the check's


# --- running the model for a parameter set -----------------------------------------------------------
def target_values(
    scenario_file: str, overrides: dict[str, float], seed: int, scale: float, end: dt.date
) -> dict[str, float]:
    """One replicate of the scenario with `overrides`, run to `end`: its value for every target."""
    scenario = load_scenario(scenario_file, parameters=overrides)
    model = simulate(dataclasses.replace(scenario, end=min(end, scenario.end)), seed, scale)
    return model_values(model.timeseries(), load_targets()).to_dict()


def replicate_values(
    executor: Executor,
    scenario_file: str,
    overrides: dict[str, float],
    seeds: list[int],
    scale: float,
    end: dt.date,
) -> pd.DataFrame:
    """Target values of each replicate (rows, in the seeds' order) for one parameter set."""
    job = partial(target_values, scenario_file, overrides, scale=scale, end=end)
    return pd.DataFrame(executor.map(job, seeds))


# --- the search --------------------------------------------------------------------------------------
class Patience:
    """Optuna callback: stop when the best loss has not improved by 1% over `patience` trials."""

    def __init__(self, patience: int) -> None:
        self.patience = patience

    def exhausted(self, values: list[float]) -> bool:
        """Whether the losses so far (in trial order) already meet the stopping rule."""
        if len(values) <= self.patience:
            return False
        best_before = min(values[: -self.patience])
        return min(values) > best_before * (1.0 - IMPROVEMENT)

    def __call__(self, study: Any, trial: Any) -> None:
        if self.exhausted([t.value for t in study.trials if t.value is not None]):
            study.stop()


def run_stage(
    plan: Plan, stage: Stage, fixed: dict[str, float], folder: Path, executor: Executor, say: Callable[[str], None]
) -> dict[str, Any]:
    """Search one stage's parameters (others fixed), then choose among its finalists; returns the
    chosen values, the losses and the bookkeeping."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    targets = stage_targets(stage)
    seeds = [plan.seed + r for r in range(stage.replicates)]
    # the search's identity leaves out how its finalists are confirmed: changing that keeps the trials
    search = {k: v for k, v in dataclasses.asdict(stage).items() if k not in ("finalists", "finalist_replicates")}
    identity = hashlib.sha256(json.dumps([search, fixed, plan.seed], default=str).encode()).hexdigest()[:10]
    storage = JournalStorage(JournalFileBackend(str(folder / f"{stage.name}.journal")))
    # the search starts where the plan stands: the defaults, or an earlier stage's best
    start = {name: min(high, max(low, fixed[name])) for name, (low, high) in stage.parameters.items()}
    study = optuna.create_study(
        study_name=f"{stage.name}-{identity}",
        storage=storage,
        sampler=_sampler(stage, start, plan.seed),
        direction="minimize",
        load_if_exists=True,
    )
    if not study.trials:
        study.enqueue_trial(start)

    def objective(trial: Any) -> float:
        values = {
            name: trial.suggest_float(name, low, high, log=low > 0 and high / low > 20)
            for name, (low, high) in stage.parameters.items()
        }
        value = stage_loss(executor, plan, stage, {**fixed, **values}, seeds, targets)
        say(f"  {stage.name} trial {trial.number}: loss {value:.4f}")
        return value

    done = [t.value for t in study.trials if t.value is not None]
    patience = Patience(stage.patience)
    if len(done) < stage.budget and not patience.exhausted(done):  # a resumed stage that had stopped stays stopped
        study.optimize(objective, n_trials=stage.budget - len(done), callbacks=[patience])
    trials = [t for t in study.trials if t.value is not None]
    final = confirm_finalists(
        executor, plan, stage, fixed, trials, targets, folder / f"{stage.name}-{identity}.finalists.json", say
    )
    start = trials[0]
    chosen = next(t for t in trials if t.number == final["chosen_trial"]) if final else study.best_trial
    best = min(t.value for t in trials)
    near = [t for t in trials if t.value <= NEAR_BEST * best]
    return {
        "stage": stage.name,
        "best": dict(chosen.params),
        "loss": float(chosen.value),
        "start_loss": float(start.value),
        "trials": len(trials),
        "chosen_trial": chosen.number,
        "confirmed_start_loss": final["losses"][str(start.number)]["loss"] if final else None,
        "confirmed_loss": final["losses"][str(chosen.number)]["loss"] if final else None,
        # time in the stage's trials and finalists, from the journal and the finalists' file: a
        # resumed stage counts its earlier runs too
        "wall_seconds": sum(
            (t.datetime_complete - t.datetime_start).total_seconds()
            for t in trials
            if t.datetime_start is not None and t.datetime_complete is not None
        )
        + (sum(entry["seconds"] for entry in final["losses"].values()) if final else 0.0),
        "targets": list(targets["key"]),
        # how well the data pins each parameter: its range over the trials whose loss is near the best
        "near_best": {
            name: [min(t.params[name] for t in near), max(t.params[name] for t in near)] for name in stage.parameters
        },
    }


def stage_loss(
    executor: Executor, plan: Plan, stage: Stage, overrides: dict[str, float], seeds: list[int], targets: pd.DataFrame
) -> float:
    """The stage's loss for one parameter set: the mean over the replicates against its targets."""
    mean = replicate_values(executor, plan.scenario_file, overrides, seeds, stage.scale, stage.end).mean()
    return loss(mean, targets, stage.scale, stage.tolerance)


def finalist_trials(trials: list[Any], count: int) -> list[int]:
    """The trial numbers to confirm: the starting point (the first trial) and the `count` lowest
    losses with distinct parameters (the starting point counts as one of them if it is among them)."""
    chosen: list[int] = []
    seen: set[str] = set()
    for trial in sorted(trials, key=lambda t: (t.value, t.number)):
        key = json.dumps(trial.params, sort_keys=True)
        if key not in seen and len(chosen) < count:
            seen.add(key)
            chosen.append(trial.number)
    return sorted({trials[0].number, *chosen})


def confirm_finalists(
    executor: Executor,
    plan: Plan,
    stage: Stage,
    fixed: dict[str, float],
    trials: list[Any],
    targets: pd.DataFrame,
    path: Path,
    say: Callable[[str], None],
) -> dict[str, Any] | None:
    """Re-run the stage's finalists on fresh seeds and choose the lowest loss there (None if the
    stage takes its best trial as it is).

    The best of many trials on a few replicates is partly the luck of those replicates (the
    winner's curse); fresh seeds judge the finalists without it. Each finalist's loss is kept in
    `path` as soon as it is known, so an interrupted stage resumes without redoing one."""
    if stage.finalists <= 1:
        return None
    seeds = [plan.seed + FINALIST_SEEDS + r for r in range(stage.finalist_replicates)]
    record: dict[str, Any] = {"seeds": seeds, "losses": {}}
    try:
        kept = json.loads(path.read_text())
        if kept.get("seeds") == seeds and isinstance(kept.get("losses"), dict):
            record = kept
    except (OSError, ValueError, AttributeError):  # missing or damaged: the finalists are run again
        pass
    by_number = {t.number: t for t in trials}
    numbers = finalist_trials(trials, stage.finalists)
    for number in numbers:
        if str(number) in record["losses"]:
            continue
        began = time.perf_counter()
        value = stage_loss(executor, plan, stage, {**fixed, **by_number[number].params}, seeds, targets)
        record["losses"][str(number)] = {"loss": value, "seconds": time.perf_counter() - began}
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(record, indent=1) + "\n")
        partial.replace(path)
        say(f"  {stage.name} finalist trial {number}: loss {by_number[number].value:.4f}, on fresh seeds {value:.4f}")
    record["losses"] = {str(n): record["losses"][str(n)] for n in numbers}
    record["chosen_trial"] = min(numbers, key=lambda n: (record["losses"][str(n)]["loss"], n))
    return record


def _sampler(stage: Stage, start: dict[str, float], seed: int) -> Any:
    """TPE, or CMA-ES started from `start` (better for many continuous parameters)."""
    import optuna

    if stage.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    with warnings.catch_warnings():  # x0 is deprecated in Optuna 5 but kept until 6 (pinned below 6)
        warnings.simplefilter("ignore", FutureWarning)
        return optuna.samplers.CmaEsSampler(x0=start, seed=seed, warn_independent_sampling=False)


def stage_summary(report: dict[str, Any]) -> str:
    """One line on how a stage went: the search's losses and, if confirmed, the finalists' on fresh seeds."""
    line = f"loss {report['start_loss']:.4f} -> {report['loss']:.4f} in {report['trials']} trials"
    if report.get("confirmed_loss") is None:
        return line
    return (
        f"{line}; trial {report['chosen_trial']} chosen on fresh seeds, "
        f"loss {report['confirmed_start_loss']:.4f} -> {report['confirmed_loss']:.4f}"
    )


def write_parameters(plan: Plan, values: dict[str, float], stages: list[dict[str, Any]]) -> None:
    """Write the calibrated parameters where the history scenario reads them (whole or not at all)."""
    git = git_state()
    lines = [
        f"# Written by `ngosim calibrate {Path(plan.source_file).name}` on {dt.date.today()} "
        f"(git {git['git_commit']}{', modified tree' if git['git_modified'] else ''}). Do not edit by hand:",
        "# run the calibration again (docs/calibration.md). Stages: "
        + "; ".join(f"{s['stage']} {stage_summary(s)}" for s in stages),
        "[parameters]",
        *(f"{name} = {value!r}" for name, value in sorted(values.items())),
    ]
    target = Path(plan.output_file)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(target)


def calibrate(
    plan: Plan,
    folder: Path,
    jobs: int = 2,
    stages: list[str] | None = None,
    say: Callable[[str], None] = print,
    backend: str = "processes",
) -> list[dict[str, Any]]:
    """Run the plan's stages in order (each fixing the ones before) and write the parameters; every
    replicate runs on one executor, opened once for the whole calibration."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [stage for stage in plan.stages if not stages or stage.name in stages]
    first_searched_by: dict[str, Stage] = {}
    for stage in plan.stages:
        for name in stage.parameters:
            first_searched_by.setdefault(name, stage)
    # a parameter whose first stage runs starts from its default, whatever an earlier calibration
    # wrote, so that the plan always gives the same result; the rest keep their calibrated values
    defaults = Parameters().as_dict()
    previous = load_scenario(plan.scenario_file).parameters.as_dict()
    fixed = {name: (defaults if first in chosen else previous)[name] for name, first in first_searched_by.items()}
    reports = []
    with Executor(backend, jobs) as executor:
        for stage in chosen:
            say(
                f"stage {stage.name}: {len(stage.parameters)} parameters, scale {stage.scale}, up to {stage.budget} trials"
            )
            report = run_stage(plan, stage, fixed, folder, executor, say)
            fixed.update(report["best"])
            reports.append(report)
            say(f"stage {stage.name}: {stage_summary(report)} ({report['wall_seconds']:.0f} s)")
    write_parameters(plan, fixed, reports)
    (folder / "stages.json").write_text(json.dumps(reports, indent=2, default=str) + "\n")
    return reports
