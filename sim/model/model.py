"""The model: how Chinese NGOs go international, one quarter at a time.

Each step: the government enacts the policy of the day; the population is founded,
registers, is funded, learns, associates, dissolves and takes its first steps abroad;
organisations abroad act; the UN channels, the Human Rights Council and the Committee on
NGOs hold what falls in this step; the government learns and hands out support; outputs
are recorded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import pickle
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.model import speedups
from sim.model.actor import Actor
from sim.model.agents import AGENT_CLASSES, OrganisationAgent, act_abroad
from sim.model.calendar import Calendar
from sim.model.checkpoint import ModelCheckpoint, history_key
from sim.model.coalitions import Coalitions
from sim.model.domain import (
    APPLICANT,
    DOMESTIC,
    ENGAGED,
    FOUNDATION,
    GONGO,
    INTERNATIONALISED,
    KINDS,
    issue_domains,
)
from sim.model.draws import Draws
from sim.model.government import Government
from sim.model.observe import EventLog, Recorder, organisations_frame, register_snapshot
from sim.model.policy import Levers, schedule_by_step
from sim.model.population import ROWS_AT_FULL_SCALE, Population
from sim.model.scenario import Scenario
from sim.model.un import CommitteeOnNGOs, HumanRightsCouncil, OtherUNChannels


class NGOModel(mesa.Model):
    """Chinese NGOs going international under a policy regime (see docs/ODD.md)."""

    def __init__(self, scenario: Scenario, seed: int | None = None, scale: float | None = None) -> None:
        self.seed_value = int(scenario.seed if seed is None else seed)
        super().__init__(seed=self.seed_value)
        self.scenario = scenario
        self.scale = float(scenario.scale if scale is None else scale)
        self.params = scenario.parameters
        self.calendar = Calendar(scenario.start, scenario.end, scenario.steps_per_year)
        self.fade_experience = math.exp(-self.params.experience_decay * self.calendar.dt)
        self.fade_soft_power = math.exp(-self.params.sp_int_decay * self.calendar.dt)
        self.domains = issue_domains()
        self.draws = Draws(self.seed_value, rows=int(ROWS_AT_FULL_SCALE * self.scale))
        self.events = EventLog()
        self.population = Population(self.params, self.domains, self.draws, self.scale, self.calendar.dt)
        self.register = self.population.register
        self.coalitions = Coalitions(self.register, self.params.coalition_full_size)
        levers = Levers(**{**scenario.levers.__dict__, "easing_by_domain": dict(scenario.levers.easing_by_domain)})
        self.government = Government(self, levers, list(scenario.events))
        self.committee = CommitteeOnNGOs(self)
        self.hrc = HumanRightsCouncil(self)
        self.channels = OtherUNChannels(self)
        self.abroad: dict[int, OrganisationAgent] = {}  # row -> agent, for those abroad now
        self.spells: list[OrganisationAgent] = []  # every agent ever made: one spell abroad each
        self.recorder = Recorder(self)
        self._hosts: dict[int, list[OrganisationAgent]] | None = None
        self._log_date = (-1, "")  # the step whose events are being logged, and its date
        self._build_initial_state()

    # --- time ---------------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The calendar step being run (0 before the first step)."""
        return max(self.steps - 1, 0)

    @property
    def year(self) -> float:
        """The decimal year at the start of the step being run."""
        return self.calendar.year_of(self.now)

    @property
    def finished(self) -> bool:
        return self.steps >= self.calendar.n_steps

    # --- the initial state on the start date ---------------------------------------------------------
    def _build_initial_state(self) -> None:
        """Registered GONGOs and foundations, the unregistered pool, and the few already abroad."""
        p, pop = self.params, self.population
        pop.found_registered(GONGO, pop.thin(p.init_gongo), 0)
        pop.found_registered(FOUNDATION, pop.thin(p.init_foundation), 0)
        pop.seed_pool(pop.thin(p.init_unregistered), pop.thin(p.init_pneu_backlog))
        self.committee.world_status = pop.thin(p.init_world_status)
        for kind, stage, count in (
            (GONGO, APPLICANT, p.init_applicant_gongo),
            (GONGO, INTERNATIONALISED, p.init_internationalised_gongo),
            (GONGO, ENGAGED, p.init_engaged_gongo),
            (FOUNDATION, ENGAGED, p.init_engaged_foundation),
        ):
            for row in self._largest_domestic(kind, pop.thin(count)):
                agent = self.go_abroad(int(row))
                self.register.un_experience[row] = p.init_experience_abroad
                self.register.sp_international[row] = p.init_experience_abroad
                if stage == APPLICANT:
                    self.committee.receive(agent)
                else:
                    agent.stage = stage

    def _largest_domestic(self, kind: int, count: int) -> np.ndarray:
        """Draw `count` domestic organisations of a kind, the larger ones more likely."""
        r = self.register
        rows = np.flatnonzero((r.view("kind") == kind) & (r.view("stage") == DOMESTIC))
        count = min(count, len(rows))
        if count == 0:
            return rows[:0]
        weights = r.size[rows] / r.size[rows].sum()
        return self.draws.generator("initial_state").choice(rows, size=count, replace=False, p=weights)

    # --- organisations abroad ---------------------------------------------------------------------
    def go_abroad(self, row: int) -> OrganisationAgent:
        """An organisation takes its first step abroad and becomes an agent."""
        agent = AGENT_CLASSES[int(self.register.kind[row])](self, row)
        agent.stage = ENGAGED
        self.abroad[row] = agent
        self.spells.append(agent)
        self.log("engaged", agent)
        return agent

    def retire(self, agent: OrganisationAgent) -> None:
        """An organisation abroad returns to domestic work or dissolves: it stops being an agent."""
        agent.active = False
        agent.left_step = self.now
        self.register.support[agent.row] = 0.0  # support reaches only organisations abroad
        self.coalitions.leave(agent.row)
        self.abroad.pop(agent.row, None)
        agent.remove()

    def organisations(self) -> list[OrganisationAgent]:
        """The organisations abroad now, in the order they went abroad."""
        return list(self.abroad.values())

    def abroad_rows(self) -> np.ndarray:
        """Register rows of the organisations abroad now (same order as `organisations`)."""
        return np.fromiter(self.abroad, dtype=np.int64, count=len(self.abroad))

    def find_platform(self, agent: OrganisationAgent) -> OrganisationAgent | None:
        """A GONGO abroad in the same issue domain whose platform a G-R NGO can borrow (A)."""
        if self._hosts is None:  # the GONGOs with a standing role abroad, by domain, as of this step
            self._hosts = {}
            r, rows, agents = self.register, self.abroad_rows(), self.organisations()
            for i in np.flatnonzero((r.kind[rows] == GONGO) & (r.stage[rows] >= INTERNATIONALISED)).tolist():
                self._hosts.setdefault(int(r.domain[rows[i]]), []).append(agents[i])
        hosts = self._hosts.get(int(self.register.domain[agent.row]))
        if not hosts:
            return None
        host = hosts[int(self.draws.uniform("platform", agent.row) * len(hosts))]
        self.log("platform_borrowed", agent, value=float(host.row))
        return host

    # --- the step ------------------------------------------------------------------------------------
    def step(self) -> None:
        """One step (a quarter by default) of the whole model."""
        now = self.now
        self.draws.begin_step(now)
        self._hosts = None
        government = self.government
        government.enact_policy()
        flows = self.population.step(
            now,
            self.year,
            government.levers,
            government.support_reach,
            self.channels.exposure(),
            grassroots_space=government.grassroots_space(),
            sponsored=government.sponsored_first_steps(),
        )
        gone = flows.dissolved_rows
        for row in gone[self.register.stage[gone] != DOMESTIC]:  # those abroad
            agent = self.abroad[int(row)]
            self.log("dissolved", agent)
            self.retire(agent)
        for row in flows.engaged_rows:
            self.go_abroad(int(row))
        act_abroad(self, self.organisations(), self.abroad_rows())
        self.channels.step()
        self.hrc.step()
        self.committee.step()
        government.learn()
        government.allocate_support(self.abroad_rows())
        self.recorder.record(flows)
        self.committee.flows.clear()
        if self.finished:
            self.running = False

    def run(self) -> None:
        """Run every remaining step to the end of the scenario."""
        while not self.finished:
            self.step()

    def run_until(self, day: dt.date) -> None:
        """Step until the next step would start on or after `day` (or the run ends): e.g. to a branch date."""
        while not self.finished and self.calendar.step_start(self.steps) < day:
            self.step()

    # --- checkpoints ------------------------------------------------------------------------------------
    def checkpoint(self, out_of_band: bool = False) -> ModelCheckpoint:
        """The state now (between steps), to resume under this or any scenario with the same history.

        With `out_of_band` the model's arrays are not copied into the pickle: the checkpoint holds views
        of them, valid only until the model steps again (to write a checkpoint file at once)."""
        date = self.calendar.step_start(self.steps)
        key = history_key(self.scenario, self.seed_value, self.scale, date)
        buffers: list[pickle.PickleBuffer] = []
        payload = pickle.dumps(self, protocol=5, buffer_callback=buffers.append if out_of_band else None)
        views = tuple(buffer.raw() for buffer in buffers)
        return ModelCheckpoint(key=key, step=self.steps, date=date, payload=payload, buffers=views)

    @classmethod
    def resume(cls, checkpoint: ModelCheckpoint, scenario: Scenario) -> NGOModel:
        """A model that continues from `checkpoint` under `scenario`: its events from the checkpoint's
        date on and its end date; ValueError if the scenario's history differs from the checkpoint's."""
        model = pickle.loads(checkpoint.payload, buffers=checkpoint.buffers)  # made by checkpoint() above only
        if not isinstance(model, cls):
            raise ValueError(f"checkpoint holds a {type(model).__name__}, not a {cls.__name__}")
        key = history_key(scenario, model.seed_value, model.scale, checkpoint.date)
        if key != checkpoint.key:
            raise ValueError(
                f"scenario {scenario.name!r} does not share the checkpoint's history up to {checkpoint.date} "
                "(start, steps_per_year, parameters, levers, events before that date, seed and scale must agree)"
            )
        model._continue_as(scenario, checkpoint.date)
        return model

    def fork(self) -> NGOModel:
        """An independent copy of this model in its state now, under the same scenario."""
        return type(self).resume(self.checkpoint(), self.scenario)

    def _continue_as(self, scenario: Scenario, date: dt.date) -> None:
        """Take `scenario`'s end and its events from `date` on (the history before `date` is the same)."""
        self.scenario = scenario
        self.calendar = Calendar(scenario.start, scenario.end, scenario.steps_per_year)
        later = [event for event in scenario.events if event.date >= date]
        self.government.schedule = schedule_by_step(later, self.calendar, self.government.levers)
        self.hrc.plan(self.calendar)
        self.population.use_speedups(speedups.enabled())
        self.running = not self.finished

    def __getstate__(self) -> dict[str, Any]:
        """The model's attributes, less Mesa's wrapped step (rebuilt on load), plus the next agent id."""
        state = self.__dict__.copy()
        del state["step"], state["_user_step"]
        next_id = next(Actor._ids[self])
        Actor._ids[self] = itertools.count(next_id)
        state["_next_agent_id"] = next_id
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the attributes, Mesa's step counting and the agent id counter."""
        next_id = state.pop("_next_agent_id")
        self.__dict__.update(state)
        self._user_step = self.step
        self.step = self._wrapped_step
        Actor._ids[self] = itertools.count(next_id)

    # --- outputs ---------------------------------------------------------------------------------------
    def log(self, event: str, agent: OrganisationAgent | None, value: float = float("nan"), detail: str = "") -> None:
        """Put an event on the log, dated with the current step."""
        now = self.now
        if self._log_date[0] != now:  # many events share a step: write its date once
            self._log_date = (now, self.calendar.step_start(now).isoformat())
        date = self._log_date[1]
        if agent is None:
            self.events.add(now, date, event, -1, "", "", value, detail)
        else:
            domain = self.domains.names[int(self.register.domain[agent.row])]
            self.events.add(now, date, event, agent.row, KINDS[agent.kind], domain, value, detail)

    def timeseries(self) -> pd.DataFrame:
        """The outputs of every step so far, one row each."""
        return self.recorder.frame()

    def event_log(self) -> pd.DataFrame:
        return self.events.frame()

    def organisations_table(self) -> pd.DataFrame:
        """One row per spell abroad of every organisation that went abroad (or was abroad at the start)."""
        self.population.settle(np.array([agent.row for agent in self.spells], np.int64))
        return organisations_frame(self, self.spells)

    def snapshot(self) -> pd.DataFrame:
        """Every organisation's state now (registered rows, then unregistered groups)."""
        self.population.settle()
        return register_snapshot(self)
