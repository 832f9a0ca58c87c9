"""The reference: the register's rules written the way a typical Mesa user would write them.

One `mesa.Agent` per registered organisation, stepped with `model.agents.shuffle_do("step")`,
each drawing its own random numbers every step, and a `mesa.DataCollector` of model reporters.
It runs every rule that `sim/model/population.py` runs over the register - founding,
registration, funding, staff and turnover, expertise, association, domestic soft power,
dissolution and the first step abroad (engagement, kept as a flag: what the organisation does
abroad is the engine's Mesa agents' business and is not part of this reference) - reading the
same `Parameters`, the same issue-domain table, the same `Levers` and `PolicyEvent`s, the same
calendar, the same yearly-rate-to-step conversion (`sim.model.rates.chance_once`) and the same
media-reach curve (`sim.model.rates.media_reach`).

Choices, stated so the comparison with the engine is fair:
- Unregistered G-R groups stay counts per issue domain, as in the engine (`UnregisteredPool`):
  founding, loss and registration of the pool are binomial/multinomial draws per domain; a
  group becomes an agent when it registers. Making each of the ~3 million groups an agent is
  what a naive user might do; it would only make the reference slower.
- Per-agent draws use the model's stdlib `random` (`self.random`), the fastest per-call
  generator Mesa offers (a numpy `Generator` call per scalar is several times slower).
- The outputs are tallied in one pass over the agents per step, and the DataCollector's
  model reporters read that tally; one reporter lambda per output, each looping over the
  agents, is the more common style and would be slower.
- There is no Government, UN body or agent abroad here: public-diplomacy support (the
  `support` column, handed out to organisations abroad) stays 0, nobody joins a coalition,
  the state's trust stays at `init_trust`, and the exposure to UN conferences is 1 unless
  given. The engine's `Population` run alone (benchmarks/harness.py) sees exactly the same.
- Dated policy events act from the step whose span holds their date
  (`Calendar.step_of(date)`); events dated before the start are applied at the start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict

import mesa
import numpy as np

from sim.model.calendar import Calendar
from sim.model.domain import (
    ALONE,
    ASSOCIATE,
    BORROW_PLATFORM,
    FOUNDATION,
    GONGO,
    GRASSROOTS,
    KINDS,
    issue_domains,
)
from sim.model.government import grassroots_space, sponsored_first_steps
from sim.model.policy import schedule_by_step
from sim.model.population import SPONSOR_TRIES
from sim.model.rates import chance_once, grown, media_reach
from sim.model.scenario import Scenario

# The quarterly outputs both implementations report (names as in the engine's Recorder where
# the Recorder has them; `engaged_*` counts registered organisations flagged as having made
# their first step abroad, `engagements_*` the first steps made this quarter).
COUNT_OUTPUTS = (
    *(f"registered_{k}" for k in KINDS),
    "unregistered_grassroots",
    *(f"founded_{k}" for k in KINDS),
    *(f"dissolved_{k}" for k in KINDS),
    "registrations_grassroots",
    "associated_grassroots",
    *(f"engaged_{k}" for k in KINDS),
    *(f"engagements_{k}" for k in KINDS),
)
MEAN_OUTPUTS = tuple(f"mean_{c}_{k}" for c in ("resources", "expertise", "sp_domestic") for k in KINDS)
OUTPUTS = COUNT_OUTPUTS + MEAN_OUTPUTS


def thin(rng: np.random.Generator, count: float, scale: float) -> int:
    """A real-scale count thinned to the run's scale (as the engine does)."""
    whole = round(count)
    return int(rng.binomial(whole, scale)) if scale < 1 else whole


class Organisation(mesa.Agent):
    """One registered organisation, with its own state and its own per-step rules."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, kind: int, domain: int) -> None:
        super().__init__(model)
        p, d, random = model.p, model.domains, self.random
        self.kind = kind
        self.domain = domain
        self.registered_step = model.now
        is_gongo = kind == GONGO
        self.size = model.median_size[kind] * random.lognormvariate(0.0, p.size_sigma)
        self.foreign_share = float(d.foreign_share[domain]) * (p.gongo_foreign_factor if is_gongo else 1.0)
        alignment = (
            float(d.alignment[domain]) + p.gongo_alignment_bonus * is_gongo + random.gauss(0.0, p.alignment_noise)
        )
        self.alignment = min(1.0, max(0.0, alignment))
        critic_chance = p.critic_base + p.critic_sensitivity * float(d.sensitivity[domain])
        self.critic = not is_gongo and random.random() < critic_chance
        self.unite = ALONE
        if kind == GRASSROOTS:
            u = random.random()
            if u < p.associate_share:
                self.unite = ASSOCIATE
            elif u < p.associate_share + p.borrow_share:
                self.unite = BORROW_PLATFORM
        self.resources = self.size
        self.support = 0.0
        self.staff = max(p.min_staff, self.size / p.wage)
        self.turnover = 0.0
        self.expertise = random.betavariate(7.0 * p.new_expertise, 7.0 * (1.0 - p.new_expertise))
        self.specialist = random.random() < p.specialist_share
        self.sp_domestic = 0.0
        self.sp_international = 0.0
        self.associated = False
        self.coalition = -1
        self.engaged = False

    def step(self) -> None:
        """This organisation's quarter, rule by rule in the engine's order."""
        model, p = self.model, self.model.p
        levers, step_years, random = model.levers, model.dt, self.random
        kind = self.kind

        # funding: resources move towards the income the regime gives
        own = self.size * (1.0 - self.foreign_share * levers.foreign_funding_restriction)
        contracts = levers.government_contracting * p.contracting_gain * self.sp_domestic * self.alignment
        income = own * (1.0 + contracts) + self.support
        self.resources += chance_once(p.funding_adjustment, step_years) * (income - self.resources)

        # staff follow the budget; low pay drives turnover; turnover erodes expertise
        self.staff = max(p.min_staff, self.resources / p.wage)
        pay = self.resources / (self.staff * p.wage)
        self.turnover = model.turnover_base[kind] + p.turnover_low_pay * (1.0 - pay)
        learning = p.learning_rate * (1.0 + p.specialise_gain * self.specialist)
        learning += p.association_capacity * self.associated
        self.expertise += step_years * (
            learning * (1.0 - self.expertise) - p.expertise_loss * self.turnover * self.expertise
        )
        self.expertise = min(1.0, max(0.0, self.expertise))

        # association (Charity Law Art. 19): registered G-R NGOs join associations
        if kind == GRASSROOTS and random.random() < chance_once(levers.association * p.association_rate, step_years):
            self.associated = True

        # domestic soft power
        ties = self.alignment * (1.0 if kind == GONGO else p.ties_nonstate)
        partners = self.associated or self.coalition >= 0
        media = media_reach(self.resources, p.media_half)
        self.sp_domestic = (
            p.sp_weight_expertise * self.expertise
            + p.sp_weight_partnership * partners
            + p.sp_weight_ties * ties
            + p.sp_weight_media * media
        )

        # dissolution, the poorly paid faster and the large slower (GONGOs also during the
        # re-registration campaign)
        base = model.dissolution[kind] + (model.reregistration if kind == GONGO else 0.0)
        underfunded = p.dissolution_underfunded + p.enforcement_inactive * levers.enforcement
        hazard = base * (1.0 + underfunded * (1.0 - pay))
        hazard *= p.dissolution_size_half / (p.dissolution_size_half + self.resources)
        if random.random() < chance_once(hazard, step_years):
            model.flows[f"dissolved_{KINDS[kind]}"] += 1
            self.remove()
            return

        # engagement: a first exchange, UN event or conference abroad
        if not self.engaged and random.random() < chance_once(self.engagement_hazard(), step_years):
            self.engaged = True
            model.flows[f"engagements_{KINDS[kind]}"] += 1

    def readiness(self) -> float:
        """How ready the organisation is to go abroad (logistic score)."""
        p = self.model.p
        score = (
            p.readiness_intercept
            + p.readiness_resources * math.log(max(self.resources, 1e-3) / (p.wage * p.min_staff))
            + p.readiness_expertise * self.expertise
            + p.readiness_soft_power * self.sp_domestic
            + p.readiness_association * self.associated
        )
        return 1.0 / (1.0 + math.exp(-score))

    def support_reach(self) -> float:
        """How far public-diplomacy support reaches this organisation under the targeting."""
        targeting = self.model.levers.pd_targeting
        if targeting == "gongo_only":
            return 1.0 if self.kind == GONGO else 0.0
        if targeting == "inclusive":
            return 1.0
        merit = 0.5 * (self.sp_domestic + self.sp_international) * self.alignment
        return merit * self.model.trust if self.kind == GRASSROOTS else merit

    def engagement_hazard(self) -> float:
        """Yearly hazard of a first step abroad."""
        model, p = self.model, self.model.p
        levers = model.levers
        outreach = 1.0 + p.outreach_engage_effect * levers.un_outreach
        foreign_links = 1.0 - p.foreign_link_loss * levers.foreign_funding_restriction * self.foreign_share
        space = model.grassroots_space if self.kind == GRASSROOTS else 1.0
        return model.engage[self.kind] * self.readiness() * outreach * model.exposure * foreign_links * space


class ReferenceModel(mesa.Model):
    """The register's rules with one Mesa agent per registered organisation.

    `scenario` gives the parameters, the levers at the start, the dated policy events and the
    calendar; `start`/`end` override the scenario's span. The initial state is built as the
    engine builds it (`NGOModel._build_initial_state`): registered GONGOs and foundations, the
    unregistered pool and the pre-1998 backlog, thinned to `scale`, and the few organisations
    already abroad (flagged engaged, the larger ones more likely).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        scale: float = 0.01,
        start: dt.date | None = None,
        end: dt.date | None = None,
        exposure: float = 1.0,
    ) -> None:
        super().__init__(seed=seed)
        self.p = p = scenario.parameters
        self.domains = issue_domains()
        self.scale = float(scale)
        self.calendar = Calendar(start or scenario.start, end or scenario.end, scenario.steps_per_year)
        self.dt = self.calendar.dt
        self.exposure = exposure
        self.trust = p.init_trust
        self.grassroots_space = 1.0  # how far G-R NGOs feel they may go abroad, this step
        base = scenario.levers
        self.levers = dataclasses.replace(base, easing_by_domain=dict(base.easing_by_domain))
        self.schedule = schedule_by_step(scenario.events, self.calendar, self.levers)
        self.median_size = (p.size_gongo, p.size_grassroots, p.size_foundation)
        self.turnover_base = (p.turnover_gongo, p.turnover_grassroots, p.turnover_foundation)
        self.dissolution = (p.dissolution_gongo, p.dissolution_grassroots, p.dissolution_foundation)
        self.engage = (p.engage_gongo, p.engage_grassroots, p.engage_foundation)
        self.reregistration = 0.0  # extra yearly dissolution hazard of GONGOs this step
        n_domains = len(self.domains.names)
        self.pool_groups = np.zeros(n_domains, np.int64)
        self.pool_backlog = np.zeros(n_domains, np.int64)
        self.flows: dict[str, int] = defaultdict(int)
        self.tally: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={"step": lambda m: m.now, **{name: _reporter(name) for name in OUTPUTS}}
        )
        self._build_initial_state()

    @property
    def now(self) -> int:
        """The calendar step being run (0 before the first step)."""
        return max(self.steps - 1, 0)

    # --- initial state --------------------------------------------------------------------------
    def _build_initial_state(self) -> None:
        p, rng = self.p, self.rng
        self.found(GONGO, thin(rng, p.init_gongo, self.scale))
        self.found(FOUNDATION, thin(rng, p.init_foundation, self.scale))
        mix = self.domains.mix[GRASSROOTS]
        self.pool_groups += rng.multinomial(thin(rng, p.init_unregistered, self.scale), mix)
        self.pool_backlog += rng.multinomial(thin(rng, p.init_pneu_backlog, self.scale), mix)
        abroad = (
            (GONGO, p.init_applicant_gongo),
            (GONGO, p.init_internationalised_gongo),
            (GONGO, p.init_engaged_gongo),
            (FOUNDATION, p.init_engaged_foundation),
        )
        for kind, count in abroad:
            domestic = [a for a in self.agents if a.kind == kind and not a.engaged]
            count = min(thin(rng, count, self.scale), len(domestic))
            if count == 0:
                continue
            weights = np.array([a.size for a in domestic])
            for i in rng.choice(len(domestic), size=count, replace=False, p=weights / weights.sum()):
                domestic[i].engaged = True

    def found(self, kind: int, count: int) -> None:
        """Register `count` new organisations of one kind, each an agent with its own attributes."""
        domains = range(len(self.domains.names))
        for domain in self.random.choices(domains, weights=self.domains.mix[kind], k=count):
            Organisation(self, kind, domain)

    # --- the step ---------------------------------------------------------------------------------
    def step(self) -> None:
        p, rng, dt_ = self.p, self.rng, self.dt
        now = self.now
        for event in self.schedule.get(now, ()):
            event.apply(self.levers)
        year = self.calendar.year_of(now)
        self.flows = defaultdict(int)

        # founding: GONGOs and foundations register at once, G-R groups join the pool
        for kind, rate, growth in (
            (GONGO, p.founding_gongo, p.founding_gongo_growth),
            (GRASSROOTS, p.founding_grassroots, p.founding_grassroots_growth),
            (FOUNDATION, p.founding_foundation, p.founding_foundation_growth),
        ):
            count = int(rng.poisson(grown(rate, growth, min(year, p.trends_until)) * self.scale * dt_))
            self.flows[f"founded_{KINDS[kind]}"] = count
            if kind == GRASSROOTS:
                self.pool_groups += rng.multinomial(count, self.domains.mix[GRASSROOTS])
            else:
                self.found(kind, count)
        lost = chance_once(p.dissolution_unregistered + p.enforcement_unregistered * self.levers.enforcement, dt_)
        self.pool_groups -= rng.binomial(self.pool_groups, lost)
        self.pool_backlog -= rng.binomial(self.pool_backlog, lost)

        # registration of unregistered groups (from the 1998 regulations on)
        if year >= p.pneu_registration_from:
            hazard = self.registration_hazard()
            counts = rng.binomial(self.pool_groups, [chance_once(h, dt_) for h in hazard])
            started = year - p.pneu_registration_from - p.pneu_backlog_delay
            ramp = started / p.pneu_ramp_years if p.pneu_ramp_years > 0 else float(started >= 0)
            backlog_rate = p.pneu_backlog_rate * min(1.0, max(0.0, ramp))
            backlog = rng.binomial(self.pool_backlog, chance_once(backlog_rate, dt_))
            self.pool_groups -= counts
            self.pool_backlog -= backlog
            for domain, n in enumerate(counts + backlog):
                for _ in range(int(n)):
                    Organisation(self, GRASSROOTS, domain)
            self.flows["registrations_grassroots"] = int(counts.sum() + backlog.sum())

        # the re-registration campaign of the 1998 regulations struck off GONGOs for a while
        campaign = p.pneu_registration_from <= year < p.pneu_registration_from + p.reregistration_years
        self.reregistration = p.reregistration_dissolution if campaign else 0.0

        self.grassroots_space = grassroots_space(p, self.levers, self.trust)
        self.agents.shuffle_do("step")
        self.sponsor(int(rng.poisson(sponsored_first_steps(p, self.levers, self.scale) * dt_)))
        self.tally = self.count()
        self.datacollector.collect(self)
        if self.steps >= self.calendar.n_steps:
            self.running = False

    def sponsor(self, count: int) -> None:
        """First steps abroad paid by public-diplomacy support: `count` organisations not yet abroad, each
        drawn with chance proportional to its support reach times its readiness."""
        candidates = [a for a in self.agents if not a.engaged]
        tries = 64 * SPONSOR_TRIES * count  # the engine gives up after as many draws
        while count > 0 and candidates and tries > 0:
            tries -= 1
            agent = self.random.choice(candidates)
            if self.random.random() < agent.support_reach() * agent.readiness():
                agent.engaged = True
                self.flows[f"engagements_{KINDS[agent.kind]}"] += 1
                candidates.remove(agent)
                count -= 1

    def registration_hazard(self) -> list[float]:
        """Yearly registration hazard per domain: through a sponsor, or directly where easing opens it."""
        p, d = self.p, self.domains
        hazards = []
        for i, name in enumerate(d.names):
            easing = self.levers.easing_by_domain.get(name, self.levers.registration_easing)
            openness = min(1.0, max(0.0, 1.0 - (float(d.registration_threshold[i]) - easing) / p.registration_ramp))
            sponsor = p.registration_sponsor_rate * (1.0 - float(d.sensitivity[i]))
            hazards.append(sponsor + p.registration_direct_rate * openness)
        return hazards

    def count(self) -> dict[str, float]:
        """This step's outputs, tallied in one pass over the agents."""
        n = [0, 0, 0]
        engaged = [0, 0, 0]
        sums = {c: [0.0, 0.0, 0.0] for c in ("resources", "expertise", "sp_domestic")}
        associated = 0
        for a in self.agents:
            k = a.kind
            n[k] += 1
            engaged[k] += a.engaged
            sums["resources"][k] += a.resources
            sums["expertise"][k] += a.expertise
            sums["sp_domestic"][k] += a.sp_domestic
            associated += a.associated and k == GRASSROOTS
        out: dict[str, float] = {}
        for k, name in enumerate(KINDS):
            out[f"registered_{name}"] = n[k]
            out[f"engaged_{name}"] = engaged[k]
            for column, total in sums.items():
                out[f"mean_{column}_{name}"] = total[k] / n[k] if n[k] else math.nan
        out["unregistered_grassroots"] = int(self.pool_groups.sum() + self.pool_backlog.sum())
        out["associated_grassroots"] = associated
        for name in COUNT_OUTPUTS:
            if name not in out:
                out[name] = self.flows.get(name, 0)
        return out


def _reporter(name: str):
    return lambda model: model.tally[name]


def quarterly_outputs(model: ReferenceModel):
    """The DataCollector's model table: one row per step, the OUTPUTS columns."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def run_reference(
    scenario: Scenario,
    seed: int,
    scale: float,
    start: dt.date | None = None,
    end: dt.date | None = None,
    exposure: float = 1.0,
):
    """Run the reference over the whole span; return its quarterly outputs (a DataFrame)."""
    model = ReferenceModel(scenario, seed=seed, scale=scale, start=start, end=end, exposure=exposure)
    while model.running:
        model.step()
    outputs = quarterly_outputs(model)
    ids = getattr(mesa.Agent, "_ids", None)  # Mesa 3.3 keeps a per-model id counter keyed by the model:
    if isinstance(ids, dict):  # drop it, or every finished model stays in memory with its agents
        ids.pop(model, None)
    return outputs
