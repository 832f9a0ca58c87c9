"""The government: the policy in force, its objections at the UN, its support, and its trust.

Each quarter the state enacts the dated changes of its policy, answers the Committee's
consultation on national ECOSOC applicants at a limited pace and weighs each one's risk
(Art. 71), hands out public-diplomacy grants to whom its targeting reaches, and learns from
what G-R NGOs do abroad (A).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.actor import Actor
from sim.model.domain import FOUNDATION, GONGO, GRASSROOTS, NUMERIC_LEVERS
from sim.model.policy import Levers, PolicyEvent, schedule_by_step
from sim.model.rates import chance_once

if TYPE_CHECKING:
    from sim.model.agents import OrganisationAgent
    from sim.model.model import NGOModel


class Government(Actor):
    """The central state (Ministry of Civil Affairs, MFA public-diplomacy office, UN seat)."""

    model: NGOModel

    def __init__(self, model: NGOModel, levers: Levers, events: list[PolicyEvent]) -> None:
        super().__init__(model)
        self.levers = levers
        self.schedule = schedule_by_step(events, model.calendar, levers)
        self.trust = model.params.init_trust
        self.cocreative_acts = 0
        self.trouble_acts = 0
        self._reply_credit = 0.0
        self._risk_base = {
            GONGO: model.params.risk_gongo,
            GRASSROOTS: model.params.risk_grassroots,
            FOUNDATION: model.params.risk_foundation,
        }

    # --- policy -----------------------------------------------------------------------------------
    def enact_policy(self) -> None:
        """Apply the policy changes dated within this step; they act from this step on."""
        for event in self.schedule.get(self.model.now, ()):
            self.apply(event)

    def apply(self, event: PolicyEvent) -> None:
        """Apply one change and put it on the event log (also used by the dashboard's controls)."""
        old, new = event.apply(self.levers)
        lever = event.lever if event.domain is None else f"{event.lever}[{event.domain}]"
        value = float(new) if event.lever in NUMERIC_LEVERS else math.nan
        self.model.log(
            "policy_change", None, value=value, detail=f"{lever}: {old} -> {new}; {event.description}".strip("; ")
        )

    # --- the state's consultation on a national applicant (Art. 71) ---------------------------------
    def perceived_risk(self, agent: OrganisationAgent) -> float:
        """The risk the state sees in an applicant (0..1): sensitivity, stance, and for G-R NGOs trust."""
        r, p = self.model.register, self.model.params
        row = agent.row
        sensitivity = float(self.model.domains.sensitivity[r.domain[row]])
        risk = self._risk_base[agent.kind] + p.risk_sensitivity * sensitivity
        risk += p.risk_critic * bool(r.critic[row]) - p.risk_specialist * bool(r.specialist[row])
        if agent.kind == GRASSROOTS:
            risk -= p.risk_trust * self.trust
        return min(1.0, max(0.0, risk))

    def consultation_replies(self, year_share: float) -> int:
        """How many national applicants the state answers the Committee on at a session that
        covers `year_share` of a year: its consultation runs at `consultation_pace` a year (a
        named assumption, docs/ODD.md 7.21); a fraction left over carries to the next session."""
        self._reply_credit += self.model.params.consultation_pace * self.model.scale * year_share
        replies = int(self._reply_credit)
        self._reply_credit -= replies
        return replies

    def objection_chance(self, agent: OrganisationAgent) -> float:
        """Chance the state objects: veto times risk; for a G-R NGO the veto also raises the risk seen,
        so that at veto 1 it objects to every G-R NGO whatever its trust, and at 0 to none."""
        veto = self.levers.accreditation_veto
        risk = self.perceived_risk(agent)
        if agent.kind == GRASSROOTS:
            risk = risk + (1.0 - risk) * veto
        return veto * risk

    def objects_to(self, agent: OrganisationAgent) -> bool:
        """Whether the state objects to this application at this session."""
        return bool(self.model.rngs.government.random() < self.objection_chance(agent))

    # --- learning from what G-R NGOs do abroad (A) ------------------------------------------------------
    def observe(self, agent: OrganisationAgent, act: str, on_un_platform: bool = True) -> None:
        """Read a G-R NGO's act abroad as co-creative or as trouble-making; acts on the UN
        platform are read as trouble less often, since there the state manages risk more easily (A)."""
        if agent.kind != GRASSROOTS:
            return
        r, p = self.model.register, self.model.params
        sensitivity = float(self.model.domains.sensitivity[r.domain[agent.row]])
        trouble = sensitivity * (p.trouble_critic if r.critic[agent.row] else p.trouble_cocreator)
        if on_un_platform:
            trouble *= 1.0 - p.un_platform_ease
        if self.model.rngs.government.random() < trouble:
            self.trouble_acts += 1
            self.model.log("read_as_trouble", agent, detail=act)
        else:
            self.cocreative_acts += 1

    def learn(self) -> None:
        """Trust moves towards the weighted share of co-creative acts seen this step."""
        seen = self.cocreative_acts + self.model.params.trouble_weight * self.trouble_acts
        if seen > 0:
            share = self.cocreative_acts / seen
            rate = chance_once(self.model.params.trust_learning, self.model.calendar.dt)
            self.trust += rate * (share - self.trust)
        self.cocreative_acts = self.trouble_acts = 0

    # --- public-diplomacy support (A, B) ----------------------------------------------------------
    def support_reach(self, rows: np.ndarray) -> np.ndarray:
        """How far support reaches each organisation (0..1): GONGOs only, everyone, or on merit.

        Merit is soft power (domestic and international) times alignment with the state's
        agenda; for G-R NGOs it is also weighted by the state's trust in them.
        """
        r = self.model.register
        kinds = r.kind[rows]
        targeting = self.levers.pd_targeting
        if targeting == "gongo_only":
            return (kinds == GONGO).astype(np.float64)
        if targeting == "inclusive":
            return np.ones(len(rows))
        merit = 0.5 * (r.sp_domestic[rows] + r.sp_international[rows]) * r.alignment[rows]
        return np.where(kinds == GRASSROOTS, merit * self.trust, merit).astype(np.float64)

    def allocate_support(self, agents: list[OrganisationAgent]) -> None:
        """Share this year's support budget among the organisations abroad that the targeting reaches."""
        r, p = self.model.register, self.model.params
        rows = np.array([a.row for a in agents], dtype=np.int64)
        r.support[rows] = 0.0
        budget = self.levers.public_diplomacy_support * p.pd_budget * self.model.scale
        if budget <= 0 or len(rows) == 0:
            return
        weight = self.support_reach(rows)
        total = weight.sum()
        if total > 0:
            r.support[rows] = budget * weight / total
