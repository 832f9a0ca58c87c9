"""What the analysts' commands do: compare, sweep, validate, export, sensitivity, discover, report.

sim/cli.py reads the arguments; each function here takes them and returns the exit code. All
commands that run models go through `sweep()` (one executor layer, one results store).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.experiments import analyses
from sim.experiments.store import CATALOGUE_SCHEMA_VERSION, Store

if TYPE_CHECKING:
    from sim.experiments.executor import Executor
    from sim.experiments.sweep import SweepReport


def _progress(name: str, quiet: bool) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    from sim.experiments.runner import progress_bar

    bar = progress_bar(name, "run", disable=quiet)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


def compare(args: argparse.Namespace, executor: Executor | None = None) -> int:
    """Run the comparison into its store (on `executor` if given), then print and write the paired
    differences with intervals."""
    from sim.experiments.arguments import scenario_path
    from sim.experiments.compare import comparison_experiment, run_comparison

    files = [scenario_path(name) for name in args.scenarios]
    experiment = comparison_experiment(files, args.replicates, args.seed, args.scale, name=_name(args.name))
    names = list(experiment.scenario_files())
    reference = args.reference or names[0]
    if reference not in names:
        raise analyses.AnalysisError(
            f"--reference {reference!r}: not among the scenarios (allowed: {', '.join(names)})"
        )
    outcomes = analyses.check_outcomes(args.outcome)
    dates = [d.isoformat() for d in args.at] if args.at else None
    _check_scheduler(args)
    with Store(args.out) as store:
        _say_migrated(store)
        update, close = _progress(experiment.name, args.quiet)
        try:
            report = run_comparison(experiment, store, args.backend, args.jobs, args.scheduler, update, executor)
        finally:
            close()
        if report.failed:
            print(f"ngosim: {report.failed} runs failed (see the store's runs table); compared the rest")
        result = analyses.compare(store, experiment.name, reference, outcomes, dates, args.method)
        store.record_analysis(
            experiment.name,
            "compare",
            {"reference": reference, "outcomes": outcomes, "dates": dates, "method": args.method},
            args.command_line,
        )
    print(
        f"{len(names)} scenarios x {args.replicates} paired seeds (from {args.seed}), scale {args.scale:g}: "
        f"{report.ran} run now, {report.skipped} already in the store{_shared(report)}"
    )
    print(f"mean [95% interval]; below it, the paired difference from {reference} [95% interval, {args.method}]")
    print(analyses.comparison_cells(result.table, below="  diff ").to_string())
    print(result.note)
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"outputs: {args.out} (store), {result.files[0].parent} (table and figures)")
    return 1 if report.failed else 0


def _name(name: str) -> str:
    from sim.experiments.limits import NAME_ALLOWED, plain_name

    if not plain_name(name):
        raise analyses.AnalysisError(f"--name {name!r}: not a plain name (allowed: {NAME_ALLOWED})")
    return name


def sweep(args: argparse.Namespace, executor: Executor | None = None) -> int:
    """Run an experiment file into its store, on `executor` if given (or, with --dry-run, say what that
    would take)."""
    from sim.experiments.experiment import load_experiment
    from sim.experiments.sweep import sweep as run_sweep

    experiment = load_experiment(args.experiment)
    folder = args.out or Path("results") / experiment.name
    if args.dry_run:
        from sim.experiments.estimate import estimate

        print(estimate(experiment, folder, args.jobs))
        return 0
    _check_scheduler(args)
    with Store(folder) as store:
        _say_migrated(store)
        update, close = _progress(experiment.name, args.quiet)
        try:
            report = run_sweep(experiment, store, args.backend, args.jobs, args.scheduler, update, executor=executor)
        finally:
            close()
    shared = _shared(report)
    print(
        f"{experiment.name}: {report.planned} runs planned, {report.skipped} already done, {report.ran} run now "
        f"({report.runs_per_minute:.1f}/min, {report.wall_seconds:.0f} s wall{shared}), {report.failed} failed; "
        f"store: {folder}"
    )
    return 1 if report.failed else 0


def validate(args: argparse.Namespace) -> int:
    """Check a file without running anything; say what it is and what it holds."""
    from sim.experiments.validate import validate as check

    print(check(Path(args.file)))
    return 0


def export(args: argparse.Namespace) -> int:
    """Write runs out of a store in the layout `ngosim run` writes."""
    from sim.experiments.export import export as write

    with Store(args.store, create=False) as store:
        _say_migrated(store)
        name = store.experiment_name(args.experiment)
        written = write(store, name, args.to, runs=args.run, csv=args.csv)
    print(f"{name}: {len(written)} runs written to {args.to} (runs.csv lists them)")
    return 0


def sensitivity(args: argparse.Namespace) -> int:
    """Sobol or Morris indices per outcome, printed and written into the store's analyses/."""
    with Store(args.store, create=False) as store:
        _say_migrated(store)
        name = store.experiment_name(args.experiment)
        results = analyses.sensitivity(store, name, args.outcome)
        store.record_analysis(name, "sensitivity", {"outcomes": list(results)}, args.command_line)
        folder = analyses.analysis_folder(store, name)
    for outcome, table in results.items():
        print(f"\n{analyses.label(outcome)} ({outcome})")
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"\ntables and figures: {folder}")
    return 0


def discover(args: argparse.Namespace) -> int:
    """PRIM boxes for the runs of interest, printed and written into the store's analyses/."""
    with Store(args.store, create=False) as store:
        _say_migrated(store)
        name = store.experiment_name(args.experiment)
        at = args.at.isoformat() if args.at else None
        found = analyses.discover(store, name, args.outcome, args.above, args.below, at, args.threshold)
        arguments = {"outcome": args.outcome, "above": args.above, "below": args.below, "date": at}
        store.record_analysis(name, "discover", {**arguments, "threshold": args.threshold}, args.command_line)
        folder = analyses.analysis_folder(store, name)
    print(f"runs of interest: {found.outcome_rule}; {found.choice_rule}")
    with pd.option_context("display.width", 160):
        print(analyses.discovery_table(found).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"tables and figures: {folder}")
    return 0


def report(args: argparse.Namespace) -> int:
    """One self-contained HTML report of an experiment."""
    from sim.experiments.report import check_report_path, write

    check_report_path(args.out)
    with Store(args.store, create=False) as store:
        _say_migrated(store)
        name = store.experiment_name(args.experiment)
        path = write(store, name, args.out)
    print(f"report: {path}")
    return 0


def _shared(report: SweepReport) -> str:
    """How many histories branch runs shared (nothing when none did)."""
    return f", {report.shared_histories} shared histories" if report.shared_histories else ""


def _check_scheduler(args: argparse.Namespace) -> None:
    """A --scheduler where no Dask scheduler answers is refused before the store is touched."""
    if args.backend == "dask" and args.scheduler:
        from sim.experiments.executor import check_scheduler

        check_scheduler(args.scheduler)


def _say_migrated(store: Store) -> None:
    if store.migrated_from is not None:
        print(
            f"ngosim: migrated the catalogue of {store.folder} from catalogue-schema {store.migrated_from} "
            f"to {CATALOGUE_SCHEMA_VERSION}"
        )


COMMANDS: dict[str, Callable[..., int]] = {
    "compare": compare,
    "sweep": sweep,
    "validate": validate,
    "export": export,
    "sensitivity": sensitivity,
    "discover": discover,
    "report": report,
}
