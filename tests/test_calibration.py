"""Calibration: targets and loss, the staged search end to end (tiny), the plan file, and the
patterns the history run must show."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.calibrate import (
    Patience,
    criteria,
    finalist_trials,
    fit_check,
    load_plan,
    stage_targets,
    write_report,
)
from sim.experiments.patterns import (
    PATTERNS,
    draw_level_around_2015,
    first_status_holder_is_a_gongo_mid_1990s,
    gongos_abroad_two_orders_ahead,
    pattern_table,
    status_holders_handful_to_few_dozen,
)
from sim.experiments.scenario_file import ScenarioError, load_scenario
from sim.experiments.targets import BEYOND_TOLERANCE, load_targets, loss, model_values, relative_errors
from sim.model.model import NGOModel

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "scenarios" / "history.toml"

TINY_PLAN = """
scenario = "{scenario}"
output = "tinycal.toml"
seed = 1
[[stages]]
name = "counts"
quantities = ["registered"]
scale = 0.01
end = 2001-12-31
replicates = 1
budget = 3
patience = 10
[stages.parameters]
founding_gongo = [2000, 20000]
dissolution_gongo = [0.01, 0.1]
[[stages]]
name = "abroad"
quantities = ["ecosoc_status"]
scale = 0.01
end = 2001-12-31
replicates = 1
budget = 6
patience = 1
finalists = 2
finalist_replicates = 2
[stages.parameters]
apply_gongo = [0.005, 0.2]
[check]
replicates = 2
scale = 0.01
"""


def test_targets_keep_their_source_confidence_and_role():
    targets = load_targets()
    assert {"source", "confidence", "role"} <= set(targets.columns)
    held_out = targets[targets["role"] == "validation"]
    assert set(held_out["date"]) == {"2015-12-31", "2016-10-30"}
    assert (held_out[held_out["date"] == "2015-12-31"]["quantity"] == "registered").all()
    assert set(targets[targets["role"] == "context"]["date"]) == {"1992-12-31"}  # before the run starts


def test_stages_fit_only_fitted_targets_within_their_span():
    plan = load_plan(ROOT / "scenarios" / "calibration.toml")
    stages = {stage.name: stage for stage in plan.stages}
    counts, abroad = stages["counts"], stages["abroad"]
    chosen = stage_targets(counts)
    assert set(chosen["quantity"]) == {"registered", "unregistered", "ecosoc_status"}
    assert set(chosen[chosen["quantity"] == "ecosoc_status"]["kind"]) == {"world"}  # the world's docket scales linearly
    assert (chosen["role"] == "fit").all() and "2015-12-31" not in set(chosen["date"])
    assert set(stage_targets(abroad)["quantity"]) == {"internationalised"}
    status = stage_targets(stages["status"])
    assert set(status["kind"]) == {"all_mainland"} and set(status["quantity"]) == {"ecosoc_status"}
    assert set(status["date"]) == {"1995-12-31", "1999-12-31", "2010-07-31"}  # 2016 is held out
    assert abroad.scale == stages["status"].scale == 1.0 and counts.scale < 1.0  # rare outcomes are fitted at 1:1
    campaign = stage_targets(stages["campaign"])
    assert set(campaign["kind"]) == {"grassroots"} and set(campaign["quantity"]) == {"registered"}
    foundations = stage_targets(stages["foundations"])
    assert set(foundations["kind"]) == {"foundation"} and stages["foundations"].scale == 1.0
    reform = stage_targets(stages["reform"])
    assert set(reform["kind"]) == {"gongo", "grassroots", "all"} and "foundation" not in set(reform["kind"])


def test_relative_error_and_loss():
    targets = load_targets()
    gongo = targets[targets["key"] == "registered/gongo/2012-12-31"]
    ranged = targets[targets["key"] == "unregistered/grassroots/2010-12-31"]  # 1.5m-3m
    both = pd.concat([gongo, ranged])
    at = pd.Series({"registered/gongo/2012-12-31": 271_000 * 1.1, "unregistered/grassroots/2010-12-31": 2_000_000})
    errors = relative_errors(at, both, 1.0)
    assert errors["registered/gongo/2012-12-31"] == pytest.approx(0.1)
    assert errors["unregistered/grassroots/2010-12-31"] == 0.0  # inside the range
    above = relative_errors(pd.Series({"unregistered/grassroots/2010-12-31": 3_300_000}), ranged, 1.0)
    assert above.iloc[0] == pytest.approx(0.1)
    thinned = relative_errors(at * 0.01, both, 0.01)  # a reduced scale thins the targets
    pd.testing.assert_series_equal(thinned, errors)
    # high confidence weighs 1, low 0.25: the loss is the weighted mean of squared errors
    assert loss(at, both, 1.0) == pytest.approx((1.0 * 0.1**2 + 0.25 * 0.0) / 1.25)
    # with a tolerance, the part of an error beyond it costs BEYOND_TOLERANCE times more again
    assert loss(at, both, 1.0, tolerance=0.1) == pytest.approx(loss(at, both, 1.0))  # 10% is not beyond 10%
    beyond = (0.1**2 + BEYOND_TOLERANCE * 0.05**2) / 1.25
    assert loss(at, both, 1.0, tolerance=0.05) == pytest.approx(beyond)


def test_model_values_read_the_step_holding_the_date():
    timeseries = pd.DataFrame(
        {"date": ["2010-03-31", "2010-06-30", "2010-09-30"], "consultative_all": [1, 2, 3], "world_status": [0, 0, 0]}
    )
    targets = load_targets()
    chosen = targets[targets["key"] == "ecosoc_status/all_mainland/2010-07-31"]
    assert model_values(timeseries, chosen).iloc[0] == 3  # July falls in the quarter ending in September
    outside = targets[targets["key"] == "ecosoc_status/all_mainland/1999-12-31"]
    assert np.isnan(model_values(timeseries, outside).iloc[0])


def test_patience_stops_a_search_that_no_longer_improves():
    class Trial:
        def __init__(self, value):
            self.value = value

    class Study:
        def __init__(self, values):
            self.trials = [Trial(v) for v in values]
            self.stopped = False

        def stop(self):
            self.stopped = True

    flat = Study([1.0, 0.5, 0.5, 0.499, 0.5])
    Patience(3)(flat, None)
    assert flat.stopped and Patience(3).exhausted([1.0, 0.5, 0.5, 0.499, 0.5])
    assert not Patience(3).exhausted([1.0, 0.5, 0.5])  # too few trials to judge
    improving = Study([1.0, 0.9, 0.8, 0.7, 0.6])
    Patience(3)(improving, None)
    assert not improving.stopped


def test_finalists_are_the_best_distinct_trials_and_the_start():
    class Trial:
        def __init__(self, number, value, x):
            self.number, self.value, self.params = number, value, {"x": x}

    trials = [Trial(0, 0.9, 1.0), Trial(1, 0.2, 2.0), Trial(2, 0.2, 2.0), Trial(3, 0.1, 3.0), Trial(4, 0.5, 4.0)]
    assert finalist_trials(trials, 2) == [0, 1, 3]  # trial 2 repeats trial 1's parameters; the start always runs
    assert finalist_trials(trials, 3) == [0, 1, 3, 4]
    assert finalist_trials([Trial(0, 0.1, 1.0), Trial(1, 0.3, 2.0)], 1) == [0]


def test_tiny_calibration_end_to_end(tmp_path):
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text(TINY_PLAN.format(scenario=HISTORY.as_posix()))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim.cli", "calibrate", str(plan_path), "--out", str(out), "--jobs", "1"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "tinycal.toml").read_text()
    assert "[parameters]" in written and "Do not edit by hand" in written
    values = load_scenario(HISTORY, parameters=_read_parameters(tmp_path / "tinycal.toml")).parameters
    assert 2000 <= values.founding_gongo <= 20000 and 0.005 <= values.apply_gongo <= 0.2
    assert {"counts.journal", "abroad.journal", "fit.csv", "fit.png", "fit-report.md", "stages.json"} <= {
        p.name for p in out.iterdir()
    }
    # the abroad stage confirms its finalists (its best trial and its starting point) on fresh
    # seeds and keeps the lower loss there; counts takes its best trial as it is
    stages = {s["stage"]: s for s in json.loads((out / "stages.json").read_text())}
    assert stages["counts"]["confirmed_loss"] is None
    confirmed = json.loads(next(out.glob("abroad-*.finalists.json")).read_text())
    assert set(confirmed["losses"]) >= {"0"} and confirmed["seeds"] == [100_001, 100_002]
    lowest = min(confirmed["losses"], key=lambda n: (confirmed["losses"][n]["loss"], int(n)))
    assert stages["abroad"]["chosen_trial"] == int(lowest)
    assert stages["abroad"]["confirmed_loss"] == confirmed["losses"][lowest]["loss"]
    assert "chosen on fresh seeds" in (tmp_path / "tinycal.toml").read_text()
    report = (out / "fit-report.md").read_text()
    assert (
        "## Acceptance criteria" in report
        and "## Held out (validation)" in report
        and "## Calibrated parameters" in report
    )
    # resuming: the budget is spent (counts) or the stopping rule was met (abroad, patience 1), so
    # a second call runs no new trial and writes the same values
    first = _read_parameters(tmp_path / "tinycal.toml")
    timed = {s["stage"]: s["wall_seconds"] for s in json.loads((out / "stages.json").read_text())}
    again = subprocess.run([*command, "--no-check"], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    assert not re.search(r"trial \d+:", again.stdout)  # no trial and no finalist run again
    assert _read_parameters(tmp_path / "tinycal.toml") == first
    # a resumed stage reports the time its trials took, read from the journal, not the resume's 0 s
    resumed = {s["stage"]: s["wall_seconds"] for s in json.loads((out / "stages.json").read_text())}
    assert resumed == timed and all(seconds > 0 for seconds in resumed.values())
    # a damaged finalists file is detected and the finalists run again, to the same choice
    next(out.glob("abroad-*.finalists.json")).write_text("{not json")
    redone = subprocess.run([*command, "--no-check"], capture_output=True, text=True, cwd=ROOT)
    assert redone.returncode == 0, redone.stderr
    assert "finalist trial 0" in redone.stdout and _read_parameters(tmp_path / "tinycal.toml") == first
    # one stage rerun: the other stages' parameters keep the scenario's calibrated values
    shipped = load_scenario(HISTORY).parameters
    alone = subprocess.run([*command, "--no-check", "--stage", "abroad"], capture_output=True, text=True, cwd=ROOT)
    assert alone.returncode == 0, alone.stderr
    rerun = _read_parameters(tmp_path / "tinycal.toml")
    assert rerun["founding_gongo"] == shipped.founding_gongo != first["founding_gongo"]
    assert 0.005 <= rerun["apply_gongo"] <= 0.2


def _read_parameters(path: Path) -> dict[str, float]:
    import tomllib

    return tomllib.loads(path.read_text())["parameters"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("seed = 1\n", None),
        ("colour = 1\n", "colour"),
        ('output = "../escape.toml"\n', "output"),
        (
            "[[stages]]\nname = 'x'\nquantities = ['money']\n[stages.parameters]\napply_gongo = [0.1, 0.2]\n",
            "stages[2].quantities",
        ),
        (
            "[[stages]]\nname = 'x'\nquantities = ['registered']\n[stages.parameters]\nno_such = [0.1, 0.2]\n",
            "stages[2].parameters.no_such",
        ),
        (
            "[[stages]]\nname = 'x'\nquantities = ['registered']\n[stages.parameters]\napply_gongo = [0.3, 0.2]\n",
            "stages[2].parameters.apply_gongo",
        ),
        (
            "[[stages]]\nname = 'x'\nquantities = ['registered']\ntolerance = 1.5\n"
            "[stages.parameters]\napply_gongo = [0.1, 0.2]\n",
            "stages[2].tolerance",
        ),
        (
            "[[stages]]\nname = 'x'\nquantities = ['registered']\nfinalists = 0\n"
            "[stages.parameters]\napply_gongo = [0.1, 0.2]\n",
            "stages[2].finalists",
        ),
    ],
)
def test_plan_errors_name_the_field(tmp_path, change, field):
    base = TINY_PLAN.format(scenario=HISTORY.as_posix())
    head, stages = base.split("[[stages]]", 1)
    if change.startswith("[[stages]]"):
        text = base.replace("[check]", change + "[check]")
    elif change.startswith("output"):
        text = head.replace('output = "tinycal.toml"\n', change) + "[[stages]]" + stages
    else:
        text = change + base if field else base
    path = tmp_path / "plan.toml"
    path.write_text(text)
    if field is None:
        assert load_plan(path).seed == 1
        return
    with pytest.raises(ScenarioError) as caught:
        load_plan(path)
    assert caught.value.field == field and str(path) in str(caught.value)


def test_fit_report_at_small_scale(tmp_path):
    table, runs = fit_check(str(HISTORY), replicates=2, scale=0.02, seed=3, jobs=1)
    assert len(runs) == 2 and table.attrs["replicates"] == 2
    fitted = table[(table["role"] == "fit") & table["model_mean"].notna()]
    assert (fitted["model_low"] <= fitted["model_mean"]).all() and (fitted["model_mean"] <= fitted["model_high"]).all()
    assert table[table["role"] == "context"]["model_mean"].isna().all()  # 1992 is before the run
    verdicts = criteria(table)
    assert len(verdicts) == 7 and verdicts["met"].dtype == bool
    path = write_report(table, runs, None, tmp_path, [])
    report = path.read_text()
    assert "Forecast: registered" in report and (tmp_path / "fit.png").stat().st_size > 10_000
    assert "## Patterns" in report and "of 2 runs" in report


# --- patterns the history must show (docs/calibration.md) -----------------------------------------------
@pytest.fixture(scope="module")
def history_to_2016() -> pd.DataFrame:
    """One full-scale history run to the end of 2016 (rare outcomes need 1:1; about 10 s)."""
    import dataclasses
    import datetime as dt

    scenario = dataclasses.replace(load_scenario(HISTORY), end=dt.date(2016, 12, 31))
    model = NGOModel(scenario, seed=11, scale=1.0)
    model.run()
    return model.timeseries()


@pytest.mark.parametrize("name", list(PATTERNS))
def test_history_shows_the_pattern(history_to_2016, name):
    _, check = PATTERNS[name]
    verdict = check(history_to_2016, 1.0)
    assert verdict.holds, f"{name}: {verdict.figure}"


def test_the_pattern_checks_can_fail(history_to_2016):
    ts = history_to_2016
    flat = ts.assign(registered_grassroots=ts["registered_gongo"] * 0.5)
    assert not draw_level_around_2015(flat, 1.0).holds
    level = ts.assign(internationalised_grassroots=ts["internationalised_gongo"])
    assert not gongos_abroad_two_orders_ahead(level, 1.0).holds
    foundation_first = ts.assign(consultative_gongo=0)
    assert not first_status_holder_is_a_gongo_mid_1990s(foundation_first, 1.0).holds
    runaway = ts.assign(consultative_all=ts["consultative_all"] * 5)
    assert not status_holders_handful_to_few_dozen(runaway, 1.0).holds
    table = pattern_table([ts, runaway], 1.0)
    assert table.loc["status holders: a handful before 2000, a few dozen by 2016", "holds"] == "1 of 2 runs"
