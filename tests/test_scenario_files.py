"""Scenario files: every shipped file loads; every kind of mistake is a ScenarioError naming the
file, the field and what is allowed, in Python and through the `ngosim` command (exit code 2, one
line on stderr, no traceback, nothing left on disk)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import HISTORY, REPO, SCENARIOS, ngosim

from sim import ScenarioError, load_scenario
from sim.model.domain import NUMERIC_LEVERS
from sim.model.parameters import Parameters

HISTORY_PATH = HISTORY.as_posix()

# name -> (file text, the field the error must name, a piece of the allowed values it must give)
BAD_FILES = {
    "unknown_key": ('name = "x"\ncolour = "red"\n', "colour", "name, description, start"),
    "unknown_lever": ('name = "x"\n[levers]\nveto = 1.0\n', "levers.veto", "accreditation_veto"),
    "unknown_parameter": ('name = "x"\n[parameters]\nwages = 3.0\n', "parameters.wages", "wage"),
    "unknown_event_key": (
        'name = "x"\n[[events]]\ndate = 2000-01-01\nlever = "un_outreach"\nvalue = 0.5\nwhen = 1\n',
        "events[0].when",
        "date, lever, value, shift",
    ),
    "wrong_type_seed": ('name = "x"\nseed = "one"\n', "seed", "a whole number from 0 to 2**62"),
    "wrong_type_lever": (
        'name = "x"\n[levers]\naccreditation_veto = "high"\n',
        "levers.accreditation_veto",
        "a number in [0, 1]",
    ),
    "wrong_type_bool_scale": ('name = "x"\nscale = true\n', "scale", "a number in [0, 1]"),
    "wrong_type_date": ('name = "x"\nend = "2020-12-31"\n', "end", "a TOML date such as 2016-01-01"),
    "wrong_type_name": ("name = 3\n", "name", "a quoted string"),
    "out_of_range_lever": (
        'name = "x"\n[levers]\naccreditation_veto = 1.5\n',
        "levers.accreditation_veto",
        "a number in [0, 1]",
    ),
    "out_of_range_scale": ('name = "x"\nscale = 0\n', "scale", "a number in (0, 1]"),
    "out_of_range_parameter": ('name = "x"\n[parameters]\nwage = 1000.0\n', "parameters.wage", "a number in [0.1, 100"),
    "out_of_range_seed": ('name = "x"\nseed = -3\n', "seed", "a whole number from 0 to 2**62"),
    "out_of_range_event_value": (
        'name = "x"\n[[events]]\ndate = 2000-01-01\nlever = "un_outreach"\nvalue = 2\n',
        "events[0].value",
        "a number in [0, 1]",
    ),
    "bad_steps_per_year": ('name = "x"\nsteps_per_year = 3\n', "steps_per_year", "one of [1, 2, 4, 12]"),
    "bad_targeting": (
        'name = "x"\n[levers]\npd_targeting = "everyone"\n',
        "levers.pd_targeting",
        "gongo_only, inclusive, merit",
    ),
    "bad_domain": (
        'name = "x"\n[[events]]\ndate = 2000-01-01\nlever = "registration_easing"\ndomain = "sports"\nvalue = 1\n',
        "events[0].domain",
        "legal_rights",
    ),
    "event_date_outside_run": (
        'name = "x"\nend = 2010-12-31\n[[events]]\ndate = 2011-07-04\nlever = "registration_easing"\nvalue = 0.5\n',
        "events[0].date",
        "a date from 1995-01-01 to 2010-12-31",
    ),
    "event_date_before_start": (
        'name = "x"\n[[events]]\ndate = 1990-01-01\nlever = "un_outreach"\nvalue = 0.5\n',
        "events[0].date",
        "a date from 1995-01-01",
    ),
    "event_value_and_shift": (
        'name = "x"\n[[events]]\ndate = 2000-01-01\nlever = "un_outreach"\nvalue = 0.5\nshift = 0.1\n',
        "events[0].value",
        "value = new level, or shift = a change",
    ),
    "event_shift_unknown_parameter": (
        'name = "x"\n[[events]]\ndate = 2000-01-01\nlever = "un_outreach"\nshift = "easing_1999"\n',
        "events[0].shift",
        "easing_2011",
    ),
    "event_missing_lever": ('name = "x"\n[[events]]\ndate = 2000-01-01\nvalue = 0.5\n', "events[0].lever", "required"),
    "missing_name": ("seed = 3\n", "name", "a short name"),
    "end_before_start": ('name = "x"\nstart = 2000-01-01\nend = 1999-12-31\n', "end", "a date after 2000-01-01"),
    "start_not_first_of_month": ('name = "x"\nstart = 1995-01-15\n', "start", "a date such as 1995-01-01"),
    "bad_toml": ('name = "x"\nseed = = 3\n', "file", "TOML syntax"),
    "missing_parameters_file": (
        'name = "x"\nparameters_file = "nosuch.toml"\n',
        "parameters_file",
        "an existing .toml file",
    ),
    # bad branches
    "branch_missing_parent": (
        'name = "x"\nbranch_from = "nosuch.toml"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n',
        "branch_from",
        "an existing scenario file",
    ),
    "branch_from_itself": (
        'name = "x"\nbranch_from = "branch_from_itself.toml"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n',
        "branch_from",
        "another scenario file",
    ),
    "branch_date_outside_parent": (
        f'name = "x"\nbranch_from = "{HISTORY_PATH}"\nbranch_date = 2030-01-01\ninherit_events_until = 2030-01-01\n',
        "branch_date",
        "a date after 1995-01-01, up to 2024-12-31",
    ),
    "branch_sets_start": (
        f'name = "x"\nstart = 2000-01-01\nbranch_from = "{HISTORY_PATH}"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n',
        "start",
        "set it in the parent file",
    ),
    "branch_sets_parameters": (
        f'name = "x"\nbranch_from = "{HISTORY_PATH}"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n[parameters]\nwage = 5\n',
        "parameters",
        "set it in the parent file",
    ),
    "branch_without_date": (
        f'name = "x"\nbranch_from = "{HISTORY_PATH}"\ninherit_events_until = 2016-01-01\n',
        "branch_date",
        "the date the branch leaves its parent",
    ),
    "branch_inherits_less_than_it_shares": (
        f'name = "x"\nbranch_from = "{HISTORY_PATH}"\nbranch_date = 2016-01-01\ninherit_events_until = 2015-01-01\n',
        "inherit_events_until",
        "a date from 2016-01-01",
    ),
    "branch_event_before_branch": (
        f'name = "x"\nbranch_from = "{HISTORY_PATH}"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n'
        '[[events]]\ndate = 2010-01-01\nlever = "un_outreach"\nvalue = 1\n',
        "events[0].date",
        "a date from 2016-01-01",
    ),
    "branch_date_without_branch_from": ('name = "x"\nbranch_date = 2016-01-01\n', "branch_date", "branch_from = "),
    "branch_bad_parent": (
        'name = "x"\nbranch_from = "parent.toml"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n',
        "seed",
        "a whole number from 0 to 2**62",
    ),
}
PARENT_WITH_ERROR = 'name = "parent"\nseed = -1\n'


def write_case(folder: Path, case: str) -> Path:
    text = BAD_FILES[case][0]
    if case == "branch_bad_parent":
        (folder / "parent.toml").write_text(PARENT_WITH_ERROR)
    path = folder / f"{case}.toml"
    path.write_text(text)
    return path


def assert_names_file_field_allowed(error: ScenarioError, path: Path, field: str, allowed: str) -> None:
    message = str(error)
    assert str(path) in message, message
    assert f"field '{field}'" in message, message
    assert "(allowed: " in message and allowed in message, message
    assert error.field == field
    assert "\n" not in message


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_scenario_file_raises_a_scenario_error_naming_file_field_and_allowed_values(case, tmp_path):
    path = write_case(tmp_path, case)
    _, field, allowed = BAD_FILES[case]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    named = tmp_path / "parent.toml" if case == "branch_bad_parent" else path
    if case == "missing_parameters_file":
        assert "nosuch.toml" in str(caught.value)
    assert_names_file_field_allowed(caught.value, named, field, allowed)


def test_a_missing_file_raises_a_scenario_error(tmp_path):
    path = tmp_path / "nosuch.toml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert_names_file_field_allowed(caught.value, path, "file", "an existing .toml file")


def test_a_file_that_is_not_text_raises_a_scenario_error(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b'name = "\xff\xfe"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value) and "field 'file'" in str(caught.value)


def test_parameter_overrides_are_checked_too():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(HISTORY, parameters={"wage": -1.0})
    assert caught.value.field == "wage" and "a number in [0.1, 100" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(HISTORY, parameters={"nosuch": 1.0})
    assert caught.value.field == "nosuch"


def test_parameters_replace_checks_ranges():
    with pytest.raises(ValueError, match="wage"):
        Parameters().replace(wage=0.0)
    assert Parameters().replace(wage=7.0).wage == 7.0


def test_a_base_scenario_can_set_easing_per_domain(tmp_path):
    path = tmp_path / "domains.toml"
    path.write_text(
        'name = "x"\n[levers]\nregistration_easing = 1.0\n[levers.registration_easing_by_domain]\nlegal_rights = 0.0\n'
    )
    scenario = load_scenario(path)
    assert scenario.levers.registration_easing_for(("legal_rights", "education")).tolist() == [0.0, 1.0]
    assert scenario.levers.as_dict()["registration_easing[legal_rights]"] == 0.0


def test_the_command_runs_a_base_scenario_with_per_domain_easing(tmp_path):
    path = tmp_path / "domains.toml"
    path.write_text(
        'name = "domains"\nend = 1996-12-31\nscale = 0.005\n[levers]\nregistration_easing = 1.0\n'
        "[levers.registration_easing_by_domain]\nlegal_rights = 0.0\n"
    )
    result = ngosim("run", path, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["levers"]["registration_easing[legal_rights]"] == 0.0


def _cycle(folder: Path) -> Path:
    for name, parent in (("a", "b"), ("b", "a")):
        (folder / f"{name}.toml").write_text(
            f'name = "{name}"\nbranch_from = "{parent}.toml"\nbranch_date = 2016-01-01\ninherit_events_until = 2016-01-01\n'
        )
    return folder / "a.toml"


def test_a_cycle_of_branches_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_cycle(tmp_path))
    assert caught.value.field == "branch_from"


# --- the shipped scenario files ---------------------------------------------------------------------------


def _is_scenario(path: Path) -> bool:
    """Scenario files (they have a name), not the calibration plan or the calibrated parameters beside them."""
    return "name" in tomllib.loads(path.read_text())


SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.toml") if _is_scenario(p))


def test_the_shipped_scenarios_are_there():
    assert {"history.toml", "status_quo.toml", "tightening.toml", "lift_objections.toml"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_file_loads(name):
    scenario = load_scenario(SCENARIOS / name)
    assert scenario.name == Path(name).stem
    assert scenario.start < scenario.end
    assert all(scenario.start <= e.date <= scenario.end for e in scenario.events)
    assert 0 < scenario.scale <= 1
    for lever in NUMERIC_LEVERS:
        assert 0 <= getattr(scenario.levers, lever) <= 1


def test_the_history_shifts_are_named_parameters():
    history = load_scenario(HISTORY)
    named = [e for e in history.events if e.shift_parameter]
    assert len(named) >= 10
    for event in named:
        assert event.shift == getattr(history.parameters, event.shift_parameter)
    moved = load_scenario(HISTORY, parameters={"easing_2011": 0.2})
    (event,) = [e for e in moved.events if e.shift_parameter == "easing_2011"]
    assert event.shift == 0.2


def test_a_branch_keeps_its_parents_events_to_the_inherit_date_then_adds_its_regime():
    history = load_scenario(HISTORY)
    tightening = load_scenario(SCENARIOS / "tightening.toml")
    branch = tightening.branch
    assert branch is not None and branch.date == dt.date(2016, 1, 1) and branch.inherit_until == dt.date(2017, 1, 1)
    inherited = [e for e in tightening.events if e.description != "branch regime"]
    assert inherited == [e for e in history.events if e.date <= dt.date(2017, 1, 1)]
    regime = {(e.lever, e.domain): e.value for e in tightening.events if e.description == "branch regime"}
    assert regime == {
        ("accreditation_veto", None): 1.0,
        ("foreign_funding_restriction", None): 1.0,
        ("pd_targeting", None): "gongo_only",
        ("registration_easing", "legal_rights"): 0.0,
    }
    assert all(e.date == dt.date(2016, 1, 1) for e in tightening.events if e.description == "branch regime")
    assert tightening.parameters == history.parameters and tightening.start == history.start
    assert tightening.end == dt.date(2035, 12, 31)
    assert [e.date for e in tightening.events] == sorted(e.date for e in tightening.events)


def test_a_parameters_file_is_read_relative_to_the_scenario(tmp_path):
    (tmp_path / "params.toml").write_text("[parameters]\nwage = 7.5\n")
    (tmp_path / "s.toml").write_text('name = "s"\nparameters_file = "params.toml"\n[parameters]\nmin_staff = 4\n')
    scenario = load_scenario(tmp_path / "s.toml")
    assert scenario.parameters.wage == 7.5 and scenario.parameters.min_staff == 4
    (tmp_path / "params.toml").write_text("[parameters]\nwage = 700\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "s.toml")
    assert str(tmp_path / "params.toml") in str(caught.value) and caught.value.field == "parameters.wage"


def test_a_scenario_built_in_python_is_frozen():
    scenario = load_scenario(HISTORY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.seed = 3  # type: ignore[misc]


# --- the same mistakes through the command line --------------------------------------------------------------


CLI_CASES = [
    "unknown_key",
    "wrong_type_lever",
    "out_of_range_scale",
    "event_date_outside_run",
    "bad_toml",
    "branch_missing_parent",
    "branch_date_outside_parent",
]
BAD_OPTIONS = [("--scale", "0"), ("--scale", "2"), ("--seed", "-1"), ("--snapshot", "1990-01-01")]
BAD_OPTIONS_ALLOWED = [
    "a number in (0, 1]",
    "a number in (0, 1]",
    "a whole number from 0 to 2**62",
    "a date from 1995-01-01 to 2024-12-31",
]


@pytest.fixture(scope="module")
def cli_failures(tmp_path_factory):
    """Run `ngosim run` on every bad file at once (they are independent), keep what each printed."""
    root = tmp_path_factory.mktemp("cli")
    jobs = {}
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def start(key: str, scenario: Path | str, *extra: str) -> None:
        work = root / key
        work.mkdir(exist_ok=True)
        out = work / "out"
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "run", str(scenario), "--out", str(out), "--quiet", *extra],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        jobs[key] = (process, work, out)

    for case in CLI_CASES:
        folder = root / case
        folder.mkdir()
        start(case, write_case(folder, case))
    start("missing_file", root / "nosuch.toml")
    bugs = root / "bugs"
    bugs.mkdir()
    start("branch_cycle", _cycle(bugs))
    for option, value in BAD_OPTIONS:
        start(f"{option}={value}", HISTORY, option, value)
    existing = root / "existing_file"
    existing.mkdir()
    (existing / "taken").write_text("not a folder\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(HISTORY), "--out", str(existing / "taken"), "--quiet"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    jobs["out_is_a_file"] = (process, existing, existing / "taken")
    results = {}
    for key, (process, work, out) in jobs.items():
        stdout, stderr = process.communicate(timeout=300)
        results[key] = (process.returncode, stdout, stderr, work, out)
    return results


def assert_clean_failure(result, *, one_line: bool = True) -> str:
    code, stdout, stderr, work, out = result
    assert code == 2, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    lines = stderr.strip().splitlines()
    if one_line:
        assert len(lines) == 1, stderr
    assert lines[-1].startswith("ngosim")
    assert "error" in lines[-1] and "allowed" in lines[-1], stderr
    # nothing left on disk: no output folder, no hidden partial folder beside it
    if out.name != "taken":
        assert not out.exists()
    leftovers = [p.name for p in work.iterdir() if not p.name.endswith(".toml") and p.name != "taken"]
    assert leftovers == []
    return lines[-1]


@pytest.mark.parametrize("case", CLI_CASES)
def test_the_command_reports_a_bad_scenario_file_in_one_line_and_exits_2(case, cli_failures):
    line = assert_clean_failure(cli_failures[case])
    _, field, allowed = BAD_FILES[case]
    assert f"{case}.toml" in line and f"field '{field}'" in line and allowed in line


def test_the_command_reports_a_missing_scenario_file(cli_failures):
    line = assert_clean_failure(cli_failures["missing_file"])
    assert "nosuch.toml" in line and "field 'file'" in line


@pytest.mark.parametrize(
    "option, value, allowed", [(*o, a) for o, a in zip(BAD_OPTIONS, BAD_OPTIONS_ALLOWED, strict=True)]
)
def test_the_command_rejects_bad_values_of_its_options(option, value, allowed, cli_failures):
    # argparse prints its usage lines before the error line, so only the last line is the message
    result = cli_failures[f"{option}={value}"]
    line = assert_clean_failure(result, one_line=False)
    assert option in line and allowed in line
    assert sum("error" in x for x in result[2].splitlines()) == 1


def test_the_command_refuses_an_output_path_that_is_a_file(cli_failures):
    line = assert_clean_failure(cli_failures["out_is_a_file"])
    assert "--out" in line
    _, _, _, work, out = cli_failures["out_is_a_file"]
    assert out.read_text() == "not a folder\n"
    assert sorted(p.name for p in work.iterdir()) == ["taken"]


def test_the_command_reports_a_cycle_of_branches_cleanly(cli_failures):
    line = assert_clean_failure(cli_failures["branch_cycle"])
    assert "field 'branch_from'" in line
