"""Turning yearly hazards into chances per step, and scores into shares."""

from __future__ import annotations

import math

import numpy as np

BASE_YEAR = 1995.0  # the year to which the parameters' yearly rates refer (the run's start)


def chance(hazard: np.ndarray | float, dt: float) -> np.ndarray:
    """Probability of at least one event in a step of `dt` years at a yearly `hazard` (arrays)."""
    return -np.expm1(-np.asarray(hazard, dtype=np.float64) * dt)


def chance_once(hazard: float, dt: float) -> float:
    """The same for one organisation (plain floats are much faster than numpy scalars)."""
    return -math.expm1(-hazard * dt)


def grown(rate: float, growth: float, year: float) -> float:
    """A yearly rate given for 1995, grown exponentially at `growth` a year until `year`."""
    return rate * math.exp(growth * (year - BASE_YEAR))


def ramp(elapsed: float, years: float) -> float:
    """How far (0..1) a linear ramp `years` long has come `elapsed` years after it began (a
    ramp of no length is a step at its start)."""
    if years <= 0:
        return float(elapsed >= 0)
    return min(1.0, max(0.0, elapsed / years))


def logistic(x: np.ndarray | float) -> np.ndarray | float:
    """The logistic function, for readiness and capacity scores."""
    return 1.0 / (1.0 + np.exp(-x))


def media_reach(resources: np.ndarray | float, half: float) -> np.ndarray | float:
    """Social-media and public reach (0..1) bought by income, with diminishing returns (B)."""
    return resources / (resources + half)
