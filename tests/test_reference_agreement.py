"""The engine's register rules and the plain per-agent Mesa reference agree in law.

What is compared: the engine's `Population` (sim/model/population.py) run alone through
benchmarks/harness.py, against benchmarks/reference.py (one `mesa.Agent` per registered
organisation, per-agent draws, `shuffle_do`, a DataCollector). `Population` alone rather than
the full `NGOModel`, because the full model's agents abroad, government and UN bodies write
into the register (support grants, coalitions, stages) and the reference re-implements only
the register's rules: alone, both see exactly the same inputs (see harness.py). When a rule in
population.py changes, change the reference the same way: this test is what notices.

Set-up: the history scenario (scenarios/history.toml: its parameters, its levers and its dated
policy events - registration easing moves three times, public-diplomacy support, UN outreach,
contracting, association and the foreign-funding restriction once or more) over 1999-2018
(80 quarters, so the 1998 regulations' registration start and its ramp are inside), from the
engine's initial state, at scale 0.003, UN exposure 1 (if the scenario's re-registration
campaign adds no GONGO dissolution, 0.2 a year is set so that rule acts too). 30 runs a side
(engine seeds 0-29, reference seeds 10000-10029: independent streams).

Outputs, each quarter: registered organisations, founded, dissolved and engaged (first step
abroad; stock and flow) by kind; unregistered groups; registrations; associated G-R NGOs; mean
resources, expertise and domestic soft power by kind - 28 outputs (reference.OUTPUTS).

Statistic: Welch's t = (mean_engine - mean_reference) / sqrt(var_e/n_e + var_r/n_r) over the
runs (a mean of a kind absent from a run leaves that run out; a cell is tested when both sides
have >= 5 values; if both sides are constant their means must be equal).
- Family A, every quarter x output (80 x 28 = 2240 tests): |t| <= 5.2. Under the null, with
  ~58 degrees of freedom, P(|t| > 5.2) ~ 2.7e-6, so by Bonferroni the chance of any false
  alarm in the family is <= 2240 x 2.7e-6 ~ 0.6% (~1.2% if uneven variances cut the degrees
  of freedom to ~43).
- Family B, each output averaged over the 80 quarters of a run (28 tests; more power against
  a steady shift): |t| <= 4. P(|t_58| > 4) ~ 1.8e-4, so <= 28 x 1.8e-4 ~ 0.5%.
The test can fail: `test_a_deliberately_changed_reference_is_caught` gives the reference a
yearly dissolution hazard of registered G-R NGOs 20% above the scenario's and asserts that the
same check rejects it (15 reference runs). Measured by hand with 30 runs on the calibrated
history (largest |t|): that change ~13; learning_rate 0.33 instead of 0.3 ~25;
turnover_low_pay 0.6 instead of 0.5 ~13; association_rate 0.12 instead of 0.1 ~8; the policy
events applied one quarter early ~14 - all caught. engage_gongo +20% (rare events, one or two
a quarter at this scale) gives |t| ~4.4, at the edge: the check resolves rare-event rates only
to a few tens of per cent. With the unchanged reference the largest |t| seen were ~3.6 (A)
and ~1.7-3.1 (B).
No timing is asserted. About 40 s on the project's 2-core machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import run_population  # noqa: E402
from benchmarks.reference import OUTPUTS, run_reference  # noqa: E402
from sim.experiments.scenario_file import load_scenario  # noqa: E402

SCALE = 0.003
START, END = dt.date(1999, 1, 1), dt.date(2018, 12, 31)
SEEDS = 30
QUARTERS = 80
ENGINE_SEEDS = range(SEEDS)
REFERENCE_SEEDS = range(10_000, 10_000 + SEEDS)
K_QUARTER = 5.2  # family A threshold
K_AVERAGE = 4.0  # family B threshold
MIN_RUNS = 5


def history():
    """The history scenario; if its re-registration campaign adds no GONGO dissolution, some is
    switched on so that rule acts in the span too."""
    scenario = load_scenario(ROOT / "scenarios" / "history.toml")
    if scenario.parameters.reregistration_dissolution == 0:
        scenario = dataclasses.replace(scenario, parameters=scenario.parameters.replace(reregistration_dissolution=0.2))
    return scenario


def stack(frames: list[pd.DataFrame]) -> np.ndarray:
    """Runs x quarters x outputs."""
    return np.stack([f[list(OUTPUTS)].to_numpy(dtype=float) for f in frames])


def welch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Welch's t along axis 0 (runs), NaNs left out; NaN where a side has < MIN_RUNS values."""
    na, nb = np.sum(~np.isnan(a), axis=0), np.sum(~np.isnan(b), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cells with no value (a kind absent)
        ma, mb = np.nanmean(a, axis=0), np.nanmean(b, axis=0)
        va, vb = np.nanvar(a, axis=0, ddof=1), np.nanvar(b, axis=0, ddof=1)
        se = np.sqrt(va / na + vb / nb)
        diff = ma - mb
        t = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))
    return np.where((na >= MIN_RUNS) & (nb >= MIN_RUNS), t, np.nan)


def disagreements(engine: np.ndarray, reference: np.ndarray) -> list[str]:
    """Every cell of family A or B beyond its threshold, described."""
    found = []
    t_quarter = welch(engine, reference)
    for q, j in zip(*np.nonzero(np.abs(np.nan_to_num(t_quarter)) > K_QUARTER), strict=True):
        found.append(f"quarter {q} {OUTPUTS[j]}: t = {t_quarter[q, j]:.2f}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t_average = welch(np.nanmean(engine, axis=1), np.nanmean(reference, axis=1))
    for j in np.flatnonzero(np.abs(np.nan_to_num(t_average)) > K_AVERAGE):
        found.append(f"run average {OUTPUTS[j]}: t = {t_average[j]:.2f}")
    return found


@pytest.fixture(scope="module")
def engine_runs() -> np.ndarray:
    scenario = history()
    return stack([run_population(scenario, seed, SCALE, START, END) for seed in ENGINE_SEEDS])


@pytest.fixture(scope="module")
def reference_runs() -> np.ndarray:
    scenario = history()
    return stack([run_reference(scenario, seed, SCALE, START, END) for seed in REFERENCE_SEEDS])


def test_engine_and_reference_agree_on_every_quarterly_output(engine_runs, reference_runs):
    assert engine_runs.shape == reference_runs.shape == (SEEDS, QUARTERS, len(OUTPUTS))
    # the comparison is not vacuous: every rule acts within the span
    late = np.nanmean(engine_runs[:, -1, :], axis=0)
    for name in ("registered_grassroots", "registrations_grassroots", "associated_grassroots", "engaged_gongo"):
        assert late[OUTPUTS.index(name)] > 0, name
    tested = np.count_nonzero(~np.isnan(welch(engine_runs, reference_runs)))
    assert tested > 0.8 * QUARTERS * len(OUTPUTS)
    problems = disagreements(engine_runs, reference_runs)
    assert not problems, "\n".join(problems)


def test_a_deliberately_changed_reference_is_caught(engine_runs):
    base = history()
    hazard = base.parameters.dissolution_grassroots * 1.2
    changed = dataclasses.replace(base, parameters=base.parameters.replace(dissolution_grassroots=hazard))
    reference = stack([run_reference(changed, seed, SCALE, START, END) for seed in REFERENCE_SEEDS[:15]])
    problems = disagreements(engine_runs, reference)
    caught = [p for p in problems if "dissolved_grassroots" in p or "registered_grassroots" in p]
    assert caught, "a 20% higher G-R dissolution hazard went unnoticed"
