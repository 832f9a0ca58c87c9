"""`ngosim dashboard`: its arguments and how it starts (solara is imported only on start)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard command's arguments."""
    parser.add_argument("scenarios", nargs="*", help="extra scenario files to offer beside the presets")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")


def run(args: argparse.Namespace) -> int:
    """Start the dashboard server; returns the exit code."""
    raise NotImplementedError("the dashboard is being built")
