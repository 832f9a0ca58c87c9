"""The compiled population passes (kernels.py) and the dissolved rows they leave behind (a speed-up).

The numpy passes update every register row each step, dissolved ones too: no rule reads a
dissolved row, but the snapshot and the organisations table report its last state, which
keeps following funding, staff, expertise and soft power. The compiled passes skip
dissolved rows and notes the step each was last updated in, with each step's levers; `settle`
runs the missed steps for the rows a table is about to report, so every value is the one
the numpy passes give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels
from sim.model.policy import Levers
from sim.model.rates import chance

if TYPE_CHECKING:
    from sim.model.population import Population

F32 = np.float32


class CompiledPasses:
    """Funding, staff and learning, and domestic soft power, over the alive rows of a population."""

    def __init__(self, population: Population) -> None:
        p = population.p
        self.register = population.register
        self.rules = kernels.Rules(
            one=F32(1.0),
            zero=F32(0.0),
            adjustment=F32(chance(p.funding_adjustment, population.dt)),
            min_staff=F32(p.min_staff),
            wage=F32(p.wage),
            low_pay=F32(p.turnover_low_pay),
            expertise_loss=F32(p.expertise_loss),
            dt=F32(population.dt),
            turnover_base=kernels.table(population.turnover_base),
            learning_rate=kernels.table(np.array([p.learning_rate, p.learning_rate * (1.0 + p.specialise_gain)], F32)),
            association_gain=kernels.by_flag(p.association_capacity),
            media_half=F32(p.media_half),
            w_media=F32(p.sp_weight_media),
            w_expertise=F32(p.sp_weight_expertise),
            ties_weight=kernels.table(population.ties_weight),
            partnership_gain=kernels.by_flag(p.sp_weight_partnership),
        )
        self.contracting_gain = p.contracting_gain
        self.frozen_at = np.full(0, -1, np.int32)  # per row: the last step a dissolved row was updated in, -1 if alive
        self.restriction: list[np.float32] = []  # by step: the levers the passes ran with
        self.contracting: list[np.float32] = []
        self.last = -1  # the last step the passes ran for

    @staticmethod
    def applies(levers: Levers) -> bool:
        """Whether the levers are Python numbers: numpy mixes those into float32 arrays as float32,
        as the compiled passes do (a numpy float64 would widen the numpy code to float64)."""
        return all(type(v) in (int, float) for v in (levers.foreign_funding_restriction, levers.government_contracting))

    def _columns(self) -> kernels.Columns:
        r = self.register
        return kernels.Columns(
            r.size, r.foreign_share, r.sp_domestic, r.alignment, r.support, r.resources, r.staff, r.turnover,
            r.expertise, r.kind.view(np.uint8), r.specialist.view(np.uint8), r.associated.view(np.uint8),
            r.coalition, r.alive,
        )  # fmt: skip

    def _log(self, step: int, restriction: float, contracting: float) -> None:
        """Keep the levers of `step` (steps run in order, from the first one the passes saw)."""
        while len(self.restriction) <= step:
            self.restriction.append(F32(np.nan))
            self.contracting.append(F32(np.nan))
        self.restriction[step] = F32(restriction)
        self.contracting[step] = F32(contracting)

    def before_association(self, step: int, levers: Levers) -> None:
        """Population.fund, Population.staff_and_learn and Population.domestic_soft_power on the alive
        rows in one pass, each row's soft power from its state before the association pass."""
        contracting = levers.government_contracting * self.contracting_gain
        self._log(step, levers.foreign_funding_restriction, contracting)
        kernels.population_passes(
            self.register.n, self._columns(), self.rules, self.restriction[step], self.contracting[step]
        )

    def after_association(self, joined: np.ndarray, step: int) -> None:
        """Soft power again for the rows that joined an association; the step's passes are then done."""
        kernels.soft_power_of(np.asarray(joined, np.int64), self._columns(), self.rules)
        self.last = step

    def ran_numpy(self, step: int) -> None:
        """The numpy passes ran for `step` (after `settle`): every row is up to date."""
        self.frozen_at[self.frozen_at >= 0] = step
        self.last = step

    def dissolved(self, rows: np.ndarray, step: int) -> None:
        """These rows dissolved in `step`, after its passes: they are up to date as of it."""
        if len(self.frozen_at) < self.register.n:
            grown = np.full(max(self.register.n, 2 * len(self.frozen_at)), -1, np.int32)
            grown[: len(self.frozen_at)] = self.frozen_at
            self.frozen_at = grown
        self.frozen_at[rows] = step

    def settle(self, rows: np.ndarray | None = None) -> None:
        """Bring dissolved rows (all of them by default) up to date with the last step run."""
        if rows is None:
            rows = np.flatnonzero(self.frozen_at >= 0)
        rows = np.asarray(rows, np.int64)
        rows = rows[rows < len(self.frozen_at)]
        if len(rows) == 0:
            return
        kernels.catch_up(
            rows,
            self.frozen_at,
            self.last,
            np.array(self.restriction, F32),
            np.array(self.contracting, F32),
            self._columns(),
            self.rules,
        )

    def forget(self) -> None:
        """After `settle`: no row waits for missed steps (the numpy passes take over)."""
        self.frozen_at[:] = -1
