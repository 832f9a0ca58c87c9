"""The model stepping time of one branch run, with the speed-ups off and on (issue 11).

`python benchmarks/branch_steps.py` runs the status_quo history (seed 1, scale 1) to its
branch date 2016-01-01, checkpoints it, and times `NGOModel.resume(...)` stepping to the
scenario's end (80 quarters), once with NGOSIM_SPEEDUPS=0 and once with NGOSIM_SPEEDUPS=1,
each in a fresh process (the switch is read when a model is built or resumed); the history is
run once per process. `--profile` prints a cProfile of the branch steps with the speed-ups on
instead; `--scale` and `--repeat` change the scale and the number of timed resumes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/status_quo.toml"


def branch_seconds(scale: float, repeat: int, profile: bool) -> list[float]:
    """Seconds of the branch's steps, `repeat` times from one checkpoint (in this process)."""
    import time

    from sim import NGOModel, load_scenario

    scenario = load_scenario(ROOT / SCENARIO)
    model = NGOModel(scenario, seed=1, scale=scale)
    model.run_until(scenario.branch.date)
    checkpoint = model.checkpoint()
    del model
    NGOModel(scenario, seed=1, scale=0.002).step()  # numba's cache loaded before timing
    times = []
    for _ in range(repeat):
        branch = NGOModel.resume(checkpoint, scenario)
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        start = time.perf_counter()
        branch.run()
        times.append(time.perf_counter() - start)
        if profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return times


def main() -> None:
    """Time the branch steps both ways, each in its own process, and print the seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="profile the branch steps (speed-ups on)")
    parser.add_argument("--child", choices=("0", "1"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None or args.profile:
        times = branch_seconds(args.scale, 1 if args.profile else args.repeat, args.profile)
        print(" ".join(f"{t:.2f}" for t in times))
        return
    for switch in ("0", "1"):
        env = {**os.environ, "NGOSIM_SPEEDUPS": switch, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, __file__, "--child", switch, "--scale", str(args.scale)]
        command += ["--repeat", str(args.repeat)]
        out = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        label = "on " if switch == "1" else "off"
        print(f"branch 2016-2036 at scale {args.scale:g}, speed-ups {label}: {out.strip()} s")


if __name__ == "__main__":
    main()
