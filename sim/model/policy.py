"""Policy: the levers in force, and the dated events that move them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model.domain import NUMERIC_LEVERS, PD_TARGETING

if TYPE_CHECKING:
    from sim.model.calendar import Calendar


@dataclass
class Levers:
    """The policy levers in force: numbers in [0, 1] and whom support reaches."""

    registration_easing: float = 0.0
    accreditation_veto: float = 0.0
    public_diplomacy_support: float = 0.0
    foreign_funding_restriction: float = 0.0
    association: float = 0.0
    government_contracting: float = 0.0
    un_outreach: float = 0.0
    enforcement: float = 0.0
    pd_targeting: str = "gongo_only"
    easing_by_domain: dict[str, float] = field(default_factory=dict)

    def registration_easing_for(self, domain_names: tuple[str, ...]) -> np.ndarray:
        """Registration easing per issue domain (the general level unless a domain has its own)."""
        return np.array([self.easing_by_domain.get(name, self.registration_easing) for name in domain_names])

    def as_dict(self) -> dict[str, float | str]:
        """Every lever and its value; a domain's own easing appears as registration_easing[domain]."""
        values: dict[str, float | str] = {name: getattr(self, name) for name in NUMERIC_LEVERS}
        values["pd_targeting"] = self.pd_targeting
        for name, value in sorted(self.easing_by_domain.items()):
            values[f"registration_easing[{name}]"] = value
        return values


@dataclass(frozen=True)
class PolicyEvent:
    """A dated change of one lever: set it to `value`, or move it by `shift` (clipped to [0, 1])."""

    date: dt.date
    lever: str
    value: float | str | None = None
    shift: float | None = None
    domain: str | None = None
    description: str = ""
    source: str = ""
    shift_parameter: str | None = None

    def apply(self, levers: Levers) -> tuple[float | str, float | str]:
        """Apply the change to `levers`; return the value before and after."""
        if self.lever == "pd_targeting":
            old = levers.pd_targeting
            assert self.value in PD_TARGETING
            levers.pd_targeting = str(self.value)
            return old, levers.pd_targeting
        if self.domain is not None:
            old = levers.easing_by_domain.get(self.domain, levers.registration_easing)
            new = self._moved(float(old))
            levers.easing_by_domain[self.domain] = new
            return old, new
        old = getattr(levers, self.lever)
        new = self._moved(float(old))
        setattr(levers, self.lever, new)
        return old, new

    def _moved(self, old: float) -> float:
        target = old + self.shift if self.shift is not None else float(self.value)
        return float(min(1.0, max(0.0, target)))


def schedule_by_step(
    events: list[PolicyEvent] | tuple[PolicyEvent, ...], calendar: Calendar, levers: Levers
) -> dict[int, list[PolicyEvent]]:
    """Dated events grouped by the step they fall in, in date order; events dated before the
    calendar's start are applied to `levers` at once (they are the regime at the start)."""
    steps: dict[int, list[PolicyEvent]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.date):
        step = calendar.step_of(event.date)
        if step < 0:
            event.apply(levers)
        else:
            steps[step].append(event)
    return steps
