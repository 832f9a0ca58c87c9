"""Fixtures for the dashboard tests: one real dashboard server (a subprocess) and one headless Chromium per session.

The server is `ngosim dashboard` on a free port of 127.0.0.1 at scale 0.02, offering the presets
plus a small scenario with the rare tail made visible (tests/conftest.py's VISIBLE_TAIL). Pages
are waited on by their own content, never by HTTP 200 ("Loading app" also answers 200). Where
Chromium is missing the browser tests skip on a workstation and FAIL in CI (CI=true).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, SCENARIOS, VISIBLE_TAIL

CHROMIUM = os.environ.get("NGOSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCALE = 0.02
IMAGES = REPO / "docs" / "images"
TAIL_NAME = "tail_visible"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail_scenario(folder: Path) -> Path:
    """A 1995-2005 scenario with the tail visible at small scale (registration eased, UN outreach on)."""
    lines = [
        f'name = "{TAIL_NAME}"',
        'description = "test: the rare tail made visible at small scale"',
        "start = 1995-01-01",
        "end = 2004-12-31",
        "seed = 1",
        f'parameters_file = "{(SCENARIOS / "calibrated.toml").as_posix()}"',
        "[parameters]",
        *(f"{k} = {v!r}" for k, v in VISIBLE_TAIL.items()),
        "[levers]",
        "registration_easing = 0.5",
        "un_outreach = 0.5",
    ]
    path = folder / "tail_visible.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class Server:
    """A running `ngosim dashboard` subprocess."""

    def __init__(self, args: list[str], port: int, log: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port), *args],
            cwd=REPO,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the dashboard exited: {log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the dashboard did not start listening in 90 s")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


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


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session (Playwright with executable_path)."""
    if not Path(CHROMIUM).is_file():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Page:
    """A browser page on the dashboard that records every request it makes and what the page says."""

    def __init__(self, browser, base: str, query: str = "", width: int = 1500, height: int = 1000) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(base + (f"?{query}" if query else ""))

    def ready(self, selector: str = ".ngo-date-a", timeout: float = 60_000) -> Page:
        self.page.wait_for_selector(selector, timeout=timeout)
        return self

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def date(self, side: str = "a") -> str:
        return self.text(f".ngo-date-{side}").split()[-1]

    def wait_text(self, selector: str, predicate, timeout: float = 60.0) -> str:
        """Wait until the text of `selector` satisfies `predicate`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text(selector)
            if predicate(text) or time.monotonic() > deadline:
                return text
            time.sleep(0.2)

    def close(self) -> None:
        self.context.close()


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
