"""Helpers for the dashboard's browser tests: a real `ngosim dashboard` subprocess and a recording browser page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, SCENARIOS, VISIBLE_TAIL

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


class Page:
    """A browser page on the dashboard that records every request it makes and what the page says."""

    def __init__(
        self, browser, base: str, query: str = "", width: int = 1500, height: int = 1000, context=None
    ) -> None:
        """A page in its own browser context, or in `context` (pages of one context share the browser's cache,
        but each is still its own page, kernel and session on the server)."""
        self.owns_context = context is None
        self.context = context or browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(base + (f"?{query}" if query else ""), wait_until="commit")

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

    def screenshot(self, path: Path) -> None:
        """The whole page as PNG: Solara's app scrolls inside its own container, so Playwright's full_page alone
        gives the viewport only; the viewport is grown to the page's height for the shot, then put back."""
        size = self.page.viewport_size
        height = self.page.evaluate(
            "() => { const e = document.querySelector('.ngo-page');"
            " return Math.ceil(e.getBoundingClientRect().top + e.scrollHeight) + 24; }"
        )
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        self.page.wait_for_timeout(1000)  # the charts lay themselves out again
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(size)

    def close(self) -> None:
        if self.owns_context:
            self.context.close()
        else:
            self.page.close()
