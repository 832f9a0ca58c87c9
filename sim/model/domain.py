"""The names used everywhere (kinds, stages, categories, levers) and the issue domains.

These are the project's vocabulary; codes are the integers stored in the register.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

KINDS = ("gongo", "grassroots", "foundation")
GONGO, GRASSROOTS, FOUNDATION = 0, 1, 2

STAGES = ("domestic", "engaged", "internationalised", "applicant", "consultative")
DOMESTIC, ENGAGED, INTERNATIONALISED, APPLICANT, CONSULTATIVE = range(5)

CATEGORIES = ("general", "special", "roster")
GENERAL, SPECIAL, ROSTER = range(3)
NO_CATEGORY = -1

UNITE_STRATEGIES = ("alone", "associate", "borrow_platform")
ALONE, ASSOCIATE, BORROW_PLATFORM = range(3)

PD_TARGETING = ("gongo_only", "inclusive", "merit")

NUMERIC_LEVERS = (
    "registration_easing",
    "accreditation_veto",
    "public_diplomacy_support",
    "foreign_funding_restriction",
    "association",
    "government_contracting",
    "un_outreach",
    "enforcement",
)
LEVERS = (*NUMERIC_LEVERS, "pd_targeting")


def by_kind(gongo: float, grassroots: float, foundation: float, dtype: type = np.float64) -> np.ndarray:
    """A per-kind parameter as an array indexed by kind code. The convention: callers pass each
    parameter by its full name (`by_kind(p.engage_gongo, p.engage_grassroots, p.engage_foundation)`),
    so a search for any of them finds where it is used."""
    return np.array([gongo, grassroots, foundation], dtype)


@dataclass(frozen=True)
class IssueDomains:
    """The issue domains an organisation works in, as arrays indexed by domain code."""

    names: tuple[str, ...]
    sensitivity: np.ndarray
    alignment: np.ndarray
    registration_threshold: np.ndarray
    foreign_share: np.ndarray
    mix: np.ndarray  # shape (len(KINDS), len(names)): founding shares by kind

    def code(self, name: str) -> int:
        """The code of a domain, by name."""
        return self.names.index(name)


@lru_cache(maxsize=1)
def issue_domains() -> IssueDomains:
    """Load the issue-domain table shipped with the package (sim/data/issue_domains.csv)."""
    text = resources.files("sim.data").joinpath("issue_domains.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))

    def column(name: str) -> np.ndarray:
        return np.array([float(r[name]) for r in rows], dtype=np.float64)

    mix = np.vstack([column(f"mix_{kind}") for kind in KINDS])
    mix = mix / mix.sum(axis=1, keepdims=True)
    return IssueDomains(
        names=tuple(r["domain"] for r in rows),
        sensitivity=column("sensitivity"),
        alignment=column("alignment"),
        registration_threshold=column("registration_threshold"),
        foreign_share=column("foreign_share"),
        mix=mix,
    )
