"""One self-contained HTML report: inline CSS, figures as data: URIs, every text escaped, no external request.

A report can be mailed or opened offline years later: it needs nothing but itself. A Content
Security Policy in the page forbids any fetch other than inline images, as a second guard.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .atomic import atomic_write
from .figures import png_bytes
from .paired import format_number

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
MISSING = "n/a"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; margin: 0 auto;
       max-width: 62rem; padding: 1rem 1.5rem 3rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.85rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid #d0d0d0; padding: 0.2rem 0.5rem; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; border: 1px solid #e0e0e0; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; }
nav ol { padding-left: 1.2rem; }
.meta { color: #555; font-size: 0.9rem; }
""".strip()


@dataclass
class Section:
    """One part of the report: explanation, tables, figures and the command that reproduces it."""

    title: str
    text: str = ""
    tables: list[pd.DataFrame] = field(default_factory=list)
    figures: list[Figure | bytes] = field(default_factory=list)
    command: str = ""


def _e(value: object) -> str:
    """Any value as escaped HTML text."""
    return escape(str(value), quote=True)


def _cell(value: object) -> tuple[str, bool]:
    """A table cell's text and whether it is a number (right-aligned)."""
    if isinstance(value, bool | np.bool_):
        return ("yes" if value else "no"), False
    if isinstance(value, int | np.integer):
        return f"{int(value):,}", True
    if isinstance(value, float | np.floating):
        return (MISSING if not np.isfinite(value) else format_number(float(value))), True
    if value is None or value is pd.NaT:
        return MISSING, False
    return str(value), False


def table_html(table: pd.DataFrame) -> str:
    """A DataFrame as an HTML table with every header and cell escaped; a caption from attrs['caption']."""
    show_index = not isinstance(table.index, pd.RangeIndex) or table.index.name is not None
    header = ([table.index.name or ""] if show_index else []) + [str(c) for c in table.columns]
    parts = ["<table>"]
    if table.attrs.get("caption"):
        parts.append(f"<caption>{_e(table.attrs['caption'])}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr></thead><tbody>")
    for index, row in zip(table.index, table.itertuples(index=False), strict=True):
        cells = [f"<th>{_e(index)}</th>"] if show_index else []
        for value in row:
            text, numeric = _cell(value)
            cells.append(f'<td class="num">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def figure_html(figure: Figure | bytes, alt: str) -> str:
    """A figure (matplotlib Figure or PNG bytes) as an <img> with a data: URI."""
    data = png_bytes(figure) if isinstance(figure, Figure) else figure
    if not isinstance(data, bytes) or not data.startswith(PNG_SIGNATURE):
        raise ValueError("figures: each figure must be a matplotlib Figure or PNG bytes")
    encoded = base64.b64encode(data).decode("ascii")
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{encoded}"></figure>'


def _paragraphs(text: str) -> str:
    """Plain text as escaped paragraphs, split at blank lines."""
    blocks = [" ".join(block.split()) for block in text.split("\n\n")]
    return "".join(f"<p>{_e(block)}</p>" for block in blocks if block)


def _value(value: object) -> str:
    """A provenance or definition value as text: scalars as they are, structures as JSON."""
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return str(value)


def _key_values(items: Mapping[str, object]) -> str:
    """A mapping as a two-column table; structured values in <pre>."""
    rows = []
    for key, value in items.items():
        text = _value(value)
        shown = f"<pre>{_e(text)}</pre>" if "\n" in text else _e(text)
        rows.append(f"<tr><th>{_e(key)}</th><td>{shown}</td></tr>")
    return "<table><tbody>" + "".join(rows) + "</tbody></table>"


def _section(number: int, section: Section) -> str:
    """One section as HTML."""
    parts = [f'<section id="section-{number}"><h2>{number}. {_e(section.title)}</h2>', _paragraphs(section.text)]
    parts.extend(table_html(table) for table in section.tables)
    parts.extend(figure_html(fig, f"{section.title}, figure {i + 1}") for i, fig in enumerate(section.figures))
    if section.command:
        parts.append(f'<p class="meta">Reproduce with:</p><pre><code>{_e(section.command)}</code></pre>')
    parts.append("</section>")
    return "".join(parts)


def _contents(sections: Iterable[Section]) -> str:
    """A numbered table of contents."""
    items = "".join(f'<li><a href="#section-{i}">{_e(s.title)}</a></li>' for i, s in enumerate(sections, 1))
    return f"<nav><ol>{items}</ol></nav>"


def render(title: str, provenance: dict, definition: dict, sections: list[Section]) -> str:
    """The whole report as one HTML string: title, provenance, the experiment's definition, then the sections."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
            f"<header><h1>{_e(title)}</h1></header>",
            _contents(sections),
            "<h2>Provenance</h2>",
            _key_values(provenance),
            "<h2>Definition</h2>",
            f"<pre>{_e(_value(definition))}</pre>",
            *(_section(i, s) for i, s in enumerate(sections, 1)),
            "</body></html>",
            "",
        ]
    )


def write_report(path: Path, html: str) -> Path:
    """Write the report atomically: a temporary file in the same folder, then os.replace (no partial .html)."""
    return atomic_write(path, html.encode("utf-8"))
