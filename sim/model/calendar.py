"""Time: steps of a fixed number of months from the start date, and dates mapped to steps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STEPS_PER_YEAR_ALLOWED = (1, 2, 4, 12)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def decimal_year(day: dt.date) -> float:
    """A date as a decimal year (2011-07-04 -> 2011.51)."""
    start = dt.date(day.year, 1, 1)
    return day.year + (day - start).days / (dt.date(day.year + 1, 1, 1) - start).days


@dataclass(frozen=True)
class Calendar:
    """Steps from `start` (a first of a month) to `end` (inclusive), `steps_per_year` a year."""

    start: dt.date
    end: dt.date
    steps_per_year: int = 4

    @property
    def months_per_step(self) -> int:
        return 12 // self.steps_per_year

    @property
    def dt(self) -> float:
        """Length of a step in years."""
        return 1.0 / self.steps_per_year

    @property
    def n_steps(self) -> int:
        """Number of steps needed to cover start..end."""
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        return -(-months // self.months_per_step)

    def step_start(self, step: int) -> dt.date:
        """First day of a step."""
        return add_months(self.start, step * self.months_per_step)

    def step_end(self, step: int) -> dt.date:
        """Last day of a step."""
        return self.step_start(step + 1) - dt.timedelta(days=1)

    def step_of(self, day: dt.date) -> int:
        """The step whose span contains `day` (may be negative or past the end)."""
        months = (day.year - self.start.year) * 12 + day.month - self.start.month
        return months // self.months_per_step

    def contains(self, day: dt.date) -> bool:
        """Whether `day` falls within the run."""
        return self.start <= day <= self.end

    def year_of(self, step: int) -> float:
        """Decimal year at the start of a step."""
        return decimal_year(self.step_start(step))

    def holds_month(self, step: int, month: int) -> bool:
        """Whether the step contains the given month of the year."""
        first = self.step_start(step)
        return any(add_months(first, k).month == month for k in range(self.months_per_step))
