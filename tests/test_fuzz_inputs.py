"""Property-based tests of malformed input files (docs/reliability.md): scenario, experiment and
calibration-plan files broken in generated ways (wrong types, unknown keys, NaN and infinities,
huge values, odd unicode, binary, deep nesting, path-like names) each get exit 2, one message
naming the file, no traceback, and nothing written."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS, short_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.experiments import experiment as experiment_file
from sim.experiments import limits, scenario_file
from sim.experiments.calibration import plan as plan_file
from sim.model.domain import NUMERIC_LEVERS
from sim.model.parameters import Parameters

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def toml_string(text: str) -> str:
    """A TOML basic string holding `text` exactly (control characters escaped)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """A TOML value (inline tables and arrays for nested data)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_string(key)} = {toml_value(value)}\n" for key, value in data.items())


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """A valid scenario, experiment and calibration plan (as data) that the tests break."""
    folder = tmp_path_factory.mktemp("bases")
    scenario_path = short_history(folder)
    scenario = tomllib.loads(scenario_path.read_text())
    experiment = {
        "name": "fuzzed",
        "scenario": scenario_path.as_posix(),
        "design": "grid",
        "replicates": 2,
        "seed": 1,
        "scale": 0.01,
        "factors": {"accreditation_veto": {"levels": [0.0, 1.0]}},
    }
    plan = tomllib.loads((SCENARIOS / "calibration.toml").read_text())
    plan["scenario"] = (SCENARIOS / "history.toml").as_posix()
    for data, kind in ((scenario, "scenario"), (experiment, "experiment"), (plan, "plan")):
        path = folder / f"valid-{kind}.toml"
        path.write_text(toml_document(data))
        assert main(["validate", str(path)]) == 0, kind  # the bases are valid as serialised here
    return {"scenario": scenario, "experiment": experiment, "plan": plan}


JUNK = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.text(max_size=40),
    st.booleans(),
    st.dates(),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=6), st.integers(), max_size=2),
)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
NOT_A_FRACTION = st.one_of(  # anything but a number in [0, 1]
    NON_FINITE,
    st.floats(min_value=1.0, exclude_min=True, allow_nan=False, allow_infinity=False),
    st.floats(max_value=0.0, exclude_max=True, allow_nan=False, allow_infinity=False),
    st.integers(min_value=2, max_value=2**80),
    st.text(max_size=20),
    st.booleans(),
    st.dates(),
    st.lists(st.floats(0, 1), max_size=3),
)
NOT_A_NAME = st.one_of(
    st.text(max_size=80).filter(lambda name: not limits.plain_name(name)),
    st.sampled_from(["../x", "/etc/passwd", "", "a/b", "..", "x\x00y", "nul\n", "C:\\x", "~/x"]),
    st.integers(),
    st.lists(st.text(max_size=3), max_size=2),
)
NOT_A_COUNT = st.one_of(
    NON_FINITE,
    st.integers(max_value=0),
    st.integers(min_value=10**8, max_value=2**80),
    st.floats(allow_nan=False).filter(lambda v: v != int(v) if math.isfinite(v) else True),
    st.text(max_size=10),
    st.booleans(),
)

NOT_A_SEED = st.one_of(
    NON_FINITE,
    st.integers(max_value=-1),
    st.integers(min_value=limits.MAX_SEED + 1, max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v != int(v)),
    st.text(max_size=10),
    st.booleans(),
)
FACTORS = {*NUMERIC_LEVERS, "pd_targeting", experiment_file.SCENARIO_FACTOR, *Parameters.names()}


def nested(depth: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(depth):
        value = [value]
    return value


def unknown_key(known: tuple[str, ...] | dict[str, Any]) -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=20).filter(lambda key: key not in known)


def assert_refused(capsys: pytest.CaptureFixture[str], text: str | bytes, *commands: list[str]) -> None:
    """Each command, given the broken file: exit 2, one line naming the file, no traceback, nothing written."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "broken.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        for command in commands:
            capsys.readouterr()
            code = main([*command[:1], str(path), *[a.replace("FOLDER", folder) for a in command[1:]]])
            err = capsys.readouterr().err
            lines = [line for line in err.splitlines() if line.strip()]
            assert code == 2, (command, text if len(text) < 2000 else text[:2000], err)
            assert len(lines) == 1 and lines[0].startswith("ngosim: error:"), err
            assert "Traceback" not in err and "broken.toml" in err, err
            assert [p.name for p in Path(folder).iterdir()] == ["broken.toml"], command


SCENARIO_COMMANDS = (["validate"], ["run", "--out", "FOLDER/out", "--quiet"])


@FUZZ
@given(data=st.data())
def test_a_broken_scenario_file_is_refused_cleanly(bases, capsys, data):
    scenario = {**bases["scenario"], "levers": dict(bases["scenario"]["levers"])}
    how = data.draw(st.sampled_from(["unknown key", "lever", "name", "dates", "nesting", "type", "binary"]), "how")
    if how == "binary":
        assert_refused(capsys, data.draw(st.binary(max_size=400)), *SCENARIO_COMMANDS)
        return
    if how == "unknown key":
        scenario[data.draw(unknown_key(scenario_file.TOP_KEYS))] = data.draw(JUNK)
    elif how == "lever":
        scenario["levers"][data.draw(st.sampled_from(sorted(scenario["levers"])))] = data.draw(NOT_A_FRACTION)
    elif how == "name":
        scenario["name"] = data.draw(NOT_A_NAME)
    elif how == "dates":
        start = scenario["start"]
        scenario["end"] = data.draw(
            st.one_of(
                st.dates(max_value=start),
                st.dates(min_value=dt.date(start.year + limits.MAX_YEARS, 1, 1)),
                st.text(max_size=12),
                NON_FINITE,
            )
        )
    elif how == "nesting":
        scenario["description"] = nested(data.draw(st.integers(limits.MAX_DEPTH, 200)))
    else:  # a table or a list where a value belongs, or the reverse
        key = data.draw(st.sampled_from(["levers", "start", "seed", "scale", "steps_per_year"]))
        scenario[key] = data.draw(st.one_of(st.lists(st.integers(), max_size=2), st.text(max_size=8), NON_FINITE))
    assert_refused(capsys, toml_document(scenario), *SCENARIO_COMMANDS)


EXPERIMENT_COMMANDS = (["validate"], ["sweep", "--out", "FOLDER/store", "--quiet"])


@FUZZ
@given(data=st.data())
def test_a_broken_experiment_file_is_refused_cleanly(bases, capsys, data):
    experiment = {**bases["experiment"], "factors": {"accreditation_veto": {"levels": [0.0, 1.0]}}}
    how = data.draw(st.sampled_from(["unknown key", "count", "level", "design", "factor", "name", "nesting"]), "how")
    if how == "unknown key":
        experiment[data.draw(unknown_key(experiment_file.TOP_KEYS))] = data.draw(JUNK)
    elif how == "count":
        key = data.draw(st.sampled_from(["replicates", "seed"]))
        experiment[key] = data.draw(NOT_A_SEED if key == "seed" else NOT_A_COUNT)
    elif how == "level":
        levels = [0.0, data.draw(NOT_A_FRACTION)]
        experiment["factors"]["accreditation_veto"]["levels"] = levels
    elif how == "design":
        experiment["design"] = data.draw(st.text(max_size=20).filter(lambda d: d not in experiment_file.DESIGNS))
    elif how == "factor":
        name = data.draw(st.text(min_size=1, max_size=20).filter(lambda n: n not in FACTORS))
        experiment["factors"] = {name: {"levels": [0.0, 1.0]}}
    elif how == "name":
        experiment["name"] = data.draw(NOT_A_NAME)
    else:
        experiment["factors"]["accreditation_veto"]["levels"] = nested(data.draw(st.integers(limits.MAX_DEPTH, 200)))
    assert_refused(capsys, toml_document(experiment), *EXPERIMENT_COMMANDS)


@FUZZ
@given(data=st.data())
def test_a_broken_calibration_plan_is_refused_cleanly(bases, capsys, data):
    plan = {**bases["plan"], "stages": [dict(stage) for stage in bases["plan"]["stages"]]}
    stage = plan["stages"][0]
    how = data.draw(st.sampled_from(["unknown key", "stage key", "count", "sampler", "stages", "range"]), "how")
    if how == "unknown key":
        plan[data.draw(unknown_key(plan_file.PLAN_KEYS))] = data.draw(JUNK)
    elif how == "stage key":
        stage[data.draw(unknown_key(plan_file.STAGE_KEYS))] = data.draw(JUNK)
    elif how == "count":
        stage[data.draw(st.sampled_from(["budget", "replicates", "finalists"]))] = data.draw(NOT_A_COUNT)
    elif how == "sampler":
        stage["sampler"] = data.draw(
            st.one_of(st.text(max_size=12).filter(lambda s: s not in plan_file.SAMPLERS), JUNK)
        )
    elif how == "stages":
        plan["stages"] = data.draw(st.one_of(st.just([]), st.text(max_size=5), st.integers(), NON_FINITE))
    else:
        name = data.draw(st.sampled_from(sorted(stage["parameters"])))
        stage["parameters"] = {
            **stage["parameters"],
            name: data.draw(st.one_of(st.just([1.0, 0.0]), st.lists(NON_FINITE, min_size=2, max_size=2))),
        }
    assert_refused(capsys, toml_document(plan), ["validate"])
