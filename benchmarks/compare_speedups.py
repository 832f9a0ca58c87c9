"""The six-preset comparison with the speed-ups off and on: both wall times, their ratio, and
whether the outcomes are identical.

`python benchmarks/compare_speedups.py` runs `ngosim compare` of the six presets (status_quo
open_registration lift_objections inclusive_support open_all tightening) at `--scale 1.0
--replicates 3 --jobs 2` twice, each into its own temporary results store: once with
NGOSIM_SPEEDUPS=0 and once with NGOSIM_SPEEDUPS=1 (sim/model/speedups.py). Outcomes are
identical when every run's time series, event log and organisations table, paired by
scenario, seed and scale from the runs' manifests, and the comparison table
(analyses/compare/comparison.csv) are equal exactly. Before the timed runs, one small model
runs with the speed-ups on so the compiled passes are in numba's cache (as for any run after
the first on a machine). `--quick` runs scale 0.05 with 1 replicate (a smoke run). `--rounds N`
measures both ways N times in turn and prints every round's ratio and their median (a busy
shared machine moves one round's ratio by a few hundredths).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ("status_quo", "open_registration", "lift_objections", "inclusive_support", "open_all", "tightening")
TABLES = ("timeseries.parquet", "events.parquet", "organisations.parquet")
COMPARISON = Path("analyses") / "compare" / "comparison.csv"
WARM_UP = (
    "import datetime as dt, dataclasses; from sim import NGOModel, load_scenario; "
    "s = dataclasses.replace(load_scenario('scenarios/history.toml'), end=dt.date(1996, 12, 31)); "
    "NGOModel(s, seed=1, scale=0.002).run()"
)


def _env(switch: str) -> dict[str, str]:
    return {**os.environ, "NGOSIM_SPEEDUPS": switch, "PYTHONPATH": str(ROOT)}


def warm_up() -> None:
    """Compile the speed-ups' passes into numba's cache (not timed)."""
    subprocess.run([sys.executable, "-c", WARM_UP], cwd=ROOT, env=_env("1"), check=True)


def timed_compare(out: Path, switch: str, scale: float, replicates: int, jobs: int) -> float:
    """Wall seconds of one `ngosim compare` of the presets into `out` with NGOSIM_SPEEDUPS=`switch`."""
    command = [sys.executable, "-m", "sim.cli", "compare", *PRESETS, "--scale", str(scale)]
    command += ["--replicates", str(replicates), "--jobs", str(jobs), "--out", str(out), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=_env(switch), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def runs_of(store: Path) -> dict[tuple, Path]:
    """The store's run folders by (scenario, seed, scale), from their manifests."""
    found = {}
    for manifest in sorted(store.glob("runs/*/manifest.json")):
        info = json.loads(manifest.read_text())
        found[(info["scenario"], info["seed"], info["scale"])] = manifest.parent
    return found


def differences(off: Path, on: Path) -> list[str]:
    """What differs between the two stores' outcomes (nothing when they are identical)."""
    runs_off, runs_on = runs_of(off), runs_of(on)
    found = []
    if runs_off.keys() != runs_on.keys() or not runs_off:
        found.append(f"runs differ: {sorted(runs_off)} against {sorted(runs_on)}")
    for spec in sorted(runs_off.keys() & runs_on.keys()):
        for table in TABLES:
            a, b = pd.read_parquet(runs_off[spec] / table), pd.read_parquet(runs_on[spec] / table)
            try:
                pd.testing.assert_frame_equal(a, b, check_exact=True)
            except AssertionError as err:
                found.append(f"{spec} {table}: {str(err).splitlines()[0]}")
    a, b = pd.read_csv(off / COMPARISON), pd.read_csv(on / COMPARISON)
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as err:
        found.append(f"{COMPARISON}: {str(err).splitlines()[0]}")
    return found


def measure(scale: float, replicates: int, jobs: int, keep: Path | None = None) -> dict:
    """Run the comparison both ways; return the wall times, their ratio and the differences."""
    warm_up()
    with tempfile.TemporaryDirectory(prefix="ngosim-speedups-") as tmp:
        base = keep or Path(tmp)
        for switch in "01":  # a store that holds finished runs would reuse them
            if (base / f"speedups-{switch}").exists():
                raise SystemExit(f"--keep: {base / f'speedups-{switch}'} exists already; give an empty folder")
        walls = {switch: timed_compare(base / f"speedups-{switch}", switch, scale, replicates, jobs) for switch in "01"}
        found = differences(base / "speedups-0", base / "speedups-1")
    return {
        "scale": scale,
        "replicates": replicates,
        "jobs": jobs,
        "runs": len(PRESETS) * replicates,
        "wall_off_s": round(walls["0"], 1),
        "wall_on_s": round(walls["1"], 1),
        "ratio_on_off": round(walls["1"] / walls["0"], 3),
        "identical": not found,
        "differences": found,
    }


def report(result: dict) -> str:
    """The figures as lines of text."""
    lines = [
        f"ngosim compare of {len(PRESETS)} presets, scale {result['scale']}, {result['replicates']} replicate(s), "
        f"{result['jobs']} workers ({result['runs']} runs)",
        f"  speed-ups off (NGOSIM_SPEEDUPS=0): {result['wall_off_s']:.1f} s",
        f"  speed-ups on  (NGOSIM_SPEEDUPS=1): {result['wall_on_s']:.1f} s",
        f"  ratio on/off: {result['ratio_on_off']:.2f}",
        f"  outcomes identical: {'yes' if result['identical'] else 'NO'}",
    ]
    lines += [f"    {line}" for line in result["differences"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scale 0.05, 1 replicate (a smoke run)")
    parser.add_argument("--scale", type=float, help="population scale (default 1.0; 0.05 with --quick)")
    parser.add_argument("--replicates", type=int, help="replicates per preset (default 3; 1 with --quick)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--keep", type=Path, help="keep both results stores in this folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure both ways this many times, in turn (default 1); prints the median ratio",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or (args.keep and args.rounds > 1):
        parser.error("--rounds: a whole number >= 1 (and 1 with --keep, which keeps one pair of stores)")
    scale = args.scale if args.scale is not None else (0.05 if args.quick else 1.0)
    replicates = args.replicates if args.replicates is not None else (1 if args.quick else 3)
    results = []
    for _ in range(args.rounds):
        results.append(measure(scale, replicates, args.jobs, args.keep))
        print(report(results[-1]), flush=True)
    if args.rounds > 1:
        print(rounds_summary(results))
    if args.json:
        figures = results[0] if args.rounds == 1 else {"rounds": results, "median_ratio_on_off": median_ratio(results)}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if all(result["identical"] for result in results) else 1


def median_ratio(results: list[dict]) -> float:
    """The median of the rounds' on/off ratios (each round measured side by side)."""
    return round(float(statistics.median(r["ratio_on_off"] for r in results)), 3)


def rounds_summary(results: list[dict]) -> str:
    """One line over the rounds: every ratio, the median, and whether every round's outcomes were identical."""
    ratios = ", ".join(f"{r['ratio_on_off']:.3f}" for r in results)
    same = "yes" if all(r["identical"] for r in results) else "NO"
    return f"ratio on/off over {len(results)} rounds: {ratios}; median {median_ratio(results):.3f}; outcomes identical: {same}"


if __name__ == "__main__":
    sys.exit(main())
