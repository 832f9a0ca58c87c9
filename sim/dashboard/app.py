"""The Solara page: one PageSession per browser page (never a model at module level, which all visitors would share).

Module level holds only what every page may share: the server's settings, the Library (ready
states, stored runs, the live-model budget) and the register of open pages (for the cap).
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import solara
import solara.widgets

from sim.dashboard import views
from sim.dashboard.i18n import about, scenario_label, t
from sim.dashboard.runs import Library, offered_scenarios
from sim.dashboard.server import DashboardConfig, default_preset_dir, share_address
from sim.dashboard.session import PageSession, Register
from sim.dashboard.settings import (
    GROUP_MAX,
    LANGS,
    SPEEDS,
    STARTS,
    Problem,
    Settings,
    check_group,
    check_scale,
    check_seed,
    parse_query,
)
from sim.model.domain import NUMERIC_LEVERS, PD_TARGETING

log = logging.getLogger("ngosim.dashboard")

CONFIG = DashboardConfig.from_env()
SCENARIOS = offered_scenarios(
    Path(CONFIG.preset_dir) if CONFIG.preset_dir else default_preset_dir(), [Path(p) for p in CONFIG.scenarios]
)
FIRST = next(iter(SCENARIOS))
LIBRARY = Library(SCENARIOS, SCENARIOS[FIRST].seed, CONFIG.default_scale, CONFIG.live_budget)
PAGES = Register(CONFIG.max_sessions)
SHARE = share_address(CONFIG.host, CONFIG.port)
LEVERS_SHOWN = (*NUMERIC_LEVERS[:3], "pd_targeting", *NUMERIC_LEVERS[3:])
SLIDER_STEP = 0.05  # a slider snaps a value such as 0.737 to 0.75 when drawn: that is no move
CHART_ORDER = ("registered", "abroad", "pipeline", "upr", "soft_power", "trust", "picture")
REDRAW_POLL = 1.0  # seconds a page's watcher waits for its session to change before looking again

if CONFIG.warm:
    threading.Thread(target=LIBRARY.warm, args=(lambda: False,), name="ngosim-warm", daemon=True).start()


def _joined(taken: tuple[PageSession, bool], settings: Settings, problems: list[Problem]) -> PageSession:
    """Start a new session with these settings, or tell an existing group's session a page has joined it."""
    session, fresh = taken
    if fresh:
        session.start(settings)
    else:
        session.info("joined", group=settings.group, count=PAGES.members(settings.group))
    for problem in problems:
        session.problem(problem)
    return session


def _on_close(kernel_id: str) -> None:
    """Free the page's session (if no other page of its group shows it) when its kernel is closed."""
    try:
        from solara.server import kernel_context

        kernel_context.get_current_context().on_close(lambda: PAGES.leave(kernel_id))
    except Exception:  # outside the server (solara.render in tests) there is no kernel to close
        log.debug("no kernel context for %s", kernel_id)


def _this_kernel() -> str:
    """The page's kernel id (outside the server, e.g. solara.render in a benchmark, a fresh id)."""
    try:
        return solara.get_kernel_id()
    except RuntimeError:
        return uuid.uuid4().hex


def _defaults() -> Settings:
    return Settings(preset=FIRST, seed=LIBRARY.default_seed, scale=CONFIG.default_scale)


class Spec:
    """A chart's spec in a box: Reacton walks every dict and list it is given (thousands of data points a
    chart), but not an object, so the spec goes to the widget by an effect instead of as a prop."""

    __slots__ = ("value",)

    def __init__(self, value: dict) -> None:
        self.value = value


@solara.component
def Chart(name: str, spec: Spec):
    """One chart (Vega-Lite, drawn by the browser; its ⋯ menu saves it as PNG)."""
    widget = solara.use_memo(lambda: solara.widgets.VegaLite(spec={}), [])

    def update():
        if widget.spec is not spec.value:
            widget.spec = spec.value

    solara.use_effect(update, [spec])
    solara.Div(classes=["ngo-chart", f"ngo-chart-{name}"], children=[widget])


@solara.component
def Messages(page: PageSession, lang: str, tick: int):
    """The session's last messages, in this page's language."""
    for message in page.messages:
        {"info": solara.Info, "warning": solara.Warning, "error": solara.Error}[message.kind](
            message.text(lang), classes=["ngo-message", f"ngo-message-{message.kind}"]
        )


@solara.component
def Full(lang: str):
    """The page for the one over the cap."""
    with solara.Column(classes=["ngo-full"], style={"padding": "3em", "max-width": "50em"}):
        solara.Markdown(f"# {t('full_title', lang)}")
        solara.Markdown(t("full_text", lang, count=CONFIG.max_sessions))


@solara.component
def SideView(page: PageSession, side_key: str, lang: str, large: bool, tick: int):
    """One side's date, key figures and charts."""
    side = page.sides.get(side_key)
    if side is None:
        return
    frame = side.frame()
    scenario = SCENARIOS[side.name]
    row = frame.rows[-1] if frame.rows else {}
    today = side.today()
    with solara.Column(classes=[f"ngo-side-{side_key}"]):
        solara.Markdown(f"### {scenario_label(side.name, lang)}")
        solara.Text(t("date_now", lang, date=today.isoformat()), classes=[f"ngo-date-{side_key}", "ngo-date"])
        state = t("replaying", lang) if side.model is None else t("live", lang)
        solara.Text(state, classes=[f"ngo-mode-{side_key}"], style={"font-style": "italic"})
        if side.finished:
            solara.Text(t("finished", lang), classes=[f"ngo-finished-{side_key}"])
        figures = (
            ("status_grassroots", row.get("consultative_grassroots", 0)),
            ("status_all", row.get("consultative_all", 0)),
            ("abroad_grassroots", row.get("internationalised_grassroots", 0)),
            ("trust", f"{row.get('trust_grassroots', 0):.2f}"),
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            for key, value in figures:
                with solara.Card(style={"min-width": "10em"}):
                    solara.Text(t(f"figure_{key}", lang))
                    solara.Text(str(value), classes=[f"ngo-figure-{key}-{side_key}"], style={"font-size": "2em"})
        columns = 1 if large or len(page.sides) > 1 else 2
        with solara.GridFixed(columns=columns):
            for name in CHART_ORDER:
                Chart(name, Spec(views.render(name, frame, lang, large, today, scenario.start, scenario.end)))
        Chart("timeline", Spec(views.render("timeline", frame, lang, large, today, scenario.start, scenario.end)))
        with solara.Column(classes=[f"ngo-events-{side_key}"]):
            for event in frame.policy[-5:]:
                solara.Text(f"{event['date']} · {views.event_text(event, lang)}")


@solara.component
def LeverControls(page: PageSession, side_key: str, lang: str, on_change, tick: int):
    """The levers of one side, with their values now; a move acts from the next quarter."""
    side = page.sides.get(side_key)
    if side is None:
        return
    now = side.levers()
    title = t("levers", lang) if len(page.sides) == 1 else t("levers_side", lang, name=scenario_label(side.name, lang))
    solara.Markdown(f"**{title}**")
    for lever in LEVERS_SHOWN:
        if lever == "pd_targeting":
            labels = {t(f"targeting_{v}", lang): v for v in PD_TARGETING}
            current = next((k for k, v in labels.items() if v == now.get(lever)), None)
            solara.Select(
                label=t("lever_pd_targeting", lang),
                values=list(labels),
                value=current,
                on_value=lambda label, lv=lever, known=labels: on_change(side_key, lv, known.get(label, label)),
                classes=[f"ngo-lever-{side_key}-{lever}"],
            )
        else:
            current = float(now.get(lever, 0.0))
            with solara.Div(classes=[f"ngo-lever-{side_key}-{lever}"]):
                solara.Text(t(f"lever_{lever}", lang))
                solara.SliderFloat(
                    label="",
                    value=current,
                    min=0.0,
                    max=1.0,
                    step=SLIDER_STEP,
                    on_value=lambda value, lv=lever, old=current: (
                        abs(value - old) > SLIDER_STEP / 2 and on_change(side_key, lv, value)
                    ),
                    thumb_label=True,
                )


@solara.component
def Settings_(page: PageSession, lang: str, on_start):
    """The run's settings; nothing changes until "Start this run" (each field is checked then)."""
    s = page.settings
    names = list(SCENARIOS)
    labels = {scenario_label(n, lang): n for n in names}
    back = {v: k for k, v in labels.items()}
    preset, set_preset = solara.use_state(back.get(s.preset))
    compare, set_compare = solara.use_state(s.compare is not None)
    second, set_second = solara.use_state(back.get(s.compare or names[min(1, len(names) - 1)]))
    seed, set_seed = solara.use_state(str(s.seed))
    scale, set_scale = solara.use_state(f"{s.scale:g}")
    start_labels = {t(f"start_{v}", lang): v for v in STARTS}
    start, set_start = solara.use_state(next(k for k, v in start_labels.items() if v == s.start))
    speed, set_speed = solara.use_state(f"{s.speed:g}")
    group, set_group = solara.use_state(s.group)

    def submit():
        problems = []
        try:
            group_value = check_group(group)
        except ValueError:
            problems.append(Problem("group", group[:60], t("group_allowed", lang, max=GROUP_MAX)))
        try:
            seed_value = check_seed(seed)
        except ValueError:
            problems.append(Problem("seed", seed[:60], t("whole_number", lang, max=2**31 - 1)))
        try:
            scale_value = check_scale(scale, CONFIG.max_scale)
        except ValueError:
            problems.append(Problem("scale", scale[:60], t("number_range", lang, low="0.0005", high=CONFIG.max_scale)))
        if problems:
            for problem in problems:
                page.problem(problem, "bad_input")
            on_start(None)
            return
        on_start(
            s.with_(
                preset=labels.get(preset, s.preset),
                compare=labels.get(second) if compare else None,
                seed=seed_value,
                scale=scale_value,
                start=start_labels.get(start, s.start),
                speed=float(speed),
                group=group_value,
                moves=(),
            )
        )

    solara.Select(
        label=t("preset", lang), values=list(labels), value=preset, on_value=set_preset, classes=["ngo-preset"]
    )
    with solara.Div(classes=["ngo-compare"]):
        solara.Checkbox(label=t("compare", lang), value=compare, on_value=set_compare)
    if compare:
        solara.Select(
            label=t("second_preset", lang),
            values=list(labels),
            value=second,
            on_value=set_second,
            classes=["ngo-second"],
        )
    solara.InputText(t("seed", lang), value=seed, on_value=set_seed, continuous_update=True, classes=["ngo-seed"])
    solara.InputText(t("scale", lang), value=scale, on_value=set_scale, continuous_update=True, classes=["ngo-scale"])
    solara.Select(
        label=t("start", lang), values=list(start_labels), value=start, on_value=set_start, classes=["ngo-start"]
    )
    solara.Select(
        label=t("speed", lang),
        values=[f"{v:g}" for v in SPEEDS],
        value=speed,
        on_value=set_speed,
        classes=["ngo-speed"],
    )
    solara.InputText(
        t("group", lang), value=group, on_value=set_group, continuous_update=True, classes=["ngo-group-name"]
    )
    solara.Button(t("apply_settings", lang), on_click=submit, color="primary", classes=["ngo-apply"])


@solara.component
def Page():
    """One browser page: its own session, or its group's; a watcher redraws it whenever that session changes."""
    router = solara.use_router()
    kernel_id = solara.use_memo(_this_kernel, [])
    parsed = solara.use_memo(lambda: parse_query(router.search, tuple(SCENARIOS), _defaults(), CONFIG.max_scale), [])
    first_settings, first_problems = parsed

    def first_join() -> PageSession | None:
        taken = PAGES.join(kernel_id, first_settings.group, lambda: PageSession(LIBRARY, first_settings))
        if taken is None:
            return None
        _on_close(kernel_id)
        return _joined(taken, first_settings, first_problems)

    joined = solara.use_memo(first_join, [])
    page, set_page = solara.use_state(joined)
    lang, set_lang = solara.use_state(first_settings.lang)  # the page's own, also in a group
    large, set_large = solara.use_state(first_settings.large)
    tick, set_tick = solara.use_state(0)
    show_about, set_show_about = solara.use_state(False)

    def watch(cancel: threading.Event):
        seen = -1
        while page is not None and not cancel.is_set():
            now = page.wait_change(seen, REDRAW_POLL)
            if now != seen:
                seen = now
                set_tick(now)

    solara.use_thread(watch, dependencies=[page], intrusive_cancel=False)

    if page is None:
        Full(first_settings.lang)
        return
    s = page.settings
    query = s.with_(lang=lang, large=large).query()

    def refresh():
        """Redraw; the address follows the settings (pushed only when they change: a push redraws everything)."""
        if query != (router.search or "") and router.set_path is not None:
            router.push(f"{router.path or '/'}?{query}")

    solara.use_effect(refresh, [query])

    def do(action):
        """Run a click's action on this page's session only; any failure becomes a message there."""
        page._guard(action)

    def on_start(settings: Settings | None):
        if settings is None:
            return
        if settings.group == s.group:
            do(lambda: page.start(settings))
            return
        taken = PAGES.regroup(kernel_id, settings.group, lambda: PageSession(LIBRARY, settings))
        set_page(_joined(taken, settings, []))

    def on_lever(side_key: str, lever: str, value):
        do(lambda: page.move(side_key, lever, value))

    font = {"font-size": "150%"} if large else {}
    with solara.Column(classes=["ngo-page", f"ngo-lang-{lang}"], style={"padding": "0.5em", **font}):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Markdown(f"## {t('app_title', lang)}")
            solara.Button(
                t("language", lang),
                on_click=lambda: set_lang(LANGS[1 - LANGS.index(lang)]),
                classes=["ngo-language"],
                text=True,
            )
            with solara.Div(classes=["ngo-large"]):
                solara.Checkbox(label=t("large_text", lang), value=large, on_value=set_large)
            solara.Button(
                t("back", lang) if show_about else t("about", lang),
                on_click=lambda: set_show_about(not show_about),
                classes=["ngo-about"],
                text=True,
            )
        if SHARE:
            solara.Info(
                f"{t('share_address', lang, address=SHARE)} {t('share_lan_warning', lang)}", classes=["ngo-share"]
            )
        if show_about:
            with solara.Column(classes=["ngo-about-page"], style={"max-width": "60em"}):
                solara.Markdown(about(lang))
            return
        if s.group:
            members = PAGES.members(s.group)
            solara.Info(t("group_shared", lang, group=s.group, count=members), classes=["ngo-group"])
        Messages(page, lang, tick)
        with solara.Columns([1, 3]):
            with solara.Column(classes=["ngo-controls"]):
                Settings_(page, lang, on_start).key(f"settings-{lang}-{id(page)}")
                with solara.Row():
                    solara.Button(t("step", lang), on_click=lambda: do(page.step), classes=["ngo-step"])
                    if page.playing:
                        solara.Button(t("pause", lang), on_click=page.pause, classes=["ngo-pause"])
                    else:
                        solara.Button(t("play", lang), on_click=page.play, classes=["ngo-play"])
                    solara.Button(t("reset", lang), on_click=lambda: do(page.reset), classes=["ngo-reset"])
                for side_key in page.sides:
                    LeverControls(page, side_key, lang, on_lever, tick)
                solara.Markdown(f"**{t('downloads', lang)}**")
                with solara.Div(classes=["ngo-csv"]):
                    solara.FileDownload(
                        page.csv,
                        filename=f"ngosim-{s.preset}-seed{s.seed}.csv",
                        label=t("download_csv", lang),
                        mime_type="text/csv",
                    )
                solara.Text(t("download_png_hint", lang))
                solara.Markdown(f"**{t('link_to_run', lang)}**")
                base = SHARE or f"http://{CONFIG.host}:{CONFIG.port}/"
                solara.Text(f"{base}?{query}", classes=["ngo-link"], style={"word-break": "break-all"})
            with solara.Columns([1] * len(page.sides)):
                for side_key in page.sides:
                    SideView(page, side_key, lang, large, tick)
