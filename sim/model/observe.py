"""What the model reports: the quarterly time series, the event log, the organisations that
went abroad, and snapshots of the whole register."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.domain import (
    APPLICANT,
    CATEGORIES,
    CONSULTATIVE,
    ENGAGED,
    GRASSROOTS,
    INTERNATIONALISED,
    KINDS,
    LEVERS,
    STAGES,
)

if TYPE_CHECKING:
    from sim.model.agents import OrganisationAgent
    from sim.model.calendar import Calendar
    from sim.model.model import NGOModel
    from sim.model.population import StepFlows

ACCREDITATION_FLOWS = (
    "applications",
    "returned",
    "deferrals",
    "objections",
    "recommendations",
    "closures",
    "withdrawals",
    "grants",
    "suspensions",
)

EVENT_COLUMNS = ("step", "date", "event", "org_id", "kind", "domain", "value", "detail")


class EventLog:
    """Each accreditation decision, objection, UPR submission, stage change and policy change."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(
        self, step: int, date: str, event: str, org_id: int, kind: str, domain: str, value: float, detail: str
    ) -> None:
        self.rows.append((step, date, event, org_id, kind, domain, value, detail))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(EVENT_COLUMNS))
        return df.astype({"step": "int32", "org_id": "int64", "value": "float64"})


class Recorder:
    """One row of outputs per step, read from the register, the agents and the UN bodies."""

    def __init__(self, model: NGOModel) -> None:
        self.model = model
        self.rows: list[dict[str, object]] = []
        self.population = _population_by_year()

    def record(self, flows: StepFlows) -> dict[str, object]:
        """Compute and keep this step's outputs; returns them."""
        m = self.model
        r = m.register
        now = m.now
        row: dict[str, object] = {
            "step": now,
            "date": m.calendar.step_end(now).isoformat(),
            "scale": m.scale,
        }
        registered = r.count_by_kind
        for k, name in enumerate(KINDS):
            row[f"registered_{name}"] = int(registered[k])
        row["registered_all"] = int(registered.sum())
        row["unregistered_grassroots"] = m.population.pool.total
        for k, name in enumerate(KINDS):
            row[f"founded_{name}"] = int(flows.founded[k])
            row[f"dissolved_{name}"] = int(flows.dissolved[k])
        row["registrations_grassroots"] = flows.registered

        rows = m.abroad_rows()
        kinds = r.kind[rows].astype(np.int64)
        stages = r.stage[rows].astype(np.int64)
        stage_counts = np.bincount(kinds * len(STAGES) + stages, minlength=3 * len(STAGES)).reshape(3, len(STAGES))
        held = stages == CONSULTATIVE
        category_counts = np.bincount(
            kinds[held] * len(CATEGORIES) + r.category[rows][held], minlength=3 * len(CATEGORIES)
        ).reshape(3, len(CATEGORIES))
        sp_int = np.bincount(kinds, weights=r.sp_international[rows], minlength=3)
        not_yet_abroad = m.committee.applicants_from_engaged()
        for k, name in enumerate(KINDS):
            row[f"engaged_{name}"] = int(stage_counts[k, ENGAGED:].sum())
            row[f"internationalised_{name}"] = int(stage_counts[k, INTERNATIONALISED:].sum() - not_yet_abroad[k])
            row[f"applicant_{name}"] = int(stage_counts[k, APPLICANT])
            row[f"consultative_{name}"] = int(stage_counts[k, CONSULTATIVE])
            for c, category in enumerate(CATEGORIES):
                row[f"status_{name}_{category}"] = int(category_counts[k, c])
        for c, category in enumerate(CATEGORIES):
            row[f"consultative_{category}"] = int(category_counts[:, c].sum())
        consultative = int(stage_counts[:, CONSULTATIVE].sum())
        row["consultative_all"] = consultative

        flows_now = m.committee.flows
        for flow in ACCREDITATION_FLOWS:
            for k, name in enumerate(KINDS):
                row[f"{flow}_{name}"] = int(flows_now[(flow, k)])
        for k, name in enumerate(KINDS):
            row[f"upr_submissions_{name}"] = int(m.hrc.submissions[k])
            row[f"un_events_attended_{name}"] = int(m.channels.attended[k])
        for origin in (*KINDS, "foreign"):
            row[f"upr_review_{origin}"] = int(m.hrc.review_today[origin])
        row["world_status"] = m.committee.world_status
        row["world_docket"] = m.committee.world_docket

        count = np.maximum(registered, 1)
        for column in ("sp_domestic", "resources", "expertise"):
            means = r.sums_by_kind(column) / count
            for k, name in enumerate(KINDS):
                row[f"mean_{column}_{name}"] = float(means[k]) if registered[k] else math.nan
        abroad = stage_counts[:, ENGAGED:].sum(axis=1)
        for k, name in enumerate(KINDS):
            row[f"mean_sp_international_{name}"] = float(sp_int[k] / abroad[k]) if abroad[k] else math.nan

        row["trust_grassroots"] = m.government.trust
        row["coalitions"], row["coalition_members"] = m.coalitions.count()
        row["associated_grassroots"] = int(
            np.count_nonzero(r.view("associated") & r.view("alive"))
        )  # only G-R NGOs associate
        people = np.interp(m.year, *self.population) * m.scale
        row["status_per_million_people"] = consultative / people if people > 0 else math.nan
        for name, value in m.government.levers.as_dict().items():
            row[name] = value
        self.rows.append(row)
        return row

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows)
        for lever in LEVERS:
            if lever not in df:
                df[lever] = math.nan
        return df


def _population_by_year() -> tuple[np.ndarray, np.ndarray]:
    """China's year-end population in millions (sim/data/china_population.csv), for interpolation."""
    from importlib import resources

    text = resources.files("sim.data").joinpath("china_population.csv").read_text()
    table = pd.read_csv(pd.io.common.StringIO(text))
    return table["year"].to_numpy(float) + 1.0, table["population_millions"].to_numpy(float)


def step_dates(calendar: Calendar, steps: Iterable[int], unset: int | None = None) -> np.ndarray:
    """The first day of each step as ISO text, None where the step is `unset`: each distinct step is
    formatted once (an organisations table has tens of thousands of rows over a few hundred steps)."""
    distinct, where = np.unique(np.fromiter(steps, np.int64), return_inverse=True)
    text = [None if step == unset else calendar.step_start(int(step)).isoformat() for step in distinct]
    return np.array(text, dtype=object)[where]


def organisations_frame(model: NGOModel, agents: list[OrganisationAgent]) -> pd.DataFrame:
    """Every organisation that went abroad, with its attributes now and its history abroad."""
    rows = np.array([a.row for a in agents], dtype=np.int64)
    df = model.register.frame(rows)
    cal = model.calendar
    df.insert(1, "registered_date", step_dates(cal, df["registered_step"]))
    df["domain"] = [model.domains.names[d] for d in df["domain"]]
    df["sensitivity"] = model.domains.sensitivity[model.register.domain[rows]]
    df["engaged_date"] = step_dates(cal, [a.engaged_step for a in agents])
    df["status_date"] = step_dates(cal, [a.status_step for a in agents], unset=-1)
    df["upr_submissions"] = [a.upr_submissions for a in agents]
    df["objections"] = [a.objections for a in agents]
    df["un_events_attended"] = [a.events_attended for a in agents]
    df["left_date"] = step_dates(cal, [a.left_step for a in agents], unset=-1)
    df["still_abroad"] = [a.active for a in agents]
    df.insert(1, "spell", df.groupby("org_id").cumcount() + 1)
    return df.drop(columns=["registered_step"])


def register_snapshot(model: NGOModel) -> pd.DataFrame:
    """Every organisation's state now: the register's rows, then one row per unregistered group."""
    registered = model.register.frame()
    registered["domain"] = pd.Categorical.from_codes(registered["domain"], model.domains.names)
    registered["registered"] = True
    pool = model.population.pool
    per_domain = pool.groups + pool.backlog
    codes = np.repeat(np.arange(len(per_domain)), per_domain)
    unregistered = pd.DataFrame(
        {
            "org_id": -1,
            "kind": pd.Categorical.from_codes(np.full(len(codes), GRASSROOTS), KINDS),
            "domain": pd.Categorical.from_codes(codes, model.domains.names),
            "alive": True,
            "registered": False,
        }
    )
    snapshot = pd.concat([registered, unregistered], ignore_index=True)
    snapshot.insert(0, "date", model.calendar.step_end(model.now).isoformat())
    return snapshot
