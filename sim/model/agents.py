"""Organisations that have begun international activity: one Mesa agent each.

An agent holds no copy of its state: it reads and writes its row of the register. What it
does abroad each quarter - build capacity, set up a standing presence or lose it, apply for
ECOSOC status, join coalitions - is written here as plain per-agent rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.actor import Actor
from sim.model.domain import (
    APPLICANT,
    ASSOCIATE,
    BORROW_PLATFORM,
    CONSULTATIVE,
    DOMESTIC,
    ENGAGED,
    FOUNDATION,
    GONGO,
    GRASSROOTS,
    INTERNATIONALISED,
    KINDS,
    by_kind,
)
from sim.model.rates import chance, chance_once, logistic

if TYPE_CHECKING:
    from sim.model.model import NGOModel


class OrganisationAgent(Actor):
    """An organisation from its first step abroad on (stage engaged or beyond)."""

    kind: int = GONGO
    model: NGOModel

    def __init__(self, model: NGOModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)
        self.engaged_step = model.now
        self.left_step = -1  # step it returned to domestic work or dissolved, -1 while abroad
        self.may_apply_from = 0  # step from which it may (re)apply to ECOSOC
        self.stage_before_applying = INTERNATIONALISED  # where an application that ends leaves it
        self.status_step = -1  # step its consultative status was granted
        self.host: OrganisationAgent | None = None  # the GONGO whose platform it borrows
        self.upr_submissions = 0
        self.objections = 0
        self.events_attended = 0
        self.active = True  # False once it has returned to domestic work or dissolved
        self.capacity_now = 0.0  # capacity abroad as of its last step (read by the UN bodies)

    # --- reading and writing its row ----------------------------------------------------------
    @property
    def stage(self) -> int:
        return int(self.model.register.stage[self.row])

    @stage.setter
    def stage(self, value: int) -> None:
        self.model.register.stage[self.row] = value

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]

    def capacity(self) -> float:
        """Capacity to act abroad (0..1): money, international soft power, UN experience (A, B)."""
        return float(capacity_of(self.model, np.array([self.row]), np.array([self.pooled_capacity()]))[0])

    def pooled_capacity(self) -> float:
        """Capacity borrowed from partners (coalition or a GONGO's platform); none by default."""
        return 0.0

    def borrowed_experience(self) -> float:
        """UN experience a borrowed platform lends: a share of its host's, while the host is abroad."""
        if not self.vouched_for():
            return 0.0
        return self.model.params.platform_share * float(self.model.register.un_experience[self.host.row])

    def vouched_for(self) -> bool:
        """Whether it acts under the platform of a GONGO that is still abroad (A §4.3: legal NGOs and
        the lawyers' association): the host lends its UN access and vouches for it to the state."""
        return self.host is not None and self.host.active

    def experience_with_platform(self) -> float:
        """UN experience it can draw on (0..1): its own and what a borrowed platform lends."""
        return min(1.0, float(self.model.register.un_experience[self.row]) + self.borrowed_experience())

    def gain_soft_power(self, amount: float) -> None:
        """International soft power from an activity abroad, less the credibility and friction costs."""
        gain_soft_power(self.model, np.array([self.row]), np.array([amount]))

    def gain_experience(self, amount: float) -> None:
        """UN experience from an event, a training or a submission."""
        gain_experience(self.model, np.array([self.row]), amount)

    # --- the quarter ------------------------------------------------------------------------------
    def step(self) -> None:
        """One quarter abroad for this organisation alone (the model steps all of them at once)."""
        act_abroad(self.model, [self])

    def internationalise(self) -> None:
        """Set up a standing presence abroad: an office, projects, membership of international bodies."""
        self.stage = INTERNATIONALISED
        self.model.log("internationalised", self)
        self.model.government.observe(self, "presence_abroad", on_un_platform=False)

    def return_home(self) -> None:
        """Give up international activity and return to domestic work."""
        self.stage = DOMESTIC
        self.model.log("returned_domestic", self)
        self.model.retire(self)

    def lose_presence(self) -> None:
        """Lose the standing presence abroad (back to occasional engagement)."""
        self.stage = ENGAGED
        self.model.log("presence_lost", self)

    def upr_propensity(self) -> float:
        """Propensity to send a UPR stakeholder report of its own accord, per unit of UN experience (the
        chance is 1 - exp(-propensity x experience)): none for a GONGO, which takes part when the state
        mobilises it (A §4.1)."""
        return 0.0

    def left_stage(self) -> None:
        """Called when its ECOSOC application ends without status, or status is suspended: back to
        the stage it applied from, and a wait before it may apply again."""
        self.stage = self.stage_before_applying
        self.may_apply_from = self.model.now + int(self.model.params.reapply_years * self.model.calendar.steps_per_year)

    @property
    def in_status(self) -> bool:
        return self.stage == CONSULTATIVE

    @property
    def applying(self) -> bool:
        return self.stage == APPLICANT


class GongoAgent(OrganisationAgent):
    """A government-organised NGO: trusted and resource-rich, less credible abroad (A, B)."""

    kind = GONGO


class FoundationAgent(OrganisationAgent):
    """A foundation: credibility from accountability and delivery (B: CFPA)."""

    kind = FOUNDATION

    def upr_propensity(self) -> float:
        return self.model.params.upr_foundation


class GrassrootsAgent(OrganisationAgent):
    """A G-R NGO abroad: wants an independent voice; grows by uniting or borrowing a platform (A)."""

    kind = GRASSROOTS

    def upr_propensity(self) -> float:
        return self.model.params.upr_grassroots

    def pooled_capacity(self) -> float:
        """A coalition lends a share of its members' capacity; a host GONGO lends its platform."""
        p, model = self.model.params, self.model
        coalition = int(model.register.coalition[self.row])
        pooled = p.coalition_pooling * model.coalitions.strength(coalition) if coalition >= 0 else 0.0
        return pooled + p.capacity_experience * self.borrowed_experience()

    def act_with_others(self) -> None:
        """Seek a coalition (if it chose to associate) or a GONGO's platform (if it chose to borrow)."""
        model = self.model
        strategy = int(model.register.unite[self.row])
        if strategy == ASSOCIATE and model.register.coalition[self.row] < 0:
            hazard = model.params.coalition_rate * model.government.levers.association
            if model.draws.uniform("coalition", self.row) < chance_once(hazard, model.calendar.dt):
                model.coalitions.join(self)
        elif strategy == BORROW_PLATFORM and (self.host is None or not self.host.active):
            self.host = model.find_platform(self)


AGENT_CLASSES = {GONGO: GongoAgent, GRASSROOTS: GrassrootsAgent, FOUNDATION: FoundationAgent}


# --- the organisations abroad, all at once ---------------------------------------------------------
def capacity_of(model: NGOModel, rows: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """Capacity to act abroad (0..1) of the given rows: money, international soft power, UN
    experience, and what partners lend (`pooled`, on the log-odds scale) (A, B)."""
    r, p = model.register, model.params
    resources = np.maximum(r.resources[rows].astype(np.float64), 1e-3) / (p.wage * p.min_staff)
    score = (
        p.capacity_intercept
        + p.capacity_resources * np.log(resources)
        + p.capacity_soft_power * r.sp_international[rows]
        + p.capacity_experience * r.un_experience[rows]
        + pooled
    )
    return logistic(score)


def gain_soft_power(model: NGOModel, rows: np.ndarray, amounts: np.ndarray) -> None:
    """International soft power from activities abroad, less friction for a mission that is not
    aligned with the government's agenda and the credibility GONGOs lack abroad (B)."""
    r, p = model.register, model.params
    friction = np.maximum(0.0, 1.0 - p.alignment_friction * (1.0 - r.alignment[rows]))
    credibility = np.where(r.kind[rows] == GONGO, 1.0 - p.gongo_credibility, 1.0)
    r.sp_international[rows] = np.minimum(1.0, r.sp_international[rows] + amounts * friction * credibility)


def gain_experience(model: NGOModel, rows: np.ndarray, amount: float) -> None:
    """UN experience from an event, a training or a submission (at most 1)."""
    r = model.register
    r.un_experience[rows] = np.minimum(1.0, r.un_experience[rows] + amount)


def act_abroad(model: NGOModel, agents: list[OrganisationAgent], rows: np.ndarray | None = None) -> None:
    """One quarter of the organisations abroad (A, B).

    Experience and soft power abroad fade unless renewed; a standing presence delivers, which
    builds soft power; G-R NGOs seek a coalition or a GONGO's platform; an engaged organisation
    sets up a standing presence or, short of capacity, returns to domestic work; an
    internationalised one, short of capacity, loses its presence; either may apply for ECOSOC
    status, more readily with capacity (public-diplomacy grants add to it) and UN experience (its
    own and a borrowed platform's), and as far as status is open to national NGOs. G-R NGOs set
    up a presence as far as the political space the state leaves them allows
    (`Government.grassroots_space`). Capacities and chances are worked out for all of them at
    once, from their state at the start of the quarter; those whose stage changes then act one
    by one, in random order.
    """
    if not agents:
        return
    p, r, dt = model.params, model.register, model.calendar.dt
    if rows is None:  # the agents' register rows (the model passes them, in the same order)
        rows = np.fromiter((agent.row for agent in agents), np.int64, len(agents))
    r.un_experience[rows] *= model.fade_experience
    r.sp_international[rows] *= model.fade_soft_power
    kinds = r.kind[rows]
    stage = r.stage[rows]
    grassroots = np.flatnonzero(kinds == GRASSROOTS)
    pooled = np.zeros(len(agents))
    pooled[grassroots] = [agents[i].pooled_capacity() for i in grassroots]
    capacity = capacity_of(model, rows, pooled)
    for agent, value in zip(agents, capacity.tolist(), strict=True):
        agent.capacity_now = value
    present = stage >= INTERNATIONALISED
    gain_soft_power(model, rows[present], p.sp_int_gain * dt * capacity[present] * r.expertise[rows[present]])

    order = np.argsort(model.draws.uniforms("stepping_order", rows), kind="stable")
    for i in order[kinds[order] == GRASSROOTS]:
        agents[i].act_with_others()

    space = np.where(kinds == GRASSROOTS, model.government.grassroots_space(), 1.0)
    access = model.committee.national_access()
    internationalise = by_kind(p.internationalise_gongo, p.internationalise_grassroots, p.internationalise_foundation)
    apply = by_kind(p.apply_gongo, p.apply_grassroots, p.apply_foundation)
    experience = r.un_experience[rows].astype(np.float64)
    for i in grassroots:
        experience[i] = agents[i].experience_with_platform()
    draws = model.draws
    presence, home = draws.uniforms("presence", rows), draws.uniforms("return_home", rows)
    engaged, internationalised = stage == ENGAGED, stage == INTERNATIONALISED
    goes_abroad = engaged & (presence < chance(internationalise[kinds] * capacity * space, dt))
    goes_home = engaged & ~goes_abroad & (home < chance(p.disengage_rate * (1.0 - capacity), dt))
    lapses = internationalised & (presence < chance(p.lapse_rate * (1.0 - capacity), dt))
    # applying is itself a way onto the UN platform (A §4.2): engaged organisations may apply too
    may_apply = (engaged & ~goes_abroad & ~goes_home) | (internationalised & ~lapses)
    chance_to_apply = chance(apply[kinds] * capacity * experience * access, dt)
    applies = may_apply & (draws.uniforms("application", rows) < chance_to_apply)
    acting = goes_abroad | goes_home | lapses | applies
    for i in order[acting[order]]:
        agent = agents[i]
        if goes_abroad[i]:
            agent.internationalise()
        elif goes_home[i]:
            agent.return_home()
        elif lapses[i]:
            agent.lose_presence()
        elif model.now >= agent.may_apply_from:
            model.committee.receive(agent)
