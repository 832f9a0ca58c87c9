"""The browser's files, served by the dashboard itself (no CDN): solara-assets' folder, plus the names Vega is asked by.

solara-assets 1.58.2 ships vega 5.21.0, vega-lite 5.2.0 and vega-embed 6.20.2 under their full
versions, but Solara's chart widget asks for `vega@5`, `vega-lite@5` and `vega-embed@6`; without
those names a server with no internet leaves the charts blank. `prepare` adds them once.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ALIASES = {"vega@5": "vega@5.21.0", "vega-lite@5": "vega-lite@5.2.0", "vega-embed@6": "vega-embed@6.20.2"}
NEEDED = ("@widgetti", "requirejs@2.3.6", *ALIASES.values())


def default_cache_dir() -> Path:
    """Where solara-assets puts the files (`<environment>/share/solara/cdn`)."""
    return Path(sys.prefix) / "share" / "solara" / "cdn"


class AssetsMissing(RuntimeError):
    """The environment lacks the browser files, so the page would stay on "Loading app" offline."""


def prepare(cache_dir: Path) -> Path:
    """Check the folder holds what the page needs and add the Vega names; returns the folder."""
    missing = [name for name in NEEDED if not (cache_dir / name).exists()]
    if missing:
        raise AssetsMissing(
            f"the browser files are missing from {cache_dir}: {', '.join(missing)}; "
            'install the dashboard extra (pip install "ngosim[dashboard]"), which brings solara-assets'
        )
    for alias, versioned in ALIASES.items():
        target = cache_dir / alias
        if not target.exists():
            shutil.copytree(cache_dir / versioned, target)
    return cache_dir
