"""Paired comparison of scenarios over common-random-number replicates: the difference a lever makes, and how sure we are.

Every scenario is run with the same replicate seeds, so the replicate noise is shared and the
difference ``scenario - reference`` is estimated seed by seed. The methods are in docs/analysis.md.
"""

from __future__ import annotations

import math
import numbers
import zlib
from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import stats

METHODS = ("bootstrap", "t")
ADJUSTMENTS = (None, "bonferroni")
REQUIRED_COLUMNS = ("scenario", "seed", "outcome", "date", "value")
MIN_SEEDS = 5
MAX_REPLICATES_NEEDED = 10_000

MULTIPLE_COMPARISONS_NOTE = (
    "Each interval is a separate 95% statement by default: among k differences that are truly zero, "
    "about 5% of the k intervals will exclude 0 by chance alone, so with many scenarios, outcomes and "
    "dates a few 'clear' differences are expected even when no lever matters. "
    "The Bonferroni option, paired_comparison(..., adjust='bonferroni'), widens every interval to level 1 - (1 - level)/k, "
    "which keeps the chance of any false exclusion of 0 below 1 - level."
)

COLUMNS = (
    "outcome",
    "date",
    "scenario",
    "reference",
    "is_reference",
    "n",
    "mean",
    "mean_low",
    "mean_high",
    "diff",
    "diff_low",
    "diff_high",
    "sd_diff",
    "pairing_corr",
    "spans_zero",
    "too_wide",
    "replicates_needed",
    "method",
    "level",
    "adjust",
)


def paired_comparison(
    values: pd.DataFrame,
    reference: str,
    *,
    method: str = "bootstrap",
    level: float = 0.95,
    n_boot: int = 10_000,
    seed: int = 0,
    adjust: str | None = None,
) -> pd.DataFrame:
    """One row per (outcome, date, scenario): the scenario's mean and its paired difference from the reference, with intervals."""
    _check_arguments(values, reference, method, level, n_boot, adjust)
    data = values.dropna(subset=["value"])
    groups = list(data.groupby(["outcome", "date"], sort=False))
    scenarios = _scenario_order(values, reference)
    k = max(1, len(groups) * (len(scenarios) - 1))
    used_level = 1 - (1 - level) / k if adjust == "bonferroni" else level
    rows = []
    for (outcome, date), group in groups:
        wide = group.pivot(index="seed", columns="scenario", values="value")
        for scenario in scenarios:
            if scenario not in wide.columns:
                continue
            pair = wide.reindex(columns=list(dict.fromkeys([reference, scenario]))).dropna()
            stream = _stream(seed, outcome, date, scenario)
            row = _row(pair, reference, scenario, method, used_level, n_boot, stream)
            rows.append({"outcome": outcome, "date": date, **row})
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["method"] = method
    table["level"] = used_level
    table["adjust"] = adjust
    return table.astype({"spans_zero": bool, "too_wide": bool, "is_reference": bool, "n": int})


def _check_arguments(
    values: pd.DataFrame, reference: str, method: str, level: float, n_boot: int, adjust: str | None
) -> None:
    """Reject bad input with a message naming the field and the allowed values."""
    missing = [c for c in REQUIRED_COLUMNS if c not in values.columns]
    if missing:
        raise ValueError(f"values: missing column(s) {missing}; required columns are {list(REQUIRED_COLUMNS)}")
    if method not in METHODS:
        raise ValueError(f"method: unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if adjust not in ADJUSTMENTS:
        raise ValueError(f"adjust: unknown adjustment {adjust!r}; allowed: None, 'bonferroni'")
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level: {level!r} must be a number strictly between 0 and 1 (e.g. 0.95)")
    if n_boot < 100:
        raise ValueError(f"n_boot: {n_boot} bootstrap resamples are too few; use at least 100")
    scenarios = list(pd.unique(values["scenario"]))
    if reference not in scenarios:
        raise ValueError(f"reference: unknown scenario {reference!r}; scenarios in the table: {scenarios}")
    keys = ["scenario", "seed", "outcome", "date"]
    duplicated = values.duplicated(subset=keys, keep=False)
    if duplicated.any():
        first = values.loc[duplicated, keys].iloc[0].to_dict()
        raise ValueError(f"values: more than one value for {first}; expected one per scenario x seed x outcome x date")


def _scenario_order(values: pd.DataFrame, reference: str) -> list[Hashable]:
    """The reference first, then the other scenarios in order of appearance."""
    return [reference, *(s for s in pd.unique(values["scenario"]) if s != reference)]


def _stream(seed: int, *key: object) -> np.random.Generator:
    """A random stream fixed by the seed and the row's key, so adding a scenario leaves other rows unchanged."""
    tag = zlib.crc32("\x1f".join(str(part) for part in key).encode())
    return np.random.default_rng([seed, tag])


def _row(
    pair: pd.DataFrame,
    reference: str,
    scenario: Hashable,
    method: str,
    level: float,
    n_boot: int,
    rng: np.random.Generator,
) -> dict[str, object]:
    """Statistics of one scenario against the reference over the seeds both have."""
    is_reference = scenario == reference
    values = pair[scenario].to_numpy(float)
    diffs = np.zeros_like(values) if is_reference else values - pair[reference].to_numpy(float)
    n = len(values)
    (mean_low, mean_high), (diff_low, diff_high) = _intervals(values, diffs, method, level, n_boot, rng)
    diff = float(diffs.mean()) if n else math.nan
    sd_diff = float(diffs.std(ddof=1)) if n > 1 else math.nan
    pairing_corr = _correlation(values, pair[reference].to_numpy(float))
    if is_reference:
        diff_low = diff_high = sd_diff = 0.0
        diff = 0.0
    spans_zero = not is_reference and not (diff_low > 0 or diff_high < 0)
    return {
        "scenario": scenario,
        "reference": reference,
        "is_reference": is_reference,
        "n": n,
        "mean": float(values.mean()) if n else math.nan,
        "mean_low": mean_low,
        "mean_high": mean_high,
        "diff": diff,
        "diff_low": diff_low,
        "diff_high": diff_high,
        "sd_diff": sd_diff,
        "pairing_corr": pairing_corr,
        "spans_zero": spans_zero,
        "too_wide": not is_reference and (spans_zero or n < MIN_SEEDS),
        "replicates_needed": replicates_needed(diff, sd_diff, level),
    }


def _correlation(values: np.ndarray, reference: np.ndarray) -> float:
    """Pearson correlation over the paired seeds of a scenario's values with the reference's: how much
    the common random numbers still pair the runs (NaN with fewer than three seeds or a constant side)."""
    if len(values) < 3 or values.std() == 0 or reference.std() == 0:
        return math.nan
    return float(np.corrcoef(values, reference)[0, 1])


def _intervals(
    values: np.ndarray, diffs: np.ndarray, method: str, level: float, n_boot: int, rng: np.random.Generator
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Intervals for the mean and the mean paired difference (NaN with fewer than two seeds)."""
    n = len(values)
    if n < 2:
        return (math.nan, math.nan), (math.nan, math.nan)
    alpha = 1 - level
    if method == "t":
        return _t_interval(values, alpha), _t_interval(diffs, alpha)
    picks = rng.integers(0, n, size=(n_boot, n))
    quantiles = [alpha / 2, 1 - alpha / 2]
    mean_q = np.quantile(values[picks].mean(axis=1), quantiles)
    diff_q = np.quantile(diffs[picks].mean(axis=1), quantiles)
    return (float(mean_q[0]), float(mean_q[1])), (float(diff_q[0]), float(diff_q[1]))


def _t_interval(sample: np.ndarray, alpha: float) -> tuple[float, float]:
    """Student t interval for the mean of a sample."""
    n = len(sample)
    half = stats.t.ppf(1 - alpha / 2, n - 1) * sample.std(ddof=1) / math.sqrt(n)
    centre = float(sample.mean())
    return centre - half, centre + half


def replicates_needed(diff: float, sd_diff: float, level: float) -> float:
    """Smallest number of paired seeds whose t interval half-width is below |diff| (NaN if diff or sd is 0, capped)."""
    if not (np.isfinite(diff) and np.isfinite(sd_diff)) or diff == 0 or sd_diff == 0:
        return math.nan
    ratio = sd_diff / abs(diff)
    q = 1 - (1 - level) / 2
    n = max(2, math.ceil((stats.norm.ppf(q) * ratio) ** 2))
    while n < MAX_REPLICATES_NEEDED and stats.t.ppf(q, n - 1) * ratio / math.sqrt(n) >= 1:
        n += 1
    return float(min(n, MAX_REPLICATES_NEEDED))


def multiple_comparisons_note(table: pd.DataFrame) -> str:
    """The multiple-comparisons sentence for this table: how many intervals, and how many false exclusions to expect."""
    k = int((~table["is_reference"]).sum())
    level = float(table["level"].iloc[0]) if len(table) else 0.95
    expected = k * (1 - level)
    adjusted = table["adjust"].iloc[0] if len(table) else None
    how = "Bonferroni-adjusted" if adjusted == "bonferroni" else "unadjusted"
    return (
        f"{k} difference intervals at level {level:.4g} ({how}): if no lever mattered, about {expected:.2g} of "
        f"them would exclude 0 by chance. " + MULTIPLE_COMPARISONS_NOTE
    )


def warnings_for(table: pd.DataFrame) -> list[str]:
    """Human sentences for the differences that are too uncertain to read: the interval spans 0 or too few seeds."""
    sentences = []
    for row in table[table["too_wide"] & ~table["is_reference"]].itertuples(index=False):
        where = f" ({row.stratum})" if getattr(row, "stratum", "") else ""
        head = (
            f"{row.scenario} - {row.reference}{where}, {row.outcome} at {row.date}: "
            f"{format_number(row.diff, signed=True)} [{format_number(row.diff_low)}, {format_number(row.diff_high)}]"
        )
        if row.n < 2:
            sentences.append(f"{head} rests on {row.n} paired seed(s); no interval can be given")
        elif row.spans_zero:
            sentences.append(f"{head} spans 0 with {row.n} paired seeds; {_advice(row.replicates_needed, row.n)}")
        else:
            sentences.append(f"{head} excludes 0 but rests on only {row.n} paired seeds; use at least {MIN_SEEDS}")
    return sentences


def _advice(needed: float, n: int) -> str:
    """What more replicates would (or would not) do for an interval that spans 0."""
    if not np.isfinite(needed):
        return "the scenarios do not differ in these runs"
    if needed >= MAX_REPLICATES_NEEDED:
        return f"even {MAX_REPLICATES_NEEDED:,} would hardly narrow it: the effect, if any, is small against the noise"
    if needed <= n:
        return "the difference is near the edge of its interval; a few more seeds would settle it"
    return f"about {int(needed)} would narrow it to exclude 0 if the effect is real"


def format_number(x: float, *, signed: bool = False) -> str:
    """Three significant figures, no exponent, thousands separated, no trailing zeros: for sentences and tables."""
    if not np.isfinite(x):
        return "nan"
    sign = "+" if signed and x > 0 else ""
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{sign}{int(x):,}"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    return sign + (text.rstrip("0").rstrip(".") if "." in text else text)
