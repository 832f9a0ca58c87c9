"""The government: the policy in force, its objections at the UN, its support, and its trust.

Each quarter the state enacts the dated changes of its policy. When the Committee on NGOs
consults it on a national applicant (Charter Art. 71) it weighs the risk it sees in that
organisation and may object; it mobilises GONGOs for a UPR review; it shares a finite
public-diplomacy budget among those its targeting reaches; and it learns from what G-R NGOs
do abroad, weighing each act by what it is (A §2, §4.2).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.actor import Actor
from sim.model.domain import FOUNDATION, GONGO, GRASSROOTS, NUMERIC_LEVERS
from sim.model.policy import Levers, PolicyEvent, schedule_by_step

if TYPE_CHECKING:
    from sim.model.agents import OrganisationAgent
    from sim.model.model import NGOModel
    from sim.model.parameters import Parameters


class Government(Actor):
    """The central state (Ministry of Civil Affairs, MFA public-diplomacy office, UN seat)."""

    model: NGOModel

    def __init__(self, model: NGOModel, levers: Levers, events: list[PolicyEvent]) -> None:
        super().__init__(model)
        p = model.params
        self.levers = levers
        self.schedule = schedule_by_step(events, model.calendar, levers)
        self.trust = p.init_trust
        self.cocreative_evidence = 0.0  # weighted acts read as co-creative, discounted by age
        self.trouble_evidence = 0.0  # weighted acts read as trouble-making, discounted by age
        self._seen = [0.0, 0.0]  # this step's weighted co-creative and trouble acts
        # how much each act of a G-R NGO abroad tells the state (a shadow report says far more than
        # attending a side event)
        self._signal = {
            "un_event": p.signal_un_event,
            "presence_abroad": p.signal_presence,
            "ecosoc_application": p.signal_application,
            "upr_submission": p.signal_upr_submission,
        }
        self._distrust = {GONGO: p.distrust_gongo, FOUNDATION: p.distrust_foundation}

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
    def distrust(self, kind: int) -> float:
        """How far the state distrusts an organisation of this kind (0..1): little for its own GONGOs
        (A §4.2: 'Chinese GONGOs are trusted by the government'), for G-R NGOs what it has learned."""
        return 1.0 - self.trust if kind == GRASSROOTS else self._distrust[kind]

    def perceived_risk(self, agent: OrganisationAgent) -> float:
        """The risk the state sees in an applicant (0..1): its profile - a sensitive domain, a critic
        rather than a co-creator, less for a specialist (A §4.3) or one vouched for by the GONGO
        whose platform it borrows - times the state's distrust of its kind."""
        r, p = self.model.register, self.model.params
        row = agent.row
        profile = p.risk_sensitivity * float(self.model.domains.sensitivity[r.domain[row]])
        profile += p.risk_critic * bool(r.critic[row]) - p.risk_specialist * bool(r.specialist[row])
        if agent.vouched_for():
            profile *= 1.0 - p.platform_vouch
        return min(1.0, max(0.0, profile)) * self.distrust(agent.kind)

    def objection_chance(self, agent: OrganisationAgent) -> float:
        """Chance the state objects at a session: veto times risk; for a G-R NGO the veto also raises
        the risk seen, so that at veto 1 it objects to every G-R NGO whatever its trust, and at 0 to none."""
        veto = self.levers.accreditation_veto
        risk = self.perceived_risk(agent)
        if agent.kind == GRASSROOTS:
            risk = risk + (1.0 - risk) * veto
        return veto * risk

    def objects_to(self, agent: OrganisationAgent, session: str = "regular") -> bool:
        """Whether the state objects to this application at this session (`regular` or `resumed`)."""
        return self.model.draws.uniform(f"objection:{session}", agent.row) < self.objection_chance(agent)

    # --- how far G-R NGOs feel they may go (A §4.3: 'a grey area for G-R NGOs to explore boundaries') --
    def grassroots_space(self) -> float:
        """How far G-R NGOs feel they may go abroad now (`grassroots_space` of the levers and trust)."""
        return grassroots_space(self.model.params, self.levers, self.trust)

    # --- learning from what G-R NGOs do abroad (A §4.2) ------------------------------------------------
    def observe(self, agent: OrganisationAgent, act: str, on_un_platform: bool = True) -> None:
        """Read a G-R NGO's act abroad as co-creative or as trouble-making, weighted by how much such an
        act tells; acts on the UN platform are read as trouble less often, since there the state
        manages risk more easily (A §4.2)."""
        if agent.kind != GRASSROOTS:
            return
        r, p = self.model.register, self.model.params
        sensitivity = float(self.model.domains.sensitivity[r.domain[agent.row]])
        trouble = sensitivity * (p.trouble_critic if r.critic[agent.row] else p.trouble_cocreator)
        if on_un_platform:
            trouble *= 1.0 - p.un_platform_ease
        if self.model.draws.uniform(f"reading:{act}", agent.row) < trouble:
            self._seen[1] += self._signal[act]
            self.model.log("read_as_trouble", agent, detail=act)
        else:
            self._seen[0] += self._signal[act]

    def learn(self) -> None:
        """Trust is the share of what the state has seen that it read as co-creative: its prior
        (`init_trust`, worth `trust_prior_weight` acts) plus the weighted acts seen, older ones
        counting less (`trust_memory` years), acts read as trouble weighing `trouble_weight` times more."""
        p = self.model.params
        keep = math.exp(-self.model.calendar.dt / p.trust_memory)
        self.cocreative_evidence = keep * self.cocreative_evidence + self._seen[0]
        self.trouble_evidence = keep * self.trouble_evidence + self._seen[1]
        self._seen = [0.0, 0.0]
        prior = p.trust_prior_weight
        cocreative = prior * p.init_trust + self.cocreative_evidence
        self.trust = cocreative / (prior + self.cocreative_evidence + p.trouble_weight * self.trouble_evidence)

    # --- public-diplomacy support: a finite budget (A §2.1, §2.2; B §2.2) -------------------------------
    def budget(self) -> float:
        """This year's public-diplomacy budget for NGOs (10k yuan, thinned by the scale)."""
        return budget(self.model.params, self.levers, self.model.scale)

    def sponsored_first_steps(self) -> float:
        """First exchanges abroad the budget pays for this year (`sponsored_first_steps` of the levers)."""
        return sponsored_first_steps(self.model.params, self.levers, self.model.scale)

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

    def allocate_support(self, rows: np.ndarray) -> None:
        """Share the rest of the budget as grants among the organisations abroad (their register rows)
        that the targeting reaches: the wider the targeting, the less each gets."""
        r, p = self.model.register, self.model.params
        rows = np.asarray(rows, dtype=np.int64)
        r.support[rows] = 0.0
        grants = self.budget() * (1.0 - p.pd_exchange_share)
        if grants <= 0 or len(rows) == 0:
            return
        weight = self.support_reach(rows)
        total = weight.sum()
        if total > 0:
            r.support[rows] = grants * weight / total

    # --- the UPR (A §4.1: the state 'attached great importance' to the first review and mobilised GONGOs) --
    def upr_campaign(self, agents: list[OrganisationAgent]) -> list[OrganisationAgent]:
        """The GONGOs abroad the state mobilises to send a report for a review: `upr_campaign_gongos` of
        them (thinned by the scale), the ones with more UN experience more likely."""
        model, p = self.model, self.model.params
        gongos = [a for a in agents if a.kind == GONGO]
        wanted = round(p.upr_campaign_gongos)
        thinned = (
            int(model.draws.generator("upr_campaign").binomial(wanted, model.scale)) if model.scale < 1 else wanted
        )
        size = min(len(gongos), thinned)
        if size == 0:
            return []
        rows = np.array([a.row for a in gongos], dtype=np.int64)
        weight = model.register.un_experience[rows].astype(np.float64) + 0.01
        # weighted sampling without replacement by keys u^(1/w) (Efraimidis and Spirakis 2006): the same
        # draws as one GONGO after another with chance proportional to weight, each keyed to its GONGO
        keys = np.log(model.draws.uniforms("upr_campaign", rows)) / weight
        chosen = np.argsort(-keys, kind="stable")[:size]
        return [gongos[i] for i in sorted(chosen.tolist())]


def grassroots_space(params: Parameters, levers: Levers, trust: float) -> float:
    """A multiple of G-R NGOs' hazards of going abroad and of a standing presence there: the state's
    objections narrow the space as far as it distrusts them (A §4.2); support that reaches G-R NGOs
    widens it (A §2.1: 'G-R NGOs could get political space'), a signal apart from the money."""
    chill = 1.0 - params.veto_chill * levers.accreditation_veto * (1.0 - trust)
    reaches_grassroots = levers.pd_targeting != "gongo_only"
    signal = 1.0 + params.pd_signal_effect * levers.public_diplomacy_support * reaches_grassroots
    return chill * signal


def budget(params: Parameters, levers: Levers, scale: float) -> float:
    """A year's public-diplomacy budget for NGOs (10k yuan, thinned by the scale)."""
    return levers.public_diplomacy_support * params.pd_budget * scale


def sponsored_first_steps(params: Parameters, levers: Levers, scale: float) -> float:
    """First exchanges abroad a year's budget pays for (`pd_exchange_share` of it, at `pd_exchange_cost`
    each); the population draws who gets them among those support reaches."""
    return budget(params, levers, scale) * params.pd_exchange_share / params.pd_exchange_cost
