"""Organisations that have begun international activity: one Mesa agent each.

An agent holds no copy of its state: it reads and writes its row of the register. What it
does abroad each quarter - build capacity, set up a standing presence or lose it, apply for
ECOSOC status, join coalitions - is written here as plain per-agent rules.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

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
)
from sim.model.rates import chance_once

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
        r, p = self.model.register, self.model.params
        row = self.row
        score = (
            p.capacity_intercept
            + p.capacity_resources * math.log(max(float(r.resources[row]), 1e-3) / (p.wage * p.min_staff))
            + p.capacity_soft_power * float(r.sp_international[row])
            + p.capacity_experience * float(r.un_experience[row])
            + self.pooled_capacity()
        )
        return 1.0 / (1.0 + math.exp(-score))

    def pooled_capacity(self) -> float:
        """Capacity borrowed from partners (coalition or a GONGO's platform); none by default."""
        return 0.0

    def borrowed_experience(self) -> float:
        """UN experience a borrowed platform lends: a share of its host's, while the host is abroad."""
        if self.host is None or not self.host.active:
            return 0.0
        return self.model.params.platform_share * float(self.model.register.un_experience[self.host.row])

    def gain_soft_power(self, amount: float) -> None:
        """International soft power from an activity abroad, less the credibility and friction costs."""
        r, p = self.model.register, self.model.params
        row = self.row
        friction = 1.0 - p.alignment_friction * (1.0 - float(r.alignment[row]))
        credibility = 1.0 - p.gongo_credibility if self.kind == GONGO else 1.0
        gain = amount * max(0.0, friction) * credibility
        r.sp_international[row] = min(1.0, float(r.sp_international[row]) + gain)

    def gain_experience(self, amount: float) -> None:
        """UN experience from an event, a training or a submission."""
        r = self.model.register
        r.un_experience[self.row] = min(1.0, float(r.un_experience[self.row]) + amount)

    # --- the quarter ------------------------------------------------------------------------------
    def step(self) -> None:
        """Build or lose presence abroad, and decide whether to apply for ECOSOC status."""
        model, p = self.model, self.model.params
        r, rng, dt = model.register, model.rngs.organisations, model.calendar.dt
        row = self.row
        r.un_experience[row] *= model.fade_experience  # experience and soft power abroad fade unless renewed
        r.sp_international[row] *= model.fade_soft_power
        capacity = self.capacity_now = self.capacity()
        stage = int(r.stage[row])
        if stage >= INTERNATIONALISED:
            # a standing presence abroad delivers, which builds accountability and soft power (B)
            self.gain_soft_power(p.sp_int_gain * dt * capacity * float(r.expertise[row]))
        self.act_with_others(capacity)
        if stage == ENGAGED:
            if rng.random() < chance_once(self.internationalise_rate() * capacity, dt):
                self.stage = INTERNATIONALISED
                model.log("internationalised", self)
                model.government.observe(self, "presence_abroad", on_un_platform=False)
            elif rng.random() < chance_once(p.disengage_rate * (1.0 - capacity), dt):
                self.stage = DOMESTIC
                model.log("returned_domestic", self)
                model.retire(self)
        elif stage == INTERNATIONALISED:
            if rng.random() < chance_once(p.lapse_rate * (1.0 - capacity), dt):
                self.stage = ENGAGED
                model.log("presence_lost", self)
            elif model.now >= self.may_apply_from and rng.random() < chance_once(
                self.apply_rate() * float(r.un_experience[row]), dt
            ):
                model.committee.receive(self)

    def internationalise_rate(self) -> float:
        return self.model.params.internationalise_gongo

    def apply_rate(self) -> float:
        return self.model.params.apply_gongo

    def upr_propensity(self, mobilised: bool) -> float:
        """Chance to make a UPR stakeholder submission, at full UN experience."""
        return self.model.params.upr_gongo

    def act_with_others(self, capacity: float) -> None:
        """Coalitions and borrowed platforms (G-R NGOs); nothing by default."""

    def left_stage(self) -> None:
        """Called when its ECOSOC application ends without status, or status is suspended."""
        self.stage = INTERNATIONALISED
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

    def upr_propensity(self, mobilised: bool) -> float:
        p = self.model.params
        return p.upr_gongo + (p.upr_mobilisation if mobilised else 0.0)


class FoundationAgent(OrganisationAgent):
    """A foundation: credibility from accountability and delivery (B: CFPA)."""

    kind = FOUNDATION

    def internationalise_rate(self) -> float:
        return self.model.params.internationalise_foundation

    def apply_rate(self) -> float:
        return self.model.params.apply_foundation

    def upr_propensity(self, mobilised: bool) -> float:
        return self.model.params.upr_foundation


class GrassrootsAgent(OrganisationAgent):
    """A G-R NGO abroad: wants an independent voice; grows by uniting or borrowing a platform (A)."""

    kind = GRASSROOTS

    def internationalise_rate(self) -> float:
        return self.model.params.internationalise_grassroots

    def apply_rate(self) -> float:
        return self.model.params.apply_grassroots

    def upr_propensity(self, mobilised: bool) -> float:
        return self.model.params.upr_grassroots

    def pooled_capacity(self) -> float:
        """A coalition lends a share of its members' capacity; a host GONGO lends its platform."""
        p, model = self.model.params, self.model
        coalition = int(model.register.coalition[self.row])
        pooled = p.coalition_pooling * model.coalitions.strength(coalition) if coalition >= 0 else 0.0
        return pooled + p.capacity_experience * self.borrowed_experience()

    def act_with_others(self, capacity: float) -> None:
        """Seek a coalition (if it chose to associate) or a GONGO's platform (if it chose to borrow)."""
        model = self.model
        strategy = int(model.register.unite[self.row])
        if strategy == ASSOCIATE and model.register.coalition[self.row] < 0:
            hazard = model.params.coalition_rate * model.government.levers.association
            if model.rngs.organisations.random() < chance_once(hazard, model.calendar.dt):
                model.coalitions.join(self)
        elif strategy == BORROW_PLATFORM and (self.host is None or not self.host.active):
            self.host = model.find_platform(self)


AGENT_CLASSES = {GONGO: GongoAgent, GRASSROOTS: GrassrootsAgent, FOUNDATION: FoundationAgent}
