"""Fixtures for the dashboard tests: one real dashboard server (a subprocess) and one headless Chromium per session.

The server is `ngosim dashboard` on a free port of 127.0.0.1 at scale 0.02, offering the presets
plus a small scenario with the rare tail made visible (tests/conftest.py's VISIBLE_TAIL). Pages
are waited on by their own content, never by HTTP 200 ("Loading app" also answers 200). Where
Chromium is missing the browser tests skip on a workstation and FAIL in CI (CI=true).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.browser_support import SCALE, Page, Server, free_port, tail_scenario


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory) -> Iterator[Server]:
    """The dashboard on 127.0.0.1, scale 0.02, the presets plus the tail scenario, room for 40 pages."""
    folder = tmp_path_factory.mktemp("dashboard")
    server = Server(
        [str(tail_scenario(folder)), "--scale", str(SCALE), "--max-scale", "0.05", "--max-sessions", "45"],
        free_port(),
        folder / "server.log",
    )
    yield server
    server.stop()


@pytest.fixture
def open_page(browser, dashboard):
    """Open pages on the test server (closed after the test)."""
    pages: list[Page] = []

    def make(query: str = "", **kwargs) -> Page:
        page = Page(browser, dashboard.url, query, **kwargs)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()
