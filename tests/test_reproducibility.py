"""Same seed, same outputs; another seed, other outputs; a branch shares its parent's history."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import SCENARIOS, VISIBLE_TAIL, outputs, run_model, scenario_with

from sim import NGOModel, load_scenario
from sim.experiments.runner import run_scenario
from sim.model.policy import Levers

LIVELY = Levers(
    registration_easing=0.5,
    accreditation_veto=0.5,
    public_diplomacy_support=0.5,
    pd_targeting="inclusive",
    association=1.0,
    un_outreach=0.5,
)


@pytest.fixture(scope="module")
def lively():
    return scenario_with(LIVELY, end=dt.date(2003, 12, 31), parameters=VISIBLE_TAIL)


@pytest.fixture(scope="module")
def runs(lively):
    """Two runs with seed 21 and one with seed 22 (each from a fresh model)."""
    return {
        "a": outputs(run_model(lively, 21, 0.02)),
        "b": outputs(run_model(lively, 21, 0.02)),
        "other": outputs(run_model(lively, 22, 0.02)),
    }


def test_the_runs_have_something_to_compare(runs):
    a = runs["a"]
    assert len(a.timeseries) == 36
    assert {"status_granted", "objection", "engaged", "internationalised", "coalition_joined"} <= set(a.events["event"])
    assert len(a.organisations) > 50


def test_same_seed_gives_identical_time_series(runs):
    pd.testing.assert_frame_equal(runs["a"].timeseries, runs["b"].timeseries, check_exact=True)


def test_same_seed_gives_identical_event_log(runs):
    pd.testing.assert_frame_equal(runs["a"].events, runs["b"].events, check_exact=True)


def test_same_seed_gives_identical_organisations_table(runs):
    pd.testing.assert_frame_equal(runs["a"].organisations, runs["b"].organisations, check_exact=True)


def test_another_seed_gives_other_outputs(runs):
    a, other = runs["a"], runs["other"]
    assert not a.timeseries.equals(other.timeseries)
    assert not a.timeseries["registered_grassroots"].equals(other.timeseries["registered_grassroots"])
    assert not a.events.equals(other.events)
    assert not a.organisations.equals(other.organisations)
    # the policy is the same, so the lever columns agree
    pd.testing.assert_series_equal(a.timeseries["accreditation_veto"], other.timeseries["accreditation_veto"])


def test_a_model_interleaved_with_another_gives_the_same_outputs(lively):
    """No hidden shared random state: stepping two models in turns changes neither."""
    first = NGOModel(lively, seed=21, scale=0.02)
    second = NGOModel(lively, seed=99, scale=0.02)
    while not first.finished:
        first.step()
        second.step()
    alone = run_model(lively, 21, 0.02)
    pd.testing.assert_frame_equal(first.timeseries(), alone.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(first.event_log(), alone.event_log(), check_exact=True)


def test_the_scenario_seed_is_used_when_no_seed_is_given(lively):
    seeded = dataclasses.replace(lively, seed=21, scale=0.02)
    pd.testing.assert_frame_equal(
        run_model(seeded, None, None).timeseries(), run_model(lively, 21, 0.02).timeseries(), check_exact=True
    )


def test_run_scenario_gives_the_model_outputs(lively):
    result = run_scenario(lively, seed=21, scale=0.02)
    direct = run_model(lively, 21, 0.02)
    pd.testing.assert_frame_equal(result.timeseries, direct.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(result.events, direct.event_log(), check_exact=True)
    pd.testing.assert_frame_equal(result.organisations, direct.organisations_table(), check_exact=True)


# --- branches ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history_run():
    history = load_scenario(SCENARIOS / "history.toml")
    return history, run_model(history, history.seed, 0.02).timeseries()


def _before(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return frame[frame["date"] < day.isoformat()].reset_index(drop=True)


def _branch_vs_parent(name: str, history_run):
    history, parent = history_run
    branch = load_scenario(SCENARIOS / f"{name}.toml")
    assert branch.branch is not None and branch.seed == history.seed
    child = run_model(branch, branch.seed, 0.02).timeseries()
    day = branch.branch.date
    columns = [c for c in parent.columns if c in child.columns]
    assert len(_before(parent, day)) == 84  # 1995-2015, quarterly
    return parent, child, day, columns


def test_status_quo_shares_the_history_up_to_the_branch_date_and_then_goes_its_own_way(history_run):
    parent, child, day, columns = _branch_vs_parent("status_quo", history_run)
    pd.testing.assert_frame_equal(_before(child, day)[columns], _before(parent, day)[columns], check_exact=True)
    # after the branch the two differ: the history's 2017 support step is not a 2016 policy
    after = (child["date"] > "2017-06-30") & (child["date"] < "2024-12-31")
    later = parent["date"].isin(child.loc[after, "date"])
    assert (
        child.loc[after, "public_diplomacy_support"].to_numpy()
        < parent.loc[later, "public_diplomacy_support"].to_numpy()
    ).all()
    assert child["date"].iloc[-1] == "2035-12-31"


REGIMES = {
    "lift_objections": {"accreditation_veto": 0.0},
    "tightening": {"accreditation_veto": 1.0, "foreign_funding_restriction": 1.0},
    "open_all": {"registration_easing": 1.0, "accreditation_veto": 0.0, "pd_targeting": "inclusive"},
}


@pytest.mark.parametrize("name", sorted(REGIMES))
def test_a_branch_with_its_own_regime_shares_the_history_up_to_the_branch_date(name, history_run):
    parent, child, day, columns = _branch_vs_parent(name, history_run)
    pd.testing.assert_frame_equal(_before(child, day)[columns], _before(parent, day)[columns], check_exact=True)
    # its regime acts from the quarter holding the branch date on, and the runs part there
    first = child[child["date"] == "2016-03-31"].iloc[0]
    for lever, value in REGIMES[name].items():
        assert first[lever] == value
    assert (
        not parent[parent["date"] == "2016-03-31"][columns]
        .reset_index(drop=True)
        .equals(child[child["date"] == "2016-03-31"][columns].reset_index(drop=True))
    )
