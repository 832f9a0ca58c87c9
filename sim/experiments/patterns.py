"""The qualitative patterns the history run must show (issue 4; docs/ODD.md section 1), each
checked on one run's time series. The fit report and the tests use the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

FEW_DOZEN = (20, 80)  # "a few dozen" status holders, read generously: about 2-6 dozen
HANDFUL = (1, 8)  # "a handful" of status holders before 2000


@dataclass(frozen=True)
class Verdict:
    """One pattern on one run: the figure it rests on and whether the pattern holds."""

    figure: float
    holds: bool


def _at(ts: pd.DataFrame, date: str, column: str) -> float:
    return float(ts.loc[ts["date"] == date, column].iloc[0])


def draw_level_around_2015(ts: pd.DataFrame, scale: float) -> Verdict:
    """G-R NGOs draw level with GONGOs around 2015: registered G-R NGOs per GONGO at the end of
    2015 within 0.85-1.2, and clearly behind (below 0.95) a decade earlier."""
    ratio = _at(ts, "2015-12-31", "registered_grassroots") / _at(ts, "2015-12-31", "registered_gongo")
    earlier = _at(ts, "2005-12-31", "registered_grassroots") / _at(ts, "2005-12-31", "registered_gongo")
    return Verdict(ratio, 0.85 <= ratio <= 1.2 and earlier < 0.95)


def gongos_abroad_two_orders_ahead(ts: pd.DataFrame, scale: float) -> Verdict:
    """Internationalised GONGOs outnumber internationalised G-R NGOs by about two orders of
    magnitude in 2013 and 2014: at least 30 times as many (none of either counts as one)."""
    ratios = [
        _at(ts, f"{year}-12-31", "internationalised_gongo")
        / max(_at(ts, f"{year}-12-31", "internationalised_grassroots"), 1.0)
        for year in (2013, 2014)
    ]
    return Verdict(min(ratios), min(ratios) >= 30)


def first_status_holder_is_a_gongo_mid_1990s(ts: pd.DataFrame, scale: float) -> Verdict:
    """The first mainland NGO in ECOSOC status is a GONGO, in 1995-1998 (figure: its year)."""
    held = ts[ts["consultative_all"] > 0]
    if held.empty:
        return Verdict(float("nan"), False)
    first = held.iloc[0]
    year = int(str(first["date"])[:4])
    return Verdict(year, 1995 <= year <= 1998 and first["consultative_gongo"] == first["consultative_all"])


def status_holders_handful_to_few_dozen(ts: pd.DataFrame, scale: float) -> Verdict:
    """Mainland status holders grow from a handful (1-8) at the end of 1999 to a few dozen
    (20-80) at the end of 2016, both times the scale (figure: the 2016 count)."""
    before = _at(ts, "1999-12-31", "consultative_all")
    after = _at(ts, "2016-12-31", "consultative_all")
    return Verdict(
        after,
        HANDFUL[0] * scale <= before <= HANDFUL[1] * scale and FEW_DOZEN[0] * scale <= after <= FEW_DOZEN[1] * scale,
    )


PATTERNS: dict[str, tuple[str, Callable[[pd.DataFrame, float], Verdict]]] = {
    "G-R NGOs draw level with GONGOs around 2015": ("registered G-R NGOs per GONGO, 2015", draw_level_around_2015),
    "internationalised GONGOs ~100x internationalised G-R NGOs, 2013-2014": (
        "smaller of the two ratios",
        gongos_abroad_two_orders_ahead,
    ),
    "first mainland status holder: a GONGO in the mid-1990s": (
        "year of the first",
        first_status_holder_is_a_gongo_mid_1990s,
    ),
    "status holders: a handful before 2000, a few dozen by 2016": (
        "status holders at the end of 2016",
        status_holders_handful_to_few_dozen,
    ),
}


def pattern_table(runs: list[pd.DataFrame], scale: float) -> pd.DataFrame:
    """Each pattern over the runs: its figure (mean and range) and in how many runs it holds."""
    rows = []
    for name, (figure, check) in PATTERNS.items():
        verdicts = [check(ts, scale) for ts in runs]
        values = pd.Series([v.figure for v in verdicts], dtype=float)
        held = sum(v.holds for v in verdicts)
        rows.append(
            (
                name,
                f"{figure}: {values.mean():.4g} [{values.min():.4g}, {values.max():.4g}]",
                f"{held} of {len(runs)} runs",
            )
        )
    return pd.DataFrame(rows, columns=["pattern", "model (mean [min, max])", "holds"]).set_index("pattern")
