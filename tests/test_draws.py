"""The run's random numbers (sim/model/draws.py): keyed by seed, step, decision and organisation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import SCENARIOS

from sim import load_scenario
from sim.model.draws import DECISIONS, Draws, mix, mix_array
from sim.model.model import NGOModel

DECISIONS_ABROAD = ("internationalised", "returned_domestic", "presence_lost", "application")


def test_the_scalar_and_the_array_hash_give_the_same_bits():
    values = np.array([0, 1, 2**40 + 7, 2**63 + 5, 2**64 - 1], dtype=np.uint64)
    assert [int(v) for v in mix_array(values)] == [mix(int(v)) for v in values]


def test_an_organisations_number_is_the_same_drawn_alone_or_with_others():
    draws = Draws(11)
    draws.begin_step(3)
    rows = np.array([0, 5, 17, 400_000, 2_000_000])
    together = draws.uniforms("application", rows)
    assert together.tolist() == [draws.uniform("application", int(row)) for row in rows]
    assert ((together >= 0) & (together < 1)).all()


def test_numbers_differ_by_seed_step_decision_and_row_and_repeat_for_the_same_ones():
    rows = np.arange(1000)

    def numbers(seed: int, step: int, decision: str) -> np.ndarray:
        draws = Draws(seed)
        draws.begin_step(step)
        return draws.uniforms(decision, rows)

    base = numbers(1, 10, "objection:regular")
    np.testing.assert_array_equal(base, numbers(1, 10, "objection:regular"))
    for other in (
        numbers(2, 10, "objection:regular"),
        numbers(1, 11, "objection:regular"),
        numbers(1, 10, "screening"),
    ):
        assert abs(np.corrcoef(base, other)[0, 1]) < 0.1
        assert np.mean(base == other) == 0
    assert len(np.unique(base)) == len(base)
    counts = np.histogram(numbers(3, 0, "un_event"), bins=10, range=(0, 1))[0]
    assert counts.min() > 70 and counts.max() < 130  # 100 each expected


def test_a_decision_not_in_the_list_is_an_error():
    with pytest.raises(KeyError):
        Draws(1).uniform("objektion", 3)
    assert len(set(DECISIONS)) == len(DECISIONS)


def test_a_decisions_generator_continues_within_a_step_and_starts_afresh_the_next():
    draws = Draws(5)
    draws.begin_step(7)
    first = draws.generator("founding").random(3)
    second = draws.generator("founding").random(3)
    assert not np.array_equal(first, second)
    again = Draws(5)
    again.begin_step(7)
    np.testing.assert_array_equal(again.generator("founding").random(6), np.concatenate([first, second]))
    draws.begin_step(8)
    assert not np.array_equal(draws.generator("founding").random(3), first)


@pytest.mark.parametrize("top", [0.003, 0.05, 0.3, 0.9])
def test_below_gives_each_row_its_chance_with_uniform_numbers(top):
    n, steps, draws = 3000, 200, Draws(9, rows=2048)
    hits = np.zeros(n)
    numbers = []
    for step in range(steps):
        draws.begin_step(step)
        rows, values = draws.below("dissolution", n, top)
        assert (np.diff(rows) > 0).all() and ((values >= 0) & (values < top)).all()
        hits[rows] += 1
        numbers.append(values)
    expected = n * steps * top
    assert abs(hits.sum() - expected) < 4 * np.sqrt(expected * (1 - top))
    # no row is favoured: the spread of the rows' counts is the binomial's
    assert hits.var() == pytest.approx(steps * top * (1 - top), rel=0.15)
    counts = np.histogram(np.concatenate(numbers), bins=8, range=(0, top))[0]
    assert np.abs(counts - counts.mean()).max() < 5 * np.sqrt(counts.mean())


def test_below_agrees_on_every_row_whatever_the_chance_or_the_number_of_rows():
    """Two runs that differ in a chance or in how many organisations exist still give each
    organisation the same number: the point of common random numbers."""
    draws = Draws(4, rows=4096)
    draws.begin_step(2)
    small_rows, small = draws.below("first_step_abroad", 10_000, 0.004)
    large_rows, large = draws.below("first_step_abroad", 12_500, 0.2)
    assert np.isin(small_rows, large_rows).all()
    np.testing.assert_array_equal(large[np.isin(large_rows, small_rows)], small)
    np.testing.assert_array_equal(large_rows[(large < 0.004) & (large_rows < 10_000)], small_rows)
    everything_rows, everything = draws.below("first_step_abroad", 12_500, 1.0)
    assert len(everything_rows) == 12_500
    np.testing.assert_array_equal(everything[large_rows], large)


def test_keyed_weighted_sampling_picks_in_proportion_to_weight():
    """The UPR campaign's draw (keys u^(1/w), the largest taken) picks one of three in proportion."""
    weight = np.array([1.0, 2.0, 7.0])
    picks = np.zeros(3)
    draws = Draws(2)
    for step in range(4000):
        draws.begin_step(step)
        keys = np.log(draws.uniforms("upr_campaign", np.arange(3))) / weight
        picks[np.argmax(keys)] += 1
    np.testing.assert_allclose(picks / picks.sum(), weight / weight.sum(), atol=0.025)


def test_one_organisation_acting_otherwise_leaves_the_others_luck_alone():
    """Two copies of a run in 2016; in one, a GONGO abroad goes home. Over the next three years the
    other organisations abroad take the same decisions in the same quarters in both (with one stream
    per subsystem, one draw fewer would have handed every later organisation another number)."""
    model = NGOModel(load_scenario(SCENARIOS / "status_quo.toml"), seed=3, scale=0.2)
    model.run_until(dt.date(2016, 1, 1))
    other = model.fork()
    gone = next(agent for agent in other.organisations() if agent.kind_name == "gongo")
    gone.return_home()
    acts = {}
    for name, run in (("same", model), ("other", other)):
        start = len(run.event_log())
        run.run_until(dt.date(2019, 1, 1))
        events = run.event_log().iloc[start:]
        events = events[events["event"].isin(DECISIONS_ABROAD) & (events["org_id"] != gone.row)]
        acts[name] = set(zip(events["step"], events["org_id"], events["event"], strict=True))
    both, either = acts["same"] & acts["other"], acts["same"] | acts["other"]
    assert len(either) > 300
    assert len(both) / len(either) > 0.95
