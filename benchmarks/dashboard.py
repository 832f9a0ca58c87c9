"""Benchmark of the classroom dashboard's server work (docs/dashboard.md): one step with every view redrawn,
and a class of students watching their views for a minute, in one process as on the server (each live
model in a child process of its own, sim/dashboard/live.py, as the server runs them).

The design measured: every student on the stored run of a preset (replayed until a lever moves), except
`--groups` groups of `--group-size` students, each group sharing one live model (a lever moved). Each
run (a PageSession: a student's own, or a group's) plays at one step a second in its own thread with
the page's clock (sim/dashboard/pacing.py, through PageSession.play): each step is started a lead time
before its deadline (a live model's child computes it meanwhile) and shown on the deadline, and each
run's deadlines are offset by its own phase (so its first step comes within a second of Play). Each
student is a thread doing what a page's watcher does: wait for its run to change, then build every
chart's Vega-Lite spec and serialise it (the bytes the widget sends). A student's view advances when
that redraw is done.

The bar (the issue's): every student's view advances at least once a second for the whole time.
Counted two ways, with a stated tolerance: the rate (advances / seconds, at least RATE_MIN: one
advance in 60 may fall outside the window's edge) and the worst gap between two advances (also
from the start to the first and from the last to the end), at most GAP_MAX seconds (1 s plus 0.1 s
for a thread's scheduling jitter, too short for a student to notice); and the server's memory (this
process's peak plus each live model's process's peak) under 16 GB.

With `--largest`, classes of `--students`, then CLASS_STEP fewer each time, are measured (each for the
full `--seconds`, the live groups the same while the class has room for them) until one meets the bar,
and the largest that does is printed (or that none did).

    python benchmarks/dashboard.py [--scale 1] [--students 30] [--groups 2] [--group-size 3] [--seconds 60]
                                   [--largest]
"""

from __future__ import annotations

import argparse
import itertools
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
RATE_MIN = 0.98  # advances a second, at least
GAP_MAX = 1.1  # seconds between two advances, at most
CLASS_STEP = 6  # --largest: each class measured is this many students smaller than the last


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
    """The process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def started(library: Library, settings: Settings, live: bool) -> PageSession:
    """A run at the branch date: the stored run, or (a lever moved) a live model of its own."""
    page = PageSession(library, settings)
    page.start(settings)
    if live:
        page.move("a", "accreditation_veto", 0.0)
    return page


def watch(page: PageSession, until: float, advances: list[float]) -> None:
    """One student: redraw each time the run changes, noting when the view advanced."""
    seen, shown = page.version, page.sides["a"].steps_done()
    while (left := until - time.perf_counter()) > 0:
        now = page.wait_change(seen, left)
        if now != seen:
            seen = now
            redraw(page)
            if page.sides["a"].steps_done() != shown:  # a change that is a new quarter (not Play's own note)
                shown = page.sides["a"].steps_done()
                advances.append(time.perf_counter())


def worst_gap(advances: list[float], start: float, end: float) -> tuple[float, float]:
    """The longest time without an advance (counting from the start and to the end), and when it ended."""
    points = [start, *advances, end]
    return max((b - a, b - start) for a, b in itertools.pairwise(points))


def memory_gb(live_pids: list[int]) -> float:
    """The server's peak memory: this process's peak plus each live model's process's peak (Linux /proc)."""
    total = rss_gb()
    for pid in live_pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        total += kb / 1024**2
    return total


def measure_class(library: Library, settings: Settings, args: argparse.Namespace, students: int) -> bool:
    """Play a class of `students` for `--seconds` (the first groups on live models, the rest on stored
    runs), print what each part saw, and say whether every student's view met the bar."""
    groups_live = min(args.groups, -(-students // args.group_size))
    grouped = min(students, groups_live * args.group_size)
    groups = [started(library, settings, live=True) for _ in range(groups_live)]
    pages = [groups[i // args.group_size] for i in range(grouped)]
    pages += [started(library, settings, live=False) for _ in range(students - grouped)]
    runs = list(dict.fromkeys(pages))  # each run once: a group's is shared by its members
    advances: list[list[float]] = [[] for _ in pages]
    begin = time.perf_counter()
    until = begin + args.seconds
    watchers = [threading.Thread(target=watch, args=(p, until, a)) for p, a in zip(pages, advances, strict=True)]
    for thread in watchers:
        thread.start()
    for run in runs:
        run.play()
    for thread in watchers:
        thread.join()
    leads = [run.lead() for run in groups]
    for run in runs:
        run.pause()
    end = time.perf_counter()
    memory = memory_gb([side.model.pid for run in runs for side in run.sides.values() if side.model is not None])
    errors = [m.key for r in runs for m in r.messages if m.kind == "error"]
    for run in runs:
        run.close()

    rates = [len(a) / args.seconds for a in advances]
    gaps_at = [worst_gap(a, begin, min(end, until)) for a in advances]
    gaps = [gap for gap, _ in gaps_at]
    met = [r >= RATE_MIN and g <= GAP_MAX for r, g in zip(rates, gaps, strict=True)]
    print(
        f"class of {students} ({groups_live} groups of {args.group_size} sharing a live model at scale "
        f"{args.scale:g}, {students - grouped} on stored runs), {args.seconds:.0f} s at one step a second:"
    )
    for label, part in (("group members", slice(0, grouped)), ("stored-run students", slice(grouped, None))):
        if rates[part]:
            gap, at = max(gaps_at[part])
            print(
                f"  {label}: slowest {min(rates[part]):.2f} advances/s, worst gap {gap:.2f} s (ending at {at:.1f} s), "
                f"{sum(met[part])} of {len(rates[part])} met the bar"
            )
    if leads:
        shown = ", ".join(f"{lead * 1000:.0f}" for lead in leads)
        print(f"  live runs' lead at the end (a step started this long before its deadline): {shown} ms")
    print(f"  peak memory {memory:.2f} GB, server and live models' processes (limit 16), errors {len(errors)}")
    fits = all(met) and memory < 16 and not errors
    print(f"  class of {students}: {'yes' if fits else 'NO'} ({sum(met)} of {students} views advanced once a second)")
    return fits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--groups", type=int, default=2, help="groups sharing one live model each (the budget)")
    parser.add_argument("--group-size", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--largest",
        action="store_true",
        help="measure classes of --students, then 6 fewer each time, until one meets the bar",
    )
    args = parser.parse_args()

    library = Library(offered_scenarios(REPO / "scenarios", []), 2017, args.scale, args.groups * args.scale)
    start = time.perf_counter()
    library.record(PRESET, "branch")
    print(f"ready state and stored run of {PRESET} at scale {args.scale:g}: {time.perf_counter() - start:.1f} s")

    settings = Settings(PRESET, seed=2017, scale=args.scale)
    stored = started(library, settings, live=False)
    replay_ms = one_step_ms(stored)
    stored.close()
    live = started(library, settings, live=True)
    live_ms = one_step_ms(live)
    live.close()
    meets = replay_ms < STEP_LIMIT_MS
    print(f"one step + every view redrawn, stored run (the default): {replay_ms:.1f} ms (limit {STEP_LIMIT_MS:.0f})")
    print(f"one step + every view redrawn, live model at scale {args.scale:g}: {live_ms:.1f} ms")
    print(f"bar: at least {RATE_MIN} advances/s and no gap over {GAP_MAX} s, for every student")

    sizes = range(args.students, 0, -CLASS_STEP) if args.largest else [args.students]
    largest = next((n for n in sizes if measure_class(library, settings, args, n)), None)
    print(f"one step under {STEP_LIMIT_MS:.0f} ms: {'yes' if meets else 'NO'}")
    if largest is not None:
        print(f"largest class measured with every view advancing once a second: {largest}")
    elif args.largest:
        print(f"no class measured ({', '.join(map(str, sizes))}) had every view advancing once a second")
    else:
        print(f"class of {args.students} is too big (--largest measures smaller classes)")
    return 0 if largest is not None and meets else 1


if __name__ == "__main__":
    raise SystemExit(main())
