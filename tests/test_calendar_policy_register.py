"""The calendar, policy events and the register: properties (hypothesis) and the timing of policy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import add_rows, bare_model, run_model, scenario_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.agents import AGENT_CLASSES
from sim.model.calendar import STEPS_PER_YEAR_ALLOWED, Calendar, add_months
from sim.model.domain import GRASSROOTS, KINDS, NUMERIC_LEVERS, PD_TARGETING, issue_domains
from sim.model.government import Government
from sim.model.policy import Levers, PolicyEvent
from sim.model.population import openness
from sim.model.register import COLUMNS, Register

FEW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOMAINS = issue_domains()

first_of_month = st.builds(
    lambda y, m: dt.date(y, m, 1), st.integers(min_value=1950, max_value=2050), st.integers(min_value=1, max_value=12)
)
any_date = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2080, 12, 31))
calendars = st.builds(
    lambda start, years, spy: Calendar(start, dt.date(start.year + years, 12, 31), spy),
    first_of_month,
    st.integers(min_value=1, max_value=40),
    st.sampled_from(STEPS_PER_YEAR_ALLOWED),
)


# --- calendar -----------------------------------------------------------------------------------------------


@FEW
@given(calendars, st.integers(min_value=-50, max_value=500))
def test_step_of_inverts_step_start(cal, step):
    assert cal.step_of(cal.step_start(step)) == step
    assert cal.step_of(cal.step_end(step)) == step
    assert cal.step_start(step + 1) - cal.step_end(step) == dt.timedelta(days=1)


@FEW
@given(calendars, any_date)
def test_every_day_falls_in_the_step_step_of_names(cal, day):
    step = cal.step_of(day)
    assert cal.step_start(step) <= day <= cal.step_end(step)


@FEW
@given(calendars)
def test_the_steps_cover_the_run_exactly(cal):
    n = cal.n_steps
    assert cal.step_start(0) == cal.start
    assert cal.step_start(n - 1) <= cal.end <= cal.step_end(n - 1)
    assert cal.contains(cal.start) and cal.contains(cal.end)
    assert not cal.contains(cal.start - dt.timedelta(days=1))
    if n >= cal.steps_per_year:  # each month of the year falls in exactly one step of a year
        for month in (1, 5, 7, 12):
            assert sum(cal.holds_month(s, month) for s in range(cal.steps_per_year)) == 1


@FEW
@given(first_of_month, st.integers(min_value=-600, max_value=600))
def test_add_months_moves_whole_months(day, months):
    moved = add_months(day, months)
    assert moved.day == 1
    assert (moved.year - day.year) * 12 + moved.month - day.month == months


def test_a_quarterly_run_1995_to_2024_has_120_steps():
    cal = Calendar(dt.date(1995, 1, 1), dt.date(2024, 12, 31), 4)
    assert cal.n_steps == 120
    assert cal.step_of(dt.date(2016, 1, 1)) == 84
    assert cal.step_end(0) == dt.date(1995, 3, 31)
    assert cal.year_of(84) == 2016.0


# --- policy events ---------------------------------------------------------------------------------------------


levers_strategy = st.builds(
    Levers,
    **{name: st.floats(min_value=0, max_value=1) for name in NUMERIC_LEVERS},
    pd_targeting=st.sampled_from(PD_TARGETING),
)


@FEW
@given(levers_strategy, st.sampled_from(NUMERIC_LEVERS), st.floats(min_value=-1, max_value=1))
def test_a_shift_keeps_a_lever_in_0_1(levers, lever, shift):
    old, new = PolicyEvent(dt.date(2000, 1, 1), lever, shift=shift).apply(levers)
    assert 0.0 <= new <= 1.0
    assert getattr(levers, lever) == new
    assert new == pytest.approx(min(1.0, max(0.0, old + shift)))


@FEW
@given(levers_strategy, st.sampled_from(DOMAINS.names), st.floats(min_value=-1, max_value=1))
def test_a_domain_shift_moves_only_that_domain(levers, domain, shift):
    general = levers.registration_easing
    old, new = PolicyEvent(dt.date(2000, 1, 1), "registration_easing", shift=shift, domain=domain).apply(levers)
    assert old == general
    assert 0.0 <= new <= 1.0
    easing = levers.registration_easing_for(DOMAINS.names)
    assert levers.registration_easing == general
    for name, value in zip(DOMAINS.names, easing, strict=True):
        assert value == (new if name == domain else general)


@FEW
@given(levers_strategy, st.sampled_from(NUMERIC_LEVERS), st.floats(min_value=0, max_value=1))
def test_a_set_event_sets_the_value(levers, lever, value):
    PolicyEvent(dt.date(2000, 1, 1), lever, value=value).apply(levers)
    assert getattr(levers, lever) == value


@FEW
@given(
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0.01, max_value=1),
)
def test_openness_is_monotone_in_easing_and_within_0_1(e1, e2, ramp):
    low, high = sorted((e1, e2))
    thresholds = DOMAINS.registration_threshold
    a = openness(np.full(len(thresholds), low), thresholds, ramp)
    b = openness(np.full(len(thresholds), high), thresholds, ramp)
    assert ((a >= 0) & (a <= b) & (b <= 1)).all()
    full = openness(np.ones(len(thresholds)), thresholds, ramp)
    assert (full == 1.0).all()


@FEW
@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_objection_chance_is_a_probability_rising_with_veto_and_falling_with_trust(veto1, veto2, trust):
    model = _model()
    gov = model.government
    low, high = sorted((veto1, veto2))
    gov.trust = trust
    for agent in _agents(model):
        gov.levers.accreditation_veto = low
        a = gov.objection_chance(agent)
        gov.levers.accreditation_veto = high
        b = gov.objection_chance(agent)
        assert 0.0 <= a <= b <= 1.0 + 1e-12
    gov.levers.accreditation_veto = high
    for agent in _agents(model):
        if agent.kind == GRASSROOTS:
            gov.trust = max(0.0, trust - 0.3)
            less = gov.objection_chance(agent)
            gov.trust = trust
            assert gov.objection_chance(agent) <= less + 1e-12


@FEW
@given(
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=50),
)
def test_trust_stays_within_0_1(cocreative_evidence, trouble_evidence, cocreative, trouble):
    model = _model()
    gov = model.government

    def learned(seen: list[float]) -> float:
        gov.cocreative_evidence, gov.trouble_evidence = cocreative_evidence, trouble_evidence
        gov._seen = seen
        gov.learn()
        return gov.trust

    unchanged = learned([0.0, 0.0])
    trust = learned([float(cocreative), float(trouble)])
    assert 0.0 <= unchanged <= 1.0 and 0.0 <= trust <= 1.0
    if cocreative and not trouble:
        assert trust >= unchanged
    if trouble and not cocreative:
        assert trust <= unchanged


_MODEL = {}


def _model():
    """One model on its start date, shared by the property tests (hypothesis re-runs a test many times)."""
    if "m" not in _MODEL:
        model = bare_model()
        agents = []
        for kind in range(len(KINDS)):
            for domain in ("poverty_relief", "environment", "legal_rights", "political"):
                for critic in (False, True):
                    (row,) = add_rows(
                        model, 1, kind=kind, domain=DOMAINS.code(domain), critic=critic and kind == GRASSROOTS
                    )
                    agents.append(AGENT_CLASSES[kind](model, int(row)))
        _MODEL["m"], _MODEL["agents"] = model, agents
    return _MODEL["m"]


def _agents(model):
    return _MODEL["agents"]


# --- the register ------------------------------------------------------------------------------------------------


batches = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=700),
        st.sampled_from(range(len(KINDS))),
        st.floats(min_value=0, max_value=1e4, width=32),
    ),
    min_size=1,
    max_size=8,
)


@FEW
@given(batches, st.integers(min_value=1, max_value=64))
def test_register_add_and_grow_keep_every_value(batches, capacity):
    register = Register(capacity=capacity)
    expected_kind, expected_size = [], []
    for count, kind, size in batches:
        rows = register.add(count, kind=kind, size=np.full(count, size, np.float32), domain=count % len(DOMAINS.names))
        assert list(rows) == list(range(len(expected_kind), len(expected_kind) + count))
        expected_kind += [kind] * count
        expected_size += [np.float32(size)] * count
        assert len(register) == len(expected_kind)
        assert list(register.view("kind")) == expected_kind
        assert list(register.view("size")) == expected_size
    # every other column holds its fill value
    for name, (_, fill) in COLUMNS.items():
        if name not in ("kind", "size", "domain"):
            assert (register.view(name) == fill).all(), name
    frame = register.frame()
    assert len(frame) == len(expected_kind)
    assert list(frame["kind"].astype(str)) == [KINDS[k] for k in expected_kind]


@FEW
@given(batches, st.data())
def test_register_counts_and_sums_by_kind_follow_dissolution(batches, data):
    register = Register(capacity=16)
    for count, kind, size in batches:
        register.add(count, kind=kind, resources=size)
    if len(register):
        gone = data.draw(st.lists(st.integers(min_value=0, max_value=len(register) - 1), max_size=50, unique=True))
        register.dissolve(np.array(gone, dtype=np.int64))
        register.dissolve(np.array(gone, dtype=np.int64))  # dissolving twice changes nothing more
        assert not register.view("alive")[gone].any()
    alive = register.view("alive")
    kinds = register.view("kind")
    expected = np.bincount(kinds[alive], minlength=len(KINDS))
    assert list(register.count_by_kind) == list(expected)
    sums = np.bincount(kinds[alive], weights=register.view("resources")[alive], minlength=len(KINDS))
    assert register.sums_by_kind("resources") == pytest.approx(sums, rel=1e-5)


def test_register_dissolving_a_row_named_twice_counts_it_once():
    register = Register()
    register.add(3, kind=GRASSROOTS, resources=1.0)
    register.dissolve(np.array([0, 0]))
    assert list(register.count_by_kind) == [0, 2, 0]
    assert register.sums_by_kind("resources")[GRASSROOTS] == pytest.approx(2.0)


def test_register_rejects_unknown_columns():
    with pytest.raises(KeyError, match="nosuch"):
        Register().add(1, nosuch=1.0)


# --- when a policy change acts ---------------------------------------------------------------------------------


def _policy_run(*events: PolicyEvent):
    return run_model(scenario_with(Levers(), end=dt.date(2001, 12, 31), events=events), 1, 0.005)


def test_a_policy_change_acts_from_its_own_quarter_on():
    ts = _policy_run(PolicyEvent(dt.date(2000, 4, 1), "accreditation_veto", value=0.5)).timeseries()
    assert ts.loc[ts["date"] >= "2000-06-30", "accreditation_veto"].eq(0.5).all()
    assert ts.loc[ts["date"] <= "1999-12-31", "accreditation_veto"].eq(0.0).all()


def test_a_policy_change_does_not_act_before_its_quarter():
    model = _policy_run(PolicyEvent(dt.date(2000, 4, 1), "accreditation_veto", value=0.5))
    ts = model.timeseries()
    # the quarter 2000-01-01..2000-03-31 is before the change
    assert ts.loc[ts["date"] == "2000-03-31", "accreditation_veto"].item() == 0.0
    changes = model.event_log().query("event == 'policy_change'")
    assert changes["date"].tolist() == ["2000-04-01"]


def test_a_policy_change_dated_on_the_start_date_is_applied():
    ts = _policy_run(PolicyEvent(dt.date(1995, 1, 1), "un_outreach", value=0.9)).timeseries()
    assert (ts["un_outreach"] == 0.9).all()


def test_the_government_schedules_each_event_at_its_own_step():
    model = bare_model()
    events = [
        PolicyEvent(dt.date(2000, 4, 1), "un_outreach", value=0.5),
        PolicyEvent(dt.date(1995, 2, 1), "association", value=1),
    ]
    gov = Government(model, Levers(), events)
    assert dict(gov.schedule) == {model.calendar.step_of(e.date): [e] for e in events}
    assert sorted(gov.schedule) == [0, 21]
