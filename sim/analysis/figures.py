"""Figures of the analyses (matplotlib, no display): each function returns a Figure; save, PNG bytes or SVG text.

Figures are built on matplotlib.figure.Figure, not pyplot, so nothing is shown and no global state
is kept. The colours are the Okabe-Ito palette, which stays distinguishable with colour-blindness.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .atomic import atomic_write
from .discovery import Discovery

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
GREY = "#999999"
BAND = 0.9


def _figure(width: float = 7.0, height: float = 4.0) -> tuple[Figure, object]:
    """A figure with one axes and the common style."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def colour(i: int) -> str:
    """The i-th colour of the palette (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def timeseries_bands(
    series: pd.DataFrame, outcome: str, label: str, *, band: float = BAND, title: str | None = None
) -> Figure:
    """Mean over replicates per scenario through time, with the central `band` range of the replicates shaded;
    the axis is labelled `label`, the figure titled `title` (the label by default)."""
    for column in ("scenario", "seed", "date", outcome):
        if column not in series.columns:
            raise ValueError(f"series: missing column {column!r}; required are scenario, seed, date, {outcome}")
    fig, ax = _figure()
    data = series.assign(date=pd.to_datetime(series["date"]))
    low_q, high_q = (1 - band) / 2, 1 - (1 - band) / 2
    for i, (scenario, group) in enumerate(data.groupby("scenario", sort=False)):
        by_date = group.groupby("date")[outcome]
        mean, low, high = by_date.mean(), by_date.quantile(low_q), by_date.quantile(high_q)
        ax.fill_between(mean.index, low.to_numpy(), high.to_numpy(), color=colour(i), alpha=0.2, linewidth=0)
        ax.plot(mean.index, mean.to_numpy(), color=colour(i), linewidth=1.8, label=str(scenario))
    replicates = data.groupby("scenario")["seed"].nunique()
    ax.set_ylabel(label)
    ax.text(
        0,
        1.0,
        f"line: mean over replicates ({replicates.min()}-{replicates.max()} per scenario); "
        f"band: central {band:.0%} of replicates",
        transform=ax.transAxes,
        fontsize=8,
        va="bottom",
        color="#444444",
    )
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title or label, loc="left", fontsize=11, pad=16)
    return fig


def forest_plot(table: pd.DataFrame, outcome: str, date: object) -> Figure:
    """Paired differences from the reference with their intervals, one line per scenario, for one outcome and date."""
    rows = table[(table["outcome"] == outcome) & (table["date"].astype(str) == str(date)) & ~table["is_reference"]]
    if rows.empty:
        raise ValueError(
            f"table: no comparison for outcome {outcome!r} at {date}; outcomes: {sorted(table['outcome'].unique())}"
        )
    strata = rows["stratum"] if "stratum" in rows.columns else [""] * len(rows)
    names = [f"{s}, {where}" if where else str(s) for s, where in zip(rows["scenario"], strata, strict=True)]
    ticks = [f"{name} (n={n})" for name, n in zip(names, rows["n"], strict=True)]
    # the tick labels take their width from the axes: a wider figure keeps the title and the note inside
    fig, ax = _figure(7.0 + 0.075 * max(0, max(len(t) for t in ticks) - 24), 1.2 + 0.45 * len(rows))
    positions = np.arange(len(rows))[::-1]
    for y, row in zip(positions, rows.itertuples(index=False), strict=True):
        shade = GREY if row.too_wide else colour(0)
        ax.errorbar(
            row.diff,
            y,
            xerr=[[row.diff - row.diff_low], [row.diff_high - row.diff]],
            fmt="o",
            color=shade,
            markerfacecolor="white" if row.too_wide else shade,
            capsize=3,
        )
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(positions, ticks)
    reference, level, method = rows["reference"].iloc[0], float(rows["level"].iloc[0]), rows["method"].iloc[0]
    k = int((~table["is_reference"]).sum())
    note = (
        f"{level:.3g} {method} intervals; hollow grey: spans 0 or fewer than 5 seeds. {k} intervals in this "
        f"comparison: about {k * (1 - level):.2g} would exclude 0 by chance if no lever mattered."
    )
    head = f"difference from {reference} in {outcome} (paired by seed)"
    # centred under the axes, about 4.5 inches wide (the figure widens with its tick labels): lines of 70
    ax.set_xlabel(textwrap.fill(head, 70) + "\n" + textwrap.fill(note, 70), fontsize=8.5)
    ax.set_title(f"{outcome} at {date}: scenario - {reference}", loc="left", fontsize=11)
    return fig


def sensitivity_bars(table: pd.DataFrame, title: str) -> Figure:
    """Bars per factor: S1 and ST with their confidence for a Sobol table, mu_star for a Morris table."""
    if {"S1", "ST"} <= set(table.columns):
        bars = [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")]
    elif "mu_star" in table.columns:
        bars = [("mu_star", "mu_star_conf", "mu* (mean |elementary effect|)")]
    else:
        raise ValueError("table: expected Sobol columns S1, ST or Morris column mu_star")
    fig, ax = _figure(7.0, 1.2 + 0.4 * len(table) * len(bars))
    order = table.sort_values(bars[-1][0]).index
    positions = np.arange(len(order))
    height = 0.8 / len(bars)
    for i, (value, conf, name) in enumerate(bars):
        ax.barh(
            positions + i * height,
            table.loc[order, value],
            height=height,
            xerr=table.loc[order, conf] if conf in table.columns else None,
            color=colour(i),
            label=name,
            capsize=2,
        )
    ax.set_yticks(positions + height * (len(bars) - 1) / 2, [str(f) for f in order])
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


def morris_scatter(table: pd.DataFrame) -> Figure:
    """Morris screening: mu_star (influence) against sigma (non-linearity or interaction), one labelled point per factor."""
    fig, ax = _figure(6.0, 4.5)
    ax.scatter(table["mu_star"], table["sigma"], color=colour(0), zorder=3)
    for factor, row in table.iterrows():
        ax.annotate(str(factor), (row["mu_star"], row["sigma"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    top = float(max(table["mu_star"].max(), table["sigma"].max(), 1e-12)) * 1.1
    ax.plot([0, top], [0, top], color=GREY, linewidth=0.8, linestyle="--", label="sigma = mu*")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title("Morris screening", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8)
    return fig


def prim_tradeoff(discovery: Discovery) -> Figure:
    """The first box's peeling trajectory: coverage against density, coloured by restricted dimensions, chosen step ringed."""
    fig, ax = _figure(6.0, 4.5)
    tradeoff = discovery.tradeoff
    for i, (dims, group) in enumerate(tradeoff.groupby("restricted_dimensions")):
        ax.scatter(group["coverage"], group["density"], color=colour(i), s=18, label=f"{dims} restricted", zorder=3)
    chosen = tradeoff.loc[tradeoff["step"] == discovery.chosen].iloc[0]
    ax.scatter(chosen["coverage"], chosen["density"], s=160, facecolors="none", edgecolors="#000000", zorder=4)
    ax.axhline(discovery.threshold, color=GREY, linestyle="--", linewidth=0.8, label=f"threshold {discovery.threshold}")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of the runs of interest in the box)")
    ax.set_ylabel("density (share of the box's runs of interest)")
    ax.set_title(f"PRIM trade-off for: {discovery.outcome_rule}", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8)
    return fig


def save(fig: Figure, path: Path | str) -> Path:
    """Write the figure as PNG atomically: a temporary file in the same folder, then a rename."""
    return atomic_write(path, png_bytes(fig))


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, for inlining."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def svg_text(fig: Figure) -> str:
    """The figure as SVG text without a creation date, for inlining."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
