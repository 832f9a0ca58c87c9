"""What a page shows, as data: read from and written to the page's address, every field checked.

A link carries the preset(s), seed, scale, start, speed, language, text size, the group (if
any) and the levers moved so far (with the quarter each was moved in), so it opens the same run. Nothing here
imports Solara, so it is tested without a browser.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from sim.model.domain import NUMERIC_LEVERS, PD_TARGETING

LANGS = ("en", "zh")
STARTS = ("branch", "start")  # the preset's 2016 branch date (from a ready state), or its own start (1995)
SPEEDS = (0.5, 1.0, 2.0, 4.0, 10.0)  # steps per second
DEFAULT_SPEED = 1.0
SEED_MAX = 2**31 - 1
SIDES = ("a", "b")
GROUP_MAX = 24  # characters of a group name
GROUP_NAME = re.compile(rf"[^\W_][\w-]{{0,{GROUP_MAX - 1}}}")  # letters (any script), digits, - and _
GROUP_ALLOWED = f"up to {GROUP_MAX} letters, digits, - or _ (empty: no group)"


@dataclass(frozen=True)
class Move:
    """A lever moved in the page: it acts from calendar step `step` on."""

    side: str
    step: int
    lever: str
    value: float | str

    def encode(self) -> str:
        value = self.value if isinstance(self.value, str) else f"{self.value:g}"
        return f"{self.side}.{self.step}.{self.lever}.{value}"


@dataclass(frozen=True)
class Settings:
    """One page's run settings (both sides share the seed and scale, so the difference is the policy)."""

    preset: str
    compare: str | None = None
    seed: int = 2017
    scale: float = 1.0
    start: str = "branch"
    speed: float = DEFAULT_SPEED
    lang: str = "en"
    large: bool = False
    group: str = ""  # pages with the same group name share one run ("" = this page's own)
    moves: tuple[Move, ...] = ()

    def query(self) -> str:
        """The page address's query string for these settings."""
        fields: dict[str, str] = {"preset": self.preset}
        if self.compare:
            fields["compare"] = self.compare
        fields |= {"seed": str(self.seed), "scale": f"{self.scale:g}", "start": self.start, "speed": f"{self.speed:g}"}
        fields["lang"] = self.lang
        if self.large:
            fields["large"] = "1"
        if self.group:
            fields["group"] = self.group
        if self.moves:
            fields["moves"] = ",".join(m.encode() for m in self.moves)
        return urlencode(fields, safe=",.")

    def with_(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Problem:
    """A field of the address (or a control) that could not be used: which, what was given, what is allowed."""

    field: str
    given: str
    allowed: str


def check_seed(text: str) -> int:
    """A seed from text; ValueError naming the allowed range."""
    seed = int(text.strip())
    if not 0 <= seed <= SEED_MAX:
        raise ValueError(seed)
    return seed


def check_scale(text: str, max_scale: float) -> float:
    """A scale from text, in (0, max_scale]; ValueError otherwise."""
    scale = float(text.strip())
    if not 0.0005 <= scale <= max_scale:  # also rejects nan
        raise ValueError(scale)
    return scale


def check_group(text: str) -> str:
    """A group name from text ("" for none); ValueError for anything else than a short plain name."""
    name = text.strip()
    if name and not GROUP_NAME.fullmatch(name):
        raise ValueError(name)
    return name


def check_lever(lever: str, text: str) -> float | str:
    """A lever's value from text: a number in [0, 1], or a targeting name; ValueError otherwise."""
    if lever == "pd_targeting":
        if text not in PD_TARGETING:
            raise ValueError(text)
        return text
    if lever not in NUMERIC_LEVERS:
        raise ValueError(lever)
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(value)
    return value


def _move(text: str, compare: bool) -> Move:
    side, step, lever, value = text.split(".", 3)
    if side not in (SIDES if compare else SIDES[:1]):
        raise ValueError(side)
    step_number = int(step)
    if not 0 <= step_number <= 10_000:
        raise ValueError(step)
    return Move(side, step_number, lever, check_lever(lever, value))


def parse_query(
    search: str | None, presets: tuple[str, ...], default: Settings, max_scale: float
) -> tuple[Settings, list[Problem]]:
    """Settings from an address's query string; a field that cannot be used keeps its default and is reported."""
    fields = {k: v[-1] for k, v in parse_qs(search or "", keep_blank_values=True).items()}
    problems: list[Problem] = []
    settings = default

    def take(name: str, convert, allowed: str) -> None:
        nonlocal settings
        if name not in fields:
            return
        try:
            settings = settings.with_(**{name: convert(fields[name])})
        except (ValueError, TypeError, OverflowError, KeyError):
            problems.append(Problem(name, fields[name][:60], allowed))

    def choice(options: tuple[str, ...]):
        def convert(text: str) -> str:
            if text not in options:
                raise ValueError(text)
            return text

        return convert

    def speed(text: str) -> float:
        value = float(text)
        if value not in SPEEDS:
            raise ValueError(text)
        return value

    def moves(text: str) -> tuple[Move, ...]:
        return tuple(_move(item, settings.compare is not None) for item in text.split(",") if item)

    listed = ", ".join(presets)
    take("preset", choice(presets), listed)
    take("compare", choice(presets), listed)
    take("seed", check_seed, f"a whole number from 0 to {SEED_MAX}")
    take("scale", lambda t: check_scale(t, max_scale), f"a number from 0.0005 to {max_scale:g}")
    take("start", choice(STARTS), ", ".join(STARTS))
    take("speed", speed, ", ".join(f"{s:g}" for s in SPEEDS))
    take("lang", choice(LANGS), ", ".join(LANGS))
    take("large", lambda t: {"1": True, "0": False}[t], "0, 1")
    take("group", check_group, GROUP_ALLOWED)
    take("moves", moves, "side.step.lever.value, e.g. a.84.accreditation_veto.0")
    return settings, problems
