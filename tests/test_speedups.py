"""The speed-ups change no result: every table is identical bit for bit with NGOSIM_SPEEDUPS on and off."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, VISIBLE_TAIL, add_rows, bare_model, scenario_with

from sim import NGOModel, load_scenario
from sim.model import kernels, speedups
from sim.model.domain import DOMESTIC
from sim.model.policy import Levers

SEED, SCALE = 4, 0.02


def tables(model: NGOModel) -> dict[str, pd.DataFrame]:
    """Every table a run reports (the snapshot last: it brings every dissolved row up to date)."""
    return {
        "timeseries": model.timeseries(),
        "events": model.event_log(),
        "organisations": model.organisations_table(),
        "snapshot": model.snapshot(),
    }


def run_both_ways(monkeypatch: pytest.MonkeyPatch, scenario, until: dt.date | None = None) -> list[dict]:
    """The tables of one run with the speed-ups off and one with them on (a snapshot on `until` too)."""
    out = []
    for switch in ("0", "1"):
        monkeypatch.setenv(speedups.ENV_VAR, switch)
        model = NGOModel(scenario, seed=SEED, scale=SCALE)
        assert (model.population.passes is not None) == (switch == "1" and kernels.AVAILABLE)
        found = {}
        if until is not None:
            model.run_until(until)
            found["snapshot_mid_run"] = model.snapshot()
        model.run()
        out.append({**found, **tables(model)})
    return out


def assert_identical(off: dict, on: dict) -> None:
    assert off.keys() == on.keys()
    for name in off:
        pd.testing.assert_frame_equal(off[name], on[name], check_exact=True, obj=name)


def test_the_switch_reads_the_environment(monkeypatch):
    monkeypatch.delenv(speedups.ENV_VAR, raising=False)
    assert speedups.enabled()
    monkeypatch.setenv(speedups.ENV_VAR, "0")
    assert not speedups.enabled()
    monkeypatch.setenv(speedups.ENV_VAR, "1")
    assert speedups.enabled()


def test_a_history_is_identical_both_ways(monkeypatch):
    levers = Levers(registration_easing=0.5, association=0.3, government_contracting=0.5)
    scenario = scenario_with(levers, parameters=VISIBLE_TAIL, end=dt.date(2010, 12, 31))
    off, on = run_both_ways(monkeypatch, scenario, until=dt.date(2000, 1, 1))
    assert (~off["snapshot"]["alive"]).sum() > 1000  # dissolved rows are compared too
    assert (off["events"]["event"] == "coalition_joined").sum() > 10
    assert_identical(off, on)


def test_a_branch_is_identical_both_ways(monkeypatch):
    scenario = load_scenario(SCENARIOS / "tightening.toml")
    off, on = run_both_ways(monkeypatch, scenario, until=dt.date(2020, 1, 1))
    assert_identical(off, on)


def test_levers_the_compiled_passes_do_not_take_fall_back_to_numpy(monkeypatch):
    """A numpy float64 lever widens the numpy code to float64: those steps run the numpy passes."""
    levers = Levers(foreign_funding_restriction=np.float64(0.4), government_contracting=0.5)
    off, on = run_both_ways(monkeypatch, scenario_with(levers, end=dt.date(1999, 12, 31)))
    assert_identical(off, on)


def test_a_checkpoint_made_with_speedups_resumes_without_them(monkeypatch):
    scenario = dataclasses.replace(load_scenario(SCENARIOS / "status_quo.toml"), end=dt.date(2020, 12, 31))
    monkeypatch.setenv(speedups.ENV_VAR, "0")
    plain = NGOModel(scenario, seed=SEED, scale=SCALE)
    plain.run()
    monkeypatch.setenv(speedups.ENV_VAR, "1")
    model = NGOModel(scenario, seed=SEED, scale=SCALE)
    model.run_until(dt.date(2016, 1, 1))
    checkpoint = model.checkpoint()
    monkeypatch.setenv(speedups.ENV_VAR, "0")
    resumed = NGOModel.resume(checkpoint, scenario)
    assert resumed.population.passes is None
    resumed.run()
    assert_identical(tables(plain), tables(resumed))


def test_a_member_that_leaves_its_coalition_after_dissolving_is_caught_up_as_numpy_does(monkeypatch):
    """A coalition member dissolves in the population's step, then leaves its coalition when the
    model retires it: the next step's funding reads the soft power it had as a member."""
    scenario = scenario_with(Levers(government_contracting=0.5), end=dt.date(1999, 12, 31))
    snapshots = []
    for switch in ("0", "1"):
        monkeypatch.setenv(speedups.ENV_VAR, switch)
        model = NGOModel(scenario, seed=SEED, scale=SCALE)
        model.run_until(dt.date(1997, 1, 1))
        r = model.register
        rows = np.flatnonzero(r.view("alive") & ~r.view("associated") & (r.view("stage") == DOMESTIC))[:50]
        r.coalition[rows] = 0
        model.step()
        r.dissolve(rows)
        if model.population.passes is not None:
            model.population.passes.dissolved(rows, model.now)
        r.coalition[rows] = -1
        model.run()
        snapshots.append(model.snapshot())
    pd.testing.assert_frame_equal(snapshots[0], snapshots[1], check_exact=True)


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_pass_gives_numpys_bits_for_every_alive_row_and_leaves_dissolved_rows(monkeypatch, seed):
    """Rows of every kind and flag, with resources from nothing to a large budget and expertise at and
    beyond its limits: the pass's float32 results equal the numpy passes' bit for bit (sign of zero
    included) on the alive rows, and the dissolved rows keep their values."""
    monkeypatch.setenv(speedups.ENV_VAR, "1")
    rng = np.random.default_rng(seed)
    model = bare_model(Levers(foreign_funding_restriction=0.3, government_contracting=0.4))
    n = 4099  # not a multiple of the vector width: the loop's tail runs too
    rows = add_rows(
        model,
        n,
        kind=rng.integers(0, 3, n),
        size=rng.choice([0.0, 1e-3, 0.5, 30.0, 2e5], n) * rng.random(n),
        resources=rng.choice([0.0, 1e-3, 1.0, 30.0, 2e5], n) * rng.random(n),
        support=rng.random(n),
        foreign_share=rng.random(n),
        alignment=rng.random(n),
        expertise=rng.choice([-0.0, 0.0, 1e-7, 0.5, 1.0 - 1e-7, 1.0], n),
        sp_domestic=rng.random(n),
        specialist=rng.random(n) < 0.5,
        associated=rng.random(n) < 0.5,
        coalition=np.where(rng.random(n) < 0.3, 2, -1),
    )
    r, population = model.register, model.population
    r.dissolve(rows[rng.random(n) < 0.4])
    before = {name: r.view(name).copy() for name in kernels.Columns._fields}
    population.use_speedups(False)
    levers = model.government.levers
    population.fund(levers)
    population.staff_and_learn()
    population.domestic_soft_power()
    numpy_bits = {name: r.view(name).copy() for name in ("resources", "staff", "turnover", "expertise", "sp_domestic")}
    for name, values in before.items():
        r.view(name)[:] = values
    population.use_speedups(True)
    population.passes.before_association(0, levers)
    population.passes.after_association(np.zeros(0, np.int64), 0)
    alive = r.view("alive")
    for name, expected in numpy_bits.items():
        got = r.view(name)
        assert np.array_equal(got[alive].view(np.uint32), expected[alive].view(np.uint32)), name
        assert np.array_equal(got[~alive].view(np.uint32), before[name][~alive].view(np.uint32)), name
