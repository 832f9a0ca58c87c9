"""docs/calibration.md shows the parameter screening that `ngosim sensitivity` wrote: its table is the
CSV files beside it, and the plan fits exactly the parameters the doc lists."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sim.experiments.calibration.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "calibration.md"
SCREENING = ROOT / "docs" / "calibration" / "screening"
NOISE = ("world_suspension", "signal_un_event", "upr_cycle_years", "roster_access")


def test_the_screening_table_is_the_analysis_output():
    table = DOC.read_text().split("<!-- screening:start -->")[1].split("<!-- screening:end -->")[0]
    rows = [line for line in table.strip().splitlines()[2:]]
    assert len(rows) == len(list(SCREENING.glob("sensitivity-*.csv")))
    for row in rows:
        outcome = re.search(r"\(`(\w+)`\) \|", row).group(1)
        written = pd.read_csv(SCREENING / f"sensitivity-{outcome}.csv").set_index("factor")
        ranked = written.sort_values("mu_star", ascending=False)
        shown = re.findall(r"`(\w+)` ([\d.e+-]+)", row.split("|")[2])
        assert [name for name, _ in shown] == list(ranked.index[:6])
        for name, value in shown:
            assert float(value) == float(f"{written.loc[name, 'mu_star']:.3g}")
        floor = float(row.split("|")[3])
        assert floor == float(f"{written.loc[list(NOISE), 'mu_star'].max():.3g}")
        assert (SCREENING / f"sensitivity-{outcome}.png").stat().st_size > 1000
    assert set(written.index) >= set(NOISE)


def test_the_doc_lists_the_fitted_parameters_of_the_plan():
    plan = load_plan(ROOT / "scenarios" / "calibration.toml")
    section = DOC.read_text().split("## Which parameters are fitted")[1].split("Fixed instead")[0]
    for stage in plan.stages:
        row = re.search(rf"^\| `{stage.name}` \| (.*?) \|", section, flags=re.MULTILINE).group(1)
        assert set(re.findall(r"`(\w+)`", row)) == set(stage.parameters), stage.name
    assert sum(len(stage.parameters) for stage in plan.stages) == 20
