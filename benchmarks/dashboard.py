"""Benchmark of the classroom dashboard's server work (docs/dashboard.md): one step with every view redrawn,
and a class of students each stepping once a second for a minute, all in one process as on the server.

Each simulated student is a PageSession in its own thread doing what a page does per step: step its
side, build every chart's Vega-Lite spec and serialise it (the bytes the widget sends). The design
measured: every student on the stored run of a preset (replayed until a lever moves) and up to
`--live` of them on their own live 1:1 model (the server's live budget).

    python benchmarks/dashboard.py [--scale 1] [--students 30] [--live 6] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.dashboard import views  # noqa: E402
from sim.dashboard.runs import Library, offered_scenarios  # noqa: E402
from sim.dashboard.session import PageSession  # noqa: E402
from sim.dashboard.settings import Settings  # noqa: E402

PRESET = "status_quo"
STEP_LIMIT_MS = 250.0


def redraw(page: PageSession) -> int:
    """Build and serialise every view of every side, as the page does after a step; returns the bytes."""
    size = 0
    for side in page.sides.values():
        frame = side.frame()
        scenario = page.library.scenarios[side.name]
        for name in (*views.VIEWS, "timeline"):
            spec = views.render(name, frame, "en", False, side.today(), scenario.start, scenario.end)
            size += len(json.dumps(spec))
    return size


def one_step_ms(page: PageSession, repeats: int = 10) -> float:
    """Median wall time of one step plus every view redrawn."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        page.step()
        redraw(page)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--live", type=int, default=6, help="students on their own live model (the budget)")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()

    library = Library(offered_scenarios(REPO / "scenarios", []), 2017, args.scale, live_budget=args.live * args.scale)
    start = time.perf_counter()
    library.record(PRESET, "branch")
    print(f"ready state and stored run of {PRESET} at scale {args.scale:g}: {time.perf_counter() - start:.1f} s")

    settings = Settings(PRESET, seed=2017, scale=args.scale)
    replay = PageSession(library, settings)
    replay.start(settings)
    replay_ms = one_step_ms(replay)
    live = PageSession(library, settings)
    live.start(settings)
    live.move("a", "accreditation_veto", 0.0)
    live_ms = one_step_ms(live)
    live.close()
    print(f"one step + every view redrawn, stored run (the default): {replay_ms:.1f} ms (limit {STEP_LIMIT_MS:.0f})")
    print(f"one step + every view redrawn, own live model at scale {args.scale:g}: {live_ms:.1f} ms")

    pages = []
    for i in range(args.students):
        page = PageSession(library, settings)
        page.start(settings)
        if i < args.live:
            page.move("a", "accreditation_veto", 0.0)
        pages.append(page)
    steps = [0] * len(pages)
    worst_gap = [0.0] * len(pages)
    stop = time.perf_counter() + args.seconds

    def student(i: int) -> None:
        page, last = pages[i], time.perf_counter()
        while time.perf_counter() < stop:
            if not page.step():
                page.reset()
            redraw(page)
            steps[i] += 1
            now = time.perf_counter()
            worst_gap[i] = max(worst_gap[i], now - last)
            last = now
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - now)))

    threads = [threading.Thread(target=student, args=(i,)) for i in range(len(pages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rates = [s / args.seconds for s in steps]
    live_rates, replay_rates = rates[: args.live], rates[args.live :]
    errors = [m.text for p in pages for m in p.messages if m.kind == "error"]
    print(
        f"class of {args.students} ({args.live} live at scale {args.scale:g}, the rest on stored runs), "
        f"{args.seconds:.0f} s at one step a second:"
    )
    if live_rates:
        print(f"  live students: slowest {min(live_rates):.2f} steps/s, worst gap {max(worst_gap[: args.live]):.2f} s")
    if replay_rates:
        print(f"  stored-run students: slowest {min(replay_rates):.2f} steps/s")
    print(f"  peak memory {rss_gb():.2f} GB (limit 16), errors {len(errors)}")
    fits = (min(rates) >= 0.95) and rss_gb() < 16 and not errors
    meets = replay_ms < STEP_LIMIT_MS
    print(
        f"one step under {STEP_LIMIT_MS:.0f} ms: {'yes' if meets else 'NO'}; class of {args.students}: "
        f"{'yes' if fits else 'NO'}"
    )
    if not fits:
        ok = sum(r >= 0.95 for r in rates)
        print(f"largest class with every view advancing once a second: {ok}")
    return 0 if fits and meets else 1


if __name__ == "__main__":
    raise SystemExit(main())
