"""The fit report: fit.csv, the fit figure (targets against the runs) and fit-report.md. The only
module of the calibration that imports matplotlib (lazily).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.calibration.check import criteria, forecasts
from sim.experiments.calibration.plan import Plan
from sim.experiments.patterns import pattern_table
from sim.experiments.scenario_file import load_scenario

STAGE_COLUMNS = [
    "stage",
    "trials",
    "start_loss",
    "loss",
    "chosen_trial",
    "confirmed_start_loss",
    "confirmed_loss",
    "wall_seconds",
]  # the fit report's "Stages" table


def fit_figure(table: pd.DataFrame, runs: list[pd.DataFrame], path: Path) -> None:
    """Targets against the model's runs: one panel per quantity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (
            "registered organisations",
            ["registered_gongo", "registered_grassroots", "registered_foundation"],
            "registered",
        ),
        ("internationalised", ["internationalised_gongo", "internationalised_grassroots"], "internationalised"),
        ("mainland ECOSOC status holders", ["consultative_all"], "ecosoc_status"),
    ]
    scale = table.attrs.get("scale", 1.0)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (title, columns, quantity) in zip(axes, panels, strict=True):
        for column, colour in zip(columns, ("tab:blue", "tab:orange", "tab:green"), strict=False):
            for ts in runs:
                ax.plot(pd.to_datetime(ts["date"]), ts[column], color=colour, alpha=0.15, lw=0.8)
            ax.plot([], [], color=colour, label=column)
        chosen = table[
            (table["quantity"] == quantity) & table["kind"].isin(["gongo", "grassroots", "foundation", "all_mainland"])
        ]
        for role, marker in (("fit", "o"), ("validation", "s")):
            rows = chosen[chosen["role"] == role]
            ax.scatter(
                pd.to_datetime(rows["date"]),
                rows["target_at_scale"],
                marker=marker,
                color="black",
                zorder=3,
                label=f"target ({role})",
            )
        if quantity == "internationalised":
            ax.set_yscale("symlog", linthresh=5)
        ax.set_title(f"{title} (scale {scale:g})")
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    table: pd.DataFrame, runs: list[pd.DataFrame], plan: Plan | None, folder: Path, stages: list[dict[str, Any]]
) -> Path:
    """fit.csv, fit.png and fit-report.md in `folder`; returns the report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "fit.csv", index=False)
    fit_figure(table, runs, folder / "fit.png")
    shown = table.assign(
        target=[_target_text(r) for r in table.itertuples()],
        model=[
            f"{m:,.1f} [{lo:,.1f}, {hi:,.1f}]"
            for m, lo, hi in zip(table["model_mean"], table["model_low"], table["model_high"], strict=True)
        ],
        error=[f"{e:+.1%}" if not math.isnan(e) else "" for e in table["relative_error"]],
    )
    attrs = table.attrs
    parts = [
        "# Fit report",
        "",
        f"Scenario `{attrs.get('scenario')}`, {attrs.get('replicates')} replicates (seeds {attrs.get('seed')}..), scale {attrs.get('scale')}. "
        "Model: mean [90% interval over replicates]; targets thinned by the scale.",
        "",
        "## Acceptance criteria",
        _criteria_text(table, plan),
        "",
    ]
    if runs and (runs[0]["date"] == "2016-12-31").any():
        parts += [
            "## Patterns",
            "The qualitative patterns of the history (sim/experiments/patterns.py), run by run.",
            "",
            markdown_table(pattern_table(runs, float(attrs.get("scale", 1.0)))),
            "",
        ]
    for role, heading in (("fit", "Fitted targets"), ("validation", "Held out (validation)")):
        rows = shown[shown["role"] == role].set_index("key")[["target", "confidence", "model", "error"]]
        parts += [f"## {heading}", markdown_table(rows), ""]
    if stages:
        parts += [
            "## Stages",
            "Losses of the search (on the search's replicates) and, where a stage confirms its finalists, of "
            "its starting point and the chosen trial on fresh seeds (docs/calibration.md).",
            "",
            markdown_table(stage_table(stages)),
            "",
        ]
    if plan is not None:
        parts += [
            "## Calibrated parameters",
            "Each parameter's value, the plan's range for it, and how well the data pins it: the range of the "
            "values among the stage's trials whose loss came within 25% of the best, and that range as a share of "
            "the plan's (small: the targets pin it; near 100%: they barely constrain it).",
            "",
            markdown_table(parameter_table(plan, stages)),
            "",
        ]
    if runs:
        for name, frame in forecasts(runs).items():
            parts += [f"## Forecast: {name}", markdown_table(frame.round(1)), ""]
    parts.append("![fit](fit.png)")
    path = folder / "fit-report.md"
    path.write_text("\n".join(parts) + "\n")
    return path


def parameter_table(plan: Plan, stages: list[dict[str, Any]]) -> pd.DataFrame:
    """The calibrated parameters: value, range and how tightly the near-best trials pin it."""
    values = load_scenario(plan.scenario_file).parameters
    near = {name: span for stage in stages for name, span in stage.get("near_best", {}).items()}
    rows = []
    for stage in plan.stages:
        for name, (low, high) in stage.parameters.items():
            span = near.get(name)
            spread = f"[{span[0]:.4g}, {span[1]:.4g}]" if span else ""
            share = f"{(span[1] - span[0]) / (high - low):.0%}" if span else ""
            rows.append((name, f"{getattr(values, name):.6g}", f"[{low:g}, {high:g}]", spread, share, stage.name))
    columns = ["parameter", "value", "range", "near-best trials", "share of range", "stage"]
    return pd.DataFrame(rows, columns=columns).set_index("parameter")


def stage_table(stages: list[dict[str, Any]]) -> pd.DataFrame:
    """The stages' bookkeeping as a table: losses to 4 decimals, seconds whole, blanks where not confirmed."""
    frame = pd.DataFrame(stages).reindex(columns=STAGE_COLUMNS).set_index("stage")
    shown = frame.astype(object).where(frame.notna(), "")
    for column in ("start_loss", "loss", "confirmed_start_loss", "confirmed_loss"):
        shown[column] = [f"{v:.4f}" if v != "" else "" for v in shown[column]]
    shown["wall_seconds"] = [f"{v:.0f}" for v in frame["wall_seconds"]]
    shown["trials"] = [f"{v:.0f}" for v in frame["trials"]]
    shown["chosen_trial"] = [f"{v:.0f}" if v != "" else "" for v in shown["chosen_trial"]]
    return shown


def _target_text(row: Any) -> str:
    text = f"{row.target_at_scale:,.1f}"
    if not (math.isnan(row.low) and math.isnan(row.high)):
        text += f" (range {row.low * (row.target_at_scale / row.value):,.0f}-{row.high * (row.target_at_scale / row.value):,.0f})"
    return text


def _criteria_text(table: pd.DataFrame, plan: Plan | None) -> str:
    """The plan's acceptance criteria as a table, or a sentence saying there are none to judge."""
    if plan is None or not plan.criteria:
        return "The plan names no acceptance criteria."
    return markdown_table(criteria(table, plan.criteria).set_index("criterion"))


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (index as the first column)."""
    header = [frame.index.name or "", *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join([str(index), *map(str, row)]) + " |"
        for index, row in zip(frame.index, frame.to_numpy(), strict=True)
    ]
    return "\n".join(lines)
