"""Compiled loops for the population's deterministic passes over the register (a speed-up).

Each row goes through the same float32 operations in the same order as the numpy code it
stands for in population.py (`fund`, `staff_and_learn`, `domestic_soft_power`), so results
are identical bit for bit while the register is read once instead of once per operation.
Constants arrive as float32, so no operation is widened to float64, and numba does not fuse
a multiply and an add unless asked (no fastmath), so every rounding is as in numpy.
Flags pick from two-value tables (the products numpy forms with a False and a True), so no
row takes a branch on its own data. The passes skip dissolved rows; `catch_up` later runs
the steps a dissolved row missed, with each step's levers, when a table needs its values.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

try:
    from numba import njit
except ImportError:  # numba is optional: without it the numpy code runs
    njit = None

# the register's columns the passes read or write (flags and kinds as uint8 views)
Columns = namedtuple(
    "Columns",
    "size foreign_share sp_domestic alignment support resources staff turnover expertise "
    "kind specialist associated coalition alive",
)
# the float32 constants and small tables of the passes
Rules = namedtuple(
    "Rules",
    "one zero adjustment min_staff wage low_pay expertise_loss dt turnover_base learning_rate association_gain "
    "media_half w_media w_expertise ties_weight partnership_gain",
)


def by_flag(value: float) -> np.ndarray:
    """float32 `value` times 0 and times 1: what numpy adds for a False and a True flag."""
    return np.float32(value) * np.array([0.0, 1.0], np.float32)


def _fund_staff_learn_row(i, c, k, restriction, contracting):
    """Population.fund then Population.staff_and_learn for row i (`contracting` is contracting x gain)."""
    own = c.size[i] * (k.one - c.foreign_share[i] * restriction)
    contracts = contracting * c.sp_domestic[i] * c.alignment[i]
    income = own * (k.one + contracts) + c.support[i]
    res = c.resources[i] + k.adjustment * (income - c.resources[i])
    c.resources[i] = res
    staff = max(k.min_staff, res / k.wage)
    c.staff[i] = staff
    pay = res / (staff * k.wage)
    turnover = k.turnover_base[c.kind[i]] + k.low_pay * (k.one - pay)
    c.turnover[i] = turnover
    learning = k.learning_rate[c.specialist[i]] + k.association_gain[c.associated[i]]
    e = c.expertise[i]
    change = learning * (k.one - e)
    change = change - k.expertise_loss * turnover * e
    e = e + k.dt * change
    c.expertise[i] = min(max(e, k.zero), k.one)


def _soft_power_row(i, c, k):
    """Population.domestic_soft_power for row i."""
    res = c.resources[i]
    sp = res / (res + k.media_half)
    sp = sp * k.w_media
    sp = sp + k.w_expertise * c.expertise[i]
    sp = sp + k.ties_weight[c.kind[i]] * c.alignment[i]
    partner = c.associated[i] | (c.coalition[i] >= 0)
    c.sp_domestic[i] = sp + k.partnership_gain[partner]


def _fund_staff_learn(n, c, k, restriction, contracting):
    """`fund` and `staff_and_learn` over the alive rows among the first n."""
    for i in range(n):
        if c.alive[i]:
            _fund_staff_learn_row(i, c, k, restriction, contracting)


def _domestic_soft_power(n, c, k):
    """`domestic_soft_power` over the alive rows among the first n. (Not over all rows: a member that
    dissolves leaves its coalition afterwards, and the next step's funding reads its old soft power.)"""
    for i in range(n):
        if c.alive[i]:
            _soft_power_row(i, c, k)


def _catch_up(rows, frozen_at, last, restriction, contracting, c, k):
    """Run, for each dissolved row, the steps after `frozen_at[row]` up to `last` that it missed."""
    for j in range(len(rows)):
        i = rows[j]
        if frozen_at[i] < 0:
            continue
        for s in range(frozen_at[i] + 1, last + 1):
            _fund_staff_learn_row(i, c, k, restriction[s], contracting[s])
            _soft_power_row(i, c, k)
        frozen_at[i] = last


AVAILABLE = njit is not None
if AVAILABLE:
    _fund_staff_learn_row = njit(cache=True, inline="always")(_fund_staff_learn_row)
    _soft_power_row = njit(cache=True, inline="always")(_soft_power_row)
    fund_staff_learn = njit(cache=True)(_fund_staff_learn)
    domestic_soft_power = njit(cache=True)(_domestic_soft_power)
    catch_up = njit(cache=True)(_catch_up)
else:
    fund_staff_learn = domestic_soft_power = catch_up = None
