"""The UN bodies: the ECOSOC Committee on NGOs (with the NGO Branch), the Human Rights
Council's UPR, and the other UN channels. Their calendar comes from sim/data/un_calendar.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.model.actor import Actor
from sim.model.agents import gain_experience, gain_soft_power
from sim.model.calendar import add_months, decimal_year
from sim.model.domain import (
    APPLICANT,
    CATEGORIES,
    CONSULTATIVE,
    ENGAGED,
    GENERAL,
    GONGO,
    GRASSROOTS,
    KINDS,
    NO_CATEGORY,
    ROSTER,
    SPECIAL,
)
from sim.model.rates import chance, chance_once, logistic, ramp

if TYPE_CHECKING:
    from sim.model.agents import OrganisationAgent
    from sim.model.calendar import Calendar
    from sim.model.model import NGOModel
    from sim.model.parameters import Parameters

REGULAR_SESSION_MONTH = 1  # un_process_facts: regular session early in the year
RESUMED_SESSION_MONTH = 5  # resumed session in May-June
WORLD_APPLICATIONS_YEAR = 2017.5  # un_process_facts: about 820 applications from June 2017 to June 2018
ECOSOC_DECISION_MONTH = 7  # ECOSOC decides in July


class CalendarEntry(NamedTuple):
    """A dated UN fact: a conference, a training, or a UPR review (and whether the state mobilised GONGOs)."""

    date: dt.date
    channel: str
    event: str
    state_mobilises: bool


@lru_cache(maxsize=1)
def un_calendar() -> tuple[CalendarEntry, ...]:
    """The dated UN facts the bodies act on (sim/data/un_calendar.csv)."""
    text = resources.files("sim.data").joinpath("un_calendar.csv").read_text()
    return tuple(
        CalendarEntry(
            dt.date.fromisoformat(row["date"]), row["channel"], row["event"], row["state_mobilises_gongos"] == "yes"
        )
        for row in csv.DictReader(text.splitlines())
    )


def review_dates(cycle_years: float, until: dt.date) -> list[CalendarEntry]:
    """China's real reviews, then projected ones every `cycle_years` to `until` (the end of the run),
    for which the state mobilises GONGOs as it did for the last real one."""
    reviews = [e for e in un_calendar() if e.channel == "upr_review"]
    months, mobilises = round(cycle_years * 12), reviews[-1].state_mobilises
    while (nxt := add_months(reviews[-1].date, months)) <= until:
        reviews.append(CalendarEntry(nxt, "upr_review", "projected UPR of China", mobilises))
    return reviews


def upr_schedule(
    params: Parameters, calendar: Calendar
) -> tuple[list[CalendarEntry], dict[int, CalendarEntry], dict[int, dt.date]]:
    """The reviews of a run, the steps their stakeholder reports are gathered in, and the steps they are held in."""
    lead = round(params.upr_submission_lead_months)
    reviews = review_dates(params.upr_cycle_years, calendar.end)
    submission_steps = {calendar.step_of(add_months(r.date, -lead)): r for r in reviews}
    review_steps = {calendar.step_of(r.date): r.date for r in reviews}
    return reviews, submission_steps, review_steps


@dataclass
class Application:
    """One national organisation's application for consultative status."""

    agent: OrganisationAgent
    submitted: int
    deferrals: int = 0


class CommitteeOnNGOs(Actor):
    """The ECOSOC Committee on NGOs and the NGO Branch of UN DESA (A; un_process_facts.csv).

    Five steps: profile and online application (the agent's `receive`), NGO Branch screening,
    the Committee's recommendation at its regular or resumed session (after consulting the
    member state for a national NGO), and ECOSOC's decision in July. Holders report every four
    years; non-reporters are suspended. The rest of the world's docket runs as counts.
    """

    model: NGOModel

    def __init__(self, model: NGOModel) -> None:
        super().__init__(model)
        self.screening: list[Application] = []
        self.docket: list[Application] = []
        self.recommended: list[Application] = []
        self.holders: list[OrganisationAgent] = []
        self.flows: Counter[tuple[str, int]] = Counter()  # (flow, kind) -> count this step
        self.world_docket = 0
        self.world_recommended = 0
        self.world_status = 0
        self.resolution_year = decimal_year(next(e.date for e in un_calendar() if e.channel == "resolution"))

    def national_access(self) -> float:
        """How open consultative status is to a national NGO (0..1): `national_access_1995` before
        ECOSOC resolution 1996/31 (un_calendar.csv), then rising linearly to 1 over
        `national_access_ramp` years while national NGOs learn the new route (a named assumption)."""
        p = self.model.params
        taken_up = ramp(self.model.year - self.resolution_year, p.national_access_ramp)
        return p.national_access_1995 + (1.0 - p.national_access_1995) * taken_up

    # --- step 1-2: the organisation applies --------------------------------------------------------
    def receive(self, agent: OrganisationAgent) -> None:
        """An organisation registers its profile and files its online application."""
        agent.stage_before_applying = agent.stage
        agent.stage = APPLICANT
        self.screening.append(Application(agent, self.model.now))
        self._count("applications", agent)
        self.model.log("application", agent)
        self.model.government.observe(agent, "ecosoc_application")

    def applicants_from_engaged(self) -> np.ndarray:
        """Applicants by kind that applied straight from the engaged stage (no standing presence abroad):
        the outputs do not count them as internationalised while they wait."""
        counts = np.zeros(len(KINDS), np.int64)
        for app in (*self.screening, *self.docket, *self.recommended):
            if app.agent.active and app.agent.stage == APPLICANT and app.agent.stage_before_applying == ENGAGED:
                counts[app.agent.kind] += 1
        return counts

    # --- the quarter -----------------------------------------------------------------------------
    def step(self) -> None:
        """Screen what came in, hold the sessions and ECOSOC's decision that fall in this step."""
        cal, now = self.model.calendar, self.model.now
        self.screen()
        if cal.holds_month(now, REGULAR_SESSION_MONTH):
            self.session("regular")
        if cal.holds_month(now, RESUMED_SESSION_MONTH):
            self.session("resumed")
        if cal.holds_month(now, ECOSOC_DECISION_MONTH):
            self.ecosoc_decides()
            self.review_reports()

    # --- step 3: NGO Branch screening --------------------------------------------------------------
    def screen(self) -> None:
        """Applications filed before this step are screened; incomplete ones are returned."""
        draws, p = self.model.draws, self.model.params
        waiting = []
        for app in self.screening:
            if not app.agent.active:
                continue
            if app.submitted >= self.model.now:
                waiting.append(app)
            elif draws.uniform("screening", app.agent.row) < p.screening_return * (1.0 - app.agent.capacity_now):
                self._end(app, "returned", "returned", "returned by the NGO Branch as incomplete")
            else:
                self.docket.append(app)
        self.screening = waiting

    # --- step 4: the Committee's session -----------------------------------------------------------
    def outcome_shares(self, quality: float, sensitivity: float = 0.0) -> np.ndarray:
        """Shares recommended / deferred / closed for an application of the given quality and domain.

        Quality 0 in a domain of no sensitivity gives the base shares of un_process_facts.csv; better
        applications are recommended more often, and members' questions defer applicants in
        sensitive domains more often (un_process_facts: repeatedly deferred groups are mostly
        human-rights NGOs); deferrals and closures share what is not recommended in proportion.
        """
        p = self.model.params
        base_rec = p.session_recommended
        score = math.log(base_rec / (1 - base_rec)) + p.quality_effect * quality - p.questions_sensitivity * sensitivity
        rec = float(logistic(score))
        rest = (1.0 - rec) / (1.0 - base_rec)
        closed = p.session_closed * rest
        return np.array([rec, 1.0 - rec - closed, closed])

    def quality(self, agent: OrganisationAgent) -> float:
        """An application's quality (-0.5..0.5): international soft power, expertise, a specialist's
        competence and a co-creator's solutions (A §4.3: both make an NGO more useful to the UN)."""
        r = self.model.register
        row = agent.row
        merits = float(r.sp_international[row]) + float(r.expertise[row]) + float(r.specialist[row])
        return (merits + (not r.critic[row])) / 4 - 0.5

    def session(self, name: str) -> None:
        """Consider the docket in the order it was filed: for a national NGO the member state is
        consulted first (Art. 71) and may object; the rest are recommended, deferred by members'
        questions, or closed. An applicant deferred `patience_sessions` times withdraws."""
        draws, p = self.model.draws, self.model.params
        government, sensitivity = self.model.government, self.model.domains.sensitivity
        still = []
        for app in self.docket:
            agent = app.agent
            if not agent.active:
                continue
            if government.objects_to(agent, name):
                agent.objections += 1
                self._count("objections", agent)
                self._defer(app, "objection", f"{name} session: the member state raises questions")
                if (
                    draws.uniform(f"lesson:{name}", agent.row) < p.strategy_learning
                    and self.model.register.critic[agent.row]
                ):
                    self.model.register.critic[agent.row] = False
                    self.model.log("turned_cocreator", agent)
            else:
                domain_sensitivity = float(sensitivity[self.model.register.domain[agent.row]])
                upper = np.cumsum(self.outcome_shares(self.quality(agent), domain_sensitivity))
                upper /= upper[-1]  # the outcome whose share the number falls in (as numpy's choice does)
                outcome = int(upper.searchsorted(draws.uniform(f"outcome:{name}", agent.row), side="right"))
                if outcome == 0:
                    self.recommended.append(app)
                    self._count("recommendations", agent)
                    self.model.log("recommended", agent, detail=f"{name} session")
                    continue
                if outcome == 2:
                    self._end(app, "closures", "closure", f"{name} session: closed")
                    continue
                self._defer(app, "deferral", f"{name} session: questions from members")
            if app.deferrals >= p.patience_sessions:
                self._end(app, "withdrawals", "withdrawal", "withdrawn after repeated deferrals")
            else:
                still.append(app)
        self.docket = still
        self.world_session()

    def world_session(self) -> None:
        """The rest of the world's docket: new applications (`world_applications` a year in 2017, growing at
        `world_applications_growth` a year until `trends_until`) join the carried-over ones."""
        p, model = self.model.params, self.model
        rng = model.draws.generator("world_docket")
        years = min(model.year, p.trends_until) - WORLD_APPLICATIONS_YEAR
        yearly = p.world_applications * math.exp(p.world_applications_growth * years) * model.scale
        self.world_docket += int(rng.poisson(yearly / 2))
        rec, deferred, _closed = rng.multinomial(self.world_docket, self.outcome_shares(0.0))
        self.world_recommended += int(rec)
        self.world_docket = int(deferred)

    # --- step 5: ECOSOC's decision -----------------------------------------------------------------
    def ecosoc_decides(self) -> None:
        """ECOSOC grants status to those recommended (it does not overturn; an assumption)."""
        for app in self.recommended:
            agent = app.agent
            if not agent.active:
                continue
            category = self.category(agent)
            agent.stage = CONSULTATIVE
            agent.status_step = self.model.now
            self.model.register.category[agent.row] = category
            self.holders.append(agent)
            self._count("grants", agent)
            self.model.log("status_granted", agent, detail=CATEGORIES[category])
        self.recommended = []
        self.world_status += self.world_recommended
        self.world_recommended = 0

    def category(self, agent: OrganisationAgent) -> int:
        """General status for large organisations whose work covers most of ECOSOC's agenda (not a
        specialist, income of at least `general_income`), the roster for applications too weak for
        special status (quality below `roster_quality`), special status for the rest (A §3.3)."""
        r, p = self.model.register, self.model.params
        row = agent.row
        if not r.specialist[row] and float(r.resources[row]) >= p.general_income:
            return GENERAL
        if self.quality(agent) < p.roster_quality:
            return ROSTER
        return SPECIAL

    # --- quadrennial reports -------------------------------------------------------------------
    def review_reports(self) -> None:
        """Holders whose four-year report falls due this year report, or are suspended."""
        model, p = self.model, self.model.params
        draws = model.draws
        steps_per_year = model.calendar.steps_per_year
        kept = []
        for agent in self.holders:
            if not agent.active or agent.stage != CONSULTATIVE:
                continue
            held = model.now - agent.status_step
            due = held > 0 and (held // steps_per_year) % 4 == 0 and held % steps_per_year == 0
            if due and draws.uniform("quadrennial_report", agent.row) < p.report_failure * (1.0 - agent.capacity_now):
                model.register.category[agent.row] = NO_CATEGORY
                agent.left_stage()
                self._count("suspensions", agent)
                model.log("suspended", agent, detail="quadrennial report missing")
            else:
                kept.append(agent)
        self.holders = kept
        suspended = draws.generator("world_docket").binomial(self.world_status, chance(p.world_suspension, 1.0))
        self.world_status -= int(suspended)

    # --- bookkeeping -------------------------------------------------------------------------------
    def _end(self, app: Application, flow: str, event: str, detail: str) -> None:
        """An application ends without status: count it, log it, and the organisation waits to reapply."""
        self._count(flow, app.agent)
        self.model.log(event, app.agent, detail=detail)
        app.agent.left_stage()

    def _defer(self, app: Application, event: str, detail: str) -> None:
        """An application waits for the next session: count and log the deferral."""
        app.deferrals += 1
        self._count("deferrals", app.agent)
        self.model.log(event, app.agent, detail=detail)

    def _count(self, flow: str, agent: OrganisationAgent) -> None:
        self.flows[(flow, agent.kind)] += 1


class HumanRightsCouncil(Actor):
    """The Human Rights Council and OHCHR: UPR reviews of China with stakeholder reports (A §4.1).

    For each review, months ahead, the state may mobilise GONGOs (a campaign of a given size),
    other organisations abroad decide for themselves as far as their UN experience lets them
    (OHCHR's training adds to G-R NGOs' and foundations'), members of a coalition send one joint report, and
    stakeholders from outside the mainland send the rest of the review's reports.
    """

    model: NGOModel

    def __init__(self, model: NGOModel) -> None:
        super().__init__(model)
        self.plan(model.calendar)
        self.training_steps = {model.calendar.step_of(e.date) for e in un_calendar() if e.channel == "training"}
        self.submissions: Counter[int] = Counter()  # reports sent this step, by kind of their (lead) author
        self.review_counts: Counter[str] = Counter()  # reports for the coming review: by kind, and "foreign"
        self.review_today: Counter[str] = Counter()  # the reports of a review held this step

    def plan(self, calendar: Calendar) -> None:
        """Date the reviews and their submission steps on `calendar` (again when a resumed run's end differs)."""
        self.reviews, self.submission_steps, self.review_steps = upr_schedule(self.model.params, calendar)

    @staticmethod
    def review_dates(cycle_years: float, until: dt.date) -> list[CalendarEntry]:
        """China's real reviews, then projected ones every `cycle_years` to the end of the run."""
        return review_dates(cycle_years, until)

    def step(self) -> None:
        """Train engaged NGOs, gather stakeholder reports, and hold the review."""
        model = self.model
        now = model.now
        self.submissions.clear()
        self.review_today = Counter()
        if now in self.training_steps:
            self.train()
        if now in self.submission_steps:
            self.gather_submissions(self.submission_steps[now])
        if now in self.review_steps:
            self.review_today, self.review_counts = self.review_counts, Counter()
            model.log(
                "upr_review",
                None,
                value=float(sum(self.review_today.values())),
                detail=f"review of China on {self.review_steps[now]}",
            )

    def train(self) -> None:
        """OHCHR trains Chinese NGOs on taking part in treaty bodies (September 2007): the organisations
        abroad that decide their own UPR reports, G-R NGOs and foundations. A §4.1 gives the 2009 review's
        two causes apart, the state's mobilisation of GONGOs and this training; a GONGO takes part when
        the state mobilises it (`upr_propensity` 0), so the training reaches the others (an assumption)."""
        model = self.model
        gain = model.params.training_experience * (
            1.0 + model.params.outreach_participation * model.government.levers.un_outreach
        )
        for agent in model.organisations():
            if agent.kind != GONGO:
                agent.gain_experience(gain)
        model.log("ohchr_training", None, value=gain)

    def gather_submissions(self, review: CalendarEntry) -> None:
        """The reports for `review`: the state's campaign, the others' own decisions (a coalition's
        members send one joint report), and the stakeholders from outside the mainland."""
        model = self.model
        draws, r = model.draws, model.register
        agents = model.organisations()
        for agent in model.government.upr_campaign(agents) if review.state_mobilises else ():
            self.submit([agent])
        joint: dict[int, list[OrganisationAgent]] = {}
        for agent in agents:
            if agent.kind == GONGO:
                continue
            reporting = chance_once(agent.upr_propensity() * agent.experience_with_platform(), 1.0)
            if draws.uniform("upr_report", agent.row) < reporting:
                coalition = int(r.coalition[agent.row])
                if coalition >= 0:
                    joint.setdefault(coalition, []).append(agent)
                else:
                    self.submit([agent])
        for members in joint.values():
            self.submit(members)
        foreign = draws.generator("upr_report").poisson(self.foreign_reports(review.date) * model.scale)
        self.review_counts["foreign"] += int(foreign)

    def foreign_reports(self, day: dt.date) -> float:
        """Reports expected from stakeholders outside the mainland: `upr_foreign_2009` at the first review
        (A §4.1: 47 stakeholders, 19 from the mainland), growing at `upr_foreign_growth` a year until
        `trends_until`."""
        p = self.model.params
        first = next(e.date for e in un_calendar() if e.channel == "upr_review")
        years = min(decimal_year(day), p.trends_until) - decimal_year(first)
        return p.upr_foreign_2009 * math.exp(p.upr_foreign_growth * years)

    def submit(self, authors: list[OrganisationAgent]) -> None:
        """One stakeholder report, by one organisation or jointly: OHCHR takes up at least one idea
        from it (A §4.1), so each author gains experience and soft power abroad, and the state reads it."""
        p = self.model.params
        lead = authors[0]
        self.submissions[lead.kind] += 1
        self.review_counts[KINDS[lead.kind]] += 1
        for agent in authors:
            agent.upr_submissions += 1
            agent.gain_experience(p.experience_gain)
            agent.gain_soft_power(p.upr_uptake)
            self.model.log("upr_submission", agent, value=float(len(authors)))
            self.model.government.observe(agent, "upr_submission")


class OtherUNChannels(Actor):
    """DPI/DGC NGO section, UNOG Liaison Unit, Major Groups, UN conferences: exposure and experience (A §3.3).

    Their doors have room for a limited number of mainland NGOs' attendances a year (`channel_slots`):
    the more organisations want to attend, the smaller each one's share.
    """

    model: NGOModel

    def __init__(self, model: NGOModel) -> None:
        super().__init__(model)
        cal = model.calendar
        self.conference_steps = {cal.step_of(e.date): e.event for e in un_calendar() if e.channel == "conference"}
        self.attended: Counter[int] = Counter()

    def exposure(self) -> float:
        """How much a UN conference this step multiplies the chance of a first step abroad."""
        if self.model.now in self.conference_steps:
            return 1.0 + self.model.params.conference_engage_boost
        return 1.0

    def step(self) -> None:
        """Organisations abroad attend UN events: experience, soft power, and the state watches."""
        model, p = self.model, self.model.params
        self.attended.clear()
        if self.model.now in self.conference_steps:
            model.log("un_conference", None, detail=self.conference_steps[self.model.now])
        agents = model.organisations()
        if not agents:
            return
        capacity = np.array([a.capacity_now for a in agents])
        rows = model.abroad_rows()  # in the order of `agents`
        # general and special holders may attend ECOSOC and its bodies, roster ones when invited (A)
        by_category = np.array([1.0, 1.0, p.roster_access, 0.0])  # general, special, roster, none (-1)
        access = 1.0 + p.status_access * by_category[model.register.category[rows]]
        outreach = 1.0 + p.outreach_participation * model.government.levers.un_outreach
        wanted = p.channel_participation * outreach * self.exposure() * capacity * access
        slots = p.channel_slots * model.scale  # the channels' room for mainland NGOs: a year's events at most
        rate = wanted * slots / (slots + wanted.sum())
        attend = model.draws.uniforms("un_event", rows) < chance(rate, model.calendar.dt)
        went = np.flatnonzero(attend)
        gain_experience(model, rows[went], p.experience_gain)
        gain_soft_power(model, rows[went], np.full(len(went), p.sp_int_gain))
        for i in went.tolist():
            agents[i].events_attended += 1
        kinds = model.register.kind[rows[went]]
        self.attended.update({kind: int(count) for kind, count in enumerate(np.bincount(kinds)) if count})
        for i in went[kinds == GRASSROOTS].tolist():  # the state reads only G-R NGOs' acts
            model.government.observe(agents[i], "un_event")
