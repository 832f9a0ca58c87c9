"""The engine's `Population` run alone, set up and stepped exactly as the reference is.

`sim.model.population.Population` holds every rule the reference (benchmarks/reference.py)
re-implements, and nothing else; the full `NGOModel` adds the organisations abroad, the
government and the UN bodies, which write back into the register (public-diplomacy support,
coalitions, stages). Comparing `Population` alone with the reference therefore compares the
same rules on the same inputs, with nothing the reference lacks:
- the initial state is built as `NGOModel._build_initial_state` builds it (registered
  GONGOs and foundations, the pool and the backlog, the few already abroad, size-weighted);
- every step: the dated policy events of the step are applied (from `Calendar.step_of`),
  `Population.step` runs with the support reach of `Government.support_reach`, G-R NGOs' political
  space and the sponsored first steps of `sim.model.government` (trust fixed at `init_trust`, as no
  government learns here) and a fixed UN exposure (1 by default), and the
  rows that made a first step abroad get stage `engaged` (what `NGOModel.go_abroad` does) so
  they are not drawn again; no support is handed out and no coalition forms, as in the reference;
- the outputs are read from the register and the step's flows as the engine's Recorder reads
  them (`Register.count_by_kind`, `Register.sums_by_kind`), with the reference's names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd

from benchmarks.reference import COUNT_OUTPUTS, OUTPUTS
from sim.model.calendar import Calendar
from sim.model.domain import DOMESTIC, ENGAGED, FOUNDATION, GONGO, GRASSROOTS, KINDS, issue_domains
from sim.model.draws import Draws
from sim.model.government import grassroots_space, sponsored_first_steps
from sim.model.policy import Levers, schedule_by_step
from sim.model.population import ROWS_AT_FULL_SCALE, Population, StepFlows
from sim.model.register import Register
from sim.model.scenario import Scenario


def support_reach(register: Register, levers: Levers, trust: float):
    """`Government.support_reach` as a function of the register (rows -> reach in 0..1)."""

    def reach(rows: np.ndarray) -> np.ndarray:
        kinds = register.kind[rows]
        if levers.pd_targeting == "gongo_only":
            return (kinds == GONGO).astype(np.float64)
        if levers.pd_targeting == "inclusive":
            return np.ones(len(rows))
        merit = 0.5 * (register.sp_domestic[rows] + register.sp_international[rows]) * register.alignment[rows]
        return np.where(kinds == GRASSROOTS, merit * trust, merit).astype(np.float64)

    return reach


class PopulationRun:
    """The engine's population rules alone, over a scenario's levers and events."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        scale: float,
        start: dt.date | None = None,
        end: dt.date | None = None,
        exposure: float = 1.0,
    ) -> None:
        self.p = scenario.parameters
        self.calendar = Calendar(start or scenario.start, end or scenario.end, scenario.steps_per_year)
        self.exposure = exposure
        self.draws = Draws(seed, rows=int(ROWS_AT_FULL_SCALE * scale))
        self.pop = Population(self.p, issue_domains(), self.draws, scale, self.calendar.dt)
        self.register = self.pop.register
        base = scenario.levers
        self.levers = dataclasses.replace(base, easing_by_domain=dict(base.easing_by_domain))
        self.schedule = schedule_by_step(scenario.events, self.calendar, self.levers)
        self.reach = support_reach(self.register, self.levers, self.p.init_trust)
        self.step_index = 0
        self.rows: list[dict[str, float]] = []
        self._build_initial_state()

    def _build_initial_state(self) -> None:
        p, pop, r = self.p, self.pop, self.register
        pop.found_registered(GONGO, pop.thin(p.init_gongo), 0)
        pop.found_registered(FOUNDATION, pop.thin(p.init_foundation), 0)
        pop.seed_pool(pop.thin(p.init_unregistered), pop.thin(p.init_pneu_backlog))
        for kind, count in (
            (GONGO, p.init_applicant_gongo),
            (GONGO, p.init_internationalised_gongo),
            (GONGO, p.init_engaged_gongo),
            (FOUNDATION, p.init_engaged_foundation),
        ):
            rows = np.flatnonzero((r.view("kind") == kind) & (r.view("stage") == DOMESTIC))
            count = min(pop.thin(count), len(rows))
            if count:
                weights = r.size[rows] / r.size[rows].sum()
                chosen = self.draws.generator("initial_state").choice(rows, size=count, replace=False, p=weights)
                r.stage[chosen] = ENGAGED

    @property
    def finished(self) -> bool:
        return self.step_index >= self.calendar.n_steps

    def step(self) -> StepFlows:
        now = self.step_index
        self.draws.begin_step(now)
        for event in self.schedule.get(now, ()):
            event.apply(self.levers)
        flows = self.pop.step(
            now,
            self.calendar.year_of(now),
            self.levers,
            self.reach,
            self.exposure,
            grassroots_space=grassroots_space(self.p, self.levers, self.p.init_trust),
            sponsored=sponsored_first_steps(self.p, self.levers, self.pop.scale),
        )
        self.register.stage[flows.engaged_rows] = ENGAGED
        self.rows.append(self.outputs(flows))
        self.step_index += 1
        return flows

    def outputs(self, flows: StepFlows) -> dict[str, float]:
        """The step's outputs, read from the register as the engine's Recorder reads them."""
        r, pool = self.register, self.pop.pool
        alive = r.view("alive")
        kind = r.view("kind")
        registered = r.count_by_kind  # alive rows by kind, kept by the register (as the Recorder reads it)
        abroad = np.flatnonzero(alive & (r.view("stage") != DOMESTIC))
        engaged = np.bincount(kind[abroad], minlength=3)
        engagements = np.bincount(kind[flows.engaged_rows], minlength=3)
        out: dict[str, float] = {"step": self.step_index}
        for k, name in enumerate(KINDS):
            out[f"registered_{name}"] = int(registered[k])
            out[f"founded_{name}"] = int(flows.founded[k])
            out[f"dissolved_{name}"] = int(flows.dissolved[k])
            out[f"engaged_{name}"] = int(engaged[k])
            out[f"engagements_{name}"] = int(engagements[k])
        out["unregistered_grassroots"] = pool.total
        out["registrations_grassroots"] = int(flows.registered)
        out["associated_grassroots"] = int(np.count_nonzero(r.view("associated") & alive & (kind == GRASSROOTS)))
        count = np.maximum(registered, 1)
        for column in ("resources", "expertise", "sp_domestic"):
            means = r.sums_by_kind(column) / count
            for k, name in enumerate(KINDS):
                out[f"mean_{column}_{name}"] = float(means[k]) if registered[k] else math.nan
        assert set(COUNT_OUTPUTS) <= set(out)
        return out

    def run(self) -> pd.DataFrame:
        while not self.finished:
            self.step()
        return self.frame()

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["step", *OUTPUTS])


def run_population(
    scenario: Scenario,
    seed: int,
    scale: float,
    start: dt.date | None = None,
    end: dt.date | None = None,
    exposure: float = 1.0,
) -> pd.DataFrame:
    """Run the engine's population rules over the span; return the quarterly outputs."""
    return PopulationRun(scenario, seed, scale, start, end, exposure).run()
