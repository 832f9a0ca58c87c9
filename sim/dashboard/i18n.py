"""The page's words in English and Simplified Chinese, from the catalogue `strings.toml` (data, not code)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from sim.dashboard.settings import LANGS


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every string by key, then by language."""
    return tomllib.loads(resources.files("sim.dashboard").joinpath("strings.toml").read_text(encoding="utf-8"))


def t(key: str, lang: str, **values: object) -> str:
    """The string `key` in `lang`, with `{name}` fields filled in."""
    entry = catalogue()[key]
    text = entry.get(lang if lang in LANGS else "en") or entry["en"]
    return text.format(**values) if values else text


def scenario_label(name: str, lang: str) -> str:
    """A preset's name in the page's language; a scenario from the command line keeps its own name."""
    key = f"preset_{name}"
    return t(key, lang) if key in catalogue() else name


def about(lang: str) -> str:
    """The About page (Markdown) in `lang`."""
    folder = resources.files("sim.dashboard").joinpath("about")
    return folder.joinpath(f"{lang if lang in LANGS else 'en'}.md").read_text(encoding="utf-8")
