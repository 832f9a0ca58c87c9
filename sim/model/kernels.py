"""Compiled loops for the population's deterministic passes over the register (a speed-up).

Each row goes through the same float32 operations in the same order as the numpy code it
stands for in population.py (`fund`, `staff_and_learn`, `domestic_soft_power`), so results
are identical bit for bit while the register is read once instead of once per operation.
Constants arrive as float32, so no operation is widened to float64, and numba does not fuse
a multiply and an add unless asked (no fastmath), so every rounding is as in numpy.
Kinds and flags select from small tables (for a flag, the products numpy forms with a False
and a True) by comparisons, not by indexing, and the population pass works out every row and
keeps the result for the alive ones only: with no branch and no lookup in its loop, and
divisions that follow numpy's rules rather than raising (`error_model="numpy"`; no divisor is
ever zero), LLVM runs the loop eight rows at a time (AVX), each row's operations unchanged.
The passes leave dissolved rows as they were; `catch_up` later runs the steps a dissolved
row missed, with each step's levers, when a table needs its values.
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


def by_flag(value: float) -> tuple:
    """float32 `value` times 0 and times 1: what numpy adds for a False and a True flag."""
    return table(np.float32(value) * np.array([0.0, 1.0], np.float32))


def table(values: np.ndarray) -> tuple:
    """A small float32 table as a tuple: the passes index it by a row's code with no array in the loop."""
    return tuple(np.float32(v) for v in values)


def _of_kind(values, kind):
    """values[kind] for a kind code 0, 1 or 2, by comparisons (a lookup would keep the loop scalar)."""
    return values[0] if kind == 0 else (values[1] if kind == 1 else values[2])


def _of_flag(values, flag):
    """values[flag] for a flag, by a comparison."""
    return values[1] if flag else values[0]


def _funded(size, foreign_share, sp, alignment, support, resources, expertise, kind, specialist, associated, k, restriction, contracting):  # fmt: skip
    """Population.fund then Population.staff_and_learn for one row's values (`contracting` is contracting x
    gain): its new resources, staff, turnover and expertise. np.maximum(a, b) is `a if a >= b else b` and
    np.clip(x, lo, hi) is `min(max(x, lo), hi)` with max(x, lo) `x if x > lo else lo`, as numpy works them."""
    own = size * (k.one - foreign_share * restriction)
    contracts = contracting * sp * alignment
    income = own * (k.one + contracts) + support
    res = resources + k.adjustment * (income - resources)
    per_wage = res / k.wage
    staff = k.min_staff if k.min_staff >= per_wage else per_wage
    pay = res / (staff * k.wage)
    turnover = _of_kind(k.turnover_base, kind) + k.low_pay * (k.one - pay)
    learning = _of_flag(k.learning_rate, specialist) + _of_flag(k.association_gain, associated)
    change = learning * (k.one - expertise)
    change = change - k.expertise_loss * turnover * expertise
    e = expertise + k.dt * change
    e = e if e > k.zero else k.zero
    return res, staff, turnover, (e if e < k.one else k.one)


def _soft_power(resources, expertise, kind, alignment, partner, k):
    """Population.domestic_soft_power for one row's values."""
    sp = resources / (resources + k.media_half)
    sp = sp * k.w_media
    sp = sp + k.w_expertise * expertise
    sp = sp + _of_kind(k.ties_weight, kind) * alignment
    return sp + _of_flag(k.partnership_gain, partner)


def _fund_staff_learn_row(i, c, k, restriction, contracting):
    """Population.fund then Population.staff_and_learn for row i."""
    c.resources[i], c.staff[i], c.turnover[i], c.expertise[i] = _funded(
        c.size[i], c.foreign_share[i], c.sp_domestic[i], c.alignment[i], c.support[i], c.resources[i],
        c.expertise[i], c.kind[i], c.specialist[i], c.associated[i], k, restriction, contracting,
    )  # fmt: skip


def _soft_power_row(i, c, k):
    """Population.domestic_soft_power for row i."""
    partner = (c.associated[i] != 0) | (c.coalition[i] >= 0)
    c.sp_domestic[i] = _soft_power(c.resources[i], c.expertise[i], c.kind[i], c.alignment[i], partner, k)


def _population_passes(n, c, k, restriction, contracting):
    """`fund`, `staff_and_learn` and `domestic_soft_power` over the alive rows among the first n, each row's
    soft power right after its funding, in one read of the register (`soft_power_of` then redoes the rows
    `associate`, which runs between the two in numpy, changes; nothing else they read changes in between).
    Every row is worked out and only an alive row's results are kept, so the loop has no branch. The
    columns are taken out of `c` first: read through the tuple in this loop, numba would count references
    to them for every row. (Dissolved rows are left as they are: a member that dissolves leaves its
    coalition afterwards, and the next step's funding reads its old soft power.)"""
    size, foreign_share, sp_domestic, alignment, support = (
        c.size,
        c.foreign_share,
        c.sp_domestic,
        c.alignment,
        c.support,
    )
    resources, staff, turnover, expertise, kind = c.resources, c.staff, c.turnover, c.expertise, c.kind
    specialist, associated, coalition, alive = c.specialist, c.associated, c.coalition, c.alive
    for i in range(n):
        res, new_staff, new_turnover, e = _funded(
            size[i], foreign_share[i], sp_domestic[i], alignment[i], support[i], resources[i], expertise[i],
            kind[i], specialist[i], associated[i], k, restriction, contracting,
        )  # fmt: skip
        partner = (associated[i] != 0) | (coalition[i] >= 0)
        sp = _soft_power(res, e, kind[i], alignment[i], partner, k)
        keep = alive[i]
        resources[i] = res if keep else resources[i]
        staff[i] = new_staff if keep else staff[i]
        turnover[i] = new_turnover if keep else turnover[i]
        expertise[i] = e if keep else expertise[i]
        sp_domestic[i] = sp if keep else sp_domestic[i]


def _soft_power_of(rows, c, k):
    """`domestic_soft_power` for the given rows."""
    for j in range(len(rows)):
        _soft_power_row(rows[j], c, k)


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
    _inline = njit(cache=True, inline="always", error_model="numpy")
    _of_kind = _inline(_of_kind)
    _of_flag = _inline(_of_flag)
    _funded = _inline(_funded)
    _soft_power = _inline(_soft_power)
    _fund_staff_learn_row = _inline(_fund_staff_learn_row)
    _soft_power_row = _inline(_soft_power_row)
    _compiled = njit(cache=True, error_model="numpy")
    population_passes = _compiled(_population_passes)
    soft_power_of = _compiled(_soft_power_of)
    catch_up = _compiled(_catch_up)
else:
    population_passes = soft_power_of = catch_up = None
