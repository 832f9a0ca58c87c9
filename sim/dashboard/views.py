"""The charts, as Vega-Lite specs built with Altair (drawn in the browser; docs/dashboard.md says why).

Each view takes what one side shows (a `Frame`), the language and the text size, and returns
a plain dict. Colours are the Okabe-Ito palette (safe for colour-blind readers), and every
series also differs by shape or dash, so no view rests on colour alone.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache

import altair as alt
import numpy as np

from sim.dashboard.i18n import catalogue, t
from sim.dashboard.live import MOVE_DESCRIPTION
from sim.dashboard.runs import Frame
from sim.model.domain import (
    APPLICANT,
    BORROW_PLATFORM,
    CONSULTATIVE,
    ENGAGED,
    GONGO,
    INTERNATIONALISED,
    KINDS,
    NUMERIC_LEVERS,
    STAGES,
)

OKABE_ITO = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
KIND_SHAPES = ("circle", "square", "triangle-up")
ABROAD_STAGES = (ENGAGED, INTERNATIONALISED, APPLICANT, CONSULTATIVE)
PIPELINE = ("applications", "deferrals", "objections", "grants")


def _kinds(lang: str) -> list[str]:
    return [t(f"kind_{k}", lang) for k in KINDS]


def _kind_colour(lang: str) -> alt.Color:
    return alt.Color("kind:N", title=t("axis_kind", lang), scale=alt.Scale(domain=_kinds(lang), range=OKABE_ITO[:3]))


def _finish(chart: alt.TopLevelMixin, large: bool) -> dict:
    """Size and fonts for a laptop or (large) for the classroom projector; the spec without its data."""
    font, width, height = (18, 560, 300) if large else (11, 380, 210)
    chart = chart.properties(width=width, height=height).configure_axis(labelFontSize=font, titleFontSize=font)
    chart = chart.configure_legend(labelFontSize=font, titleFontSize=font, orient="bottom", columns=3)
    return chart.configure_title(fontSize=font + 3, anchor="start").to_dict(validate=False)


def _with_data(template: dict, **datasets: list[dict]) -> dict:
    """A spec made from a cached template and this step's data (Altair is slow on inline values)."""
    return {**template, "datasets": datasets}


@lru_cache(maxsize=64)
def _line_template(lang: str, large: bool, title: str, y_title: str, dashed: tuple[str, ...], steps: bool) -> dict:
    encode = {
        "x": alt.X("date:T", title=t("axis_date", lang)),
        "y": alt.Y("value:Q", title=y_title),
        "color": _kind_colour(lang),
        "tooltip": ["date:T", "kind:N", alt.Tooltip("value:Q", format=",.3~f")],
    }
    if dashed:
        encode["strokeDash"] = alt.StrokeDash(
            "group:N", title=t("axis_where", lang), scale=alt.Scale(domain=list(dashed), range=[[1, 0], [6, 3]])
        )
    mark = {"strokeWidth": 2.5, "interpolate": "step-after"} if steps else {"strokeWidth": 2.5}
    chart = alt.Chart(alt.NamedData("lines"), title=title).mark_line(**mark).encode(**encode)
    return _finish(chart, large)


def _lines(frame: Frame, lang: str, large: bool, title: str, y_title: str, series: dict[str, tuple[str, str]]) -> dict:
    """A line per (column -> (kind label, dash group)) over the dates so far."""
    values = [
        {"date": row["date"], "value": round(row[col], 4), "kind": kind, "group": group}
        for row in frame.rows
        for col, (kind, group) in series.items()
        if row.get(col) is not None and row[col] == row[col]
    ]
    groups = tuple(dict.fromkeys(g for _, g in series.values()))
    template = _line_template(lang, large, title, y_title, groups if len(groups) > 1 else (), False)
    return _with_data(template, lines=values)


def registered(frame: Frame, lang: str, large: bool) -> dict:
    """Registered organisations by kind."""
    kinds = _kinds(lang)
    series = {f"registered_{k}": (label, "") for k, label in zip(KINDS, kinds, strict=True)}
    return _lines(frame, lang, large, t("chart_registered", lang), t("axis_count", lang), series)


@lru_cache(maxsize=8)
def _bars_template(lang: str, large: bool, title: str, x_title: str | None, categories: tuple[str, ...]) -> dict:
    chart = (
        alt.Chart(alt.NamedData("bars"), title=title)
        .mark_bar()
        .encode(
            x=alt.X("what:N", title=x_title, sort=list(categories), axis=alt.Axis(labelAngle=0, labelLimit=130)),
            y=alt.Y("count:Q", title=t("axis_count", lang)),
            color=_kind_colour(lang),
            tooltip=["what:N", "kind:N", "count:Q"],
        )
    )
    return _finish(chart, large)


def abroad(frame: Frame, lang: str, large: bool) -> dict:
    """Organisations abroad now, by kind and stage (each organisation counted at its own stage)."""
    kinds = _kinds(lang)
    stages = tuple(t(f"stage_{STAGES[s]}", lang) for s in ABROAD_STAGES)
    values = [
        {
            "what": stages[i],
            "kind": label,
            "count": int(np.count_nonzero((frame.abroad[:, 1] == k) & (frame.abroad[:, 2] == stage))),
        }
        for i, stage in enumerate(ABROAD_STAGES)
        for k, label in enumerate(kinds)
    ]
    template = _bars_template(lang, large, t("chart_abroad", lang), t("axis_stage", lang), stages)
    return _with_data(template, bars=values)


def pipeline(frame: Frame, lang: str, large: bool) -> dict:
    """The accreditation pipeline so far: applied, deferred, objected to, granted, by kind."""
    kinds = _kinds(lang)
    steps = tuple(t(f"pipe_{p}", lang) for p in PIPELINE)
    values = [
        {"what": steps[i], "kind": kinds[k], "count": int(sum(row.get(f"{p}_{kind}", 0) for row in frame.rows))}
        for i, p in enumerate(PIPELINE)
        for k, kind in enumerate(KINDS)
    ]
    return _with_data(_bars_template(lang, large, t("chart_pipeline", lang), None, steps), bars=values)


def upr(frame: Frame, lang: str, large: bool) -> dict:
    """UPR stakeholder submissions so far, by kind (running totals)."""
    kinds = _kinds(lang)
    totals = dict.fromkeys(KINDS, 0)
    values = []
    for row in frame.rows:
        for kind, label in zip(KINDS, kinds, strict=True):
            totals[kind] += int(row.get(f"upr_submissions_{kind}", 0))
            values.append({"date": row["date"], "value": totals[kind], "kind": label})
    template = _line_template(lang, large, t("chart_upr", lang), t("axis_count", lang), (), True)
    return _with_data(template, lines=values)


def soft_power(frame: Frame, lang: str, large: bool) -> dict:
    """Mean soft power at home and abroad, by kind."""
    kinds = _kinds(lang)
    home, away = t("where_home", lang), t("where_abroad", lang)
    series = {f"mean_sp_domestic_{k}": (label, home) for k, label in zip(KINDS, kinds, strict=True)}
    series |= {f"mean_sp_international_{k}": (label, away) for k, label in zip(KINDS, kinds, strict=True)}
    return _lines(frame, lang, large, t("chart_soft_power", lang), t("axis_mean", lang), series)


def trust(frame: Frame, lang: str, large: bool) -> dict:
    """The state's trust in grassroots NGOs."""
    series = {"trust_grassroots": (t("kind_grassroots", lang), "")}
    return _lines(frame, lang, large, t("chart_trust", lang), t("axis_trust", lang), series)


def _spots(rows: np.ndarray, salt: int) -> np.ndarray:
    """Stable places in [0.05, 0.95] for organisations (by register row), so each keeps its place between steps."""
    mixed = (rows.astype(np.uint64) * np.uint64(2654435761) + np.uint64(salt * 40503)) % np.uint64(2**32)
    return 0.05 + 0.9 * mixed.astype(np.float64) / 2**32


PICTURE_DOTS = 400  # beyond this the GONGOs that are only engaged are sampled (a 1:1 run has thousands abroad)


HUBS = {"committee": (APPLICANT, 0.0), "ecosoc": (CONSULTATIVE, 0.0), "platforms": (INTERNATIONALISED, -0.5)}
COLUMN = {stage: i for i, stage in enumerate(ABROAD_STAGES)}
HUB_Y = 1.12


@lru_cache(maxsize=4)
def _picture_template(lang: str, large: bool) -> dict:
    kinds = _kinds(lang)
    names = ",".join(repr(t(f"stage_{STAGES[s]}", lang)) for s in ABROAD_STAGES)
    x_axis = alt.X(
        "x:Q",
        title=None,
        scale=alt.Scale(domain=[-0.6, len(ABROAD_STAGES) - 0.4]),
        axis=alt.Axis(
            values=list(range(len(ABROAD_STAGES))),
            labelExpr=f"[{names}][round(datum.value)]",
            grid=False,
            labelLimit=160,
        ),
    )
    y_axis = alt.Y("y:Q", title=None, scale=alt.Scale(domain=[0, 1.22]), axis=None)
    edges = (
        alt.Chart(alt.NamedData("edges"))
        .mark_rule(opacity=0.25, color="#777777")
        .encode(x=x_axis, y=y_axis, x2="x2:Q", y2="y2:Q")
    )
    nodes = (
        alt.Chart(alt.NamedData("nodes"))
        .mark_point(filled=True, size=60 if large else 30, opacity=0.85)
        .encode(
            x=x_axis,
            y=y_axis,
            color=_kind_colour(lang),
            shape=alt.Shape(
                "kind:N", scale=alt.Scale(domain=kinds, range=list(KIND_SHAPES)), title=t("axis_kind", lang)
            ),
            tooltip=["kind:N", "stage:N"],
        )
    )
    labels = (
        alt.Chart(alt.NamedData("labels"))
        .mark_text(fontWeight="bold", fontSize=16 if large else 11, dy=-6)
        .encode(x=x_axis, y=y_axis, text="label:N")
    )
    return _finish(alt.layer(edges, nodes, labels, title=t("chart_picture", lang)), large)


def _drawn(abroad: np.ndarray) -> np.ndarray:
    """Which organisations the picture draws: all but plain engaged GONGOs, then a stable sample of those."""
    rows, kind, stage, coalition = abroad[:, 0], abroad[:, 1], abroad[:, 2], abroad[:, 3]
    always = (kind != GONGO) | (stage != ENGAGED) | (coalition >= 0)
    room = max(PICTURE_DOTS - int(always.sum()), 0)
    others = np.flatnonzero(~always)
    if len(others) > room:
        others = others[np.argsort(_spots(rows[others], 7))[:room]]
    keep = np.zeros(len(abroad), bool)
    keep[always] = True
    keep[others] = True
    return keep


def picture(frame: Frame, lang: str, large: bool) -> dict:
    """Who is abroad as a network: each organisation at its stage, tied to its coalition, the GONGO
    platform it borrows, and the UN body it deals with (Committee on NGOs, ECOSOC)."""
    kinds = _kinds(lang)
    stage_names = {s: t(f"stage_{STAGES[s]}", lang) for s in ABROAD_STAGES}
    hubs = {name: (COLUMN[stage] + dx, HUB_Y) for name, (stage, dx) in HUBS.items()}
    drawn = frame.abroad[_drawn(frame.abroad)] if len(frame.abroad) else frame.abroad
    columns = np.array([COLUMN.get(int(s), 0) for s in drawn[:, 2]], dtype=np.float64)
    xs = np.round(columns + 0.8 * (_spots(drawn[:, 0], 3) - 0.5), 3).tolist()
    ys = np.round(_spots(drawn[:, 0], 0), 3).tolist()
    nodes, edges = [], []
    members: dict[int, list[tuple[float, float]]] = {}
    for (_row, kind, stage, coalition, unite), x, y in zip(drawn.tolist(), xs, ys, strict=True):
        nodes.append({"x": x, "y": y, "kind": kinds[kind], "stage": stage_names.get(stage, "")})
        if coalition >= 0:
            members.setdefault(coalition, []).append((x, y))
        hub = "committee" if stage == APPLICANT else "ecosoc" if stage == CONSULTATIVE else None
        if unite == BORROW_PLATFORM:
            edges.append({"x": x, "y": y, "x2": hubs["platforms"][0], "y2": HUB_Y})
        if hub:
            edges.append({"x": x, "y": y, "x2": hubs[hub][0], "y2": HUB_Y})
    labels = [{"x": x, "y": y, "label": t(f"node_{name}", lang)} for name, (x, y) in hubs.items()]
    for spots in members.values():
        if len(spots) >= 2:
            cx, cy = round(float(np.mean([s[0] for s in spots])), 3), round(float(np.mean([s[1] for s in spots])), 3)
            edges += [{"x": x, "y": y, "x2": cx, "y2": cy} for x, y in spots]
            labels.append({"x": cx, "y": cy, "label": t("node_coalition", lang)})
    note = t("picture_sample", lang, shown=len(drawn), total=len(frame.abroad))
    labels.append({"x": len(ABROAD_STAGES) / 2 - 0.5, "y": 0.0, "label": note})
    return _with_data(_picture_template(lang, large), nodes=nodes, edges=edges, labels=labels)


@lru_cache(maxsize=32)
def _timeline_template(lang: str, large: bool, start: dt.date, end: dt.date) -> dict:
    moved, scenario = t("event_moved", lang), t("event_scenario", lang)
    x = alt.X("date:T", title=t("axis_date", lang), scale=alt.Scale(domain=[start.isoformat(), end.isoformat()]))
    points = (
        alt.Chart(alt.NamedData("events"))
        .mark_point(size=120 if large else 70, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("lever:N", title=None, sort=list(_lever_names(lang).values()), axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "source:N", title=None, scale=alt.Scale(domain=[scenario, moved], range=[OKABE_ITO[1], OKABE_ITO[5]])
            ),
            shape=alt.Shape("source:N", scale=alt.Scale(domain=[scenario, moved], range=["circle", "diamond"])),
            fill=alt.condition("datum.done == 1", alt.Color("source:N"), alt.value("white")),
            tooltip=["date:T", "lever:N", "detail:N"],
        )
    )
    now = alt.Chart(alt.NamedData("today")).mark_rule(color="#000000", strokeWidth=2).encode(x=x)
    label = now.mark_text(align="left", dx=4, dy=-6, fontWeight="bold").encode(text="label:N", y=alt.value(0))
    return _finish(alt.layer(now, label, points, title=t("chart_timeline", lang)), large)


def _lever_names(lang: str) -> dict[str, str]:
    return {lever: t(f"short_{lever}", lang) for lever in (*NUMERIC_LEVERS, "pd_targeting")}


def event_text(event: dict, lang: str) -> str:
    """A policy event in words (the timeline's text twin, for screen readers and tests)."""
    lever = event["lever"].split("[")[0]
    value = event["detail"].split("->", 1)[-1].split(";")[0].strip()
    if lever == "pd_targeting" and f"targeting_{value}" in catalogue():
        value = t(f"targeting_{value}", lang)
    else:
        value = f"{float(value):.2f}" if value.replace(".", "", 1).isdigit() else value
    source = t("event_moved", lang) if event["detail"].endswith(MOVE_DESCRIPTION) else t("event_scenario", lang)
    return f"{_lever_names(lang).get(lever, lever)} → {value} ({source})"


def timeline(frame: Frame, lang: str, large: bool, today: dt.date, start: dt.date, end: dt.date) -> dict:
    """The policy events: past ones filled, those to come open, today a line; moves made in the page marked."""
    names = _lever_names(lang)
    moved, scenario = t("event_moved", lang), t("event_scenario", lang)
    events = [
        {
            "date": e["date"],
            "lever": names.get(e["lever"].split("[")[0], e["lever"]),
            "source": moved if e["detail"].endswith(MOVE_DESCRIPTION) else scenario,
            "done": 1,
            "detail": e["detail"],
        }
        for e in frame.policy
    ]
    events += [
        {"date": e["date"], "lever": names.get(e["lever"], e["lever"]), "source": scenario, "done": 0, "detail": ""}
        for e in frame.planned
    ]
    today_row = [{"date": today.isoformat(), "label": t("today", lang)}]
    return _with_data(_timeline_template(lang, large, start, end), events=events, today=today_row)


VIEWS: dict[str, Callable[[Frame, str, bool], dict]] = {
    "registered": registered,
    "abroad": abroad,
    "pipeline": pipeline,
    "upr": upr,
    "soft_power": soft_power,
    "trust": trust,
    "picture": picture,
}


SHARED_SPECS = 2000  # specs of stored-run steps kept for every page (about 40 KB each at 1:1)
_shared: OrderedDict[tuple, dict] = OrderedDict()
_shared_lock = threading.Lock()


def render(name: str, frame: Frame, lang: str, large: bool, today: dt.date, start: dt.date, end: dt.date) -> dict:
    """A view's spec; for a stored run it is built once for all the pages that reach the same step."""
    if frame.key is None:
        return _build(name, frame, lang, large, today, start, end)
    key = (*frame.key, name, lang, large)
    with _shared_lock:
        spec = _shared.get(key)
        if spec is not None:
            _shared.move_to_end(key)
            return spec
    spec = _build(name, frame, lang, large, today, start, end)
    with _shared_lock:
        _shared[key] = spec
        while len(_shared) > SHARED_SPECS:
            _shared.popitem(last=False)
    return spec


def _build(name: str, frame: Frame, lang: str, large: bool, today: dt.date, start: dt.date, end: dt.date) -> dict:
    if name == "timeline":
        return timeline(frame, lang, large, today, start, end)
    return VIEWS[name](frame, lang, large)
