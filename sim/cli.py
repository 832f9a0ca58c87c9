"""The `ngosim` command: run a scenario, or compare several."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sim.experiments.runner import OutputError

EXIT_BAD_INPUT = 2


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
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (allowed: a whole number >= 0)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative (allowed: a whole number >= 0)")
    return value


def _positive(text: str) -> int:
    value = _seed(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small (allowed: a whole number >= 1)")
    return value


def scenario_path(name: str) -> Path:
    """A scenario file by path, or by preset name (scenarios/NAME.toml)."""
    path = Path(name)
    if not path.exists() and path.suffix != ".toml" and Path("scenarios", f"{name}.toml").exists():
        return Path("scenarios", f"{name}.toml")
    return path


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

    comp = commands.add_parser("compare", help="run several scenarios with replicates and compare their outcomes")
    comp.add_argument("scenarios", nargs="+", help="scenario files (or preset names)")
    comp.add_argument("--replicates", type=_positive, default=3, help="runs per scenario (default 3)")
    comp.add_argument("--seed", type=_seed, default=1, help="seed of the first replicate (default 1)")
    comp.add_argument("--scale", type=_scale, default=1.0, help="population scale in (0, 1] (default 1.0)")
    comp.add_argument("--jobs", type=_positive, default=2, help="worker processes (default 2)")
    comp.add_argument(
        "--out", type=Path, default=Path("results/compare"), help="output folder (default results/compare)"
    )
    comp.add_argument("--quiet", action="store_true", help="no progress bar")

    sw = commands.add_parser("sweep", help="run an experiment file into a results store (resumes where it stopped)")
    sw.add_argument("experiment", help="an experiment file (TOML; see docs/experiments.md)")
    sw.add_argument("--out", type=Path, help="store folder (default results/EXPERIMENT)")
    sw.add_argument(
        "--backend",
        choices=("serial", "processes", "dask"),
        default="processes",
        help="where runs execute (default processes)",
    )
    sw.add_argument("--jobs", type=_positive, default=2, help="worker processes (default 2)")
    sw.add_argument("--scheduler", help="address of a running Dask scheduler (backend dask; default: a local cluster)")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")

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
    args = parser().parse_args(argv)
    from sim import __version__
    from sim.experiments.scenario_file import ScenarioError, load_scenario
    from sim.experiments.store import StoreError

    if args.version:
        print(__version__)
        return 0
    if args.command is None:
        parser().print_help()
        return EXIT_BAD_INPUT
    try:
        if args.command == "run":
            return _run(args, load_scenario)
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "calibrate":
            from sim.experiments.calibration import command as calibration_command

            return calibration_command.run(args)
        if args.command == "dashboard":
            from sim.dashboard import command as dashboard_command

            return dashboard_command.run(args)
        return _compare(args)
    except (ScenarioError, OutputError, StoreError, ValueError) as exc:
        print(f"ngosim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("ngosim: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace, load_scenario) -> int:
    from sim.experiments.runner import run_scenario

    scenario = load_scenario(scenario_path(args.scenario))
    seed = scenario.seed if args.seed is None else args.seed
    scale = scenario.scale if args.scale is None else args.scale
    out = args.out or Path("results") / f"{scenario.name}-seed{seed}-scale{scale:g}"
    result = run_scenario(
        scenario, seed=seed, scale=scale, out=out, csv=args.csv, snapshots=args.snapshot, progress=not args.quiet
    )
    if not args.quiet:
        print(
            f"{scenario.name}: seed {seed}, scale {scale:g}, {result.manifest['steps']} steps in {result.manifest['wall_seconds']:.1f} s"
        )
        print(result.summary().to_string(float_format=lambda v: f"{v:,.2f}"))
        print(f"outputs: {out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from sim.experiments.compare import compare, wide

    files = [scenario_path(name) for name in args.scenarios]
    table = compare(
        files,
        replicates=args.replicates,
        seed=args.seed,
        scale=args.scale,
        out=args.out,
        jobs=args.jobs,
        progress=not args.quiet,
    )
    print(f"mean [90% interval] over {args.replicates} replicates, scale {args.scale:g}")
    print(wide(table).to_string())
    print(f"outputs: {args.out}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiments.experiment import load_experiment
    from sim.experiments.store import Store
    from sim.experiments.sweep import sweep

    experiment = load_experiment(args.experiment)
    folder = args.out or Path("results") / experiment.name
    bar = tqdm(desc=experiment.name, unit="run", disable=args.quiet)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    with Store(folder) as store:
        report = sweep(
            experiment, store, backend=args.backend, jobs=args.jobs, scheduler=args.scheduler, progress=progress
        )
    bar.close()
    print(
        f"{experiment.name}: {report.planned} runs planned, {report.skipped} already done, {report.ran} run now "
        f"({report.runs_per_minute:.0f}/min), {report.failed} failed; store: {folder}"
    )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
