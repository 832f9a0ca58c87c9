"""Analyses of a stored experiment: paired comparisons, sensitivity indices, scenario discovery
and the report. This module reads the store and hands tables to `sim.analysis` (which knows
nothing of the model); what it writes goes into the store's `analyses/` folder, and each
analysis is recorded in the catalogue with the command that reproduces it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.experiment import SCENARIO_FACTOR
from sim.experiments.outcomes import OUTCOMES, label
from sim.experiments.store import Store, StoreError

# the outcomes a comparison shows when none are named: the ones the policy questions are about
MAIN_OUTCOMES = (
    "registered_grassroots",
    "internationalised_grassroots",
    "consultative_grassroots",
    "internationalised_gongo",
    "consultative_gongo",
    "trust_grassroots",
)
ANALYSES = "analyses"


class AnalysisError(ValueError):
    """An analysis asked of a store that cannot answer it (unknown outcome, wrong design, no runs)."""


# --- outcomes at dates ---------------------------------------------------------------------------------
def check_outcomes(outcomes: list[str] | None, default: tuple[str, ...] = MAIN_OUTCOMES) -> list[str]:
    """The outcomes asked for (the default set if none), each a known outcome key."""
    chosen = list(outcomes or default)
    unknown = [o for o in chosen if o not in OUTCOMES]
    if unknown:
        raise AnalysisError(f"--outcome {', '.join(unknown)}: not an outcome (allowed: {', '.join(OUTCOMES)})")
    return list(dict.fromkeys(chosen))


def value_at(timeseries: pd.DataFrame, outcome: str, date: str) -> float:
    """An outcome at the end of the step holding `date`: the column's value then, or its total up to then."""
    column, how, _ = OUTCOMES[outcome]
    upto = timeseries[timeseries["date"] >= date].index
    if len(upto) == 0:
        return float("nan")
    last = timeseries.index.get_loc(upto[0])
    if how == "end":
        return float(timeseries[column].iloc[last])
    return float(timeseries[column].iloc[: last + 1].sum())


def outcome_values(
    store: Store, experiment: str, outcomes: list[str], dates: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every finished run's outcomes at the dates (default: the run's last date), as a long table
    (scenario, stratum, seed, point, replicate, run_id, outcome, date, value), and the runs' time series
    (with scenario, stratum and seed). The stratum is a run's values of the factors other than the
    scenario (`veto_2010=-0.56`; empty when the scenario is the only factor)."""
    series = store.timeseries(experiment)
    if series.empty:
        raise AnalysisError(f"experiment {experiment!r} has no finished runs in {store.folder} (run it first)")
    runs = store.done_runs(experiment).set_index("run_id")
    runs["stratum"] = [stratum(json.loads(v)) for v in runs["factor_values"]]
    last = str(series["date"].max())
    first = str(series["date"].min())
    chosen = dates or [last]
    for day in chosen:
        if not first <= day <= last:
            raise AnalysisError(f"--at {day}: outside the runs (allowed: a date from {first} to {last})")
    rows = []
    for run_id, ts in series.groupby("run_id", sort=False):
        ts = ts.reset_index(drop=True)
        run = runs.loc[run_id]
        for outcome in outcomes:
            for day in chosen:
                rows.append(
                    {
                        "scenario": run["scenario"],
                        "stratum": run["stratum"],
                        "seed": int(run["seed"]),
                        "point": int(run["point"]),
                        "replicate": int(run["replicate"]),
                        "run_id": run_id,
                        "outcome": outcome,
                        "date": day,
                        "value": value_at(ts, outcome, day),
                    }
                )
    series = series.merge(runs[["scenario", "stratum", "seed"]], left_on="run_id", right_index=True)
    return pd.DataFrame(rows), series


def stratum(values: dict[str, Any]) -> str:
    """A run's values of the factors other than the scenario, as `name=value` text, numbers exactly as
    Python writes them back (empty if none)."""
    return ", ".join(
        f"{name}={value!r}" if isinstance(value, float) else f"{name}={value}"
        for name, value in values.items()
        if name != SCENARIO_FACTOR
    )


def check_date(text: str) -> str:
    """An --at date as ISO text."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise AnalysisError(f"--at {text!r}: not a date (allowed: YYYY-MM-DD)") from None


# --- comparisons -----------------------------------------------------------------------------------------
@dataclass
class Comparison:
    """A comparison's table of means and paired differences, its warnings and where it was written."""

    table: pd.DataFrame
    warnings: list[str]
    note: str
    files: list[Path]


def comparison_scenarios(store: Store, experiment: str) -> list[str]:
    """The scenarios a stored experiment compares (the levels of its scenario factor, in order)."""
    definition = store.definition(experiment)
    factors = [f for f in definition["factors"] if f["name"] == SCENARIO_FACTOR]
    if not factors:
        raise AnalysisError(f"experiment {experiment!r} has no scenario factor: it is not a comparison")
    return list(dict.fromkeys(store.done_runs(experiment)["scenario"]))


def compare(
    store: Store,
    experiment: str,
    reference: str | None = None,
    outcomes: list[str] | None = None,
    dates: list[str] | None = None,
    method: str = "bootstrap",
    figures: bool = True,
) -> Comparison:
    """Each scenario's mean and its paired difference from the reference, per outcome and date, with
    95% intervals; writes comparison.csv, comparison.md and the figures into the store's analyses/."""
    from sim.analysis import paired

    outcomes = check_outcomes(outcomes)
    scenarios = comparison_scenarios(store, experiment)
    reference = reference or scenarios[0]
    if reference not in scenarios:
        raise AnalysisError(f"--reference {reference!r}: not compared here (allowed: {', '.join(scenarios)})")
    if method not in paired.METHODS:
        raise AnalysisError(f"--method {method!r} (allowed: {', '.join(paired.METHODS)})")
    values, series = outcome_values(store, experiment, outcomes, dates)
    table = paired_by_stratum(values, reference, method)
    folder = analysis_folder(store, experiment)
    files = [_write_csv(table, folder / "comparison.csv")]
    files.append(_write_text(folder / "comparison.md", comparison_markdown(table, reference, method)))
    if figures:
        files += comparison_figures(table, series, outcomes, folder)
    return Comparison(table, paired.warnings_for(table), paired.multiple_comparisons_note(table), files)


def paired_by_stratum(values: pd.DataFrame, reference: str, method: str) -> pd.DataFrame:
    """The paired comparison (sim.analysis.paired) within each stratum: runs are paired by seed among
    runs with the same values of the other factors. A `stratum` column follows `date` when the
    experiment has other factors; `label` follows `outcome`."""
    from sim.analysis import paired

    parts = []
    for name, group in values.groupby("stratum", sort=False):
        if reference not in set(group["scenario"]):
            raise AnalysisError(
                f"--reference {reference!r}: no finished run of it at {name} (allowed: run the sweep again to "
                "finish it, or a reference with runs at every value of the other factors)"
            )
        part = paired.paired_comparison(
            group[["scenario", "seed", "outcome", "date", "value"]], reference, method=method
        )
        if name:
            part.insert(2, "stratum", name)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table.insert(1, "label", [label(o) for o in table["outcome"]])
    if "stratum" in table.columns:
        table["label"] = table["label"] + " (" + table["stratum"] + ")"
    return table


def comparison_figure_set(table: pd.DataFrame, series: pd.DataFrame, outcomes: list[str]) -> list[tuple[str, Any]]:
    """(file name, figure) for each outcome's time series with bands per scenario (one figure per stratum
    when the experiment has other factors), and a forest plot of the differences per date (every stratum
    in it); a run total is shown as its running sum."""
    from sim.analysis import figures

    made = []
    for outcome in outcomes:
        column = OUTCOMES[outcome][0]
        frame = series[["scenario", "stratum", "seed", "date", column]].rename(columns={column: outcome})
        if OUTCOMES[outcome][1] == "total":
            frame[outcome] = frame.groupby(["scenario", "stratum", "seed"])[outcome].cumsum()
        strata = list(dict.fromkeys(frame["stratum"]))
        if strata == [""]:
            figure = figures.timeseries_bands(frame.drop(columns="stratum"), outcome, label(outcome))
            made.append((f"series-{outcome}.png", figure))
        else:  # one figure per stratum, named in its title
            for i, name in enumerate(strata, start=1):
                part = frame[frame["stratum"] == name].drop(columns="stratum")
                figure = figures.timeseries_bands(part, outcome, label(outcome), title=f"{label(outcome)} ({name})")
                made.append((f"series-{outcome}-stratum{i}.png", figure))
        for day in dict.fromkeys(table.loc[table["outcome"] == outcome, "date"]):
            made.append((f"forest-{outcome}-{day}.png", figures.forest_plot(table, outcome, day)))
    return made


def comparison_figures(table: pd.DataFrame, series: pd.DataFrame, outcomes: list[str], folder: Path) -> list[Path]:
    """The comparison's figures written into `folder` as PNG."""
    from sim.analysis import figures

    return [figures.save(fig, folder / name) for name, fig in comparison_figure_set(table, series, outcomes)]


def comparison_markdown(table: pd.DataFrame, reference: str, method: str) -> str:
    """The comparison as Markdown: outcomes as rows, scenarios as columns, mean and difference with intervals."""
    from sim.analysis.paired import multiple_comparisons_note

    wide = comparison_cells(table)
    lines = [
        f"# Scenario comparison against {reference}",
        "",
        f"Each cell: the mean over paired seeds [95% interval]; below it, the paired difference from {reference} "
        f"[95% interval, {method}]. {multiple_comparisons_note(table)}",
        "",
        "| outcome | date | " + " | ".join(wide.columns) + " |",
        "|---|---|" + "---|" * len(wide.columns),
    ]
    for (outcome, day), row in wide.iterrows():
        lines.append(f"| {outcome} | {day} | " + " | ".join(str(c).replace("\n", "<br>") for c in row) + " |")
    return "\n".join(lines) + "\n"


def comparison_cells(table: pd.DataFrame, below: str = "\n") -> pd.DataFrame:
    """(outcome label, date) rows x scenario columns; each cell 'mean [low, high]' and, after `below`, the
    difference from the reference ('?' marks an interval too wide to tell)."""
    from sim.analysis.paired import format_number as fmt

    cells = []
    for row in table.itertuples():
        text = f"{fmt(row.mean)} [{fmt(row.mean_low)}, {fmt(row.mean_high)}]"
        if not row.is_reference:
            flag = " ?" if row.too_wide else ""
            text += f"{below}{fmt(row.diff, signed=True)} [{fmt(row.diff_low, signed=True)}, {fmt(row.diff_high, signed=True)}]{flag}"
        cells.append({"outcome": row.label, "date": row.date, "scenario": row.scenario, "cell": text})
    frame = pd.DataFrame(cells)
    return frame.pivot(index=["outcome", "date"], columns="scenario", values="cell").reindex(
        index=list(dict.fromkeys(zip(frame["outcome"], frame["date"], strict=True))),
        columns=list(dict.fromkeys(frame["scenario"])),
    )


# --- sensitivity --------------------------------------------------------------------------------------------
def sensitivity(store: Store, experiment: str, outcomes: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Sobol or Morris indices (the experiment's design) of each outcome, replicates averaged per point;
    writes sensitivity-OUTCOME.csv and a figure per outcome into the store's analyses/."""
    from sim.analysis import figures
    from sim.analysis import sensitivity as sa

    definition = store.definition(experiment)
    design = definition["design"]
    if design not in ("sobol", "morris"):
        raise AnalysisError(
            f"experiment {experiment!r} has design {design!r}: sensitivity indices need design 'sobol' or 'morris'"
        )
    outcomes = check_outcomes(
        outcomes, ("registered_grassroots", "internationalised_grassroots", "consultative_grassroots")
    )
    table = store.outcomes(experiment)
    names = [f["name"] for f in definition["factors"]]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[f["low"], f["high"]] for f in definition["factors"]],
    }
    points = table.drop_duplicates("point").sort_values("point")
    expected = _expected_points(definition)
    if len(points) != expected:
        raise AnalysisError(
            f"experiment {experiment!r}: {len(points)} of its {expected} design points have finished runs; "
            "sensitivity needs them all (run the sweep again to finish it)"
        )
    X = points[names].to_numpy(float)
    folder = analysis_folder(store, experiment)
    results = {}
    for outcome in outcomes:
        Y = sa.average_replicates(table, outcome)
        if design == "sobol":
            indices = sa.sobol_indices(
                problem,
                X,
                Y,
                calc_second_order=bool(definition.get("second_order", False)),
                n_base=int(definition["samples"]),
                seed=int(definition["seed"]),
            )
        else:
            indices = sa.morris_indices(
                problem, X, Y, num_levels=int(definition.get("morris_levels", 4)), seed=int(definition["seed"])
            )
        results[outcome] = indices
        _write_csv(indices.reset_index(), folder / f"sensitivity-{outcome}.csv")
        figures.save(sensitivity_figure(design, indices, outcome), folder / f"sensitivity-{outcome}.png")
    return results


def sensitivity_figure(design: str, indices: pd.DataFrame, outcome: str) -> Any:
    """Sobol indices as bars, Morris mu* against sigma, titled with the outcome."""
    from sim.analysis import figures

    title = f"{design.capitalize()} indices: {label(outcome)}"
    if design == "sobol":
        return figures.sensitivity_bars(indices, title)
    figure = figures.morris_scatter(indices)
    figure.axes[0].set_title(title, loc="left")
    return figure


def _expected_points(definition: dict[str, Any]) -> int:
    d, n = len(definition["factors"]), int(definition["samples"])
    if definition["design"] == "sobol":
        return n * (2 * d + 2 if definition.get("second_order") else d + 2)
    return n * (d + 1)


# --- scenario discovery -------------------------------------------------------------------------------------
def discover(
    store: Store,
    experiment: str,
    outcome: str,
    above: float | None = None,
    below: float | None = None,
    date: str | None = None,
    threshold: float = 0.8,
) -> Any:
    """PRIM over the experiment's factors for the runs whose outcome is above (or below) a value;
    writes the boxes and the peeling trade-off figure into the store's analyses/."""
    from sim.analysis import discovery, figures

    (outcome,) = check_outcomes([outcome])
    if (above is None) == (below is None):
        raise AnalysisError("give exactly one of --above X or --below X")
    values, _ = outcome_values(store, experiment, [outcome], [date] if date else None)
    table = store.outcomes(experiment).set_index("run_id")
    names = [f["name"] for f in store.definition(experiment)["factors"]]
    x = table.loc[values["run_id"], names].reset_index(drop=True)
    for name in names:
        if x[name].dtype == object:
            x[name] = x[name].astype("category")
    y = (values["value"] > above).to_numpy() if above is not None else (values["value"] < below).to_numpy()
    rule = f"{outcome} {'>' if above is not None else '<'} {above if above is not None else below}"
    found = discovery.discover(x, np.asarray(y, bool), threshold=threshold, outcome_rule=rule)
    folder = analysis_folder(store, experiment)
    stem = "discovery-" + _slug(rule)
    boxes = discovery_table(found)
    _write_csv(boxes, folder / f"{stem}.csv")
    figures.save(figures.prim_tradeoff(found), folder / f"{stem}.png")
    return found


def discovery_table(found: Any) -> pd.DataFrame:
    """The boxes as one table: box, factor, limits, and the box's coverage, density and mass."""
    rows = []
    for number, box in enumerate(found.boxes, 1):
        for factor, limits in box.limits.iterrows():
            rows.append(
                {
                    "box": number,
                    "factor": factor,
                    **{k: v for k, v in limits.items() if not (isinstance(v, float) and np.isnan(v))},
                    "coverage": box.coverage,
                    "density": box.density,
                    "mass": box.mass,
                    "runs": box.n,
                }
            )
    return pd.DataFrame(rows)


# --- files -------------------------------------------------------------------------------------------------
def analysis_folder(store: Store, experiment: str) -> Path:
    """Where an experiment's analyses go: STORE/analyses/EXPERIMENT (inside the store, whatever the name)."""
    root = (store.folder / ANALYSES).resolve()
    folder = (root / _slug(experiment)).resolve()
    if root not in folder.parents:
        raise StoreError(f"experiment name {experiment!r} would place outputs outside {root}")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "x"


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    frame.to_csv(partial, index=False)
    partial.replace(path)
    return path


def _write_text(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    partial.replace(path)
    return path


def provenance(store: Store, experiment: str) -> dict[str, Any]:
    """Who made the runs: the git commits, package versions and counts, and one run's full manifest summary."""
    runs = store.runs(experiment)
    done = runs[runs["status"] == "done"]
    info: dict[str, Any] = {
        "store": str(store.folder),
        "experiment": experiment,
        "runs planned": len(runs),
        "runs done": len(done),
        "runs failed": int((runs["status"] == "failed").sum()),
        "git commits": ", ".join(sorted(set(done["git_commit"].dropna()))) or "none",
        "package versions": ", ".join(sorted(set(done["package_version"].dropna()))) or "none",
        "seeds": ", ".join(str(s) for s in sorted(set(done["seed"]))),
        "scale": ", ".join(f"{s:g}" for s in sorted(set(done["scale"]))),
        "total run time (s)": round(float(done["wall_seconds"].sum()), 1),
    }
    if not done.empty:
        manifest = store.folder / str(done["file"].iloc[0]) / "manifest.json"
        if manifest.is_file():
            first = json.loads(manifest.read_text())
            info.update({k: first.get(k) for k in ("python", "numpy", "mesa") if k in first})
    return info
