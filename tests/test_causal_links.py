"""The sign of every causal link the model names, tested on its submodels directly.

Each test builds a model on its start date, appends register rows that are identical but for
the one cause under test, calls the submodel, and compares the rows (or, for a random rule,
compares counts over many rows where the difference is many standard errors wide).
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from conftest import add_rows, bare_model, scenario_with

from sim import NGOModel
from sim.model.agents import GongoAgent, GrassrootsAgent, act_abroad
from sim.model.domain import (
    APPLICANT,
    CATEGORIES,
    CONSULTATIVE,
    DOMESTIC,
    FOUNDATION,
    GENERAL,
    GONGO,
    GRASSROOTS,
    INTERNATIONALISED,
    NO_CATEGORY,
    ROSTER,
    SPECIAL,
    issue_domains,
)
from sim.model.parameters import Parameters
from sim.model.policy import Levers
from sim.model.population import openness
from sim.model.rates import ramp

DOMAINS = issue_domains()
EXCLUDED = ("international", "legal_rights", "religious", "political")
OPENED_2011 = ("poverty_relief", "social_welfare", "education")


def pair(model, **values) -> tuple[int, int]:
    a, b = add_rows(model, 2, **values)
    return int(a), int(b)


# --- staff, pay, turnover, expertise (B: soft power depends on hard power) -------------------------------


def test_more_resources_mean_more_staff():
    model = bare_model()
    poor, rich = pair(model)
    r = model.register
    r.resources[poor], r.resources[rich] = 60.0, 240.0
    model.population.staff_and_learn()
    assert r.staff[rich] > r.staff[poor]
    assert r.staff[rich] == pytest.approx(240.0 / model.params.wage)
    # below the running cost, an organisation keeps its minimum staff
    r.resources[poor] = 1.0
    model.population.staff_and_learn()
    assert r.staff[poor] == pytest.approx(model.params.min_staff)


def test_low_pay_means_more_turnover():
    model = bare_model()
    p = model.params
    running_cost = p.wage * p.min_staff
    underpaid, paid = pair(model)
    r = model.register
    r.resources[underpaid], r.resources[paid] = 0.3 * running_cost, 2.0 * running_cost
    model.population.staff_and_learn()
    assert r.turnover[underpaid] > r.turnover[paid]
    assert r.turnover[paid] == pytest.approx(p.turnover_grassroots)  # full pay: the base turnover only
    assert r.turnover[underpaid] == pytest.approx(p.turnover_grassroots + p.turnover_low_pay * 0.7)


def test_more_turnover_means_less_expertise():
    # the same row under a higher base turnover loses more expertise; nothing else differs
    expertise = {}
    for turnover in (0.05, 0.6):
        model = bare_model(parameters={"turnover_grassroots": turnover})
        row, _ = pair(model, expertise=0.6)
        for _ in range(4):
            model.population.staff_and_learn()
        expertise[turnover] = float(model.register.expertise[row])
    assert expertise[0.6] < expertise[0.05]
    # and within one model: an underpaid row (more turnover) ends with less expertise than a paid one
    model = bare_model()
    underpaid, paid = pair(model, expertise=0.6)
    model.register.resources[underpaid] = 1.0
    model.population.staff_and_learn()
    assert model.register.turnover[underpaid] > model.register.turnover[paid]
    assert model.register.expertise[underpaid] < model.register.expertise[paid]


def test_specialists_learn_faster():
    model = bare_model()
    generalist, specialist = pair(model, expertise=0.2)
    model.register.specialist[specialist] = True
    before = model.register.expertise[[generalist, specialist]].copy()
    model.population.staff_and_learn()
    after = model.register.expertise[[generalist, specialist]]
    assert after[1] - before[1] > after[0] - before[0] > 0


def test_association_members_learn_faster():
    model = bare_model()
    alone, member = pair(model, expertise=0.2)
    model.register.associated[member] = True
    model.population.staff_and_learn()
    assert model.register.expertise[member] > model.register.expertise[alone]


# --- domestic soft power (B) -------------------------------------------------------------------------------


def test_expertise_raises_domestic_soft_power():
    model = bare_model()
    low, high = pair(model)
    r = model.register
    r.expertise[low], r.expertise[high] = 0.1, 0.9
    model.population.domestic_soft_power()
    assert r.sp_domestic[high] > r.sp_domestic[low]
    assert r.sp_domestic[high] - r.sp_domestic[low] == pytest.approx(model.params.sp_weight_expertise * 0.8, rel=1e-4)


def test_partnerships_ties_and_media_reach_raise_domestic_soft_power():
    model = bare_model()
    r = model.register
    base, partner = pair(model)
    r.associated[partner] = True
    gongo, grassroots = pair(model)
    r.kind[gongo] = GONGO
    poor, rich = pair(model)
    r.resources[poor], r.resources[rich] = 5.0, 500.0
    aligned_low, aligned_high = pair(model)
    r.alignment[aligned_low], r.alignment[aligned_high] = 0.1, 0.9
    model.population.domestic_soft_power()
    assert r.sp_domestic[partner] > r.sp_domestic[base]  # partnerships
    assert r.sp_domestic[gongo] > r.sp_domestic[grassroots]  # ties to officials
    assert r.sp_domestic[rich] > r.sp_domestic[poor]  # media reach
    assert r.sp_domestic[aligned_high] > r.sp_domestic[aligned_low]  # alignment with the state's agenda


# --- readiness and the first step abroad ---------------------------------------------------------------------


def test_association_membership_raises_readiness_to_go_abroad():
    model = bare_model()
    alone, member = pair(model)
    model.register.associated[member] = True
    ready = model.population.readiness(np.array([alone, member]))
    assert ready[1] > ready[0]


@pytest.mark.parametrize(
    "column, low, high", [("resources", 5.0, 200.0), ("expertise", 0.1, 0.9), ("sp_domestic", 0.1, 0.8)]
)
def test_resources_expertise_and_soft_power_raise_readiness(column, low, high):
    model = bare_model()
    a, b = pair(model)
    getattr(model.register, column)[[a, b]] = (low, high)
    ready = model.population.readiness(np.array([a, b]))
    assert 0 < ready[0] < ready[1] < 1


def test_targeting_decides_whether_support_reaches_a_grassroots_ngo():
    model = bare_model()
    rows = np.array(pair(model))
    government = model.government
    reach = {}
    for targeting in ("gongo_only", "inclusive"):
        government.levers.pd_targeting = targeting
        reach[targeting] = government.support_reach(rows)
    assert (reach["gongo_only"] == 0).all() and (reach["inclusive"] == 1).all()


def test_un_outreach_and_conferences_raise_and_foreign_restriction_lowers_the_engagement_hazard():
    model = bare_model()
    rows = np.array(pair(model, foreign_share=0.6))
    pop = model.population
    base = pop.engagement_hazard(rows, Levers(), 1.0, 1.0)
    assert (pop.engagement_hazard(rows, Levers(un_outreach=1.0), 1.0, 1.0) > base).all()
    assert (pop.engagement_hazard(rows, Levers(), 5.0, 1.0) > base).all()
    assert (pop.engagement_hazard(rows, Levers(foreign_funding_restriction=1.0), 1.0, 1.0) < base).all()


def test_a_un_conference_quarter_multiplies_exposure():
    model = bare_model()  # starts 1995-01-01; the Beijing conference is on 1995-09-04
    model.step()
    model.step()
    assert model.calendar.step_start(model.now).isoformat() == "1995-04-01"
    assert model.channels.exposure() == 1.0
    model.step()
    assert model.calendar.step_start(model.now).isoformat() == "1995-07-01"
    assert model.channels.exposure() == pytest.approx(1.0 + model.params.conference_engage_boost)
    model.step()
    assert model.channels.exposure() == 1.0


# --- registration (A: the 2011 and 2013 reforms) -------------------------------------------------------


def test_easing_raises_the_registration_hazard_in_every_domain():
    model = bare_model()
    hazards = [model.population.registration_hazard(Levers(registration_easing=e)) for e in np.linspace(0, 1, 21)]
    hazards = np.array(hazards)
    assert (np.diff(hazards, axis=0) >= -1e-15).all()
    assert (hazards[-1] > hazards[0]).all()  # every domain gains by full easing


def test_the_four_excluded_domains_open_only_at_full_easing():
    model = bare_model()
    hazard = {e: model.population.registration_hazard(Levers(registration_easing=e)) for e in (0.0, 0.5, 0.75, 1.0)}
    excluded = [DOMAINS.code(name) for name in EXCLUDED]
    opened_2011 = [DOMAINS.code(name) for name in OPENED_2011]
    others = [i for i in range(len(DOMAINS.names)) if i not in excluded + opened_2011]
    # up to the 2013 level (0.75) the excluded types register only through a sponsor
    assert hazard[0.75][excluded] == pytest.approx(hazard[0.0][excluded])
    assert (hazard[1.0][excluded] > hazard[0.75][excluded]).all()
    # the 2011 fields are fully open at 0.5; the rest at 0.75
    assert hazard[0.5][opened_2011] == pytest.approx(hazard[1.0][opened_2011])
    assert (hazard[0.5][opened_2011] > hazard[0.0][opened_2011]).all()
    assert hazard[0.75][others] == pytest.approx(hazard[1.0][others])
    assert (hazard[0.75][others] > hazard[0.5][others]).all()
    assert openness(np.array([1.0]), np.array([1.0]), 0.25)[0] == 1.0


def test_a_domain_of_its_own_easing_follows_its_own_level():
    model = bare_model()
    levers = Levers(registration_easing=1.0, easing_by_domain={"legal_rights": 0.0})
    hazard = model.population.registration_hazard(levers)
    closed = model.population.registration_hazard(Levers())
    legal = DOMAINS.code("legal_rights")
    assert hazard[legal] == pytest.approx(closed[legal])
    assert hazard[DOMAINS.code("religious")] > closed[DOMAINS.code("religious")]


def test_sensitive_domains_register_less_through_a_sponsor():
    model = bare_model()
    hazard = model.population.registration_hazard(Levers())
    order = np.argsort(DOMAINS.sensitivity)
    assert (np.diff(hazard[order]) <= 1e-15).all()
    assert hazard[DOMAINS.code("political")] < hazard[DOMAINS.code("poverty_relief")]


def test_no_group_registers_before_the_1998_regulations_take_effect():
    model = bare_model()
    pop = model.population
    assert pop.register_groups(0, 1996.0, Levers(registration_easing=1.0)) == 0
    assert pop.register_groups(0, 2005.0, Levers(registration_easing=1.0)) > 0


# --- funding -------------------------------------------------------------------------------------------------


def test_foreign_funding_restriction_cuts_income_in_proportion_to_the_foreign_share():
    model = bare_model()
    domestic, foreign = pair(model, size=100.0, resources=100.0)
    model.register.foreign_share[domestic], model.register.foreign_share[foreign] = 0.0, 0.6
    income = model.population.income(Levers(foreign_funding_restriction=1.0))
    assert income[domestic] == pytest.approx(100.0)
    assert income[foreign] == pytest.approx(40.0)
    free = model.population.income(Levers())
    assert free[foreign] == pytest.approx(100.0)
    model.population.fund(Levers(foreign_funding_restriction=1.0))
    assert model.register.resources[foreign] < model.register.resources[domestic] == pytest.approx(100.0)


def test_government_contracting_pays_aligned_influential_organisations():
    model = bare_model()
    r = model.register
    outsider, insider = pair(model, size=100.0, foreign_share=0.0)
    r.sp_domestic[[outsider, insider]] = (0.0, 0.8)
    r.alignment[[outsider, insider]] = (0.1, 0.9)
    income = model.population.income(Levers(government_contracting=1.0))
    assert income[insider] > income[outsider]
    assert income[outsider] == pytest.approx(100.0 * (1 + model.params.contracting_gain * 0.0))
    none = model.population.income(Levers(government_contracting=0.0))
    assert none[insider] == pytest.approx(none[outsider])


def test_support_adds_to_income():
    model = bare_model()
    plain, supported = pair(model, size=50.0, foreign_share=0.0)
    model.register.support[supported] = 20.0
    income = model.population.income(Levers())
    assert income[supported] == pytest.approx(income[plain] + 20.0)


# --- association and dissolution ---------------------------------------------------------------------------------


def test_only_grassroots_ngos_associate_and_only_when_the_lever_allows():
    model = bare_model(parameters={"association_rate": 5.0})
    grassroots = add_rows(model, 400)
    gongos = add_rows(model, 400, kind=GONGO)
    model.population.associate(Levers(association=0.0))
    assert not model.register.associated.any()
    model.population.associate(Levers(association=1.0))
    assert model.register.associated[grassroots].sum() > 100
    assert not model.register.associated[gongos].any()


def test_the_re_registration_campaign_raises_gongo_dissolution_only_while_it_lasts():
    model = bare_model(parameters={"reregistration_dissolution": 0.2})
    p = model.params
    pop = model.population
    start = p.pneu_registration_from
    assert pop.reregistration_hazard(start - 1.0) == 0.0
    assert pop.reregistration_hazard(start + p.reregistration_years / 2) == p.reregistration_dissolution > 0
    assert pop.reregistration_hazard(start + p.reregistration_years + 0.01) == 0.0


def test_underfunded_organisations_dissolve_faster():
    model = bare_model(parameters={"dissolution_grassroots": 0.5, "dissolution_underfunded": 3.0})
    running_cost = model.params.wage * model.params.min_staff
    poor = add_rows(model, 2000, resources=0.05 * running_cost)
    paid = add_rows(model, 2000, resources=3.0 * running_cost)
    model.population.staff_and_learn()
    gone = model.population.dissolve(2010.0, Levers())
    poor_share = np.isin(poor, gone).mean()
    paid_share = np.isin(paid, gone).mean()
    assert paid_share > 0.05  # expected about 0.12 a quarter
    assert poor_share > 2 * paid_share  # expected about 0.37
    assert not model.register.alive[gone].any()


def test_organisations_with_a_standing_presence_abroad_dissolve_at_their_own_multiple():
    for multiple in (0.0, 1.0):
        model = bare_model(parameters={"dissolution_grassroots": 0.5, "dissolution_abroad": multiple})
        home = add_rows(model, 2000)
        abroad = add_rows(model, 2000)
        model.register.stage[abroad] = INTERNATIONALISED
        model.population.staff_and_learn()
        gone = model.population.dissolve(2010.0, Levers())
        home_share, abroad_share = np.isin(home, gone).mean(), np.isin(abroad, gone).mean()
        assert home_share > 0.05
        if multiple == 0.0:
            assert abroad_share == 0.0
        else:
            assert abroad_share == pytest.approx(home_share, abs=0.04)


def test_a_linear_ramp_runs_from_zero_to_one_and_one_of_no_length_is_a_step():
    assert [ramp(t, 4.0) for t in (-1.0, 0.0, 1.0, 4.0, 9.0)] == [0.0, 0.0, 0.25, 1.0, 1.0]
    assert [ramp(t, 0.0) for t in (-0.1, 0.0, 0.1)] == [0.0, 1.0, 1.0]


def test_national_access_rises_from_its_1995_level_to_one_after_resolution_1996_31():
    parameters = {"national_access_1995": 0.2, "national_access_ramp": 4.0}
    model = NGOModel(scenario_with(end=dt.date(2010, 12, 31), parameters=parameters), seed=1, scale=0.002)
    committee = model.committee
    assert committee.resolution_year == pytest.approx(1996.56, abs=0.01)
    levels = {}
    for day in ("1995-01-01", "1996-04-01", "1998-07-01", "2000-10-01", "2010-01-01"):
        model.steps = model.calendar.step_of(dt.date.fromisoformat(day)) + 1  # the step holding the day
        levels[day] = committee.national_access()
    assert levels["1995-01-01"] == levels["1996-04-01"] == pytest.approx(0.2)
    model.steps = model.calendar.step_of(dt.date(1998, 7, 1)) + 1
    assert levels["1998-07-01"] == pytest.approx(0.2 + 0.8 * (model.year - committee.resolution_year) / 4.0)
    assert 0.2 < levels["1998-07-01"] < 1.0
    assert levels["2000-10-01"] == levels["2010-01-01"] == 1.0
    defaults = Parameters()  # at the defaults access is always full
    at_defaults = {
        "national_access_1995": defaults.national_access_1995,
        "national_access_ramp": defaults.national_access_ramp,
    }
    at_start = bare_model(parameters=at_defaults).committee  # 1995: the take-up before resolution 1996/31
    assert at_start.national_access() == pytest.approx(defaults.national_access_1995)


# --- the state: risk, objections, trust (A) ------------------------------------------------------------------------


def agent_in(model, domain: str, kind=GrassrootsAgent, critic=False, specialist=False):
    (row,) = add_rows(model, 1, kind=kind.kind, domain=DOMAINS.code(domain))
    model.register.critic[row] = critic
    model.register.specialist[row] = specialist
    return kind(model, int(row))


def test_sensitivity_and_a_critic_stance_raise_perceived_risk_and_objection_chance():
    model = bare_model(Levers(accreditation_veto=0.5))
    gov = model.government
    gov.trust = 0.3
    calm = agent_in(model, "poverty_relief")
    sensitive = agent_in(model, "legal_rights")
    critic = agent_in(model, "poverty_relief", critic=True)
    specialist = agent_in(model, "environment", specialist=True)
    generalist = agent_in(model, "environment")
    assert gov.perceived_risk(sensitive) > gov.perceived_risk(calm)
    assert gov.perceived_risk(critic) > gov.perceived_risk(calm)
    assert gov.perceived_risk(specialist) < gov.perceived_risk(generalist)
    assert gov.objection_chance(sensitive) > gov.objection_chance(calm)
    assert gov.objection_chance(critic) > gov.objection_chance(calm)
    assert gov.objection_chance(specialist) < gov.objection_chance(generalist)


def test_more_trust_means_a_lower_objection_chance_for_grassroots_ngos_only():
    model = bare_model(Levers(accreditation_veto=0.5))
    gov = model.government
    grassroots = agent_in(model, "environment")
    gongo = agent_in(model, "environment", kind=GongoAgent)
    chances = {}
    for trust in (0.1, 0.6):
        gov.trust = trust
        chances[trust] = (gov.objection_chance(grassroots), gov.objection_chance(gongo))
    assert chances[0.6][0] < chances[0.1][0]
    assert chances[0.6][1] == chances[0.1][1]  # the state's trust is in G-R NGOs


def test_objection_chance_is_zero_without_veto_and_one_for_every_grassroots_ngo_at_full_veto():
    model = bare_model()
    gov = model.government
    agents = [
        agent_in(model, domain, critic=critic, specialist=specialist)
        for domain in DOMAINS.names
        for critic in (False, True)
        for specialist in (False, True)
    ]
    gongos = [agent_in(model, domain, kind=GongoAgent) for domain in DOMAINS.names]
    for trust in (0.0, 0.5, 1.0):
        gov.trust = trust
        gov.levers.accreditation_veto = 0.0
        assert all(gov.objection_chance(a) == 0.0 for a in agents + gongos)
        assert not any(gov.objects_to(a) for a in agents + gongos)
        gov.levers.accreditation_veto = 1.0
        for agent in agents:
            assert gov.objection_chance(agent) == pytest.approx(1.0, abs=1e-12)
            assert gov.objects_to(agent)
        # GONGOs draw objections only in proportion to the little risk the state sees in them
        for gongo in gongos:
            assert gov.objection_chance(gongo) == pytest.approx(gov.perceived_risk(gongo))
            assert gov.objection_chance(gongo) <= model.params.distrust_gongo


def test_objection_chance_of_the_gongo_population_is_small_at_full_veto():
    model = bare_model(Levers(accreditation_veto=1.0))
    gov = model.government
    rows = np.flatnonzero(model.register.view("kind") == GONGO)[:300]
    assert len(rows) >= 100
    chances = [gov.objection_chance(GongoAgent(model, int(row))) for row in rows]
    assert np.mean(chances) < 0.2


def test_co_creative_acts_raise_trust_and_acts_read_as_trouble_lower_it():
    params = {"trouble_cocreator": 0.0, "trouble_critic": 1.0}
    model = bare_model(parameters=params)
    gov = model.government
    cocreator = agent_in(model, "political")
    critic = agent_in(model, "political", critic=True)
    gongo = agent_in(model, "political", kind=GongoAgent)

    start = gov.trust
    assert start == model.params.init_trust
    for _ in range(20):
        gov.observe(cocreator, "presence_abroad")
    gov.learn()
    assert gov.trust > start
    assert gov.cocreative_evidence == pytest.approx(20 * model.params.signal_presence)

    raised = gov.trust
    for _ in range(40):
        gov.observe(critic, "presence_abroad", on_un_platform=False)
    gov.learn()
    assert gov.trouble_evidence > 30 * model.params.signal_presence  # read as trouble 95% of the time
    assert gov.trust < raised

    lowered = gov.trust
    evidence = (gov.cocreative_evidence, gov.trouble_evidence)
    for _ in range(20):
        gov.observe(gongo, "un_event")  # the state reads only what G-R NGOs do
    assert gov._seen == [0.0, 0.0]
    gov.learn()
    assert gov.trust > lowered  # with nothing new, old acts weigh less and trust drifts back to its prior
    assert gov.trouble_evidence < evidence[1]


def test_acts_on_the_un_platform_are_read_as_trouble_less_often():
    model = bare_model(parameters={"trouble_critic": 1.0, "un_platform_ease": 0.5})
    gov = model.government
    critic = agent_in(model, "political", critic=True)
    counts = {}
    for on_platform in (True, False):
        gov._seen = [0.0, 0.0]
        for _ in range(400):
            gov.observe(critic, "presence_abroad", on_un_platform=on_platform)
        counts[on_platform] = gov._seen[1] / model.params.signal_presence
    # expected about 190 on the platform, 380 off it
    assert counts[True] < counts[False] - 100


def test_critics_in_sensitive_domains_are_read_as_trouble_more_often():
    model = bare_model()
    gov = model.government
    counts = {}
    for name, agent in (
        ("cocreator", agent_in(model, "education")),
        ("critic", agent_in(model, "legal_rights", critic=True)),
    ):
        gov._seen = [0.0, 0.0]
        for step in range(300):  # an act is read once a step: its number is keyed to the step (ODD 4.9)
            model.draws.begin_step(step)
            gov.observe(agent, "presence_abroad")
        counts[name] = gov._seen[1]
    assert counts["critic"] > 3 * max(counts["cocreator"], 10)


# --- support (A, B) ------------------------------------------------------------------------------------------------


def test_support_goes_where_targeting_reaches():
    model = bare_model(Levers(public_diplomacy_support=1.0))
    gov = model.government
    gongo = model.go_abroad(int(add_rows(model, 1, kind=GONGO)[0]))
    grassroots = model.go_abroad(int(add_rows(model, 1)[0]))
    foundation = model.go_abroad(int(add_rows(model, 1, kind=FOUNDATION)[0]))
    agents = [gongo, grassroots, foundation]
    rows = np.array([a.row for a in agents])
    grants = model.params.pd_budget * model.scale * (1 - model.params.pd_exchange_share)
    r = model.register

    gov.levers.pd_targeting = "gongo_only"
    gov.allocate_support(rows)
    assert r.support[gongo.row] == pytest.approx(grants)
    assert r.support[grassroots.row] == r.support[foundation.row] == 0

    gov.levers.pd_targeting = "inclusive"
    gov.allocate_support(rows)
    assert r.support[[a.row for a in agents]] == pytest.approx([grants / 3] * 3)  # diluted three ways

    gov.levers.pd_targeting = "merit"
    r.sp_domestic[[a.row for a in agents]] = 0.5
    r.alignment[[a.row for a in agents]] = 0.5
    gov.trust = 0.2
    low = gov.support_reach(np.array([grassroots.row, gongo.row]))
    gov.trust = 0.8
    high = gov.support_reach(np.array([grassroots.row, gongo.row]))
    assert high[0] > low[0]  # merit for a G-R NGO is weighted by the state's trust
    assert high[1] == low[1]


def test_an_organisation_back_at_home_no_longer_receives_support():
    model = bare_model(Levers(public_diplomacy_support=1.0, pd_targeting="inclusive"))
    stays = model.go_abroad(int(add_rows(model, 1)[0]))
    returns = model.go_abroad(int(add_rows(model, 1)[0]))
    model.government.allocate_support(model.abroad_rows())
    assert model.register.support[returns.row] > 0
    returns.stage = DOMESTIC
    model.retire(returns)
    model.government.allocate_support(model.abroad_rows())
    assert model.register.support[stays.row] > 0
    assert model.register.support[returns.row] == 0.0


# --- abroad: capacity, soft power, the UN --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, low, high",
    [("resources", 5.0, 300.0), ("sp_international", 0.0, 0.6), ("un_experience", 0.0, 0.8)],
)
def test_capacity_rises_with_resources_soft_power_and_experience(column, low, high):
    model = bare_model()
    a, b = (GrassrootsAgent(model, int(row)) for row in add_rows(model, 2))
    getattr(model.register, column)[[a.row, b.row]] = (low, high)
    assert 0 < a.capacity() < b.capacity() < 1


def test_a_coalition_and_a_borrowed_platform_raise_a_grassroots_ngos_capacity():
    model = bare_model()
    lonely, member, partner = (GrassrootsAgent(model, int(row)) for row in add_rows(model, 3, expertise=0.8))
    base = lonely.capacity()
    cid = model.coalitions.join(member)
    assert model.coalitions.strength(cid) == 0.0  # one member lends nothing
    assert model.coalitions.join(partner) == cid
    assert model.coalitions.strength(cid) > 0
    assert member.capacity() > base

    borrower = GrassrootsAgent(model, int(add_rows(model, 1)[0]))
    host = GongoAgent(model, int(add_rows(model, 1, kind=GONGO)[0]))
    model.register.un_experience[host.row] = 0.9
    before = borrower.capacity()
    borrower.host = host
    assert borrower.capacity() > before


def test_coalitions_form_within_a_domain_and_stay_small():
    model = bare_model()
    MAX_MEMBERS = int(model.params.coalition_max_members)
    agents = [GrassrootsAgent(model, int(row)) for row in add_rows(model, MAX_MEMBERS + 1)]
    ids = [model.coalitions.join(a) for a in agents]
    assert ids[:MAX_MEMBERS] == [ids[0]] * MAX_MEMBERS
    assert ids[MAX_MEMBERS] != ids[0]  # a full coalition takes no one else
    other = GrassrootsAgent(model, int(add_rows(model, 1, domain=DOMAINS.code("environment"))[0]))
    assert model.coalitions.join(other) not in ids


def test_misalignment_and_a_gongos_credibility_lower_soft_power_gains_abroad():
    model = bare_model()
    aligned, misaligned = (GrassrootsAgent(model, int(row)) for row in add_rows(model, 2))
    gongo = GongoAgent(model, int(add_rows(model, 1, kind=GONGO)[0]))
    r = model.register
    r.alignment[[aligned.row, misaligned.row, gongo.row]] = (0.9, 0.1, 0.9)
    for agent in (aligned, misaligned, gongo):
        agent.gain_soft_power(0.1)
    assert r.sp_international[aligned.row] > r.sp_international[misaligned.row] > 0
    assert r.sp_international[aligned.row] > r.sp_international[gongo.row] > 0


def test_a_upr_submission_raises_international_soft_power_and_experience():
    model = bare_model()
    agent = GrassrootsAgent(model, int(add_rows(model, 1, alignment=0.8)[0]))
    r = model.register
    before_sp, before_exp = float(r.sp_international[agent.row]), float(r.un_experience[agent.row])
    model.hrc.submit([agent])
    assert r.sp_international[agent.row] > before_sp
    assert r.un_experience[agent.row] > before_exp
    assert agent.upr_submissions == 1
    assert model.hrc.submissions[GRASSROOTS] == 1 and model.hrc.review_counts["grassroots"] == 1
    assert (model.event_log()["event"] == "upr_submission").sum() == 1


def test_better_applications_are_recommended_more_often():
    model = bare_model()
    committee = model.committee
    qualities = np.linspace(-0.5, 0.5, 11)
    shares = np.array([committee.outcome_shares(q) for q in qualities])
    assert shares.sum(axis=1) == pytest.approx(np.ones(len(qualities)))
    assert (shares >= 0).all()
    assert (np.diff(shares[:, 0]) > 0).all()  # recommended
    assert (np.diff(shares[:, 2]) < 0).all()  # closed
    assert shares[5] == pytest.approx(
        [
            model.params.session_recommended,
            1 - model.params.session_recommended - model.params.session_closed,
            model.params.session_closed,
        ]
    )


@pytest.mark.parametrize(
    "column, low, high", [("sp_international", 0.0, 0.7), ("expertise", 0.1, 0.9), ("specialist", False, True)]
)
def test_soft_power_expertise_and_specialising_raise_application_quality(column, low, high):
    model = bare_model()
    a, b = (GrassrootsAgent(model, int(row)) for row in add_rows(model, 2))
    getattr(model.register, column)[[a.row, b.row]] = (low, high)
    assert model.committee.quality(b) > model.committee.quality(a)


def test_upr_reviews_are_the_real_ones_then_every_cycle():
    model = bare_model()
    reviews = model.hrc.review_dates(4.5, dt.date(2040, 1, 1))
    reviews = [getattr(r, "date", r) for r in reviews]
    assert [d.isoformat() for d in reviews[:4]] == ["2009-02-09", "2013-10-22", "2018-11-06", "2024-01-23"]
    assert len(reviews) == 7 and reviews[-1] <= dt.date(2040, 1, 1)
    gaps = [(b.year - a.year) * 12 + b.month - a.month for a, b in itertools.pairwise(reviews[3:])]
    assert gaps == [54, 54, 54]


# --- the accreditation pipeline (A; un_process_facts.csv) ------------------------------------------------------


def applicant(model, domain="education", critic=False, capacity=0.5):
    from sim.model.un import Application

    agent = agent_in(model, domain, critic=critic)
    model.abroad[agent.row] = agent
    agent.stage = APPLICANT
    agent.capacity_now = capacity
    return agent, Application(agent, submitted=-1)


def test_the_ngo_branch_returns_incomplete_applications_of_weak_organisations():
    model = bare_model(parameters={"screening_return": 1.0})
    committee = model.committee
    (weak, weak_app), (strong, strong_app) = applicant(model, capacity=0.0), applicant(model, capacity=1.0)
    committee.screening = [weak_app, strong_app]
    committee.screen()
    assert committee.docket == [strong_app]
    assert weak.stage == INTERNATIONALISED and strong.stage == APPLICANT
    assert weak.may_apply_from == model.now + int(model.params.reapply_years * 4)
    assert committee.flows[("returned", GRASSROOTS)] == 1


def test_under_full_veto_a_grassroots_applicant_is_deferred_until_it_withdraws():
    model = bare_model(Levers(accreditation_veto=1.0))
    committee = model.committee
    agent, app = applicant(model, capacity=1.0)
    committee.docket = [app]
    patience = int(model.params.patience_sessions)
    for session in range(patience):
        assert committee.docket == [app]
        committee.session("regular")
        assert agent.objections == session + 1
    assert committee.docket == [] and committee.recommended == []
    assert agent.stage == INTERNATIONALISED
    events = model.event_log()["event"].tolist()
    assert events.count("objection") == patience and events[-1] == "withdrawal"
    assert "recommended" not in events


def test_without_veto_an_applicant_meets_no_objection():
    model = bare_model(Levers(accreditation_veto=0.0))
    committee = model.committee
    apps = [applicant(model, domain="political", critic=True)[1] for _ in range(30)]
    committee.docket = list(apps)
    committee.session("regular")
    assert sum(a.agent.objections for a in apps) == 0
    assert len(committee.recommended) > 0


@pytest.mark.parametrize("learning, still_critic", [(1.0, False), (0.0, True)])
def test_an_objection_can_turn_a_critic_into_a_co_creator(learning, still_critic):
    model = bare_model(Levers(accreditation_veto=1.0), parameters={"strategy_learning": learning})
    agent, app = applicant(model, critic=True)
    model.committee.docket = [app]
    model.committee.session("resumed")
    assert agent.objections == 1
    assert bool(model.register.critic[agent.row]) == still_critic


def test_ecosoc_grants_status_to_those_recommended():
    model = bare_model()
    committee = model.committee
    agent, app = applicant(model)
    committee.recommended = [app]
    committee.ecosoc_decides()
    assert agent.stage == CONSULTATIVE and agent.status_step == model.now
    assert model.register.category[agent.row] in (GENERAL, SPECIAL, ROSTER)
    assert agent in committee.holders
    assert committee.recommended == []


@pytest.mark.parametrize("capacity, suspended", [(0.0, True), (1.0, False)])
def test_holders_that_miss_their_quadrennial_report_are_suspended(capacity, suspended):
    model = bare_model(parameters={"report_failure": 1.0})
    committee = model.committee
    agent, app = applicant(model, capacity=capacity)
    committee.recommended = [app]
    committee.ecosoc_decides()
    agent.status_step = model.now - 16  # four years ago: its report is due
    committee.review_reports()
    assert (agent.stage == INTERNATIONALISED) == suspended
    assert (model.register.category[agent.row] == NO_CATEGORY) == suspended
    assert (agent in committee.holders) != suspended


def test_status_holders_attend_more_un_events():
    model = bare_model(Levers(un_outreach=0.0), parameters={"channel_slots": 1e6})
    holders, others = [], []
    for group, category in ((holders, GENERAL), (others, NO_CATEGORY)):
        for row in add_rows(model, 150):
            agent = model.go_abroad(int(row))
            agent.capacity_now = 1.0
            model.register.category[agent.row] = category
            group.append(agent)
    for _ in range(6):
        model.channels.step()
    attended = {
        name: sum(a.events_attended for a in group) for name, group in (("holders", holders), ("others", others))
    }
    # expected about 280 and 150 (yearly rate 0.6 for others, twice that with status access)
    assert attended["holders"] > 1.4 * attended["others"] > 0


def test_un_events_raise_experience_and_international_soft_power():
    model = bare_model(parameters={"channel_participation": 10.0, "channel_slots": 1e9})
    agent = model.go_abroad(int(add_rows(model, 1, alignment=0.9)[0]))
    agent.capacity_now = 1.0
    model.channels.step()
    assert agent.events_attended == 1
    assert model.register.un_experience[agent.row] > 0 and model.register.sp_international[agent.row] > 0


def test_ohchr_training_raises_experience_more_with_un_outreach():
    gained = {}
    for outreach in (0.0, 1.0):
        model = bare_model(Levers(un_outreach=outreach))
        agent = model.go_abroad(int(add_rows(model, 1)[0]))
        model.hrc.train()
        gained[outreach] = float(model.register.un_experience[agent.row])
    assert gained[1.0] > gained[0.0] > 0


def test_ohchr_training_reaches_the_organisations_that_decide_their_own_upr_reports_not_gongos():
    model = bare_model()
    trained = {kind: model.go_abroad(int(add_rows(model, 1, kind=kind)[0])) for kind in (GONGO, GRASSROOTS, FOUNDATION)}
    model.hrc.train()
    experience = {kind: float(model.register.un_experience[agent.row]) for kind, agent in trained.items()}
    assert experience[GONGO] == 0.0
    assert experience[GRASSROOTS] == experience[FOUNDATION] == pytest.approx(model.params.training_experience)


def test_the_1998_backlog_registers_faster_as_the_campaign_goes_on():
    model = bare_model(parameters={"pneu_backlog_delay": 0.8})
    p, pop = model.params, model.population
    start = p.pneu_registration_from + p.pneu_backlog_delay
    assert pop.backlog_hazard(start - 0.01) == 0.0 < pop.backlog_hazard(start + 0.1)
    years = np.linspace(start - 1, start + p.pneu_ramp_years + 1, 30)
    hazards = [pop.backlog_hazard(y) for y in years]
    assert hazards[0] == 0.0 and hazards[-1] == pytest.approx(p.pneu_backlog_rate)
    assert (np.diff(hazards) >= 0).all()


def test_each_spell_abroad_is_one_row_of_the_organisations_table():
    model = bare_model()
    row = int(add_rows(model, 1)[0])
    first = model.go_abroad(row)
    first.stage = DOMESTIC
    model.retire(first)
    model.go_abroad(row)
    table = model.organisations_table()
    mine = table[table["org_id"] == row]
    assert mine["spell"].tolist() == [1, 2]
    assert mine["still_abroad"].tolist() == [False, True]
    assert mine["left_date"].iloc[0] is not None and mine["left_date"].iloc[1] is None


def test_political_space_multiplies_the_engagement_hazard_of_grassroots_ngos_only():
    model = bare_model()
    gongo = add_rows(model, 1, kind=GONGO)
    grassroots = add_rows(model, 1)
    rows = np.concatenate([gongo, grassroots])
    narrow = model.population.engagement_hazard(rows, Levers(), 1.0, 0.5)
    wide = model.population.engagement_hazard(rows, Levers(), 1.0, 2.0)
    assert wide[0] == pytest.approx(narrow[0])  # a GONGO's own hazard, whatever the space
    assert wide[1] == pytest.approx(4 * narrow[1]) and narrow[1] > 0


def test_objections_narrow_and_support_that_reaches_them_widens_grassroots_ngos_space():
    model = bare_model()
    gov = model.government
    gov.trust = 0.2
    space = {}
    for veto, targeting in ((0.0, "gongo_only"), (1.0, "gongo_only"), (0.0, "inclusive"), (1.0, "inclusive")):
        gov.levers = Levers(accreditation_veto=veto, public_diplomacy_support=1.0, pd_targeting=targeting)
        space[(veto, targeting)] = gov.grassroots_space()
    assert space[(0.0, "gongo_only")] == 1.0
    assert space[(1.0, "gongo_only")] == pytest.approx(1.0 - model.params.veto_chill * 0.8)
    assert space[(0.0, "inclusive")] == pytest.approx(1.0 + model.params.pd_signal_effect)
    assert space[(1.0, "inclusive")] < space[(0.0, "inclusive")]
    # the chill weighs as far as the state distrusts them
    gov.levers = Levers(accreditation_veto=1.0)
    gov.trust = 1.0
    assert gov.grassroots_space() == 1.0


def test_sponsored_first_steps_are_finite_and_go_where_targeting_reaches():
    model = bare_model(parameters={"readiness_intercept": 5.0})  # everyone ready: chosen by reach alone
    add_rows(model, 500, kind=GONGO)
    add_rows(model, 500)
    pop = model.population
    chosen = {}
    for targeting in ("gongo_only", "inclusive"):

        def reach(rows, t=targeting):
            return np.ones(len(rows)) if t == "inclusive" else (model.register.kind[rows] == GONGO).astype(float)

        chosen[targeting] = pop.sponsor(200.0 / pop.dt, reach, np.zeros(0, np.int64))  # about 200 this step
    for rows in chosen.values():
        assert 150 < len(rows) < 250 and len(set(rows.tolist())) == len(rows)
        assert (model.register.stage[rows] == DOMESTIC).all()
    assert (model.register.kind[chosen["gongo_only"]] == GONGO).all()
    assert (model.register.kind[chosen["inclusive"]] == GRASSROOTS).sum() > 50  # as many places, shared wider
    assert len(pop.sponsor(0.0, lambda rows: np.ones(len(rows)), np.zeros(0, np.int64))) == 0
    taken = chosen["inclusive"]
    again = pop.sponsor(200.0 / pop.dt, lambda rows: np.ones(len(rows)), taken)
    assert not np.isin(again, taken).any()


def test_the_support_budget_is_finite_and_split_between_first_steps_and_grants():
    params = Parameters()
    levers = Levers(public_diplomacy_support=0.5)
    from sim.model.government import budget, sponsored_first_steps

    assert budget(params, levers, 0.1) == pytest.approx(0.5 * params.pd_budget * 0.1)
    assert sponsored_first_steps(params, levers, 1.0) == pytest.approx(
        0.5 * params.pd_budget * params.pd_exchange_share / params.pd_exchange_cost
    )
    assert sponsored_first_steps(params, Levers(), 1.0) == 0.0


def test_a_campaign_against_inactive_organisations_dissolves_underfunded_ones_faster():
    shares = {}
    for enforcement in (0.0, 1.0):
        model = bare_model(parameters={"dissolution_grassroots": 0.3, "enforcement_inactive": 4.0})
        running_cost = model.params.wage * model.params.min_staff
        poor = add_rows(model, 3000, resources=0.05 * running_cost)
        model.population.staff_and_learn()
        gone = model.population.dissolve(2010.0, Levers(enforcement=enforcement))
        shares[enforcement] = np.isin(poor, gone).mean()
    assert shares[1.0] > 1.5 * shares[0.0] > 0  # expected about 0.29 against 0.11 a quarter


def test_a_campaign_against_illegal_organisations_shrinks_the_unregistered_pool():
    left = {}
    for enforcement in (0.0, 1.0):
        model = bare_model(parameters={"enforcement_unregistered": 1.0})
        before = model.population.pool.total
        model.population.found(0, 1996.0, Levers(enforcement=enforcement))
        left[enforcement] = model.population.pool.total / before
    assert left[1.0] < left[0.0] - 0.1  # a quarter at an extra yearly hazard of 1 loses about a fifth


def test_founding_grows_until_trends_until_and_holds_its_level_after():
    rates = {}
    for year in (2010.0, 2016.0, 2030.0):
        model = bare_model(parameters={"founding_gongo": 4e5, "founding_gongo_growth": 0.1, "trends_until": 2016.0})
        counts = [int(model.population.found(0, year, Levers())[GONGO]) for _ in range(20)]
        rates[year] = np.mean(counts)
    assert rates[2016.0] > 1.5 * rates[2010.0]  # e^0.6 = 1.8 times
    assert rates[2030.0] == pytest.approx(rates[2016.0], rel=0.05)


def test_the_state_seldom_objects_to_its_own_gongos_even_in_sensitive_domains():
    model = bare_model(Levers(accreditation_veto=1.0))
    gov = model.government
    for domain in ("religious", "political", "legal_rights"):
        gongo = agent_in(model, domain, kind=GongoAgent)
        grassroots = agent_in(model, domain)
        assert gov.objection_chance(gongo) <= model.params.distrust_gongo
        assert gov.objection_chance(grassroots) == pytest.approx(1.0)


def test_a_gongos_platform_vouches_for_the_grassroots_ngo_that_borrows_it():
    model = bare_model(Levers(accreditation_veto=0.5))
    gov = model.government
    alone = agent_in(model, "legal_rights", specialist=True)
    borrower = agent_in(model, "legal_rights", specialist=True)
    host = model.go_abroad(int(add_rows(model, 1, kind=GONGO, domain=DOMAINS.code("legal_rights"))[0]))
    borrower.host = host
    assert borrower.vouched_for() and not alone.vouched_for()
    assert gov.perceived_risk(borrower) == pytest.approx(gov.perceived_risk(alone) * (1 - model.params.platform_vouch))
    assert gov.objection_chance(borrower) < gov.objection_chance(alone)
    host.active = False  # a host that went home vouches for nobody
    assert gov.perceived_risk(borrower) == pytest.approx(gov.perceived_risk(alone))


def test_a_shadow_report_tells_the_state_more_than_an_attended_side_event():
    moved = {}
    for act in ("un_event", "upr_submission"):
        model = bare_model(parameters={"trouble_cocreator": 1.0, "trouble_critic": 1.0})
        gov = model.government
        agent = agent_in(model, "political")
        for _ in range(10):
            gov.observe(agent, act, on_un_platform=False)
        gov.learn()
        moved[act] = model.params.init_trust - gov.trust
    assert moved["upr_submission"] > 3 * moved["un_event"] > 0


def test_trust_forgets_old_acts_over_its_memory():
    model = bare_model(parameters={"trouble_cocreator": 0.0, "trust_memory": 2.0})
    gov = model.government
    agent = agent_in(model, "education")
    for _ in range(50):
        gov.observe(agent, "presence_abroad")
    gov.learn()
    high = gov.trust
    for _ in range(8):  # two years with nothing seen: the evidence falls to 1/e of what it was
        gov.learn()
    assert gov.cocreative_evidence == pytest.approx(50 * np.exp(-1.0), rel=1e-9)
    assert model.params.init_trust < gov.trust < high


def test_a_coalitions_members_send_one_joint_report():
    # a propensity of 20 at full experience: each reports at chance 1 - exp(-20), in effect surely
    model = bare_model(parameters={"upr_grassroots": 20.0, "upr_foreign_2009": 0.0})
    members = [model.go_abroad(int(row)) for row in add_rows(model, 3, un_experience=1.0)]
    for agent in members:
        model.coalitions.join(agent)
    alone = model.go_abroad(int(add_rows(model, 1, un_experience=1.0, domain=DOMAINS.code("environment"))[0]))
    review = model.hrc.reviews[0]
    model.hrc.gather_submissions(review._replace(state_mobilises=False))
    assert model.hrc.review_counts["grassroots"] == 2  # one joint report and one of its own
    assert [a.upr_submissions for a in [*members, alone]] == [1, 1, 1, 1]


def test_the_state_mobilises_a_campaign_of_gongos_for_a_review():
    model = bare_model(parameters={"upr_campaign_gongos": 5.0, "upr_foreign_2009": 0.0, "upr_grassroots": 0.0})
    gongos = [model.go_abroad(int(row)) for row in add_rows(model, 40, kind=GONGO, un_experience=0.5)]
    review = model.hrc.reviews[0]
    model.hrc.gather_submissions(review._replace(state_mobilises=False))
    assert sum(model.hrc.review_counts.values()) == 0  # GONGOs do not send reports of their own accord
    thinned = []
    for _ in range(20):
        model.hrc.review_counts.clear()
        model.hrc.gather_submissions(review)
        thinned.append(model.hrc.review_counts["gongo"])
    assert all(count <= 5 for count in thinned)  # the campaign's size, thinned by the scale
    assert review.state_mobilises and sum(a.upr_submissions for a in gongos) == sum(thinned)


def test_reports_from_outside_the_mainland_grow_until_trends_until():
    model = bare_model(parameters={"upr_foreign_growth": 0.1, "trends_until": 2016.0})
    hrc = model.hrc
    assert hrc.foreign_reports(dt.date(2009, 2, 9)) == pytest.approx(model.params.upr_foreign_2009)
    assert hrc.foreign_reports(dt.date(2013, 10, 22)) == pytest.approx(
        model.params.upr_foreign_2009 * np.exp(0.47), rel=0.01
    )
    assert hrc.foreign_reports(dt.date(2030, 1, 1)) == pytest.approx(hrc.foreign_reports(dt.date(2016, 1, 1)), rel=0.01)


def test_members_questions_defer_applicants_in_sensitive_domains_more_often():
    model = bare_model()
    committee = model.committee
    calm, sensitive = committee.outcome_shares(0.0, 0.1), committee.outcome_shares(0.0, 0.9)
    assert sensitive[0] < calm[0] and sensitive[1] > calm[1]
    assert committee.outcome_shares(0.0, 0.0) == pytest.approx(committee.outcome_shares(0.0))


def test_status_category_follows_size_specialisation_and_quality():
    model = bare_model()
    big, specialist, small, weak = (GrassrootsAgent(model, int(row)) for row in add_rows(model, 4, expertise=0.6))
    r = model.register
    r.resources[big.row] = 2 * model.params.general_income
    r.resources[[specialist.row, small.row, weak.row]] = 20.0
    r.specialist[specialist.row] = True
    r.expertise[weak.row], r.critic[weak.row] = 0.0, True
    cats = [CATEGORIES[model.committee.category(a)] for a in (big, specialist, small, weak)]
    assert cats == [CATEGORIES[GENERAL], CATEGORIES[SPECIAL], CATEGORIES[SPECIAL], CATEGORIES[ROSTER]]
    r.specialist[big.row] = True  # a large specialist covers a few fields: special
    assert model.committee.category(big) == SPECIAL


def test_a_co_creator_makes_a_better_application_than_a_critic():
    model = bare_model()
    cocreator, critic = (GrassrootsAgent(model, int(row)) for row in add_rows(model, 2))
    model.register.critic[critic.row] = True
    assert model.committee.quality(cocreator) == pytest.approx(model.committee.quality(critic) + 0.25)


def test_un_channels_have_room_for_a_limited_number_of_attendances():
    attended = {}
    for slots in (1e6, 1.0):
        model = bare_model(Levers(un_outreach=0.0), parameters={"channel_slots": slots / 0.002})  # scale 0.002
        agents = [model.go_abroad(int(row)) for row in add_rows(model, 300)]
        for agent in agents:
            agent.capacity_now = 1.0
        for _ in range(4):
            model.channels.step()
        attended[slots] = sum(a.events_attended for a in agents)
    # a year at rate 0.6 for 300 organisations is about 160 attendances; with room for one a year, about one
    assert attended[1e6] > 100 and attended[1.0] < 10


def test_the_state_mobilises_gongos_for_the_real_reviews_and_the_projected_ones():
    model = NGOModel(scenario_with(end=dt.date(2030, 12, 31)), seed=1, scale=0.002)
    entries = {model.calendar.step_start(step).year: e for step, e in model.hrc.submission_steps.items()}
    assert entries[2008].state_mobilises  # reports for the February 2009 review were due in 2008 (A)
    assert all(e.state_mobilises for e in entries.values())  # later ones: an assumption (un_calendar.csv)
    gongo = GongoAgent(model, int(add_rows(model, 1, kind=GONGO)[0]))
    grassroots = GrassrootsAgent(model, int(add_rows(model, 1)[0]))
    assert gongo.upr_propensity() == 0.0 < grassroots.upr_propensity() == model.params.upr_grassroots


def test_capacity_and_a_borrowed_platform_raise_ecosoc_applications():
    def applications(resources: float, borrow: bool) -> int:
        model = bare_model(parameters={"apply_grassroots": 1.0, "national_access_1995": 1.0})
        host = model.go_abroad(int(add_rows(model, 1, kind=GONGO, un_experience=1.0)[0]))
        host.stage = INTERNATIONALISED
        rows = add_rows(model, 3000, resources=resources, un_experience=0.1)
        agents = [GrassrootsAgent(model, int(row)) for row in rows]
        for agent in agents:
            agent.stage = INTERNATIONALISED
            agent.host = host if borrow else None
        act_abroad(model, agents)
        return sum(agent.stage == APPLICANT for agent in agents)

    poor, rich, borrowing = applications(10.0, False), applications(1000.0, False), applications(10.0, True)
    assert rich > 1.5 * poor > 0  # public-diplomacy grants add to resources, hence to capacity
    assert borrowing > 2 * poor  # the host lends its UN experience
