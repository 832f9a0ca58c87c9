"""Sobol and Morris sensitivity indices via SALib, with checks that the outputs belong to the design that was sampled.

SALib analyses rows by position: a sample drawn with other settings than the analysis assumes gives
indices without any error. So samples are drawn only here, and the analysis regenerates the sample
from the same settings and compares it with the one it is given.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample_module
from SALib.sample import sobol as sobol_sample_module

REPLICATES_NOTE = (
    "replicates are averaged per design point before analysis "
    "(common random numbers: every point uses the same replicate seeds)"
)


class DesignMismatch(ValueError):
    """The outputs or the sample do not fit the design the analysis was told about."""


def _check_problem(problem: dict) -> int:
    """The number of factors of a SALib problem, after checking its fields."""
    for key in ("num_vars", "names", "bounds"):
        if key not in problem:
            raise ValueError(f"problem: missing field {key!r}; a SALib problem needs num_vars, names and bounds")
    d = int(problem["num_vars"])
    if len(problem["names"]) != d or len(problem["bounds"]) != d:
        raise ValueError(
            f"problem: num_vars is {d} but there are {len(problem['names'])} names and {len(problem['bounds'])} bounds"
        )
    if problem.get("groups") not in (None, list(problem["names"])):
        raise ValueError("problem: factor groups are not supported; give one factor per name")
    return d


def _copy(problem: dict) -> dict:
    """A copy for SALib, which adds fields to the problem it is given."""
    return copy.deepcopy(problem)


def _check_power_of_two(n_base: int) -> None:
    """Sobol' sequences keep their balance only for a power-of-two number of base samples."""
    if not isinstance(n_base, int | np.integer) or n_base < 2 or n_base & (n_base - 1):
        raise DesignMismatch(f"n_base: {n_base!r} is not a power of 2 (allowed: 2, 4, 8, ..., e.g. 64, 1024)")


def sobol_rows(d: int, n_base: int, calc_second_order: bool) -> int:
    """Rows of a Saltelli/Sobol' design: N*(2D+2) with second-order indices, N*(D+2) without."""
    return n_base * (2 * d + 2 if calc_second_order else d + 2)


def sobol_sample(problem: dict, n_base: int, *, calc_second_order: bool, seed: int) -> np.ndarray:
    """The Sobol' (Saltelli) design for a problem: the one place such samples are drawn."""
    _check_problem(problem)
    _check_power_of_two(n_base)
    return sobol_sample_module.sample(_copy(problem), n_base, calc_second_order=calc_second_order, seed=seed)


def morris_sample(problem: dict, trajectories: int, *, num_levels: int, seed: int) -> np.ndarray:
    """The Morris design (trajectories x (D+1) rows) for a problem: the one place such samples are drawn."""
    _check_problem(problem)
    if trajectories < 2:
        raise DesignMismatch(f"trajectories: {trajectories} is too few for Morris; use at least 2 (typically 10-50)")
    if num_levels < 2 or num_levels % 2:
        raise DesignMismatch(f"num_levels: {num_levels} must be an even number of grid levels >= 2 (e.g. 4)")
    return morris_sample_module.sample(_copy(problem), trajectories, num_levels=num_levels, seed=seed)


def _check_outputs(X: np.ndarray, Y: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """X as rows x factors and Y as one finite value per row."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or X.shape[1] != d:
        raise DesignMismatch(f"X: shape {X.shape} does not have one column per factor ({d} factors)")
    if Y.ndim != 1 or len(Y) != len(X):
        raise DesignMismatch(f"Y: shape {Y.shape} does not give one value per row of X ({len(X)} rows)")
    bad = np.flatnonzero(~np.isfinite(Y))
    if len(bad):
        raise DesignMismatch(
            f"Y: {len(bad)} missing or infinite value(s), first at row {bad[0]}; every run must finish"
        )
    return X, Y


def _check_same_sample(X: np.ndarray, expected: np.ndarray, what: str) -> None:
    """The given sample must be the one the settings regenerate, row for row."""
    if X.shape != expected.shape or not np.allclose(X, expected):
        raise DesignMismatch(
            f"X: the sample is not the {what} design; rows reordered, another seed, or other sampling settings"
        )


def sobol_indices(
    problem: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    calc_second_order: bool,
    n_base: int,
    seed: int,
    conf_level: float = 0.95,
    num_resamples: int = 1000,
) -> pd.DataFrame:
    """First-order and total Sobol' indices per factor (S1, S1_conf, ST, ST_conf); second order in attrs['S2']."""
    d = _check_problem(problem)
    _check_power_of_two(n_base)
    X, Y = _check_outputs(X, Y, d)
    expected_rows = sobol_rows(d, n_base, calc_second_order)
    if len(Y) != expected_rows:
        other = sobol_rows(d, n_base, not calc_second_order)
        hint = f"; {other} rows would fit calc_second_order={not calc_second_order}" if len(Y) == other else ""
        raise DesignMismatch(
            f"Y: {len(Y)} rows, but n_base={n_base}, {d} factors and calc_second_order={calc_second_order} "
            f"give {expected_rows}{hint}"
        )
    expected = sobol_sample(problem, n_base, calc_second_order=calc_second_order, seed=seed)
    _check_same_sample(X, expected, f"Sobol' (n_base={n_base}, calc_second_order={calc_second_order}, seed={seed})")
    result = sobol_analyze.analyze(
        _copy(problem),
        Y,
        calc_second_order=calc_second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        print_to_console=False,
        seed=seed,
    )
    names = list(problem["names"])
    table = pd.DataFrame({key: result[key] for key in ("S1", "S1_conf", "ST", "ST_conf")}, index=names)
    table.index.name = "factor"
    if calc_second_order:
        table.attrs["S2"] = pd.DataFrame(result["S2"], index=names, columns=names)
        table.attrs["S2_conf"] = pd.DataFrame(result["S2_conf"], index=names, columns=names)
    table.attrs["method"] = "sobol"
    return table


def morris_indices(
    problem: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    num_levels: int,
    seed: int,
    conf_level: float = 0.95,
    num_resamples: int = 1000,
) -> pd.DataFrame:
    """Morris elementary-effect statistics per factor (mu, mu_star, mu_star_conf, sigma)."""
    d = _check_problem(problem)
    X, Y = _check_outputs(X, Y, d)
    if len(Y) % (d + 1):
        raise DesignMismatch(f"Y: {len(Y)} rows is not a whole number of Morris trajectories of {d + 1} rows")
    trajectories = len(Y) // (d + 1)
    expected = morris_sample(problem, trajectories, num_levels=num_levels, seed=seed)
    _check_same_sample(X, expected, f"Morris ({trajectories} trajectories, num_levels={num_levels}, seed={seed})")
    result = morris_analyze.analyze(
        _copy(problem),
        X,
        Y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        print_to_console=False,
        num_levels=num_levels,
        seed=seed,
    )
    columns = ("mu", "mu_star", "mu_star_conf", "sigma")
    table = pd.DataFrame({key: np.asarray(result[key], dtype=float) for key in columns}, index=list(problem["names"]))
    table.index.name = "factor"
    table.attrs["method"] = "morris"
    return table


def average_replicates(points: pd.DataFrame, outcome: str) -> np.ndarray:
    """The outcome averaged over replicates per design point, in point order.

    Replicates are averaged per design point before analysis (common random numbers: every point
    uses the same replicate seeds), so every point must have the same replicates and no missing value.
    """
    for column in ("point", "replicate", outcome):
        if column not in points.columns:
            raise ValueError(f"points: missing column {column!r}; required columns are point, replicate, {outcome}")
    missing = points[outcome].isna()
    if missing.any():
        where = points.loc[missing, ["point", "replicate"]].iloc[0].to_dict()
        raise DesignMismatch(f"{outcome}: {int(missing.sum())} missing value(s), first at {where}")
    if points.duplicated(subset=["point", "replicate"]).any():
        raise DesignMismatch("points: a (point, replicate) pair appears more than once")
    replicate_sets = points.groupby("point")["replicate"].agg(frozenset)
    if replicate_sets.nunique() > 1:
        full = frozenset().union(*replicate_sets)
        short = replicate_sets[replicate_sets != full]
        raise DesignMismatch(
            f"points: {len(short)} design point(s) lack some replicates (first: point {short.index[0]} "
            f"has {sorted(short.iloc[0])} of {sorted(full)}); every point needs the same replicate seeds"
        )
    labels = replicate_sets.index
    if pd.api.types.is_integer_dtype(labels) and not np.array_equal(labels, np.arange(len(labels))):
        raise DesignMismatch(
            f"points: point numbers are not 0..{len(labels) - 1} (found {len(labels)} points from {labels.min()} "
            f"to {labels.max()}); a missing point would misalign the outputs with the sample rows"
        )
    return points.groupby("point", sort=True)[outcome].mean().to_numpy(float)
