"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

This is the one place worker pools and clusters are made. `compare`, `sweep` and the
calibration's trials all hand their jobs to an `Executor`; each job draws only from its own
seed, so the same job gives identical results on every backend.

    with Executor("processes", jobs=2) as executor:
        for item, result, error in executor.map_unordered(job, items):
            ...
"""

from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import os
import signal
import socket
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sim.experiments import interrupts
from sim.experiments.interrupts import blocked

BACKENDS = ("serial", "processes", "dask")

Item = TypeVar("Item")
Outcome = tuple[Any, Any, BaseException | None]  # (item, result or None, error or None)


class Executor:
    """A backend kept open across calls (a pool's start-up is paid once), closed on exit.

    With `preload` (module names), local worker processes start when the executor opens and each
    imports those modules at once: a caller that opens it before its own imports and preparations
    has workers ready when the first job comes (a 1:1 comparison saves about a second)."""

    def __init__(
        self, backend: str = "processes", jobs: int = 2, scheduler: str | None = None, preload: tuple[str, ...] = ()
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not known (allowed: {', '.join(BACKENDS)})")
        if jobs < 1:
            raise ValueError(f"jobs {jobs}: too few (allowed: a whole number >= 1)")
        if scheduler is not None and backend != "dask":
            raise ValueError(f"--scheduler {scheduler}: only for backend dask (allowed: --backend dask)")
        self.backend = backend
        self.jobs = jobs
        self.scheduler = scheduler
        self.preload = preload
        self._pool: ProcessPoolExecutor | None = None
        self._used = False  # whether a job was submitted (workers only preloading are not waited for)
        self._client: Any = None
        self._cluster: Any = None

    # --- opening and closing -------------------------------------------------------------------------
    def __enter__(self) -> Executor:
        if self.backend == "processes":
            # "spawn": workers start clean (no copy of the parent's threads or open catalogue)
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(os.getpid(), self.preload),
            )
            if self.preload:  # a pool starts a worker per job submitted while none is idle: start them all now
                for _ in range(self.jobs):
                    _submit(self._pool, _started, None)
        elif self.backend == "dask":
            with blocked():  # a local cluster's processes inherit SIGINT blocked: Ctrl-C is the parent's
                self._client = self._connect()
        return self

    def _connect(self) -> Any:
        from dask.distributed import Client, LocalCluster

        if self.scheduler is None:
            self._cluster = LocalCluster(
                n_workers=self.jobs, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            )
            return Client(self._cluster)
        check_scheduler(self.scheduler)
        try:
            return Client(self.scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ValueError(
                f"--scheduler {self.scheduler}: no Dask scheduler answers there ({exc}) "
                "(allowed: the address of a running scheduler, e.g. tcp://127.0.0.1:8786)"
            ) from None

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(abort=kind is not None)

    def close(self, abort: bool = False) -> None:
        """Stop the workers: queued jobs are cancelled; with `abort` (an error or Ctrl-C), running ones are
        ended too rather than waited for."""
        if self._pool is not None:
            if abort or not self._used:
                _terminate(self._pool)
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    # --- running jobs --------------------------------------------------------------------------------
    def map_unordered(self, job: Callable[[Item], Any], items: Iterable[Item]) -> Iterator[Outcome]:
        """Run `job` on every item; yield (item, result, None) or (item, None, error) as each ends.

        A failed job does not stop the others: its error is yielded for the caller to record."""
        items = list(items)
        if not items:
            return
        if self.backend == "serial":
            yield from self._serial(job, items)
        elif self.backend == "processes":
            yield from self._processes(job, items)
        else:
            yield from self._dask(job, items)

    def map(self, job: Callable[[Item], Any], items: Iterable[Item]) -> list[Any]:
        """Run `job` on every item and return the results in the items' order (the first error is raised)."""
        items = list(items)
        results: dict[int, Any] = {}
        for (index, _), result, error in self.map_unordered(_Indexed(job), list(enumerate(items))):
            if error is not None:
                raise error
            results[index] = result
        return [results[i] for i in range(len(items))]

    def _serial(self, job: Callable, items: list) -> Iterator[Outcome]:
        for item in items:
            try:
                result = job(item)
            except Exception as exc:  # a failed run is reported, the rest go on
                yield item, None, exc
            else:
                yield item, result, None

    def _processes(self, job: Callable, items: list) -> Iterator[Outcome]:
        pool = self._require(self._pool)
        self._used = True
        # at most a few jobs queued beyond the running ones, so that an interrupt leaves little to cancel
        pending: dict[Future, Any] = {}
        queue = iter(items)
        window = 2 * self.jobs
        try:
            for item in queue:
                pending[_submit(pool, job, item)] = item
                if len(pending) >= window:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item = pending.pop(future)
                    error = future.exception()
                    yield item, (None if error else future.result()), error
                    following = next(queue, _END)
                    if following is not _END:
                        pending[_submit(pool, job, following)] = following
        except KeyboardInterrupt:
            # Ctrl-C: the workers end now, so no queued job starts; jobs whose results had arrived are handed over
            yield from _after_interrupt(pool, pending)
            raise
        finally:
            if interrupts.interrupted():  # the Ctrl-C reached the caller while it handled a result
                list(_after_interrupt(pool, pending))
            for future in pending:  # an early stop by the caller: queued jobs are dropped
                future.cancel()

    def _dask(self, job: Callable, items: list) -> Iterator[Outcome]:
        from dask.distributed import as_completed

        client = self._require(self._client)
        futures = client.map(job, items, pure=False)
        item_of = {future.key: item for future, item in zip(futures, items, strict=True)}
        try:
            for future in as_completed(futures):
                error = future.exception()
                yield item_of[future.key], (None if error else future.result()), error
        finally:
            client.cancel(futures)

    def _require(self, backend: Any) -> Any:
        if backend is None:
            raise RuntimeError("the executor is not open: use it as `with Executor(...) as executor:`")
        return backend


_END = object()
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal the kernel sends when the parent process dies


def _submit(pool: ProcessPoolExecutor, job: Callable, item: Any) -> Future:
    """Submit a job; the worker a submission may start inherits SIGINT blocked (Ctrl-C is the parent's)."""
    with blocked():
        return pool.submit(job, item)


def _after_interrupt(pool: ProcessPoolExecutor, pending: dict[Future, Any]) -> Iterator[Outcome]:
    """End the pool's workers, wait until the pool has marked every unfinished job broken (a job cancelled
    first would make it fail doing so), and yield the jobs that had finished; `pending` is emptied."""
    _terminate(pool)
    wait(pending, timeout=10)
    finished = [(pending[f], f.result()) for f in pending if f.done() and not f.cancelled() and f.exception() is None]
    pending.clear()
    for item, result in finished:
        yield item, result, None


def _terminate(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes now (after a Ctrl-C or an error: running jobs are not waited for)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def check_scheduler(address: str) -> None:
    """Refuse at once a scheduler address where nothing listens (rather than after the client's time-out)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    allowed = "the address of a running scheduler, e.g. tcp://127.0.0.1:8786"
    if not host or port is None:
        raise ValueError(f"--scheduler {address}: not an address with a host and a port (allowed: {allowed})")
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise ValueError(
            f"--scheduler {address}: no Dask scheduler answers there ({exc}) (allowed: {allowed})"
        ) from None


def start_worker(parent: int, preload: tuple[str, ...]) -> None:
    """A worker's start: tied to its parent (`end_with_parent`), then the `preload` modules imported."""
    end_with_parent(parent)
    for module in preload:
        importlib.import_module(module)


def _started(_: object) -> None:
    """A job that does nothing: submitted to start a worker."""


def end_with_parent(parent: int) -> None:
    """In a worker: ignore Ctrl-C (the parent decides what stops), and end when the process that started
    it ends (a killed sweep leaves no workers behind)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown ends its workers
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


class _Indexed:
    """A job over (index, item) pairs that runs the wrapped job on the item (picklable for workers)."""

    def __init__(self, job: Callable) -> None:
        self.job = job

    def __call__(self, pair: tuple[int, Any]) -> Any:
        return self.job(pair[1])
