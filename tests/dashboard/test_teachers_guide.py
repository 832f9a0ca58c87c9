"""The figures docs/teachers-guide.md quotes are what the presets give at HEAD (1:1, seed 2017, from one
ready 2016 state), and the screenshots it shows are there (the browser tests write them)."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, SCENARIOS

from sim import NGOModel, load_scenario

GUIDE = REPO / "docs" / "teachers-guide.md"
COLUMNS = ("internationalised_grassroots", "consultative_grassroots", "consultative_all")


def quoted() -> dict[str, tuple[int, ...]]:
    """The guide's table of figures: scenario -> the three counts."""
    text = GUIDE.read_text()
    table = text.split("<!-- figures:start -->")[1].split("<!-- figures:end -->")[0]
    rows = [line.strip("|").split("|") for line in table.strip().splitlines()[2:]]
    return {cells[0].strip(): tuple(int(c) for c in cells[1:]) for cells in rows}


def test_the_guide_quotes_every_figure_it_uses_from_its_table():
    figures = quoted()
    assert set(figures) == {"status_quo", "lift_objections", "open_all"}
    text = GUIDE.read_text().split("<!-- figures:end -->")[1]
    for values in figures.values():
        for value in values:
            assert re.search(rf"\b{value}\b", text), value


@pytest.mark.slow
def test_the_figures_match_the_presets_at_head():
    figures = quoted()
    first = load_scenario(SCENARIOS / "status_quo.toml")
    history = NGOModel(first, seed=2017, scale=1.0)
    history.run_until(first.branch.date)
    ready = history.checkpoint()
    del history
    for name, expected in figures.items():
        model = NGOModel.resume(ready, load_scenario(SCENARIOS / f"{name}.toml"))
        model.run()
        last = model.recorder.rows[-1]
        assert last["date"] == "2035-12-31"
        assert tuple(int(last[c]) for c in COLUMNS) == expected, name


def test_the_screenshots_the_guide_shows_exist():
    images = re.findall(r"\(images/(dashboard-[\w-]+\.png)\)", GUIDE.read_text())
    assert len(images) == 4
    for image in images:
        assert (REPO / "docs" / "images" / image).is_file(), f"{image}: run tests/dashboard/test_page.py"
