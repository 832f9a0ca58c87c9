"""`ngosim calibrate`: its arguments and what it runs (the search, then the check and its report)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.experiments.executor import BACKENDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The calibrate command's arguments."""
    from sim.experiments.arguments import count as _positive

    parser.add_argument("plan", help="a calibration plan (e.g. scenarios/calibration.toml)")
    parser.add_argument(
        "--out", type=Path, default=Path("results/calibration"), help="folder for journals and the fit report"
    )
    parser.add_argument(
        "--backend", choices=BACKENDS, default="processes", help="where the replicates run (default processes)"
    )
    parser.add_argument("--jobs", type=_positive, default=2, help="worker processes (default 2)")
    parser.add_argument("--stage", action="append", default=[], help="run only this stage (repeatable)")
    parser.add_argument(
        "--check-only", action="store_true", help="skip the search; only run the check and write the report"
    )
    parser.add_argument("--no-check", action="store_true", help="skip the check after the search")
    parser.add_argument("--report", type=Path, help="folder for the fit report (default: --out)")


def run(args: argparse.Namespace) -> int:
    """Search the plan's stages (unless --check-only), then check the fit and write the report."""
    from sim.experiments.calibration.check import fit_check
    from sim.experiments.calibration.plan import load_plan
    from sim.experiments.calibration.report import write_report
    from sim.experiments.calibration.search import calibrate

    plan = load_plan(args.plan)
    unknown = set(args.stage) - {s.name for s in plan.stages}
    if unknown:
        raise ValueError(
            f"--stage {sorted(unknown)}: no such stage (allowed: {', '.join(s.name for s in plan.stages)})"
        )
    if args.check_only:
        recorded = args.out / "stages.json"  # what the last search reported, if it ran here
        stages = json.loads(recorded.read_text()) if recorded.is_file() else []
    else:
        stages = calibrate(plan, args.out, jobs=args.jobs, stages=args.stage or None, backend=args.backend)
    if not args.no_check:
        print(f"check: {plan.check_replicates} replicates at scale {plan.check_scale:g}")
        table, runs = fit_check(
            plan.scenario_file, plan.check_replicates, plan.check_scale, plan.seed, jobs=args.jobs, backend=args.backend
        )
        print(f"fit report: {write_report(table, runs, plan, args.report or args.out, stages)}")
    return 0
