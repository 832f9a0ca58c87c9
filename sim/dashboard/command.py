"""`ngosim dashboard`: its arguments and how it starts (solara is imported only on start)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _positive(kind: type, name: str, low: float, high: float | None = None):
    """An argparse type that names the option and its allowed range when a value does not fit."""

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: {text!r} is not a {kind.__name__}") from None
        if not (low <= value and (high is None or value <= high)):
            allowed = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"{name}: {text} is out of range (allowed: {allowed})")
        return value

    return convert


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard command's arguments."""
    parser.add_argument("scenarios", nargs="*", help="extra scenario files to offer beside the presets")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for a class)"
    )
    parser.add_argument("--port", type=_positive(int, "--port", 1, 65535), default=8765, help="port (default 8765)")
    parser.add_argument(
        "--max-sessions", type=_positive(int, "--max-sessions", 1), default=40, help="open pages at most (default 40)"
    )
    parser.add_argument(
        "--cull-minutes",
        type=_positive(float, "--cull-minutes", 0.1),
        default=10.0,
        help="free a page's models this long after its tab is gone (default 10)",
    )
    parser.add_argument(
        "--scale", type=_positive(float, "--scale", 0.0005, 1.0), default=1.0, help="default scale (default 1)"
    )
    parser.add_argument(
        "--max-scale",
        type=_positive(float, "--max-scale", 0.0005, 1.0),
        default=1.0,
        help="largest scale a page may ask",
    )
    parser.add_argument(
        "--live-budget",
        type=_positive(float, "--live-budget", 0.0),
        default=2.0,
        help="live models at once, as a sum of their scales (default 2: two 1:1 models; the rest replay stored runs)",
    )
    parser.add_argument(
        "--no-warm", action="store_true", help="do not prepare the stored runs of the presets at start-up"
    )


def run(args: argparse.Namespace) -> int:
    """Check the scenario files and the browser assets, then start the dashboard server; returns the exit code."""
    from sim import load_scenario
    from sim.dashboard.assets import AssetsMissing, default_cache_dir, prepare
    from sim.dashboard.server import DashboardConfig, default_preset_dir, launch, share_address

    extra = [Path(p).resolve() for p in args.scenarios]
    for path in extra:
        load_scenario(path)  # a bad file stops here with a ScenarioError naming the field
    if args.scale > args.max_scale:
        raise ValueError(f"--scale {args.scale:g} is above --max-scale {args.max_scale:g}")
    try:
        cache = prepare(default_cache_dir())
    except AssetsMissing as exc:
        raise ValueError(str(exc)) from None
    config = DashboardConfig(
        host=args.host,
        port=args.port,
        scenarios=[str(p) for p in extra],
        preset_dir=str(default_preset_dir()),
        max_sessions=args.max_sessions,
        cull_minutes=args.cull_minutes,
        max_scale=args.max_scale,
        default_scale=args.scale,
        live_budget=args.live_budget,
        warm=not args.no_warm,
    )
    address = share_address(args.host, args.port)
    print(f"ngosim dashboard: http://{'127.0.0.1' if address else args.host}:{args.port}/", flush=True)
    if address:
        print(f"ngosim dashboard: students open {address} (anyone on this local network can)", flush=True)
    return launch(config, cache)
