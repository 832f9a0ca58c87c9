"""PRIM scenario discovery with ema_workbench: which ranges of the factors make an outcome of interest likely.

PRIM peels a box around the runs of interest step by step; each step trades coverage (share of
the runs of interest inside the box) for density (share of the box's runs that are of interest).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TRADEOFF_COLUMNS = ("step", "coverage", "density", "mass", "n", "restricted_dimensions")
CHOICE_RULE = (
    "the peeling step with the highest coverage among those with density >= threshold "
    "(among equal coverage, the highest density)"
)


@dataclass
class Box:
    """One box: the restricted factors' limits and how well the box describes the runs of interest."""

    limits: pd.DataFrame  # index factor; columns min, max (numeric factors) and values (categorical factors)
    coverage: float
    density: float
    mass: float
    n: int
    step: int = 0


@dataclass
class Discovery:
    """The boxes PRIM found, the first box's peeling trajectory and the step chosen on it."""

    boxes: list[Box]
    tradeoff: pd.DataFrame
    chosen: int
    threshold: float
    outcome_rule: str
    tradeoffs: list[pd.DataFrame] = field(default_factory=list)
    choice_rule: str = CHOICE_RULE


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    max_boxes: int = 3,
    outcome_rule: str = "y",
) -> Discovery:
    """Find up to max_boxes PRIM boxes for the runs where y is True; stops at the first box below the threshold."""
    x, y = _check_inputs(x, y, threshold, peel_alpha, max_boxes)
    with _quiet():
        from ema_workbench.analysis.prim import Prim

        internal, names = _internal_names(x)
        prim = Prim(internal, y.astype(int), threshold=threshold, peel_alpha=peel_alpha)
        boxes, tradeoffs = [], []
        for _ in range(max_boxes):
            found = prim.find_box()
            if found is None or not found.peeling_trajectory["density"].ge(threshold).any():
                break
            tradeoff = _tradeoff(found, prim)
            step = choose_step(tradeoff, threshold)
            boxes.append(_box(found, prim, step, names))
            tradeoffs.append(tradeoff)
    if not boxes:
        raise ValueError(
            f"threshold: PRIM found no box with density >= {threshold}; the runs of interest are not concentrated "
            f"in any range of the factors (try a lower threshold)"
        )
    return Discovery(boxes, tradeoffs[0], boxes[0].step, threshold, outcome_rule, tradeoffs)


def _check_inputs(
    x: pd.DataFrame, y: np.ndarray, threshold: float, peel_alpha: float, max_boxes: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Clear messages for input PRIM cannot use; numeric columns as float64/int64, others as categories."""
    if not isinstance(x, pd.DataFrame) or x.empty or x.shape[1] == 0:
        raise ValueError("x: empty; give a table with one row per run and one column per factor")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y: {y.shape} values for {len(x)} rows of x; give one True/False per run")
    if y.dtype != bool:
        if not np.isin(y, [0, 1]).all():
            raise ValueError("y: must be True/False (or 0/1) per run, marking the runs of interest")
        y = y.astype(bool)
    if not y.any():
        raise ValueError("y: no run is of interest (all False); PRIM needs some True runs")
    if y.all():
        raise ValueError("y: every run is of interest (all True); there is nothing to tell apart")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold: {threshold} must be a density in (0, 1]")
    if not 0 < peel_alpha < 0.5:
        raise ValueError(f"peel_alpha: {peel_alpha} must be a share in (0, 0.5), e.g. 0.05")
    if max_boxes < 1:
        raise ValueError(f"max_boxes: {max_boxes} must be at least 1")
    if x.isna().any().any():
        raise ValueError(f"x: missing values in column(s) {list(x.columns[x.isna().any()])}")
    prepared = pd.DataFrame(index=range(len(x)))
    for column in x.columns:
        values = x[column].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            prepared[column] = values.astype(str).astype("category")
        elif pd.api.types.is_integer_dtype(values):
            prepared[column] = values.astype(np.int64)
        else:
            prepared[column] = values.astype(np.float64)
    return prepared, y


def _internal_names(x: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, object]]:
    """Columns renamed f0, f1, ... for PRIM (ema_workbench silently drops a column named 'scenario'), and the way back."""
    names = {f"f{i}": column for i, column in enumerate(x.columns)}
    return x.set_axis(list(names), axis=1), names


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence ema_workbench's logging and warnings while PRIM runs."""
    logger = logging.getLogger("EMA")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _restricted(limits: pd.DataFrame, initial: pd.DataFrame) -> list[str]:
    """The factors whose limits differ from the box holding all runs."""
    return [c for c in initial.columns if not all(a == b for a, b in zip(limits[c], initial[c], strict=True))]


def _tradeoff(box: object, prim: object) -> pd.DataFrame:
    """The peeling trajectory as step, coverage, density, mass, n, restricted_dimensions."""
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    return pd.DataFrame(
        {
            "step": np.arange(len(trajectory)),
            "coverage": trajectory["coverage"].astype(float),
            "density": trajectory["density"].astype(float),
            "mass": trajectory["mass"].astype(float),
            "n": trajectory["n"].astype(int),
            "restricted_dimensions": [len(_restricted(lims, prim.box_init)) for lims in box.box_lims],
        },
        columns=list(TRADEOFF_COLUMNS),
    )


def choose_step(tradeoff: pd.DataFrame, threshold: float) -> int:
    """The step with the highest coverage among those with density >= threshold (ties: highest density)."""
    dense = tradeoff[tradeoff["density"] >= threshold]
    if dense.empty:
        raise ValueError(f"threshold: no step of the trajectory reaches density {threshold}")
    best = dense.sort_values(["coverage", "density", "step"], ascending=[False, False, True])
    return int(best["step"].iloc[0])


def _box(box: object, prim: object, step: int, names: dict[str, object]) -> Box:
    """The chosen step of a PRIM box as limits of the restricted factors (original names) and its statistics."""
    limits = box.box_lims[step]
    rows = {}
    for column in _restricted(limits, prim.box_init):
        low, high = limits[column].iloc[0], limits[column].iloc[1]
        if isinstance(low, set):
            rows[names[column]] = {"min": np.nan, "max": np.nan, "values": ", ".join(sorted(map(str, low)))}
        else:
            rows[names[column]] = {"min": float(low), "max": float(high), "values": None}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["min", "max", "values"])
    table.index.name = "factor"
    stats = box.peeling_trajectory.iloc[step]
    return Box(table, float(stats["coverage"]), float(stats["density"]), float(stats["mass"]), int(stats["n"]), step)
