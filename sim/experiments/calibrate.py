"""Calibrating the history scenario against official statistics, in stages, with Optuna.

A calibration plan (TOML, e.g. scenarios/calibration.toml) names the scenario, the file the
calibrated parameters go to, and the stages. Each stage searches some parameters within
their ranges against some target quantities, at its own scale:

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
numbers), so trials differ by their parameters only.

The check then runs the calibrated history at full scale with many replicates and reports,
for every target (fitted and held out), the model's mean, 90% interval and relative error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.patterns import pattern_table
from sim.experiments.provenance import git_state
from sim.experiments.scenario_file import Checker, load_scenario, read_toml
from sim.experiments.targets import load_targets, loss, model_values, relative_errors
from sim.model.model import NGOModel
from sim.model.parameters import Parameters

QUANTITIES = ("registered", "unregistered", "internationalised", "ecosoc_status")
SAMPLERS = ("tpe", "cmaes")
IMPROVEMENT = 0.01  # the stopping rule's "better": 1% lower loss
FINALIST_SEEDS = 100_000  # finalists run on seeds from plan seed + 100,000: none of the search's or the check's
INTERVAL = (5, 95)
STAGE_COLUMNS = [
    "stage",
    "trials",
    "start_loss",
    "loss",
    "chosen_trial",
    "confirmed_start_loss",
    "confirmed_loss",
    "wall_seconds",
]  # the fit report's "Stages" table


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
class Plan:
    """A checked calibration plan."""

    scenario_file: str
    output_file: str
    seed: int
    stages: tuple[Stage, ...]
    check_replicates: int = 20
    check_scale: float = 1.0
    source_file: str = ""


def load_plan(path: str | Path) -> Plan:
    """Read and check a calibration plan; errors name the file, the field and what is allowed."""
    path = Path(path)
    data = read_toml(path)
    check = Checker(path)
    check.keys(data, ("scenario", "output", "seed", "stages", "check"), "")
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
        check.fail("check", "expected a table", "replicates, scale")
    check.keys(checking, ("replicates", "scale"), "check.")
    replicates = check.integer(checking.get("replicates", 20), "check.replicates", "a whole number >= 1")
    if replicates < 1:
        check.fail("check.replicates", f"{replicates} is too small", "a whole number >= 1")
    return Plan(
        scenario_file=str(scenario_file),
        output_file=str(path.parent / output),
        seed=check.seed(data.get("seed", 1)),
        stages=stages,
        check_replicates=replicates,
        check_scale=check.number(checking.get("scale", 1.0), "check.scale", 0, 1, low_open=True),
        source_file=str(path),
    )


def _stage(check: Checker, i: int, table: Any) -> Stage:
    where = f"stages[{i}]."
    if not isinstance(table, dict):
        check.fail(f"stages[{i}]", "expected a table", "name, quantities, parameters, ...")
    check.keys(
        table,
        (
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
        ),
        where,
    )
    for key in ("name", "quantities", "parameters"):
        if key not in table:
            check.fail(f"{where}{key}", "missing", "see docs/calibration.md")
    quantities = table["quantities"]
    if not isinstance(quantities, list) or not quantities:
        check.fail(f"{where}quantities", "expected a non-empty list", ", ".join(QUANTITIES))
    targets = load_targets()
    selectors = (*QUANTITIES, *sorted(set(targets["quantity"] + "/" + targets["kind"])))
    quantities = tuple(check.choice(q, f"{where}quantities", selectors) for q in quantities)
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
    counts = {}
    for key, default in (
        ("replicates", 2),
        ("budget", 40),
        ("patience", 15),
        ("finalists", 1),
        ("finalist_replicates", 10),
    ):
        counts[key] = check.integer(table.get(key, default), f"{where}{key}", "a whole number >= 1")
        if counts[key] < 1:
            check.fail(f"{where}{key}", f"{counts[key]} is too small", "a whole number >= 1")
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


# --- running the model for a parameter set -----------------------------------------------------------
def target_values(
    scenario_file: str, overrides: dict[str, float], seed: int, scale: float, end: dt.date
) -> dict[str, float]:
    """One replicate of the scenario with `overrides`, run to `end`: its value for every target."""
    scenario = load_scenario(scenario_file, parameters=overrides)
    scenario = dataclasses.replace(scenario, end=min(end, scenario.end))
    model = NGOModel(scenario, seed=seed, scale=scale)
    model.run()
    return model_values(model.timeseries(), load_targets()).to_dict()


def replicate_values(
    pool: Executor, scenario_file: str, overrides: dict[str, float], seeds: list[int], scale: float, end: dt.date
) -> pd.DataFrame:
    """Target values of each replicate (rows) for one parameter set, run in the pool."""
    futures = [pool.submit(target_values, scenario_file, overrides, seed, scale, end) for seed in seeds]
    return pd.DataFrame([f.result() for f in futures])


def stage_targets(stage: Stage) -> pd.DataFrame:
    """The fitted targets of a stage: its quantities, dated within the stage's run."""
    targets = load_targets()
    selected = targets["quantity"].isin(stage.quantities) | (targets["quantity"] + "/" + targets["kind"]).isin(
        stage.quantities
    )
    chosen = (targets["role"] == "fit") & selected
    return targets[chosen & (pd.to_datetime(targets["date"]) <= pd.Timestamp(stage.end))]


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
    plan: Plan, stage: Stage, fixed: dict[str, float], folder: Path, pool: Executor, say: Callable[[str], None]
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
        value = stage_loss(pool, plan, stage, {**fixed, **values}, seeds, targets)
        say(f"  {stage.name} trial {trial.number}: loss {value:.4f}")
        return value

    done = [t.value for t in study.trials if t.value is not None]
    patience = Patience(stage.patience)
    if len(done) < stage.budget and not patience.exhausted(done):  # a resumed stage that had stopped stays stopped
        study.optimize(objective, n_trials=stage.budget - len(done), callbacks=[patience])
    trials = [t for t in study.trials if t.value is not None]
    final = confirm_finalists(
        pool, plan, stage, fixed, trials, targets, folder / f"{stage.name}-{identity}.finalists.json", say
    )
    start = trials[0]
    chosen = next(t for t in trials if t.number == final["chosen_trial"]) if final else study.best_trial
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
    }


def stage_loss(
    pool: Executor, plan: Plan, stage: Stage, overrides: dict[str, float], seeds: list[int], targets: pd.DataFrame
) -> float:
    """The stage's loss for one parameter set: the mean over the replicates against its targets."""
    mean = replicate_values(pool, plan.scenario_file, overrides, seeds, stage.scale, stage.end).mean()
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
    pool: Executor,
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
        value = stage_loss(pool, plan, stage, {**fixed, **by_number[number].params}, seeds, targets)
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
    plan: Plan, folder: Path, jobs: int = 2, stages: list[str] | None = None, say: Callable[[str], None] = print
) -> list[dict[str, Any]]:
    """Run the plan's stages in order (each fixing the ones before) and write the parameters."""
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
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for stage in chosen:
            say(
                f"stage {stage.name}: {len(stage.parameters)} parameters, scale {stage.scale}, up to {stage.budget} trials"
            )
            report = run_stage(plan, stage, fixed, folder, pool, say)
            fixed.update(report["best"])
            reports.append(report)
            say(f"stage {stage.name}: {stage_summary(report)} ({report['wall_seconds']:.0f} s)")
    write_parameters(plan, fixed, reports)
    (folder / "stages.json").write_text(json.dumps(reports, indent=2, default=str) + "\n")
    return reports


# --- the check and the fit report ----------------------------------------------------------------------
def fit_check(
    scenario_file: str, replicates: int, scale: float, seed: int, jobs: int = 2
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Run the (calibrated) scenario `replicates` times; per target, mean, 90% interval, error."""
    scenario = load_scenario(scenario_file)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        runs = list(
            pool.map(
                _timeseries, [scenario_file] * replicates, [seed + r for r in range(replicates)], [scale] * replicates
            )
        )
    targets = load_targets()
    values = pd.DataFrame([model_values(ts, targets) for ts in runs])
    table = targets[["key", "date", "quantity", "kind", "value", "low", "high", "confidence", "role", "source"]].copy()
    table["target_at_scale"] = table["value"] * scale
    table["model_mean"] = values.mean().reindex(table["key"]).to_numpy()
    observed = values.loc[:, values.notna().any()]  # targets dated within the run
    table["model_low"] = observed.quantile(INTERVAL[0] / 100).reindex(table["key"]).to_numpy()
    table["model_high"] = observed.quantile(INTERVAL[1] / 100).reindex(table["key"]).to_numpy()
    table["relative_error"] = relative_errors(values.mean(), targets, scale).reindex(table["key"]).to_numpy()
    table.attrs.update({"replicates": replicates, "scale": scale, "seed": seed, "scenario": scenario.name})
    return table, runs


def _timeseries(scenario_file: str, seed: int, scale: float) -> pd.DataFrame:
    model = NGOModel(load_scenario(scenario_file), seed=seed, scale=scale)
    model.run()
    return model.timeseries()


def criteria(table: pd.DataFrame) -> pd.DataFrame:
    """The issue's acceptance criteria, each with the model's figure and whether it is met."""
    fit = table[table["role"] == "fit"].set_index("key")
    scale = table.attrs.get("scale", 1.0)
    rows = []
    registered = fit[fit["quantity"] == "registered"]
    worst = registered["relative_error"].abs().max()
    rows.append(
        (
            "every fitted registered count within 15%",
            f"worst {worst:.1%} ({registered['relative_error'].abs().idxmax()})",
            worst <= 0.15,
        )
    )
    for year in (2013, 2014):
        gr = fit.loc[f"internationalised/grassroots/{year}-12-31", "model_mean"]
        rows.append(
            (
                f"internationalised G-R NGOs {year} between 2 and 10 (x scale)",
                f"{gr:.2f}",
                2 * scale <= gr <= 10 * scale,
            )
        )
        err = fit.loc[f"internationalised/gongo/{year}-12-31", "relative_error"]
        rows.append((f"internationalised GONGOs {year} within 20%", f"{err:+.1%}", abs(err) <= 0.20))
    err = fit.loc["ecosoc_status/all_mainland/2010-07-31", "relative_error"]
    rows.append(("mainland ECOSOC status 2010 within 25%", f"{err:+.1%}", abs(err) <= 0.25))
    n1999 = fit.loc["ecosoc_status/all_mainland/1999-12-31", "model_mean"]
    rows.append(
        ("mainland ECOSOC status end of 1999 between 1 and 6 (x scale)", f"{n1999:.2f}", scale <= n1999 <= 6 * scale)
    )
    return pd.DataFrame(rows, columns=["criterion", "model", "met"])


def forecasts(runs: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Forecasts beyond the calibration window, as means and 90% intervals over the runs."""
    frame = pd.concat([ts.assign(replicate=i) for i, ts in enumerate(runs)])
    frame["date"] = pd.to_datetime(frame["date"])
    year_end = frame[frame["date"].dt.month == 12]

    def spread(column: str, years: range) -> pd.DataFrame:
        chosen = year_end[year_end["date"].dt.year.isin(list(years))]
        grouped = chosen.groupby(chosen["date"].dt.year)[column]
        return pd.DataFrame(
            {
                "mean": grouped.mean(),
                "low": grouped.quantile(INTERVAL[0] / 100),
                "high": grouped.quantile(INTERVAL[1] / 100),
            }
        ).rename_axis("year")

    registered = pd.concat(
        {kind: spread(f"registered_{kind}", range(2016, 2023)) for kind in ("gongo", "grassroots", "foundation")},
        axis=1,
    )
    status = spread("consultative_grassroots", range(2016, 2025))
    upr = frame.assign(total=frame[[c for c in frame.columns if c.startswith("upr_submissions_")]].sum(axis=1))
    per_step = upr[upr["total"] > 0].groupby(["date", "replicate"])["total"].sum().groupby("date")
    submissions = pd.DataFrame(
        {"mean": per_step.mean(), "low": per_step.quantile(0.05), "high": per_step.quantile(0.95)}
    )
    submissions.index = [f"reports sent in the quarter ending {d.date()}" for d in submissions.index]
    return {"registered": registered, "grassroots_status": status, "upr_submissions": submissions}


def fit_figure(table: pd.DataFrame, runs: list[pd.DataFrame], path: Path) -> None:
    """Targets against the model's runs: one panel per quantity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (
            "registered organisations",
            ["registered_gongo", "registered_grassroots", "registered_foundation"],
            "registered",
        ),
        ("internationalised", ["internationalised_gongo", "internationalised_grassroots"], "internationalised"),
        ("mainland ECOSOC status holders", ["consultative_all"], "ecosoc_status"),
    ]
    scale = table.attrs.get("scale", 1.0)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (title, columns, quantity) in zip(axes, panels, strict=True):
        for column, colour in zip(columns, ("tab:blue", "tab:orange", "tab:green"), strict=False):
            for ts in runs:
                ax.plot(pd.to_datetime(ts["date"]), ts[column], color=colour, alpha=0.15, lw=0.8)
            ax.plot([], [], color=colour, label=column)
        chosen = table[
            (table["quantity"] == quantity) & table["kind"].isin(["gongo", "grassroots", "foundation", "all_mainland"])
        ]
        for role, marker in (("fit", "o"), ("validation", "s")):
            rows = chosen[chosen["role"] == role]
            ax.scatter(
                pd.to_datetime(rows["date"]),
                rows["target_at_scale"],
                marker=marker,
                color="black",
                zorder=3,
                label=f"target ({role})",
            )
        if quantity == "internationalised":
            ax.set_yscale("symlog", linthresh=5)
        ax.set_title(f"{title} (scale {scale:g})")
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    table: pd.DataFrame, runs: list[pd.DataFrame], plan: Plan | None, folder: Path, stages: list[dict[str, Any]]
) -> Path:
    """fit.csv, fit.png and fit-report.md in `folder`; returns the report's path."""
    from sim.experiments.compare import markdown_table

    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "fit.csv", index=False)
    fit_figure(table, runs, folder / "fit.png")
    shown = table.assign(
        target=[_target_text(r) for r in table.itertuples()],
        model=[
            f"{m:,.1f} [{lo:,.1f}, {hi:,.1f}]"
            for m, lo, hi in zip(table["model_mean"], table["model_low"], table["model_high"], strict=True)
        ],
        error=[f"{e:+.1%}" if not math.isnan(e) else "" for e in table["relative_error"]],
    )
    attrs = table.attrs
    parts = [
        "# Fit report",
        "",
        f"Scenario `{attrs.get('scenario')}`, {attrs.get('replicates')} replicates (seeds {attrs.get('seed')}..), scale {attrs.get('scale')}. "
        "Model: mean [90% interval over replicates]; targets thinned by the scale.",
        "",
        "## Acceptance criteria",
        markdown_table(criteria(table).set_index("criterion")) if (table["role"] == "fit").any() else "",
        "",
    ]
    if runs and (runs[0]["date"] == "2016-12-31").any():
        parts += [
            "## Patterns",
            "The qualitative patterns of the history (sim/experiments/patterns.py), run by run.",
            "",
            markdown_table(pattern_table(runs, float(attrs.get("scale", 1.0)))),
            "",
        ]
    for role, heading in (("fit", "Fitted targets"), ("validation", "Held out (validation)")):
        rows = shown[shown["role"] == role].set_index("key")[["target", "confidence", "model", "error"]]
        parts += [f"## {heading}", markdown_table(rows), ""]
    if stages:
        parts += [
            "## Stages",
            "Losses of the search (on the search's replicates) and, where a stage confirms its finalists, of "
            "its starting point and the chosen trial on fresh seeds (docs/calibration.md).",
            "",
            markdown_table(stage_table(stages)),
            "",
        ]
    if plan is not None:
        values = load_scenario(plan.scenario_file).parameters
        rows = [
            (name, f"[{low:g}, {high:g}]", f"{getattr(values, name):.6g}", stage.name)
            for stage in plan.stages
            for name, (low, high) in stage.parameters.items()
        ]
        parts += [
            "## Calibrated parameters",
            markdown_table(pd.DataFrame(rows, columns=["parameter", "range", "value", "stage"]).set_index("parameter")),
            "",
        ]
    if runs:
        for name, frame in forecasts(runs).items():
            parts += [f"## Forecast: {name}", markdown_table(frame.round(1)), ""]
    parts.append("![fit](fit.png)")
    path = folder / "fit-report.md"
    path.write_text("\n".join(parts) + "\n")
    return path


def stage_table(stages: list[dict[str, Any]]) -> pd.DataFrame:
    """The stages' bookkeeping as a table: losses to 4 decimals, seconds whole, blanks where not confirmed."""
    frame = pd.DataFrame(stages).reindex(columns=STAGE_COLUMNS).set_index("stage")
    shown = frame.astype(object).where(frame.notna(), "")
    for column in ("start_loss", "loss", "confirmed_start_loss", "confirmed_loss"):
        shown[column] = [f"{v:.4f}" if v != "" else "" for v in shown[column]]
    shown["wall_seconds"] = [f"{v:.0f}" for v in frame["wall_seconds"]]
    shown["trials"] = [f"{v:.0f}" for v in frame["trials"]]
    shown["chosen_trial"] = [f"{v:.0f}" if v != "" else "" for v in shown["chosen_trial"]]
    return shown


def _target_text(row: Any) -> str:
    text = f"{row.target_at_scale:,.1f}"
    if not (math.isnan(row.low) and math.isnan(row.high)):
        text += f" (range {row.low * (row.target_at_scale / row.value):,.0f}-{row.high * (row.target_at_scale / row.value):,.0f})"
    return text
