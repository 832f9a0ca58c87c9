"""Screening every parameter before calibrating (docs/calibration.md, "Which parameters are fitted").

`python -m sim.experiments.calibration.screen SCENARIO --out FILE.toml` writes a Morris experiment
whose factors are the model's parameters (all, or those named with `--parameters`), each over a
range around the scenario's value: half
to one and a half times it, within the parameter's documented range (a year-valued parameter moves
by a year either way; a parameter at zero over the lowest tenth of its range). `ngosim sweep` runs
it and `ngosim sensitivity` ranks the parameters by Morris mu* per outcome; those that move no
outcome beyond the replicate noise are fixed, and the plan fits the rest.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.experiments.scenario_file import ScenarioError, load_scenario
from sim.model.parameters import Parameters

YEAR_VALUED = ("trends_until", "pneu_registration_from")  # decimal years: moved by a year, not by half


def screening_range(name: str, value: float) -> tuple[float, float]:
    """The range a parameter is screened over, around `value` and within its documented range."""
    spec = Parameters.spec(name)
    low, high = float(spec["low"]), float(spec["high"])
    if name in YEAR_VALUED:
        lo, hi = value - 1.0, value + 1.0
    elif value == 0:
        lo, hi = low, low + 0.1 * (high - low)
    else:
        lo, hi = sorted((0.5 * value, 1.5 * value))
    lo, hi = max(lo, low), min(hi, high)
    return lo, hi


def experiment_text(
    scenario: Path,
    folder: Path,
    name: str,
    trajectories: int,
    seed: int,
    scale: float,
    replicates: int = 1,
    parameters: list[str] | None = None,
) -> str:
    """The Morris experiment over the parameters of `scenario` (all, or those named), as TOML for a file in
    `folder` (the scenario is named relative to it)."""
    values = load_scenario(scenario).parameters.as_dict()
    unknown = sorted(set(parameters or ()) - set(values))
    if unknown:
        raise ValueError(f"no such parameter: {', '.join(unknown)} (allowed: the names in docs/parameters.md)")
    lines = [
        "# Written by `python -m sim.experiments.calibration.screen`: a Morris screening of every parameter",
        "# around the values of its scenario (docs/calibration.md). Run it with `ngosim sweep` and rank the",
        "# parameters with `ngosim sensitivity`.",
        f'name = "{name}"',
        f'description = "Morris screening of {"the named" if parameters else "every"} parameter(s) of the '
        'history, each from half to one and a half times its value"',
        f'scenario = "{Path(os.path.relpath(scenario.resolve(), folder.resolve())).as_posix()}"',
        'design = "morris"',
        f"samples = {trajectories}",
        "morris_levels = 4",
        f"replicates = {replicates}",
        f"seed = {seed}",
        f"scale = {scale}",
    ]
    for parameter in parameters or Parameters.names():
        lo, hi = screening_range(parameter, float(values[parameter]))
        if hi > lo:
            lines += [f"[factors.{parameter}]", f"range = [{lo!r}, {hi!r}]"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.experiments.calibration.screen", description=__doc__)
    parser.add_argument("scenario", type=Path, help="the scenario whose parameters are screened")
    parser.add_argument("--out", type=Path, required=True, help="the experiment file to write")
    parser.add_argument("--name", default="parameters_morris")
    parser.add_argument("--trajectories", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--replicates", type=int, default=1, help="runs per design point, averaged before the indices")
    parser.add_argument("--parameters", nargs="+", metavar="NAME", help="screen only these parameters (default: all)")
    args = parser.parse_args(argv)
    try:
        text = experiment_text(
            args.scenario,
            args.out.parent,
            args.name,
            args.trajectories,
            args.seed,
            args.scale,
            args.replicates,
            args.parameters,
        )
    except (ScenarioError, ValueError) as error:
        print(f"screen: {error}", file=sys.stderr)
        return 2
    args.out.write_text(text)
    print(f"wrote {args.out}: a Morris screening of {text.count('[factors.')} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
