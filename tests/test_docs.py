"""The generated documentation is up to date with the code."""

import re
from pathlib import Path

from sim.experiments.calibration.plan import load_plan
from sim.experiments.scenario_file import read_toml
from sim.model.parameters import Parameters, parameters_page

ROOT = Path(__file__).resolve().parent.parent


def test_parameters_page_matches_the_code():
    assert (ROOT / "docs" / "parameters.md").read_text() == parameters_page(), "run `make docs`"


# What a basis may rest on besides the two texts: the data files in sim/data, each row with its own source.
PUBLIC_SOURCES = ("calibration_targets.csv", "un_process_facts.csv", "policy_timeline.csv", "un_calendar.csv")


def test_every_parameter_cites_a_section_of_the_sources_a_public_source_or_says_assumption():
    for name in Parameters.names():
        basis = Parameters.spec(name)["basis"]
        cited = re.search(r"\b[AB] §\d", basis) or any(source in basis for source in PUBLIC_SOURCES)
        assert cited or "assumption" in basis, f"{name}: {basis}"
        # a letter alone ("A:") is not a citation: it needs its section
        assert not re.search(r"(^|[\s(])[AB]([:,;)]|$)", basis), f"{name}: cite the section, not only the letter"


def test_at_most_twenty_parameters_are_calibrated_none_near_a_bound_of_its_range():
    plan = load_plan(Path(__file__).resolve().parents[1] / "scenarios" / "calibration.toml")
    ranges = {name: bounds for stage in plan.stages for name, bounds in stage.parameters.items()}
    assert len(ranges) <= 20
    calibrated = read_toml(Path(__file__).resolve().parents[1] / "scenarios" / "calibrated.toml")["parameters"]
    assert set(calibrated) == set(ranges), "calibrated.toml holds exactly the plan's parameters"
    for name, (low, high) in ranges.items():
        spec = Parameters.spec(name)
        assert spec["low"] <= low < high <= spec["high"], f"{name}: the plan's range is within the documented one"
        margin = 0.05 * (high - low)
        assert low + margin <= calibrated[name] <= high - margin, f"{name} = {calibrated[name]} is near a bound"


def test_the_odd_quotes_each_parameter_at_its_default_and_marks_the_calibrated_ones():
    """Where docs/ODD.md gives a parameter's number it is the default (to the digits quoted), and a
    parameter it calls calibrated is one the plan fits (and the other way round)."""
    text = (ROOT / "docs" / "ODD.md").read_text().replace("\u2212", "-")
    defaults = Parameters()
    plan = load_plan(ROOT / "scenarios" / "calibration.toml")
    fitted = {name for stage in plan.stages for name in stage.parameters}
    quoted = re.finditer(
        r"`(\w+)`\s*(?:=\s*)?(-?\d[\d,]*(?:\.\d+)?)(?![\d/])(\s*\((calibrated|fixed|assumption))?", text
    )
    checked = 0
    for match in quoted:
        name, number, _, mark = match.groups()
        if name not in Parameters.names():
            continue
        decimals = len(number.split(".")[1]) if "." in number else 0
        value = float(number.replace(",", ""))
        assert abs(value - getattr(defaults, name)) <= 0.5 * 10**-decimals + 1e-12, (name, number)
        if mark:
            assert (mark == "calibrated") == (name in fitted), (name, mark)
        checked += 1
    assert checked > 100
