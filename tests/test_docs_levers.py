"""docs/levers.md shows the comparison `ngosim compare` wrote: its table is the CSV beside it, the
levers move their outcomes the way the page says (each 95% interval excluding 0), its figures
exist, and its command names the presets, replicates and scale it describes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "levers.md"
FOLDER = ROOT / "docs" / "levers"
END = "2035-12-31"
PRESETS = ("status_quo", "open_registration", "lift_objections", "inclusive_support", "open_all", "tightening")


def written() -> pd.DataFrame:
    """The comparison's CSV, at the end of the runs, one row per scenario x outcome."""
    table = pd.read_csv(FOLDER / "comparison.csv")
    table = table[table["date"].astype(str).str.startswith(END[:4])]
    return table.set_index(["scenario", "outcome"])


def shown() -> pd.DataFrame:
    """The doc's table of effects, as numbers."""
    text = DOC.read_text().split("<!-- levers:table:start -->")[1].split("<!-- levers:table:end -->")[0]
    rows = [line.strip().strip("|").split("|") for line in text.strip().splitlines()]
    header = [c.strip() for c in rows[0]]
    records = []
    for cells in rows[2:]:
        row = dict(zip(header, (c.strip().strip("`") for c in cells), strict=True))
        low, high = (float(x) for x in row["95% interval"].strip("[]").split(","))
        records.append(
            {
                "scenario": row["scenario"],
                "outcome": row["outcome"],
                "mean": float(row["mean"]),
                "diff": float(row["difference"]),
                "diff_low": low,
                "diff_high": high,
            }
        )
    return pd.DataFrame(records).set_index(["scenario", "outcome"])


def close(a: float, b: float) -> bool:
    """Equal to the doc's rounding: three decimals below 1, one decimal up to 1,000, whole above."""
    return abs(a - b) <= (0.0006 if abs(b) < 1 else 0.051 if abs(b) < 1000 else 0.51)


def test_the_table_is_the_comparison_output():
    doc, csv = shown(), written()
    assert len(doc) >= 12
    for key, row in doc.iterrows():
        assert key in csv.index, key
        columns = ("mean",) if key[0] == "status_quo" else ("mean", "diff", "diff_low", "diff_high")
        for column in columns:
            assert close(row[column], float(csv.loc[key, column])), (key, column, row[column], csv.loc[key, column])


@pytest.mark.parametrize(
    ("scenario", "outcome", "sign"),
    [
        ("lift_objections", "consultative_grassroots", +1),
        ("inclusive_support", "internationalised_grassroots", +1),
        ("open_registration", "registered_grassroots", +1),
        ("tightening", "internationalised_grassroots", -1),
        ("tightening", "consultative_grassroots", -1),
    ],
)
def test_each_lever_moves_its_outcome_with_an_interval_excluding_zero(scenario: str, outcome: str, sign: int):
    row = written().loc[(scenario, outcome)]
    assert row["n"] >= 20 and row["reference"] == "status_quo"
    assert (row["diff_low"] > 0) if sign > 0 else (row["diff_high"] < 0), row.to_dict()


def test_the_presets_end_with_different_trust():
    trust = written().xs("trust_grassroots", level="outcome")["mean"]
    assert set(PRESETS) <= set(trust.index)
    assert trust.round(3).nunique() >= 4


def test_the_command_and_figures_are_the_comparison_described():
    text = DOC.read_text()
    command = re.search(r"ngosim compare ([^\n`]+)", text).group(1)
    for preset in PRESETS:
        assert f"scenarios/{preset}.toml" in command
    assert "--replicates 20" in command and "--scale 1.0" in command and "--reference status_quo" in command
    assert (written()["n"] >= 20).all()
    for image in re.findall(r"\((levers/[\w.-]+\.png)\)", text):
        assert (ROOT / "docs" / image).stat().st_size > 1000, image
    assert re.findall(r"\((levers/[\w.-]+\.png)\)", text)


def test_the_table_across_the_2010_shift_is_the_stratified_comparison():
    """The effects of lifting objections at four values of veto_2010 are the comparison the page's commands
    wrote (copied beside the page), one paired comparison per value; as the page says, they grow with
    the veto left to lift, and at the shifts nearest the calibrated one they exclude 0."""
    table = pd.read_csv(FOLDER / "lift_objections_by_veto_2010.csv").set_index(["outcome", "stratum", "scenario"])
    text = DOC.read_text().split("<!-- levers:veto:start -->")[1].split("<!-- levers:veto:end -->")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.strip().splitlines()[2:]]
    assert len(rows) == 4
    for shift, objecting, status_quo_status, status_diff, status_quo_abroad, abroad_diff in rows:
        stratum = f"veto_2010={float(shift)!r}"
        assert close(float(objecting), 1 + float(shift))
        for outcome, level, cell in (
            ("consultative_grassroots", status_quo_status, status_diff),
            ("internationalised_grassroots", status_quo_abroad, abroad_diff),
        ):
            reference = table.loc[(outcome, stratum, "status_quo")]
            lifted = table.loc[(outcome, stratum, "lift_objections")]
            assert reference["n"] == 20 and lifted["n"] == 20
            assert close(float(level), reference["mean"])
            diff, low, high = (float(x) for x in re.findall(r"[-+]?\d+\.?\d*", cell))
            for shown, value in ((diff, lifted["diff"]), (low, lifted["diff_low"]), (high, lifted["diff_high"])):
                assert close(shown, value), (stratum, outcome, shown, value)
    for outcome in ("consultative_grassroots", "internationalised_grassroots"):
        lifted = table.xs((outcome, "lift_objections"), level=("outcome", "scenario"))
        effects = [lifted.loc[f"veto_2010={float(row[0])!r}", "diff"] for row in rows]
        assert effects == sorted(effects), (outcome, effects)
        for shift in ("-0.82", "-0.69"):
            assert lifted.loc[f"veto_2010={float(shift)!r}", "diff_low"] > 0, (outcome, shift)
