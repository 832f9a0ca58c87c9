"""The check: run the calibrated scenario many times and hold it against every target (fitted and
held out) and against the plan's acceptance criteria; the forecasts beyond the calibration window.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from sim.experiments.calibration.plan import Criterion, select
from sim.experiments.executor import Executor
from sim.experiments.runner import simulate
from sim.experiments.scenario_file import load_scenario
from sim.experiments.targets import load_targets, model_values, relative_errors

INTERVAL = (5, 95)
CRITERIA_COLUMNS = ["criterion", "model", "met"]


def fit_check(
    scenario_file: str, replicates: int, scale: float, seed: int, jobs: int = 2, backend: str = "processes"
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Run the (calibrated) scenario `replicates` times; per target, mean, 90% interval, error."""
    scenario = load_scenario(scenario_file)
    with Executor(backend, jobs) as executor:
        runs = executor.map(partial(timeseries, scenario_file, scale=scale), [seed + r for r in range(replicates)])
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


def timeseries(scenario_file: str, seed: int, scale: float) -> pd.DataFrame:
    """One replicate of the scenario, run to its end: its time series."""
    return simulate(load_scenario(scenario_file), seed, scale).timeseries()


def criteria(table: pd.DataFrame, plan_criteria: tuple[Criterion, ...] | list[Criterion]) -> pd.DataFrame:
    """The plan's acceptance criteria held against the check's table: each with the model's figure
    and whether it is met (a criterion whose targets the check has no value for is not met). A
    criterion judges the targets of its role: fitted ones, or held-out ones (checked, never fitted)."""
    scale = float(table.attrs.get("scale", 1.0))
    rows = []
    for criterion in plan_criteria:
        judged = table[table["role"] == criterion.role]
        chosen = judged[select(judged, [criterion.targets])].set_index("key")
        rows.append((criterion.label, *evaluate(criterion, chosen, scale)))
    return pd.DataFrame(rows, columns=CRITERIA_COLUMNS).astype({"met": bool})


def evaluate(criterion: Criterion, rows: pd.DataFrame, scale: float) -> tuple[str, bool]:
    """One criterion on its targets' rows (indexed by key): the model's figure and whether it is met."""
    if criterion.test == "within":
        errors = rows["relative_error"].dropna()
        if errors.empty:
            return "no model value", False
        if len(rows) == 1:
            return f"{errors.iloc[0]:+.1%}", bool(abs(errors.iloc[0]) <= criterion.bound)
        worst = errors.abs()
        figure = f"worst {worst.max():.1%} ({worst.idxmax()})"
        return figure, bool(len(errors) == len(rows) and worst.max() <= criterion.bound)
    means = rows["model_mean"]
    if means.isna().any() or means.empty:
        return "no model value", False
    low, high = criterion.low * scale, criterion.high * scale
    figure = ", ".join(f"{m:.2f}" for m in means)
    return figure, bool(((low <= means) & (means <= high)).all())


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
