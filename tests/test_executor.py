"""Starting workers (sim/experiments/executor.py): with `preload`, local workers start when the executor
opens and import those modules before any job (the CLI opens it before its own imports, so the workers
are ready when the first run comes); workers started for nothing are ended on closing, not waited for."""

from __future__ import annotations

import inspect
import sys

from sim import cli
from sim.experiments.executor import Executor

JOB_MODULE = "sim.experiments.sweep"


def imported(module: str) -> bool:
    """In a worker: whether `module` is imported there."""
    return module in sys.modules


def test_preloaded_workers_start_on_opening_and_import_the_modules_before_any_job():
    with Executor("processes", jobs=2, preload=(JOB_MODULE,)) as executor:
        assert len(executor._pool._processes) == 2  # started before any job was given
        assert executor.map(imported, [JOB_MODULE] * 4) == [True] * 4
    with Executor("processes", jobs=1) as executor:  # without preload a worker imports only what its job needs
        assert executor.map(imported, [JOB_MODULE]) == [False]


def test_workers_started_for_nothing_are_ended_on_closing():
    with Executor("processes", jobs=2, preload=(JOB_MODULE,)) as executor:
        workers = list(executor._pool._processes.values())
    assert len(workers) == 2
    assert not any(worker.is_alive() for worker in workers)


def test_the_cli_preloads_the_module_of_the_runs_job_for_the_commands_that_take_an_executor():
    from sim.experiments import commands
    from sim.experiments.sweep import execute

    assert execute.__module__ in cli.WORKER_MODULES
    takes_executor = {name for name, f in commands.COMMANDS.items() if "executor" in inspect.signature(f).parameters}
    assert takes_executor == set(cli.RUNS_MODELS) == {"compare", "sweep"}
