"""Calibration targets (sim/data/calibration_targets.csv) and how a run is held against them.

Each target names a date, a quantity and a kind; `role` says whether it is fitted, held out
for validation, or context only (before the run starts). The model's value for a target is
its output at the end of the step that holds the target's date; at a reduced scale the
target is thinned by the scale rather than the model multiplied up.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

CONFIDENCE_WEIGHTS = {"high": 1.0, "medium": 0.5, "low": 0.25}


@lru_cache(maxsize=1)
def load_targets() -> pd.DataFrame:
    """The targets with a key per row (e.g. 'registered/gongo/2012-12-31') and its output column."""
    text = resources.files("sim.data").joinpath("calibration_targets.csv").read_text()
    table = pd.read_csv(StringIO(text))
    table["key"] = table["quantity"] + "/" + table["kind"] + "/" + table["date"]
    table["column"] = [column_for(q, k) for q, k in zip(table["quantity"], table["kind"], strict=True)]
    table["weight"] = table["confidence"].map(CONFIDENCE_WEIGHTS)
    return table


def column_for(quantity: str, kind: str) -> str:
    """The time-series column that a target's quantity and kind correspond to."""
    if quantity == "registered":
        return "registered_all" if kind == "all" else f"registered_{kind}"
    if quantity == "unregistered":
        return "unregistered_grassroots"
    if quantity == "internationalised":
        return f"internationalised_{kind}"
    if quantity == "ecosoc_status":
        if kind == "all_mainland":
            return "consultative_all"
        return "world_status_all" if kind == "world" else f"consultative_{kind.removeprefix('mainland_')}"
    if quantity == "ecosoc_share":
        return f"share_consultative_{kind.removeprefix('mainland_')}"
    if quantity == "upr_submissions":
        return {"all_origins": "upr_review_all", "all_mainland": "upr_review_mainland"}.get(
            kind, f"upr_review_{kind.removeprefix('mainland_')}"
        )
    raise ValueError(f"no model output for quantity {quantity!r}")


SHARE_FLOOR = 0.1  # the smallest denominator of a share's relative error
SHARES = ("share_consultative_general", "share_consultative_special", "share_consultative_roster")


def derived_columns(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The run's outputs plus the sums and shares some targets are stated in: the world's status holders
    (the mainland included), a review's reports from the mainland and from everywhere, and each
    status category's share of the mainland's holders."""
    ts = timeseries
    mainland = ts["upr_review_gongo"] + ts["upr_review_grassroots"] + ts["upr_review_foundation"]
    held = ts["consultative_all"].where(ts["consultative_all"] > 0)
    return ts.assign(
        world_status_all=ts["world_status"] + ts["consultative_all"],
        upr_review_mainland=mainland,
        upr_review_all=mainland + ts["upr_review_foreign"],
        **{share: ts[share.removeprefix("share_")] / held for share in SHARES},
    )


def model_values(timeseries: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """The run's value for each target whose date falls within the run (NaN for the others)."""
    ends = pd.to_datetime(timeseries["date"]).to_numpy()
    step = ends[1] - ends[0] if len(ends) > 1 else np.timedelta64(92, "D")
    start = ends[0] - step  # about the day before the run's first day
    series = derived_columns(timeseries)
    values = []
    for date, column in zip(pd.to_datetime(targets["date"]).to_numpy(), targets["column"], strict=True):
        index = int(np.searchsorted(ends, date))  # the first step ending on or after the date
        inside = start < date and index < len(ends)
        values.append(float(series[column].iloc[index]) if inside else np.nan)
    return pd.Series(values, index=targets["key"].to_numpy())


def relative_errors(mean: pd.Series, targets: pd.DataFrame, scale: float) -> pd.Series:
    """Relative error of the model's mean against each target (a count thinned by the scale; a share
    is not thinned).

    A target given as a range (low-high) has error 0 inside it and the relative distance to
    the nearer bound outside it. A count of zero is measured against one organisation, and a
    share against at least SHARE_FLOOR (so that one organisation more on the roster of 2016, a
    share of 1/40, is not an error of 100%).
    """
    target = targets.set_index("key")
    share = (target["quantity"] == "ecosoc_share").to_numpy()
    thinning = np.where(share, 1.0, scale)
    value = target["value"] * thinning
    low = target["low"].fillna(target["value"]) * thinning
    high = target["high"].fillna(target["value"]) * thinning
    m = mean.reindex(target.index)
    below = (low - m).clip(lower=0) / low
    above = (m - high).clip(lower=0) / high
    point = (m - value) / np.maximum(value, np.where(share, SHARE_FLOOR, thinning))
    ranged = target["low"].notna() | target["high"].notna()
    return pd.Series(np.where(ranged, above - below, point), index=target.index)


BEYOND_TOLERANCE = 10.0  # how much more a squared error beyond a stage's tolerance costs


def loss(mean: pd.Series, targets: pd.DataFrame, scale: float, tolerance: float | None = None) -> float:
    """Confidence-weighted mean of squared relative errors over the given targets.

    With a `tolerance`, the part of an error beyond it costs BEYOND_TOLERANCE times more again:
    a plain mean of squares trades one large miss for many small gains, while the acceptance
    criteria ask that every target be within a bound."""
    errors = relative_errors(mean, targets, scale)
    weights = targets.set_index("key")["weight"].reindex(errors.index)
    ok = errors.notna()
    cost = errors[ok] ** 2
    if tolerance is not None:
        cost = cost + BEYOND_TOLERANCE * (errors[ok].abs() - tolerance).clip(lower=0.0) ** 2
    return float((weights[ok] * cost).sum() / weights[ok].sum())
