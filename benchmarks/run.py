"""ngosim's benchmarks in one run: `python benchmarks/run.py` (add `--quick` for a short check).

Prints, measured in the same run on this machine:
 (a) agent-steps per second of the engine (the full `NGOModel.step`: population, organisations
     abroad, government, UN bodies, outputs) and of the per-agent Mesa reference
     (benchmarks/reference.py) at 10k and 100k registered organisations, and their ratio;
 (b) wall time and peak memory (RSS, of a child process) of `ngosim run scenarios/history.toml`
     at full scale (1:1);
 (c) time per full model step from 10k to 3.5M registered organisations, with the growth
     exponent fitted (time ~ rows^b);
 (d) a cProfile of one full-scale step (top functions by cumulative time), and a whole 1:1
     history run with a timer around each part of the step;
 (e) sweep throughput (runs per minute on 2 workers): the engine at 1:100 and 1:1 through the
     project's sweep runner (and through a plain process pool, the stand-in used before the
     runner existed), and `mesa.batch_run` of the reference at 1:100;
 (f) the six-preset `ngosim compare` at 1:1 with 3 replicates on 2 workers, with the speed-ups
     off and on (benchmarks/compare_speedups.py): both wall times, their ratio, and whether the
     outcomes are identical.

How organisations are counted: an "organisation" is a registered organisation (a row of the
register, an agent of the reference); the millions of unregistered groups are counts per
issue domain in both implementations and are not counted. An agent-step is one organisation
taken through one step's rules: the engine's figure counts the organisations alive when its
population rules run (those alive after the step plus those dissolved in it), the same
number the reference's `shuffle_do` visits. Populations of the wanted size are made with
`scale`: the history scenario's 1995 initial state has init_gongo + init_foundation registered
organisations at 1:1 (printed), so scale = size / that number; above that, in (c) only, the 1:1
register is topped up with newly founded organisations in the kind mix of the register at the
end of a 1:100 history run.
Timings are taken from the history scenario's first quarters (1995 on), after one warm-up step.

Use `--json FILE` to keep the figures; `--only ab` to run some sections; `--wait-quiet 0.35`
on a shared machine (each section waits for the 1-minute load average to drop below 0.35).
The figures in docs/performance.md come from `--wait-quiet 0.35`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402  (forces the "spawn" start method for every pool below)
import numpy as np  # noqa: E402

from benchmarks import compare_speedups  # noqa: E402
from benchmarks.harness import PopulationRun  # noqa: E402
from benchmarks.reference import ReferenceModel  # noqa: E402
from sim.experiments.experiment import Experiment, Factor  # noqa: E402
from sim.experiments.runner import run_scenario  # noqa: E402
from sim.experiments.scenario_file import load_scenario  # noqa: E402
from sim.experiments.store import Store  # noqa: E402
from sim.experiments.sweep import sweep  # noqa: E402
from sim.model.domain import FOUNDATION, GONGO, GRASSROOTS, KINDS  # noqa: E402
from sim.model.model import NGOModel  # noqa: E402

HISTORY = ROOT / "scenarios" / "history.toml"


def release(model: mesa.Model) -> None:
    """Let a finished model be freed: Mesa 3.3 keeps a per-model id counter in `Agent._ids`,
    keyed by the model, which keeps every model (and its agents) alive otherwise."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


SEED = 2017
TARGETS = {
    "ratio_at_100k": 100.0,
    "history_wall_s": 20.0,
    "history_peak_gb": 2.0,
    "scaling_exponent": 1.0,
    "sweep_runs_per_min_1_100": 300.0,
    "sweep_runs_per_min_1_1": 6.0,
}


def history():
    return load_scenario(HISTORY)


def initial_rows() -> int:
    p = history().parameters
    return round(p.init_gongo + p.init_foundation)


# --- (a) agent-steps per second -------------------------------------------------------------------
def engine_rate(organisations: int, steps: int, seed: int = SEED) -> dict:
    """The full engine step on the history scenario at the scale giving `organisations` at the start."""
    scale = organisations / initial_rows()
    model = NGOModel(history(), seed=seed, scale=scale)
    model.step()  # warm-up
    visited = rows = 0
    elapsed = 0.0
    for _ in range(steps):
        started = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - started
        last = model.recorder.rows[-1]
        dissolved = sum(last[f"dissolved_{k}"] for k in KINDS)
        visited += int(model.register.view("alive").sum()) + dissolved
        rows += model.register.n
    result = {
        "organisations_per_step": visited / steps,
        "register_rows_per_step": rows / steps,
        "abroad_agents": len(model.abroad),
        "seconds_per_step": elapsed / steps,
        "agent_steps_per_s": visited / elapsed,
        "scale": scale,
    }
    release(model)
    return result


def reference_rate(organisations: int, steps: int, seed: int = SEED) -> dict:
    """The per-agent reference on the same scenario at the same scale."""
    scale = organisations / initial_rows()
    model = ReferenceModel(history(), seed=seed, scale=scale)
    model.step()  # warm-up
    visited = 0
    elapsed = 0.0
    for _ in range(steps):
        started = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - started
        dissolved = sum(model.flows.get(f"dissolved_{k}", 0) for k in KINDS)
        visited += len(model.agents) + dissolved
    release(model)
    return {
        "organisations_per_step": visited / steps,
        "seconds_per_step": elapsed / steps,
        "agent_steps_per_s": visited / elapsed,
        "scale": scale,
    }


def population_rate(organisations: int, steps: int, seed: int = SEED) -> dict:
    """The engine's population rules alone (`Population.step` and the outputs, benchmarks/harness.py)."""
    scale = organisations / initial_rows()
    run = PopulationRun(history(), seed, scale)
    run.step()  # warm-up
    visited = 0
    elapsed = 0.0
    for _ in range(steps):
        started = time.perf_counter()
        flows = run.step()
        elapsed += time.perf_counter() - started
        visited += int(run.register.view("alive").sum()) + int(flows.dissolved.sum())
    return {"seconds_per_step": elapsed / steps, "agent_steps_per_s": visited / elapsed}


def repeated(measure, size: int, steps: int, repeats: int) -> dict:
    """`measure` repeated on fresh models (this VM's timings vary by 10-20% from run to run):
    the repeat with the median rate, with the range of rates seen."""
    results = sorted((measure(size, steps) for _ in range(repeats)), key=lambda r: r["agent_steps_per_s"])
    median = dict(results[len(results) // 2])
    median["range"] = (results[0]["agent_steps_per_s"], results[-1]["agent_steps_per_s"])
    median["repeats"] = repeats
    return median


def section_a(quick: bool) -> dict:
    repeats = 1 if quick else 5
    print("\n(a) agent-steps per second, engine (full model step) vs reference (one Mesa agent per organisation)")
    print(
        "    history scenario from 1995-01-01, one warm-up step, then timed steps; same seed and scale; "
        f"scale = organisations / {initial_rows():,} (the 1:1 initial state); median of {repeats} fresh model(s)"
    )
    header = f"    {'organisations':>13} {'scale':>7} {'engine steps/s':>15} {'reference steps/s':>18} {'ratio':>7}"
    print(header)
    out = {}
    for size in (10_000, 100_000):
        engine = repeated(engine_rate, size, 8 if quick else 20, repeats)
        reference = repeated(reference_rate, size, 2 if quick else 4, repeats)
        population = repeated(population_rate, size, 8 if quick else 20, repeats)
        ratio = engine["agent_steps_per_s"] / reference["agent_steps_per_s"]
        low, high = engine["range"][0] / reference["range"][1], engine["range"][1] / reference["range"][0]
        out[str(size)] = {
            "engine": engine,
            "reference": reference,
            "ratio": ratio,
            "ratio_range": (low, high),
            "population_only": population,
        }
        print(
            f"    {engine['organisations_per_step']:>13,.0f} {engine['scale']:>7.4f} "
            f"{engine['agent_steps_per_s']:>15,.0f} {reference['agent_steps_per_s']:>18,.0f} {ratio:>7.1f}"
        )
        if repeats > 1:
            print(
                f"    {'':>13} ranges over the repeats: engine {engine['range'][0]:,.0f}-{engine['range'][1]:,.0f}, "
                f"reference {reference['range'][0]:,.0f}-{reference['range'][1]:,.0f}, ratio {low:.0f}-{high:.0f}"
            )
        print(
            f"    {'':>13} engine: {engine['seconds_per_step'] * 1e3:.1f} ms/step, "
            f"{engine['register_rows_per_step']:,.0f} register rows, {engine['abroad_agents']} agents abroad; "
            f"reference: {reference['seconds_per_step'] * 1e3:.0f} ms/step, "
            f"{reference['organisations_per_step']:,.0f} agents"
        )
        print(
            f"    {'':>13} engine population rules alone (Population.step + outputs): "
            f"{population['seconds_per_step'] * 1e3:.1f} ms/step, {population['agent_steps_per_s']:,.0f} agent-steps/s, "
            f"{population['agent_steps_per_s'] / reference['agent_steps_per_s']:.0f}x the reference"
        )
    met = out["100000"]["ratio"] >= TARGETS["ratio_at_100k"]
    print(f"    target: engine >= 100x reference at 100k (medians) -> {'met' if met else 'NOT met'}")
    return out


# --- (b) the full-scale history run -----------------------------------------------------------------
def ngosim_command() -> list[str]:
    script = Path(sys.executable).with_name("ngosim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def measure_child(command: list[str]) -> dict:
    """Wall time and peak RSS of a child process: /usr/bin/time -v if present, else getrusage."""
    started = time.perf_counter()
    if Path("/usr/bin/time").exists():
        done = subprocess.run(["/usr/bin/time", "-v", *command], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
        how = "/usr/bin/time -v"
    else:  # a fresh helper process, so RUSAGE_CHILDREN sees this command only
        helper = (
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        done = subprocess.run([sys.executable, "-c", helper, *command], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        peak_kb = int(done.stdout.strip().splitlines()[-1])
        how = "getrusage(RUSAGE_CHILDREN)"
    return {"wall_s": wall, "peak_rss_mb": peak_kb / 1024, "measured_with": how}


def section_b(quick: bool) -> dict:
    scale = 0.1 if quick else 1.0
    print(f"\n(b) full history run: ngosim run scenarios/history.toml (scale {scale:g}, 120 quarters)")
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / "history"
        command = [*ngosim_command(), "run", str(HISTORY.relative_to(ROOT)), "--out", str(out_dir), "--quiet"]
        if quick:
            command += ["--scale", str(scale)]
        result = measure_child(command)
        manifest = json.loads((out_dir / "manifest.json").read_text())
    result["model_wall_s"] = manifest.get("wall_seconds")
    result["scale"] = scale
    print(f"    command: {' '.join(command)}")
    print(
        f"    wall {result['wall_s']:.1f} s (model steps alone {result['model_wall_s']:.1f} s, the rest is "
        f"imports and writing), peak RSS {result['peak_rss_mb']:.0f} MB [{result['measured_with']}]"
    )
    if not quick:
        met = result["wall_s"] < TARGETS["history_wall_s"] and result["peak_rss_mb"] < TARGETS["history_peak_gb"] * 1024
        print(f"    target: under 20 s wall and under 2 GB peak -> {'met' if met else 'NOT met'}")
    return result


# --- (c) scaling -------------------------------------------------------------------------------------
def kind_mix_at_end() -> np.ndarray:
    """Share of each kind among the registered organisations at the end of a 1:100 history run."""
    model = NGOModel(history(), seed=SEED, scale=0.01)
    model.run()
    counts = model.register.count_by_kind.astype(float)
    release(model)
    return counts / counts.sum()


def model_with_rows(rows: int, mix: np.ndarray, seed: int = SEED) -> NGOModel:
    """A full model on 1995-01-01 with about `rows` registered organisations (see the module doc)."""
    base = initial_rows()
    model = NGOModel(history(), seed=seed, scale=min(1.0, rows / base))
    extra = rows - model.register.n
    if extra > 0:
        for kind, share in zip((GONGO, GRASSROOTS, FOUNDATION), mix[[GONGO, GRASSROOTS, FOUNDATION]], strict=True):
            model.population.found_registered(kind, round(extra * share), 0)
    return model


def section_c(quick: bool) -> dict:
    sizes = [10_000, 100_000, 1_000_000] if quick else [10_000, 30_000, 100_000, 300_000, 1_000_000, 3_500_000]
    print("\n(c) time per full model step against registered organisations")
    mix = kind_mix_at_end()
    print(
        f"    above {initial_rows():,} rows (the 1:1 initial state): the 1:1 model topped up with "
        + ", ".join(f"{KINDS[k]} {mix[k]:.0%}" for k in range(3))
        + " (the mix at the end of the 1:100 history run)"
    )
    print(f"    {'rows':>10} {'alive':>10} {'ms/step':>9} {'ns/row':>8}")
    table = []
    for size in sizes:
        model = model_with_rows(size, mix)
        model.step()  # warm-up
        steps = 6 if size <= 300_000 else 3
        started = time.perf_counter()
        for _ in range(steps):
            model.step()
        per_step = (time.perf_counter() - started) / steps
        n, alive = model.register.n, int(model.register.view("alive").sum())
        table.append({"rows": n, "alive": alive, "seconds_per_step": per_step})
        print(f"    {n:>10,} {alive:>10,} {per_step * 1e3:>9.1f} {per_step / n * 1e9:>8.0f}")
        release(model)
        del model
    rows = np.array([t["rows"] for t in table], float)
    times = np.array([t["seconds_per_step"] for t in table])
    slope_all = float(np.polyfit(np.log(rows), np.log(times), 1)[0])
    upper = rows >= 100_000
    slope_upper = float(np.polyfit(np.log(rows[upper]), np.log(times[upper]), 1)[0]) if upper.sum() >= 2 else None
    print(f"    fitted exponent b (time ~ rows^b): {slope_all:.2f} over all sizes", end="")
    print(f", {slope_upper:.2f} from 100k up" if slope_upper is not None else "")
    worst = max(slope_all, slope_upper or 0.0)
    print(f"    target: no faster than linear (b <= 1) -> {'met' if worst <= 1.05 else 'NOT met'}")
    return {"table": table, "exponent_all": slope_all, "exponent_from_100k": slope_upper}


# --- (d) profile of one full-scale step ------------------------------------------------------------------
def step_breakdown(scale: float) -> dict:
    """A whole history run with a timer around each part of `NGOModel.step`; the register at the end."""
    model = NGOModel(history(), seed=SEED, scale=scale)
    spent: dict[str, float] = {}

    def timed(owner: object, method: str, label: str) -> None:
        inner = getattr(owner, method)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, method, wrapper)

    timed(model.population, "step", "population rules (Population.step)")
    timed(model.recorder, "record", "outputs (Recorder.record)")
    timed(model.channels, "step", "other UN channels (OtherUNChannels.step)")
    timed(model.hrc, "step", "UPR (HumanRightsCouncil.step)")
    timed(model.committee, "step", "Committee on NGOs (CommitteeOnNGOs.step)")
    timed(model.government, "allocate_support", "government support (allocate_support)")
    started = time.perf_counter()
    model.run()
    total = time.perf_counter() - started
    spent["organisations abroad (their steps, going abroad, leaving) and the rest"] = total - sum(spent.values())
    r = model.register
    result = {
        "scale": scale,
        "total_s": total,
        "parts_s": dict(sorted(spent.items(), key=lambda item: -item[1])),
        "end_rows": r.n,
        "end_alive": int(r.view("alive").sum()),
        "end_abroad": len(model.abroad),
    }
    release(model)
    return result


def section_d(quick: bool, at_step: int, top: int = 25) -> dict:
    at_step = min(at_step, 20) if quick else at_step
    print(f"\n(d) cProfile of one full-scale (1:1) step: step {at_step} of the history run", end="")
    model = NGOModel(history(), seed=SEED, scale=1.0)
    while model.steps < at_step:
        model.step()
    rows_now, alive_now, abroad_now = model.register.n, int(model.register.view("alive").sum()), len(model.abroad)
    print(
        f" ({model.calendar.step_start(at_step).isoformat()}, {rows_now:,} register rows, "
        f"{alive_now:,} alive, {abroad_now:,} agents abroad)"
    )
    started = time.perf_counter()
    model.step()
    plain = time.perf_counter() - started
    profile = cProfile.Profile()
    profile.runcall(model.step)
    buffer = io.StringIO()
    stats = pstats.Stats(profile, stream=buffer)
    stats.sort_stats("cumulative").print_stats(top)
    text = buffer.getvalue()
    lines = [line for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    print(f"    un-profiled step {at_step}: {plain * 1e3:.0f} ms; the next step under cProfile:")
    for line in lines[start - 1 :]:
        print("    " + line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""))
    release(model)
    scale = 0.1 if quick else 1.0
    breakdown = step_breakdown(scale)
    print(f"    whole history run at scale {scale:g}, a timer around each part of the step:")
    for label, seconds in breakdown["parts_s"].items():
        print(f"      {label:<72} {seconds:6.2f} s {seconds / breakdown['total_s']:5.0%}")
    print(f"      {'all model steps':<72} {breakdown['total_s']:6.2f} s")
    print(
        f"    at the end: {breakdown['end_rows']:,} register rows, {breakdown['end_alive']:,} alive "
        f"({1 - breakdown['end_alive'] / breakdown['end_rows']:.0%} of the rows every array pass touches are "
        f"dissolved organisations), {breakdown['end_abroad']:,} organisations abroad"
    )
    return {
        "step": at_step,
        "plain_step_s": plain,
        "profile": text,
        "rows": rows_now,
        "alive": alive_now,
        "abroad": abroad_now,
        "breakdown": breakdown,
    }


# --- (e) SWEEP THROUGHPUT -----------------------------------------------------------------------------
# The engine side is measured two ways:
# - `engine_sweep`: the project's sweep runner (sim/experiments/sweep.py, backend "processes",
#   2 jobs, a fresh DuckDB/Parquet store) - the figure reported against the targets; it is
#   skipped (None) where that module is missing;
# - `engine_sweep_standin`: the stand-in used before the sweep runner existed,
#   concurrent.futures.ProcessPoolExecutor(2) over sim.experiments.runner.run_scenario(..., out=tmp).
# The reference side is `reference_batch_run`: mesa.batch_run of benchmarks/reference.py.
def _engine_run(path: str, seed: int, scale: float, out: str) -> float:
    """One engine run written to disk (a worker's job); returns its model wall time."""
    result = run_scenario(load_scenario(path), seed=seed, scale=scale, out=out)
    return float(result.manifest["wall_seconds"])


def steady_rate(finished_at: list[float], workers: int) -> float | None:
    """Runs per minute after the pool's start-up: from the first `workers` results to the last."""
    if len(finished_at) <= workers:
        return None
    times = sorted(finished_at)
    return (len(times) - workers) / (times[-1] - times[workers - 1]) * 60


def throughput(runs: int, scale: float, workers: int, wall: float, finished_at: list[float]) -> dict:
    """Runs per minute of a sweep, with and without the pool's start-up."""
    return {
        "runs": runs,
        "scale": scale,
        "workers": workers,
        "wall_s": wall,
        "runs_per_min": runs / wall * 60,
        "steady_runs_per_min": steady_rate(finished_at, workers),
    }


def engine_sweep_standin(runs: int, scale: float, workers: int = 2) -> dict:
    """STAND-IN for the sweep runner: `runs` history runs on `workers` processes (spawn)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            jobs = [
                pool.submit(_engine_run, str(HISTORY), SEED + i, scale, str(Path(tmp) / f"run-{i}"))
                for i in range(runs)
            ]
            finished_at = []
            for job in concurrent.futures.as_completed(jobs):
                job.result()
                finished_at.append(time.perf_counter())
            model_seconds = [job.result() for job in jobs]
        wall = time.perf_counter() - started
    return {**throughput(runs, scale, workers, wall, finished_at), "mean_model_s": float(np.mean(model_seconds))}


def engine_sweep(runs: int, scale: float, workers: int = 2) -> dict:
    """The project's sweep runner (sim/experiments/sweep.py, `ngosim sweep`) on `workers` processes.

    The experiment: the history scenario, one design point (accreditation_veto at the history's
    own 0.7, i.e. the history unchanged), `runs` replicates; a fresh results store in a
    temporary folder.
    """
    veto = history().levers.accreditation_veto
    experiment = Experiment(
        name="benchmark",
        scenario_file=str(HISTORY),
        factors=(Factor("accreditation_veto", levels=(veto,)),),
        replicates=runs,
        seed=SEED,
        scale=scale,
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        finished_at: list[float] = []
        with Store(Path(tmp) / "store") as store:
            report = sweep(
                experiment,
                store,
                backend="processes",
                jobs=workers,
                progress=lambda done, total: finished_at.append(time.perf_counter()),
            )
        wall = time.perf_counter() - started
    if report.failed or report.ran != runs:
        raise RuntimeError(f"sweep ran {report.ran} of {runs} runs, {report.failed} failed")
    return throughput(runs, scale, workers, wall, finished_at)


def reference_batch_run(runs: int, scale: float, workers: int = 2) -> dict:
    """`mesa.batch_run` of the reference over the whole history (120 quarters) at `scale`.

    batch_run runs `max_steps + 1` steps unless the model stops itself; the reference sets
    `running = False` after the calendar's last quarter, so max_steps = 120 gives 120 steps.
    It keeps every result in memory and needs the seed passed as a parameter.
    """
    scenario = history()
    n_steps = ReferenceModel(scenario, seed=0, scale=1e-6).calendar.n_steps
    started = time.perf_counter()
    results = mesa.batch_run(
        ReferenceModel,
        parameters={"scenario": scenario, "seed": range(SEED, SEED + runs), "scale": scale},
        number_processes=workers,
        iterations=1,
        max_steps=n_steps,
        data_collection_period=-1,
        display_progress=False,
    )
    wall = time.perf_counter() - started
    steps = sorted({row["Step"] + 1 for row in results})  # batch_run reports the last step index
    return {
        "runs": runs,
        "scale": scale,
        "workers": workers,
        "wall_s": wall,
        "runs_per_min": runs / wall * 60,
        "steps_per_run": steps,
    }


def section_e(quick: bool) -> dict:
    print("\n(e) sweep throughput on 2 workers, whole history runs (120 quarters), pool start-up included")
    out: dict = {}
    lines = []

    def show(label: str, r: dict, note: str = "") -> None:
        lines.append(label)
        steady = r.get("steady_runs_per_min")
        steady_text = f" (after start-up {steady:6.1f})" if steady else ""
        print(
            f"    {label:<34} {r['runs']:>3} runs in {r['wall_s']:6.1f} s -> {r['runs_per_min']:7.1f} runs/min"
            f"{steady_text} {note}"
        )

    full_scale = 0.1 if quick else 1.0
    full_label = "1:10" if quick else "1:1"
    for scale, label, runs in ((0.01, "1:100", 8 if quick else 60), (full_scale, full_label, 2 if quick else 6)):
        runner = out[f"engine_sweep_{label}"] = engine_sweep(runs, scale)
        show(f"engine, ngosim sweep runner, {label}", runner)
        standin = engine_sweep_standin(runs, scale)
        out[f"engine_standin_{label}"] = standin
        show(f"engine, stand-in pool, {label}", standin, f"(model {standin['mean_model_s']:.2f} s a run)")
    reference = reference_batch_run(runs=4 if quick else 10, scale=0.01)
    out["reference_1:100"] = reference
    show("reference, mesa.batch_run, 1:100", reference, f"({reference['steps_per_run']} steps a run)")
    print("    stand-in pool: ProcessPoolExecutor(2) over run_scenario(..., out=tmp), writing each run's folder")
    print("    after start-up: runs per minute from the first result of each worker to the last result")
    engine_small = out["engine_sweep_1:100"]
    print(f"    engine / reference at 1:100: {engine_small['runs_per_min'] / reference['runs_per_min']:.0f}x")
    if not quick:
        engine_full = out["engine_sweep_1:1"]
        met_small = engine_small["runs_per_min"] >= TARGETS["sweep_runs_per_min_1_100"]
        met_full = engine_full["runs_per_min"] >= TARGETS["sweep_runs_per_min_1_1"]
        print(
            f"    targets (sweep runner): >= 300 runs/min at 1:100 -> {'met' if met_small else 'NOT met'}; "
            f">= 6 runs/min at 1:1 -> {'met' if met_full else 'NOT met'}"
        )
    return out


# --- the machine -----------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        memory_gb = int(memory) / 1024**2
    except OSError:
        memory_gb = float("nan")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "sim", "scenarios"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        changed = sorted({line[3:].split("/")[0] for line in dirty.stdout.splitlines() if line.strip()})
        git = commit.stdout.strip() + (f" (uncommitted changes in {', '.join(changed)})" if changed else "")
    except OSError:
        git = "unknown"
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "git": git,
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_gb, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
    }


def section_f(quick: bool) -> dict:
    """(f) The six-preset comparison with the speed-ups off and on (benchmarks/compare_speedups.py)."""
    print("\n(f) six-preset ngosim compare, NGOSIM_SPEEDUPS=0 against 1")
    result = compare_speedups.measure(0.05 if quick else 1.0, 1 if quick else 3, jobs=2)
    print(compare_speedups.report(result))
    return result


def wait_quiet(load: float, patience_s: float = 1800.0) -> None:
    """Wait until the 1-minute load average has been below `load` for three checks 10 s apart."""
    deadline = time.monotonic() + patience_s
    quiet = 0
    while quiet < 3 and time.monotonic() < deadline:
        quiet = quiet + 1 if os.getloadavg()[0] < load else 0
        if quiet < 3:
            time.sleep(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few runs (about a minute)")
    parser.add_argument("--only", default="abcdef", help="sections to run, e.g. 'ac' (default: abcdef)")
    parser.add_argument("--profile-step", type=int, default=80, help="history step profiled in (d) (default 80: 2015)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        metavar="LOAD",
        help="before each section, wait (up to 30 min) until the 1-minute load average is below LOAD",
    )
    args = parser.parse_args(argv)

    info = machine()
    print("ngosim benchmarks" + (" (quick mode: reduced sizes, not the reported figures)" if args.quick else ""))
    print(
        f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory_gb']} GB; Python {info['python']}, "
        f"numpy {info['numpy']}, mesa {info['mesa']}; git {info['git']}; {info['date']}"
    )
    results: dict = {"machine": info, "quick": args.quick}
    load = os.getloadavg()[0]
    if load > 0.5:
        print(
            f"warning: 1-min load average is {load:.2f} before starting: other work on this machine skews the figures"
        )
    started = time.perf_counter()
    sections = {
        "a": section_a,
        "b": section_b,
        "c": section_c,
        "d": lambda quick: section_d(quick, args.profile_step),
        "e": section_e,
        "f": section_f,
    }
    for key, section in sections.items():
        if key in args.only:
            if args.wait_quiet is not None:
                wait_quiet(args.wait_quiet)
            before = os.getloadavg()[0]
            results[key] = section(args.quick)
            results[key + "_load"] = (before, os.getloadavg()[0])
            print(
                f"    [1-min load average {before:.2f} before, {os.getloadavg()[0]:.2f} after; {os.cpu_count()} cores]"
            )
    results["total_s"] = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nbenchmarks took {results['total_s']:.0f} s (this process peaked at {peak:.0f} MB)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
