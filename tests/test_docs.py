"""The generated documentation is up to date with the code."""

from pathlib import Path

from sim.model.parameters import parameters_page

ROOT = Path(__file__).resolve().parent.parent


def test_parameters_page_matches_the_code():
    assert (ROOT / "docs" / "parameters.md").read_text() == parameters_page(), "run `make docs`"
