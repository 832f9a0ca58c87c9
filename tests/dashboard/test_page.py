"""The real page in headless Chromium against a real `ngosim dashboard` (tests/dashboard/conftest.py).

Each test waits on the page's own content. Screenshots for docs/teachers-guide.md are written
to docs/images/ by these tests (dashboard-*.png), so the guide shows the page at HEAD.
"""

from __future__ import annotations

import csv
import io
import re
import time
from urllib.parse import urlparse

from dashboard.browser_support import IMAGES, SCALE, TAIL_NAME, Page, Server, free_port
from sim.dashboard.i18n import catalogue

FINISHED = ".ngo-finished-a"


def later(before: str):
    return lambda text: text.split()[-1] > before


def test_page_renders_views_and_step_and_play_advance_the_date(open_page, dashboard):
    page = open_page().ready()
    assert page.page.locator(".ngo-chart").count() == 8
    page.page.wait_for_selector(".ngo-chart-registered canvas, .ngo-chart-registered svg", timeout=30_000)
    assert "Loading app" not in page.page.inner_text("body")
    start = page.date()
    page.page.click(".ngo-step")
    stepped = page.wait_text(".ngo-date-a", later(start)).split()[-1]
    assert stepped > start
    page.page.click(".ngo-play")
    played = page.wait_text(".ngo-date-a", later(stepped), timeout=20).split()[-1]
    page.page.click(".ngo-pause")
    assert played > stepped
    page.screenshot(IMAGES / "dashboard-page.png")
    own = urlparse(dashboard.url).netloc
    assert page.requests and all(urlparse(u).netloc == own for u in page.requests if not u.startswith("data:"))


def test_veto_lever_decides_the_tail_with_one_seed_on_both_sides(open_page):
    moves = "a.0.accreditation_veto.0,b.0.accreditation_veto.1"
    query = f"preset={TAIL_NAME}&compare={TAIL_NAME}&seed=1&scale={SCALE}&start=start&speed=10&moves={moves}"
    page = open_page(query, width=1800).ready().ready(".ngo-date-b")
    page.page.click(".ngo-play")
    page.page.wait_for_selector(FINISHED, timeout=90_000)
    page.page.wait_for_selector(".ngo-finished-b", timeout=30_000)
    without_veto = int(page.text(".ngo-figure-status_grassroots-a"))
    full_veto = int(page.text(".ngo-figure-status_grassroots-b"))
    assert without_veto >= 1 and full_veto == 0
    link = page.text(".ngo-link")
    assert link.count("seed=") == 1 and "seed=1" in link
    with page.page.expect_download() as download:
        page.page.click(".ngo-csv button, .ngo-csv a, .ngo-csv .v-btn")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert {r["seed"] for r in rows} == {"1"} and {r["side"] for r in rows} == {"a", "b"}
    last = {r["side"]: r for r in rows if r["date"] == "2004-12-31"}
    assert int(last["a"]["consultative_grassroots"]) == without_veto and int(last["b"]["consultative_grassroots"]) == 0
    page.screenshot(IMAGES / "dashboard-compare.png")


def test_a_lever_moved_mid_run_shows_on_the_timeline(open_page):
    page = open_page("preset=status_quo").ready()
    page.page.click(".ngo-step")
    page.wait_text(".ngo-date-a", later("2016-01-01"))
    track = page.page.locator(".ngo-lever-a-accreditation_veto .v-slider__track-container").bounding_box()
    page.page.mouse.click(track["x"] + 1, track["y"] + track["height"] / 2)  # the far left: veto 0
    page.page.wait_for_selector(".ngo-message-info", timeout=30_000)
    assert "acts from 2016-04-01" in page.text(".ngo-message-info")
    assert "accreditation_veto.0" in page.text(".ngo-link")
    assert "Moved in the dashboard" not in page.text(".ngo-events-a")  # it acts from the next quarter
    page.page.click(".ngo-step")
    events = page.wait_text(".ngo-events-a", lambda s: "Moved in the dashboard" in s, timeout=30)
    assert "2016-04-01 · Objections to UN applications → 0.00 (Moved in the dashboard)" in events
    assert page.date() == "2016-07-01"


def test_two_pages_are_independent(open_page):
    one, two = open_page("seed=11").ready(), open_page("seed=12").ready()
    start = one.date()
    for _ in range(3):
        before = one.date()
        one.page.click(".ngo-step")
        one.wait_text(".ngo-date-a", later(before))
    assert one.date() == "2016-10-01" and two.date() == start
    assert "seed=11" in one.text(".ngo-link") and "seed=12" in two.text(".ngo-link")


def test_a_group_shares_its_run_and_no_one_outside_it_changes_it(open_page):
    one = open_page("group=table-7&seed=21").ready()  # each page in its own browser context
    two = open_page("group=table-7&seed=99").ready()  # joins the group: the group's run, seed 21
    three = open_page("seed=21").ready()  # the same run settings, but not in the group
    assert "joined group table-7" in two.text(".ngo-page") and "2 page(s)" in two.text(".ngo-group")
    assert "seed=21" in two.wait_text(".ngo-link", lambda s: "seed=21" in s) and "group=table-7" in two.text(
        ".ngo-link"
    )
    start = one.date()
    two.page.click(".ngo-step")  # a member's Step moves the group's run, on both members' pages
    assert one.wait_text(".ngo-date-a", later(start)).split()[-1] == two.date() > start
    assert three.date() == start
    three.page.click(".ngo-step")
    three.wait_text(".ngo-date-a", later(start))
    one.page.click(".ngo-play")  # one member's Play plays for both; the other's Pause stops it
    stepped = two.date()
    two.wait_text(".ngo-date-a", later(stepped), timeout=20)
    two.page.wait_for_selector(".ngo-pause", timeout=20_000).click()
    one.page.wait_for_selector(".ngo-play", timeout=20_000)
    assert one.wait_text(".ngo-date-a", lambda s: s.split()[-1] == two.date(), timeout=10).split()[-1] == two.date()
    assert three.date() < two.date()
    three.page.fill(".ngo-group-name input", "a/b")  # a bad group name: a message, no one else affected
    three.page.click(".ngo-apply")
    assert "a/b" in three.wait_text(".ngo-page", lambda s: "a/b" in s, timeout=20)
    assert "table-7" not in three.text(".ngo-link") and one.date() == two.date()


def test_chinese_page_shows_no_english_ui_string_and_has_its_about_page(open_page):
    page = open_page("lang=zh").ready()
    time.sleep(1.0)
    body = page.page.inner_text("body")
    english = {e["en"] for e in catalogue().values() if e["en"] != e["zh"] and re.search(r"[a-z]{3}", e["en"])}
    shown = [text for text in english if text.split("{")[0].strip() and text.split("{")[0].strip() in body]
    assert not shown
    assert "单步" in body and "政策杠杆" in body
    page.screenshot(IMAGES / "dashboard-chinese.png")
    page.page.click(".ngo-about")
    page.page.wait_for_selector(".ngo-about-page", timeout=30_000)
    assert "关于本模型" in page.text(".ngo-about-page") and "可以尝试" in page.text(".ngo-about-page")


def test_about_page_in_english(open_page):
    page = open_page().ready()
    page.page.click(".ngo-about")
    page.page.wait_for_selector(".ngo-about-page", timeout=30_000)
    assert "Things to try" in page.text(".ngo-about-page")
    page.screenshot(IMAGES / "dashboard-about.png")


def test_a_chart_downloads_as_png(open_page):
    page = open_page().ready()
    page.page.wait_for_selector(".ngo-chart-trust summary", timeout=30_000)
    page.page.click(".ngo-chart-trust summary")
    with page.page.expect_download() as download:
        page.page.click(".ngo-chart-trust a:has-text('PNG')")
    data = download.value.path().read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_gives_a_message_and_harms_no_other_page(open_page, dashboard):
    page = open_page("seed=abc&scale=9&lang=xx&moves=a.1.nothing.3").ready()
    warnings = page.text(".ngo-page")
    assert ("abc" in warnings and "9" in warnings and "nothing" in warnings) or "moves" in warnings
    page.page.fill(".ngo-seed input", "-1")
    page.page.fill(".ngo-scale input", "zero")
    page.page.click(".ngo-apply")
    page.wait_text(".ngo-page", lambda s: "zero" in s, timeout=20)
    assert "-1" in page.text(".ngo-page")
    other = open_page().ready()
    before = other.date()
    other.page.click(".ngo-step")
    assert other.wait_text(".ngo-date-a", later(before)).split()[-1] > before
    assert dashboard.alive()


def connected(page: Page) -> None:
    """Wait until Solara shows no overlay: "Server disconnected" while a websocket reconnects under load, or
    "Restoring session" after it (the session and its run are kept; a click meanwhile lands on the overlay)."""
    page.page.wait_for_selector(".v-overlay--active", state="detached", timeout=120_000)


def test_thirty_pages_step_at_once_and_keep_their_own_state(browser, dashboard):
    """30 pages playing together (15 s here; benchmarks/dashboard.py covers the full minute at 1:1)."""
    context = browser.new_context(viewport={"width": 900, "height": 700})
    context.route("**/vega*", lambda route: route.abort())  # the server still builds and sends every chart
    pages: list[Page] = []
    for batch in range(0, 30, 5):  # a class arrives over a minute, not in one millisecond
        opened = [
            Page(browser, dashboard.url, f"seed={100 + i}&speed=2", context=context) for i in range(batch, batch + 5)
        ]
        for page in opened:
            page.ready(timeout=180_000)
        pages += opened
    for page in pages:
        connected(page)
        page.page.click(".ngo-play")
    time.sleep(15)
    dates = [page.date() for page in pages]
    assert all(date > "2016-01-01" for date in dates)
    for i, page in enumerate(pages):
        assert f"seed={100 + i}" in page.text(".ngo-link")
        assert page.page.locator(".ngo-message-error").count() == 0
    assert dashboard.alive()
    context.close()


def test_lan_address_is_shown_and_the_page_over_the_cap_gets_its_own(browser, tmp_path):
    port = free_port()
    server = Server(
        ["--host", "0.0.0.0", "--max-sessions", "1", "--scale", "0.01", "--no-warm"], port, tmp_path / "s.log"
    )
    try:
        first = Page(browser, server.url).ready()
        share = first.text(".ngo-share")
        address = re.search(r"http://([\d.]+):(\d+)/", share)
        assert address and address.group(2) == str(port) and not address.group(1).startswith("127.")
        second = Page(browser, server.url).ready(".ngo-full")
        assert "The class is full" in second.text(".ngo-full")
        second.close()
        first.close()
    finally:
        server.stop()
