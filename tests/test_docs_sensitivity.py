"""docs/sensitivity.md shows the Morris screening that `ngosim sensitivity` wrote: its tables are
the CSV files beside it, its figures exist, and its command names the experiment it describes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sim.experiments.experiment import load_experiment

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "sensitivity.md"
OUTCOMES = ("registered_grassroots", "internationalised_grassroots", "consultative_grassroots")


def doc_table(outcome: str) -> pd.DataFrame:
    """The doc's table for an outcome, as numbers."""
    text = DOC.read_text().split(f"(`{outcome}`")[1].split("![")[0]
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    frame = pd.DataFrame([[c.strip() for c in row] for row in rows[1:]], columns=[c.strip() for c in rows[0]])
    return frame.set_index("lever").astype(float)


def test_the_tables_are_the_analysis_output():
    for outcome in OUTCOMES:
        shown = doc_table(outcome)
        written = pd.read_csv(ROOT / "docs" / "sensitivity" / f"sensitivity-{outcome}.csv").set_index("factor")
        assert set(shown.index) == set(written.index)
        shown = shown.reindex(written.index)
        for column, name in (("mu*", "mu_star"), ("sigma", "sigma"), ("mu", "mu")):
            assert ((shown[column] - written[name]).abs() <= 1e-5 * written[name].abs().clip(lower=1)).all()
        assert (ROOT / "docs" / "sensitivity" / f"sensitivity-{outcome}.png").stat().st_size > 1000


def test_the_command_is_the_experiment_described():
    experiment = load_experiment(ROOT / "scenarios" / "experiments" / "levers_morris.toml")
    assert "ngosim sweep scenarios/experiments/levers_morris.toml" in DOC.read_text()
    assert experiment.design == "morris" and experiment.samples == 10 and experiment.replicates == 2
    assert experiment.scale == 1.0 and len(experiment.factors) == 8
    runs = int(re.search(r"(\d+) runs planned", DOC.read_text()).group(1))
    assert runs == len(experiment.runs())
