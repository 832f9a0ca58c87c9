"""Comparing scenarios: each run with the same replicate seeds (common random numbers), in
parallel processes, then a table of outcomes with their spread over replicates.

Runs already on disk with the same scenario, parameters, seed and scale are reused, so an
interrupted comparison resumes where it stopped; a damaged run folder is run again.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.experiments.outcomes import label, outcomes
from sim.experiments.provenance import RESULTS_SCHEMA_VERSION, fingerprint, git_state
from sim.experiments.runner import intact, run_scenario
from sim.experiments.scenario_file import load_scenario
from sim.model.scenario import Scenario

INTERVAL = (5, 95)  # the percentiles of the replicates shown as a 90% interval


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Seeds of the replicates: the same for every scenario, so differences come from policy."""
    return [root_seed + i for i in range(replicates)]


def run_folder(out: Path, scenario: str, seed: int) -> Path:
    return out / scenario / f"seed-{seed}"


def _finished(folder: Path, scenario: Scenario, seed: int, scale: float) -> pd.DataFrame | None:
    """The time series of a finished, undamaged run with these settings, or None."""
    info = intact(folder)
    if info is None:
        return None
    try:
        same = (
            info.get("results_schema_version") == RESULTS_SCHEMA_VERSION
            and info.get("seed") == seed
            and info.get("scale") == scale
            and info.get("scenario_fingerprint") == fingerprint(scenario)
        )
        return pd.read_parquet(folder / "timeseries.parquet") if same else None
    except (OSError, ValueError, KeyError):
        return None


def _run_one(scenario_file: str, seed: int, scale: float, out: str) -> pd.DataFrame:
    """One replicate (in a worker process): run it into its folder unless it is already there."""
    scenario = load_scenario(scenario_file)
    folder = run_folder(Path(out), scenario.name, seed)
    done = _finished(folder, scenario, seed, scale)
    if done is not None:
        return done
    return run_scenario(scenario, seed=seed, scale=scale, out=folder).timeseries


def compare(
    scenario_files: list[str | Path],
    replicates: int = 3,
    seed: int = 1,
    scale: float = 1.0,
    out: str | Path = "results/compare",
    jobs: int = 2,
    progress: bool = False,
) -> pd.DataFrame:
    """Run every scenario `replicates` times and return (and write) the comparison table."""
    scenarios = [load_scenario(path) for path in scenario_files]  # check every file before any run
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"two scenario files share a name: {sorted(names)} (allowed: distinct names)")
    out = Path(out)
    seeds = replicate_seeds(seed, replicates)
    tasks = [(str(path), s, scale, str(out)) for path in scenario_files for s in seeds]
    summaries: dict[tuple[str, int], dict[str, float]] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_one, *task): task for task in tasks}
        bar = tqdm(total=len(tasks), desc="runs", unit="run", disable=not progress)
        by_file = {str(path): scenario for path, scenario in zip(scenario_files, scenarios, strict=True)}
        for future in futures:
            path, s, _, _ = futures[future]
            summaries[(by_file[path].name, s)] = outcomes(future.result())
            bar.update()
        bar.close()
    table = comparison_table(summaries)
    write_comparison(table, out, scenarios, seeds, scale)
    return table


def comparison_table(summaries: dict[tuple[str, int], dict[str, float]]) -> pd.DataFrame:
    """Mean and 90% interval (5th-95th percentile of replicates) of each outcome per scenario."""
    rows = []
    for name in dict.fromkeys(name for name, _ in summaries):
        runs = pd.DataFrame([values for (n, _), values in summaries.items() if n == name])
        for outcome in runs.columns:
            values = runs[outcome].to_numpy(float)
            low, high = np.percentile(values, INTERVAL)
            rows.append(
                {
                    "scenario": name,
                    "outcome": outcome,
                    "label": label(outcome),
                    "mean": values.mean(),
                    "low": low,
                    "high": high,
                    "replicates": len(values),
                }
            )
    return pd.DataFrame(rows)


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Outcomes as rows, scenarios as columns, each cell 'mean [low, high]'."""
    cells = table.assign(
        cell=[
            f"{m:,.2f} [{lo:,.2f}, {hi:,.2f}]" if abs(m) < 10 else f"{m:,.0f} [{lo:,.0f}, {hi:,.0f}]"
            for m, lo, hi in zip(table["mean"], table["low"], table["high"], strict=True)
        ]
    )
    return cells.pivot(index="label", columns="scenario", values="cell").reindex(
        index=list(dict.fromkeys(table["label"])), columns=list(dict.fromkeys(table["scenario"]))
    )


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (index as the first column)."""
    header = [frame.index.name or "", *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join([str(index), *map(str, row)]) + " |"
        for index, row in zip(frame.index, frame.to_numpy(), strict=True)
    ]
    return "\n".join(lines)


def write_comparison(table: pd.DataFrame, out: Path, scenarios: list[Scenario], seeds: list[int], scale: float) -> None:
    """comparison.csv (long), comparison.md (wide) and compare-manifest.json in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "results_schema_version": RESULTS_SCHEMA_VERSION,
        **git_state(),
        "scenarios": {s.name: s.source_file for s in scenarios},
        "seeds": seeds,
        "scale": scale,
        "interval": f"{INTERVAL[0]}th-{INTERVAL[1]}th percentile of replicates",
    }
    tmp = out / ".comparison.csv.partial"
    table.to_csv(tmp, index=False)
    tmp.replace(out / "comparison.csv")
    text = f"# Scenario comparison (scale {scale}, seeds {seeds})\n\nmean [90% interval over replicates]\n\n{markdown_table(wide(table))}\n"
    (out / "comparison.md").write_text(text)
    (out / "compare-manifest.json").write_text(json.dumps(info, indent=2) + "\n")
