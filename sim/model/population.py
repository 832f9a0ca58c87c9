"""What happens to the whole population each step, as array operations over the register.

Founding, registration, funding, staff turnover, expertise, association, domestic soft power,
dissolution and the first step abroad (engagement). Rare events are drawn for the rows whose
number for the decision is below the largest chance any row has (`Draws.below`), each kept if
its number is below its own chance: each row has exactly its own chance per step, and the same
number in every run with the seed (common random numbers, sim/model/draws.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model import kernels, speedups
from sim.model.compiled import CompiledPasses
from sim.model.domain import (
    ALONE,
    ASSOCIATE,
    BORROW_PLATFORM,
    DOMESTIC,
    FOUNDATION,
    GONGO,
    GRASSROOTS,
    INTERNATIONALISED,
    IssueDomains,
    by_kind,
)
from sim.model.draws import Draws
from sim.model.parameters import Parameters
from sim.model.policy import Levers
from sim.model.rates import chance, grown, logistic, media_reach, ramp
from sim.model.register import Register, UnregisteredPool


def openness(easing: np.ndarray, threshold: np.ndarray, ramp: float) -> np.ndarray:
    """How open each domain is to direct registration at the given easing (0 closed, 1 open).

    A domain opens fully when easing reaches its threshold (0.5 for charity, social-service
    and social-welfare fields, 0.75 for the other fields, 1.0 for the four excluded types)
    and partly over the `ramp` below it.
    """
    return np.clip(1.0 - (threshold - easing) / ramp, 0.0, 1.0)


F32 = np.float32  # the register's float type; scalars are cast to it so arrays stay float32
Reach = Callable[[np.ndarray], np.ndarray]  # rows -> how far public-diplomacy support reaches them
SPONSOR_TRIES = 20  # rounds of drawing candidates for the sponsored first steps of a step
ROWS_AT_FULL_SCALE = 400_000  # room the register starts with at 1:1 (it grows as needed)


@dataclass
class StepFlows:
    """Counts of what the population did in one step (for the outputs)."""

    founded: np.ndarray  # by kind: registered foundings (GONGOs, foundations) and new groups (G-R)
    registered: int  # G-R groups that registered
    dissolved: np.ndarray  # registered organisations dissolved, by kind
    engaged_rows: np.ndarray  # rows that made a first step abroad
    dissolved_rows: np.ndarray


class Population:
    """The register and the unregistered pool, and the rules that move them each step."""

    def __init__(
        self,
        params: Parameters,
        domains: IssueDomains,
        draws: Draws,
        scale: float,
        dt: float,
    ) -> None:
        self.p = params
        self.domains = domains
        self.draws = draws
        self.scale = scale
        self.dt = dt
        on = speedups.enabled()
        self.register = Register(int(ROWS_AT_FULL_SCALE * scale) + 1024, lazy=on)
        n_domains = len(domains.names)
        self.pool = UnregisteredPool(np.zeros(n_domains, np.int64), np.zeros(n_domains, np.int64))
        p = params
        self.turnover_base = by_kind(p.turnover_gongo, p.turnover_grassroots, p.turnover_foundation, F32)
        ties = [1.0 if kind == GONGO else p.ties_nonstate for kind in range(3)]
        self.ties_weight = (p.sp_weight_ties * np.array(ties)).astype(F32)
        self._dissolution = by_kind(p.dissolution_gongo, p.dissolution_grassroots, p.dissolution_foundation)
        self._engage = by_kind(p.engage_gongo, p.engage_grassroots, p.engage_foundation)
        self._size = by_kind(p.size_gongo, p.size_grassroots, p.size_foundation)
        self._pay: np.ndarray | None = np.ones(0, np.float32)
        self.passes: CompiledPasses | None = None  # the compiled passes, while the speed-ups are on
        self._step = -1  # the step being run
        self.use_speedups(on)

    def use_speedups(self, on: bool) -> None:
        """Run the compiled passes (compiled.py) where numba is there and `on`; the numpy code otherwise."""
        on = bool(on) and kernels.AVAILABLE
        if self.passes is not None and not on:
            self.passes.settle()
            self.passes.forget()
            self.passes = None
        elif on and self.passes is None:
            self.passes = CompiledPasses(self)
        self.register.lazy_zeros = on

    def settle(self, rows: np.ndarray | None = None) -> None:
        """Bring dissolved rows (all by default) up to date before a table reports them (see compiled.py)."""
        if self.passes is not None:
            self.passes.settle(rows)

    # --- building the population ---------------------------------------------------------------
    def thin(self, count: float) -> int:
        """A real-scale count thinned to the run's scale (binomial, so rare units may vanish)."""
        whole = round(count)
        return int(self.draws.generator("initial_state").binomial(whole, self.scale)) if self.scale < 1 else whole

    def found_registered(self, kind: int, count: int, step: int) -> np.ndarray:
        """Register `count` new organisations of one kind with attributes drawn for each."""
        if count == 0:
            return np.zeros(0, np.int64)
        rng, d = self.draws.generator("founding"), self.domains
        kinds = np.full(count, kind, np.int8)
        domain = rng.choice(len(d.names), size=count, p=d.mix[kind]).astype(np.int8)
        return self._add(kinds, domain, step, rng)

    def _add(self, kinds: np.ndarray, domain: np.ndarray, step: int, rng: np.random.Generator) -> np.ndarray:
        """Register organisations of the given kinds and domains, their other attributes drawn from `rng`."""
        p, d = self.p, self.domains
        count = len(kinds)
        is_gongo = kinds == GONGO
        size = self._size[kinds] * rng.lognormal(0.0, p.size_sigma, count)
        foreign = d.foreign_share[domain] * np.where(is_gongo, p.gongo_foreign_factor, 1.0)
        alignment = np.clip(
            d.alignment[domain] + p.gongo_alignment_bonus * is_gongo + rng.normal(0, p.alignment_noise, count),
            0.0,
            1.0,
        )
        critic_chance = p.critic_base + p.critic_sensitivity * d.sensitivity[domain]
        critic = (rng.random(count) < critic_chance) & ~is_gongo
        draw = rng.random(count)
        unite = np.where(
            kinds != GRASSROOTS,
            ALONE,
            np.where(
                draw < p.associate_share,
                ASSOCIATE,
                np.where(draw < p.associate_share + p.borrow_share, BORROW_PLATFORM, ALONE),
            ),
        )
        return self.register.add(
            count,
            kind=kinds,
            domain=domain,
            registered_step=step,
            size=size,
            foreign_share=foreign,
            alignment=alignment,
            resources=size,
            staff=np.maximum(p.min_staff, size / p.wage),
            expertise=rng.beta(7.0 * p.new_expertise, 7.0 * (1.0 - p.new_expertise), count),
            specialist=rng.random(count) < p.specialist_share,
            critic=critic,
            unite=unite,
        )

    def seed_pool(self, groups: int, backlog: int) -> None:
        """Fill the unregistered pool, split over domains by the G-R founding mix."""
        mix, rng = self.domains.mix[GRASSROOTS], self.draws.generator("initial_state")
        self.pool.groups += rng.multinomial(groups, mix)
        self.pool.backlog += rng.multinomial(backlog, mix)

    # --- the yearly round, one step at a time ---------------------------------------------------
    def step(
        self,
        step: int,
        year: float,
        levers: Levers,
        reach: Reach,
        exposure: float,
        grassroots_space: float = 1.0,
        sponsored: float = 0.0,
    ) -> StepFlows:
        """Run every population process once, in the order the ODD gives. `grassroots_space` multiplies
        G-R NGOs' hazard of a first step abroad (`Government.grassroots_space`); `sponsored` is the
        yearly number of first steps abroad public-diplomacy support pays for, among those it reaches."""
        self._step = step
        founded = self.found(step, year, levers)
        registered = self.register_groups(step, year, levers)
        passes = self.passes
        compiled = passes is not None and passes.applies(levers)
        if compiled:
            passes.before_association(step, levers)
            self._pay = None  # the dissolution pass works out pay for the rows it draws
        else:
            self.settle()  # the numpy passes update every row, dissolved ones too
            self.fund(levers)
            self.staff_and_learn()
        joined = self.associate(levers)
        if compiled:
            passes.after_association(joined, step)
        else:
            self.domestic_soft_power()
            if passes is not None:
                passes.ran_numpy(step)
        dissolved_rows = self.dissolve(year, levers)
        engaged_rows = self.engage(levers, exposure, grassroots_space)
        engaged_rows = np.concatenate([engaged_rows, self.sponsor(sponsored, reach, engaged_rows)])
        kinds = self.register.kind[dissolved_rows]
        return StepFlows(
            founded=founded,
            registered=registered,
            dissolved=np.bincount(kinds, minlength=3),
            engaged_rows=engaged_rows,
            dissolved_rows=dissolved_rows,
        )

    def found(self, step: int, year: float, levers: Levers) -> np.ndarray:
        """New GONGOs and foundations register at once; new G-R groups start unregistered. Founding grows
        at its fitted rate until `trends_until` and stays at that level after; unregistered groups
        are lost faster during a campaign against illegal organisations (`enforcement`)."""
        p, rng, dt = self.p, self.draws.generator("founding"), self.dt
        trend_year = min(year, p.trends_until)  # no growth is extrapolated beyond the data
        rates = {
            GONGO: grown(p.founding_gongo, p.founding_gongo_growth, trend_year),
            FOUNDATION: grown(p.founding_foundation, p.founding_foundation_growth, trend_year),
            GRASSROOTS: grown(p.founding_grassroots, p.founding_grassroots_growth, trend_year),
        }
        counts = {kind: int(rng.poisson(rate * self.scale * dt)) for kind, rate in rates.items()}
        self.found_registered(GONGO, counts[GONGO], step)
        self.found_registered(FOUNDATION, counts[FOUNDATION], step)
        self.pool.groups += rng.multinomial(counts[GRASSROOTS], self.domains.mix[GRASSROOTS])
        lost = chance(p.dissolution_unregistered + p.enforcement_unregistered * levers.enforcement, dt)
        self.pool.groups -= rng.binomial(self.pool.groups, lost)
        self.pool.backlog -= rng.binomial(self.pool.backlog, lost)
        return np.array([counts[GONGO], counts[GRASSROOTS], counts[FOUNDATION]])

    def registration_hazard(self, levers: Levers) -> np.ndarray:
        """Yearly chance per domain that an unregistered group registers, under the regime."""
        p, d = self.p, self.domains
        easing = levers.registration_easing_for(d.names)
        through_sponsor = p.registration_sponsor_rate * (1.0 - d.sensitivity)
        direct = p.registration_direct_rate * openness(easing, d.registration_threshold, p.registration_ramp)
        return through_sponsor + direct

    def register_groups(self, step: int, year: float, levers: Levers) -> int:
        """Unregistered groups register (from the 1998 regulations on), more where easing opens."""
        if year < self.p.pneu_registration_from:
            return 0
        rng = self.draws.generator("registration")
        counts = rng.binomial(self.pool.groups, chance(self.registration_hazard(levers), self.dt))
        backlog = rng.binomial(self.pool.backlog, chance(self.backlog_hazard(year), self.dt))
        self.pool.groups -= counts
        self.pool.backlog -= backlog
        total = counts + backlog
        domain = np.repeat(np.arange(len(total)), total).astype(np.int8)
        self._add(np.full(len(domain), GRASSROOTS, np.int8), domain, step, rng)
        return int(total.sum())

    def backlog_hazard(self, year: float) -> float:
        """Yearly registration hazard of the pre-1998 units: it rises over the re-registration
        campaign that put the 1998 regulations into effect, from `pneu_backlog_delay` years after the
        first new registrations (a linear ramp, an assumption)."""
        p = self.p
        started = year - p.pneu_registration_from - p.pneu_backlog_delay
        return p.pneu_backlog_rate * ramp(started, p.pneu_ramp_years)

    def reregistration_hazard(self, year: float) -> float:
        """Extra yearly dissolution hazard of GONGOs during the re-registration campaign of the
        1998 regulations, when social associations that did not re-register were struck off."""
        p = self.p
        during = p.pneu_registration_from <= year < p.pneu_registration_from + p.reregistration_years
        return p.reregistration_dissolution if during else 0.0

    def income(self, levers: Levers) -> np.ndarray:
        """The yearly income each organisation gets under the regime.

        Foreign funding is cut by the restriction; government contracting pays aligned
        organisations with domestic influence; public-diplomacy grants come on top.
        """
        r, p = self.register, self.p
        size = r.view("size")
        own = size * (1.0 - r.view("foreign_share") * levers.foreign_funding_restriction)
        contracts = levers.government_contracting * p.contracting_gain * r.view("sp_domestic") * r.view("alignment")
        return own * (1.0 + contracts) + r.view("support")

    def fund(self, levers: Levers) -> None:
        """Resources move towards the income the regime gives."""
        resources = self.register.view("resources")
        resources += F32(chance(self.p.funding_adjustment, self.dt)) * (self.income(levers) - resources)

    def staff_and_learn(self) -> None:
        """Staff follow the budget; low pay drives turnover; turnover erodes expertise."""
        r, p = self.register, self.p
        resources = r.view("resources")
        staff = r.view("staff")
        np.maximum(F32(p.min_staff), resources / F32(p.wage), out=staff)
        self._pay = resources / (staff * F32(p.wage))
        turnover = r.view("turnover")
        np.take(self.turnover_base, r.view("kind"), out=turnover)
        turnover += F32(p.turnover_low_pay) * (F32(1.0) - self._pay)
        expertise = r.view("expertise")
        learning = np.where(
            r.view("specialist"), F32(p.learning_rate * (1.0 + p.specialise_gain)), F32(p.learning_rate)
        )
        learning += F32(p.association_capacity) * r.view("associated")
        change = learning * (F32(1.0) - expertise)
        change -= F32(p.expertise_loss) * turnover * expertise
        expertise += F32(self.dt) * change
        np.clip(expertise, F32(0.0), F32(1.0), out=expertise)

    def associate(self, levers: Levers) -> np.ndarray:
        """Registered G-R NGOs join associations, as the Charity Law allows (Art. 19); returns their rows."""
        hazard = levers.association * self.p.association_rate
        candidates, _ = self.draws.below("association", self.register.n, chance(hazard, self.dt))
        r = self.register
        keep = candidates[(r.kind[candidates] == GRASSROOTS) & r.alive[candidates]]
        r.associated[keep] = True
        return keep

    def domestic_soft_power(self) -> None:
        """Domestic soft power from expertise, partnerships, ties to officials and media reach (B).

        Ties to officials are alignment times a GONGO's full ties or a non-GONGO's share of them;
        media reach grows with income with diminishing returns (`media_reach`).
        """
        r, p = self.register, self.p
        sp = r.view("sp_domestic")
        sp[:] = media_reach(r.view("resources"), F32(p.media_half))
        sp *= F32(p.sp_weight_media)
        sp += F32(p.sp_weight_expertise) * r.view("expertise")
        sp += self.ties_weight[r.view("kind")] * r.view("alignment")
        partners = r.view("associated") | (r.view("coalition") >= 0)
        sp += F32(p.sp_weight_partnership) * partners

    def dissolve(self, year: float, levers: Levers) -> np.ndarray:
        """Organisations dissolve, the poorly paid ones faster - more so during a campaign against
        inactive organisations (`enforcement`) - and the large, established ones slower (the hazard
        halves at an income of `dissolution_size_half`, and is `dissolution_abroad` times as high
        with a standing presence abroad); returns the rows dissolved."""
        r, p = self.register, self.p
        base = self._dissolution.copy()
        base[GONGO] += self.reregistration_hazard(year)
        underfunded = p.dissolution_underfunded + p.enforcement_inactive * levers.enforcement
        worst = base.max() * (1.0 + underfunded)
        rows, luck = self.draws.below("dissolution", r.n, chance(worst, self.dt))
        alive = r.alive[rows]
        rows, luck = rows[alive], luck[alive]
        hazard = base[r.kind[rows]] * (1.0 + underfunded * (1.0 - self._pay_of(rows)))
        hazard *= p.dissolution_size_half / (p.dissolution_size_half + r.resources[rows])
        hazard *= np.where(r.stage[rows] >= INTERNATIONALISED, p.dissolution_abroad, 1.0)
        rows = rows[luck < chance(hazard, self.dt)]
        r.dissolve(rows)
        if self.passes is not None:
            self.passes.dissolved(rows, self._step)
        return rows

    def _pay_of(self, rows: np.ndarray) -> np.ndarray:
        """Pay relative to the wage of the given rows this step, as `staff_and_learn` works it out."""
        if self._pay is None:
            r = self.register
            return r.resources[rows] / (r.staff[rows] * F32(self.p.wage))
        return self._pay[rows]

    def readiness(self, rows: np.ndarray) -> np.ndarray:
        """How ready each organisation is to go abroad (A, B: resources, talent, experience)."""
        r, p = self.register, self.p
        running_cost = p.wage * p.min_staff
        score = (
            p.readiness_intercept
            + p.readiness_resources * np.log(np.maximum(r.resources[rows], 1e-3) / running_cost)
            + p.readiness_expertise * r.expertise[rows]
            + p.readiness_soft_power * r.sp_domestic[rows]
            + p.readiness_association * r.associated[rows]
        )
        return logistic(score)

    def engagement_hazard(
        self, rows: np.ndarray, levers: Levers, exposure: float, grassroots_space: float
    ) -> np.ndarray:
        """Yearly hazard of a first exchange, UN event or conference abroad, for domestic rows."""
        r, p = self.register, self.p
        kinds = r.kind[rows]
        outreach = 1.0 + p.outreach_engage_effect * levers.un_outreach
        foreign_links = 1.0 - p.foreign_link_loss * levers.foreign_funding_restriction * r.foreign_share[rows]
        space = np.where(kinds == GRASSROOTS, grassroots_space, 1.0)
        return self._engage[kinds] * self.readiness(rows) * outreach * exposure * foreign_links * space

    def engage(self, levers: Levers, exposure: float, grassroots_space: float = 1.0) -> np.ndarray:
        """Domestic organisations make their first step abroad on their own; returns their rows."""
        p = self.p
        most = (
            self._engage.max()
            * max(1.0, grassroots_space)
            * (1.0 + p.outreach_engage_effect * levers.un_outreach)
            * exposure
        )
        r = self.register
        rows, luck = self.draws.below("first_step_abroad", r.n, chance(most, self.dt))
        domestic = r.alive[rows] & (r.stage[rows] == DOMESTIC)
        rows, luck = rows[domestic], luck[domestic]
        hazard = self.engagement_hazard(rows, levers, exposure, grassroots_space)
        return rows[luck < chance(hazard, self.dt)]

    def sponsor(self, per_year: float, reach: Reach, taken: np.ndarray) -> np.ndarray:
        """First steps abroad paid by public-diplomacy support: a Poisson number at `per_year`, each
        given to a domestic organisation drawn with chance proportional to its reach times its
        readiness (by rejection: uniform rows, each kept with that chance), never one in `taken`."""
        rng = self.draws.generator("sponsored_first_step")
        count = int(rng.poisson(per_year * self.dt)) if per_year > 0 else 0
        r = self.register
        chosen: list[int] = []
        for _ in range(SPONSOR_TRIES):
            if len(chosen) >= count or r.n == 0:
                break
            rows = rng.integers(r.n, size=64 * (count - len(chosen)))
            rows = rows[r.alive[rows] & (r.stage[rows] == DOMESTIC)]
            keep = rng.random(len(rows)) < reach(rows) * self.readiness(rows)
            for row in rows[keep].tolist():
                if row not in chosen and len(chosen) < count:
                    chosen.append(row)
        chosen_rows = np.array(chosen, dtype=np.int64)
        return chosen_rows[~np.isin(chosen_rows, taken)]
