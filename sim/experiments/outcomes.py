"""The outcomes by which runs are summarised and compared: end-of-run values and run totals."""

from __future__ import annotations

import pandas as pd

# outcome key -> (time-series column, "end" or "total", label for people)
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "registered_gongo": ("registered_gongo", "end", "registered GONGOs"),
    "registered_grassroots": ("registered_grassroots", "end", "registered G-R NGOs"),
    "registered_foundation": ("registered_foundation", "end", "registered foundations"),
    "unregistered_grassroots": ("unregistered_grassroots", "end", "unregistered G-R groups"),
    "internationalised_gongo": ("internationalised_gongo", "end", "internationalised GONGOs"),
    "internationalised_grassroots": ("internationalised_grassroots", "end", "internationalised G-R NGOs"),
    "internationalised_foundation": ("internationalised_foundation", "end", "internationalised foundations"),
    "consultative_gongo": ("consultative_gongo", "end", "GONGOs in ECOSOC status"),
    "consultative_grassroots": ("consultative_grassroots", "end", "G-R NGOs in ECOSOC status"),
    "consultative_foundation": ("consultative_foundation", "end", "foundations in ECOSOC status"),
    "consultative_all": ("consultative_all", "end", "mainland organisations in ECOSOC status"),
    "trust_grassroots": ("trust_grassroots", "end", "state's trust in G-R NGOs"),
    "coalitions": ("coalitions", "end", "coalitions of G-R NGOs"),
    "objections_grassroots_total": ("objections_grassroots", "total", "objections to G-R NGOs (whole run)"),
    "objections_gongo_total": ("objections_gongo", "total", "objections to GONGOs (whole run)"),
    "upr_submissions_grassroots_total": (
        "upr_submissions_grassroots",
        "total",
        "UPR submissions by G-R NGOs (whole run)",
    ),
    "upr_submissions_gongo_total": ("upr_submissions_gongo", "total", "UPR submissions by GONGOs (whole run)"),
}


def outcomes(timeseries: pd.DataFrame) -> dict[str, float]:
    """Each outcome of one run: the column's value at the end, or its total over the run."""
    last = timeseries.iloc[-1]
    return {
        key: float(last[column] if how == "end" else timeseries[column].sum())
        for key, (column, how, _) in OUTCOMES.items()
    }


def label(key: str) -> str:
    """The readable name of an outcome (the key itself if it has none)."""
    return OUTCOMES[key][2] if key in OUTCOMES else key


def summarise(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One run's outcomes as a readable table, labelled with the run's last date."""
    values = outcomes(timeseries)
    column = f"value at {timeseries.iloc[-1]['date']}"
    return pd.DataFrame({"outcome": [label(k) for k in values], column: list(values.values())}).set_index("outcome")
