"""The `ngosim` command: run a scenario, or compare several.

This module imports nothing heavy at the top: `main` installs the Ctrl-C handler first, so an
interrupt at any moment, even while the model's libraries load, ends in one line and exit 130.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shlex
import signal
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from sim.experiments import interrupts
from sim.experiments.arguments import count as _positive
from sim.experiments.arguments import scenario_path, whole
from sim.experiments.limits import MAX_SEED, inside, one_line

EXIT_BAD_INPUT = 2
RUNS_MODELS = ("compare", "sweep")  # the commands that run models through an executor
WORKER_MODULES = ("sim.experiments.sweep",)  # what a worker of those commands imports (its job's module)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (allowed: YYYY-MM-DD)") from None


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: a number in (0, 1])") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{value} is out of range (allowed: a number in (0, 1])")
    return value


def _seed(text: str) -> int:
    return whole(text, 0, MAX_SEED)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: a finite number)") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not finite (allowed: a finite number)")
    return value


def _share(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{value} is out of range (allowed: a number in (0, 1])")
    return value


def _executor_arguments(command: argparse.ArgumentParser) -> None:
    """Where runs execute: the same options for every command that runs experiments."""
    command.add_argument(
        "--backend", choices=("serial", "processes", "dask"), default="processes", help="where runs execute"
    )
    command.add_argument("--jobs", type=_positive, default=2, help="worker processes (default 2)")
    command.add_argument("--scheduler", help="address of a running Dask scheduler (backend dask; default: a local one)")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ngosim", description="How Chinese NGOs go international: an agent-based model.")
    top.add_argument("--version", action="store_true", help="print the package version and exit")
    commands = top.add_subparsers(dest="command")

    run = commands.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("scenario", help="a scenario file (or a preset name such as history)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument("--scale", type=_scale, help="population scale in (0, 1] (default: the scenario's, 1.0)")
    run.add_argument("--out", type=Path, help="output folder (default: results/SCENARIO-seedN-scaleF)")
    run.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    run.add_argument(
        "--snapshot",
        type=_date,
        action="append",
        default=[],
        metavar="DATE",
        help="also write the whole register at DATE (repeatable)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    comp = commands.add_parser(
        "compare", help="run scenarios with paired replicates and compare each with a reference (95%% intervals)"
    )
    comp.add_argument("scenarios", nargs="+", help="scenario files (or preset names)")
    comp.add_argument("--reference", help="the scenario the others are compared with (default: the first)")
    comp.add_argument("--replicates", type=_positive, default=3, help="paired seeds per scenario (default 3)")
    comp.add_argument("--seed", type=_seed, default=1, help="seed of the first replicate (default 1)")
    comp.add_argument("--scale", type=_scale, default=1.0, help="population scale in (0, 1] (default 1.0)")
    comp.add_argument(
        "--outcome", action="append", metavar="KEY", help="an outcome to compare (repeatable; default: the main six)"
    )
    comp.add_argument(
        "--at", action="append", type=_date, metavar="DATE", help="compare at this date (repeatable; default: the end)"
    )
    comp.add_argument(
        "--method", choices=("bootstrap", "t"), default="bootstrap", help="interval method (default bootstrap)"
    )
    comp.add_argument("--name", default="compare", help="the comparison's experiment name in the store")
    comp.add_argument(
        "--out", type=Path, default=Path("results/compare"), help="results store folder (default results/compare)"
    )
    _executor_arguments(comp)

    sw = commands.add_parser("sweep", help="run an experiment file into a results store (resumes where it stopped)")
    sw.add_argument("experiment", help="an experiment file (TOML; see docs/experiments.md)")
    sw.add_argument("--out", type=Path, help="store folder (default results/EXPERIMENT)")
    sw.add_argument(
        "--dry-run", action="store_true", help="print the runs, an estimate of their wall time and disk space; run none"
    )
    _executor_arguments(sw)

    val = commands.add_parser("validate", help="check a scenario, experiment or calibration plan file without running")
    val.add_argument("file", help="the file to check (its kind is detected)")

    exp = commands.add_parser("export", help="write a store's runs out in the layout `ngosim run` writes")
    exp.add_argument("store", type=Path, help="a results store folder")
    exp.add_argument("--experiment", help="the experiment (default: the store's only one)")
    exp.add_argument("--run", action="append", metavar="ID", help="only this run (repeatable)")
    exp.add_argument("--to", type=Path, required=True, help="a new folder (or an earlier export) to write into")
    exp.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")

    sens = commands.add_parser("sensitivity", help="Sobol or Morris indices of a sobol/morris experiment in a store")
    sens.add_argument("store", type=Path, help="a results store folder")
    sens.add_argument("--experiment", help="the experiment (default: the store's only one)")
    sens.add_argument(
        "--outcome", action="append", metavar="KEY", help="an outcome (repeatable; default: G-R NGOs' three)"
    )

    disc = commands.add_parser("discover", help="scenario discovery (PRIM): which factor ranges give an outcome")
    disc.add_argument("store", type=Path, help="a results store folder")
    disc.add_argument("--experiment", help="the experiment (default: the store's only one)")
    disc.add_argument("--outcome", required=True, metavar="KEY", help="the outcome that defines the runs of interest")
    rule = disc.add_mutually_exclusive_group(required=True)
    rule.add_argument("--above", type=_number, metavar="X", help="runs whose outcome is above X")
    rule.add_argument("--below", type=_number, metavar="X", help="runs whose outcome is below X")
    disc.add_argument("--at", type=_date, metavar="DATE", help="the outcome at this date (default: the end)")
    disc.add_argument("--threshold", type=_share, default=0.8, help="least density of a box (default 0.8)")

    rep = commands.add_parser("report", help="one self-contained HTML report of an experiment in a store")
    rep.add_argument("store", type=Path, help="a results store folder")
    rep.add_argument("--experiment", help="the experiment (default: the store's only one)")
    rep.add_argument("--out", type=Path, required=True, metavar="FILE.html", help="the report file to write")

    from sim.experiments.calibration import command as calibration_command

    calibration_command.add_arguments(
        commands.add_parser("calibrate", help="fit the history scenario to official statistics and report the fit")
    )

    from sim.dashboard import command as dashboard_command  # light: solara is imported only when it starts

    dashboard_command.add_arguments(
        commands.add_parser("dashboard", help="start the classroom dashboard (docs/dashboard.md)")
    )
    return top


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code (0 done, 1 some runs failed, 2 bad input, 130 Ctrl-C).

    Called without `argv` it is the `ngosim` program: after it returns, a late Ctrl-C is ignored
    so the exit code stands, and an interrupted program ends at once with 130 (Python would report
    a KeyboardInterrupt it saw in a library's C code as death by SIGINT instead); called with `argv`
    (in tests) it puts the previous handler back."""
    program = argv is None
    hook = sys.unraisablehook
    previous = interrupts.install()
    try:
        code = _main(sys.argv[1:] if argv is None else list(argv))
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN if program else previous)
        if not program:
            sys.unraisablehook = hook
    if program and code == interrupts.EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # every store and pool is closed by now (their with-blocks have ended)
    return code


def _main(argv: list[str]) -> int:
    try:
        code = _command(argv)
        interrupts.check()  # a Ctrl-C that a library swallowed still ends the command as interrupted
        return code
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        sys.stderr.close()
        return 0


def _interrupted() -> int:
    print("ngosim: interrupted; finished runs are kept, nothing half-written was kept", file=sys.stderr)
    return interrupts.EXIT_INTERRUPTED


def _command(argv: list[str]) -> int:
    """Parse the arguments and run the command; bad input is one line on stderr and exit 2."""
    args = parser().parse_args(argv)
    from sim import __version__

    if args.version:
        print(__version__)
        return 0
    if args.command is None:
        parser().print_help()
        return EXIT_BAD_INPUT
    args.command_line = " ".join(shlex.quote(a) for a in ["ngosim", *argv])
    try:
        return _dispatch(args)
    except ValueError as exc:  # ScenarioError, OutputError, LimitError, AnalysisError and the like
        return _bad_input(exc)
    except Exception as exc:
        from sim.experiments.store import StoreError

        if interrupts.interrupted():  # e.g. DuckDB's "Query interrupted": the Ctrl-C is what happened
            raise KeyboardInterrupt from None
        if isinstance(exc, StoreError):
            return _bad_input(exc)
        raise


def _bad_input(exc: Exception) -> int:
    if interrupts.interrupted():
        raise KeyboardInterrupt from None
    print(f"ngosim: error: {one_line(str(exc))}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _dispatch(args: argparse.Namespace) -> int:
    with _workers(args) as executor:
        with interrupts.deferred():  # a Ctrl-C while native libraries load acts once they have (duckdb aborts if cut)
            from sim.experiments import commands, runner  # noqa: F401  (runner: numpy, pandas, pyarrow, the model)

        if args.command == "run":
            return _run(args)
        if args.command == "calibrate":
            from sim.experiments.calibration import command as calibration_command

            return calibration_command.run(args)
        if args.command == "dashboard":
            from sim.dashboard import command as dashboard_command

            return dashboard_command.run(args)
        if args.command in RUNS_MODELS:
            return commands.COMMANDS[args.command](args, executor)
        return commands.COMMANDS[args.command](args)


def _workers(args: argparse.Namespace) -> AbstractContextManager:
    """For a command that runs models on local worker processes: those workers, started now so that they
    import the model while this process imports and prepares the command (closed when it ends); else None."""
    if args.command in RUNS_MODELS and args.backend == "processes" and not getattr(args, "dry_run", False):
        from sim.experiments.executor import Executor

        return Executor("processes", args.jobs, preload=WORKER_MODULES)
    return nullcontext()


def _run(args: argparse.Namespace) -> int:
    from sim.experiments.runner import run_scenario
    from sim.experiments.scenario_file import load_scenario

    scenario = load_scenario(scenario_path(args.scenario))
    seed = scenario.seed if args.seed is None else args.seed
    scale = scenario.scale if args.scale is None else args.scale
    results = Path("results")
    out = args.out or inside(results, results / f"{scenario.name}-seed{seed}-scale{scale:g}", "name")
    result = run_scenario(
        scenario, seed=seed, scale=args.scale, out=out, csv=args.csv, snapshots=args.snapshot, progress=not args.quiet
    )
    if not args.quiet:
        print(
            f"{scenario.name}: seed {seed}, scale {scale:g}, {result.manifest['steps']} steps in {result.manifest['wall_seconds']:.1f} s"
        )
        print(result.summary().to_string(float_format=lambda v: f"{v:,.2f}"))
        print(f"outputs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
