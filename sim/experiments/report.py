"""The report of a stored experiment: one self-contained HTML file with its definition, provenance,
and every analysis recorded for it (comparisons, sensitivity, discovery), each with the command
that reproduces it. The analyses are run again from the store, so the report shows the store now.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.experiments import analyses
from sim.experiments.outcomes import label
from sim.experiments.store import Store

GENERATOR = '<meta name="generator" content="ngosim report">'  # marks a file as ours, so it may be replaced


def check_report_path(out: Path) -> Path:
    """A report file: FILE.html, new or a report ngosim wrote (anything else is refused, nothing overwritten)."""
    if out.suffix.lower() != ".html":
        raise analyses.AnalysisError(f"--out {out}: not an .html file (allowed: a file name ending in .html)")
    if out.is_dir():
        raise analyses.AnalysisError(f"--out {out}: is a folder (allowed: a file name ending in .html)")
    if out.exists():
        head = out.read_bytes()[:4096].decode("utf-8", "replace")
        if "ngosim report" not in head:
            raise analyses.AnalysisError(
                f"--out {out}: exists and is not a report ngosim wrote; nothing was changed "
                "(allowed: a new file, or an earlier ngosim report)"
            )
    if not out.parent.exists():
        raise analyses.AnalysisError(f"--out {out}: no folder {out.parent} (allowed: a file in an existing folder)")
    return out


def _compare_command(definition: dict, store_arg: str) -> str:
    """The command that makes a comparison the report draws itself: `ngosim compare` when the scenarios
    are the experiment's only factor; otherwise (other factors hold values `compare` cannot set) this
    report's own command, which compares the stored runs."""
    experiment = definition["name"]
    factors = definition["factors"]
    if len(factors) > 1:
        return f"ngosim report {store_arg} --experiment {experiment} --out REPORT.html"
    files = " ".join(factors[0]["levels"])
    return (
        f"ngosim compare {files} --replicates {definition['replicates']} --seed {definition['seed']} "
        f"--scale {definition['scale']:g} --name {experiment} --out {store_arg}"
    )


def build(store: Store, experiment: str) -> str:
    """The report's HTML: one section per recorded analysis (a comparison or a sensitivity analysis is
    made with its defaults when the experiment's design calls for one and none was recorded)."""
    from sim.analysis import figures
    from sim.analysis.report import Section, render

    definition = store.definition(experiment)
    recorded = store.analyses(experiment)
    kinds = {a["kind"] for a in recorded}
    store_arg = str(store.folder)
    if "compare" not in kinds and any(f["name"] == analyses.SCENARIO_FACTOR for f in definition["factors"]):
        recorded.insert(0, {"kind": "compare", "arguments": {}, "command": _compare_command(definition, store_arg)})
    if "sensitivity" not in kinds and definition["design"] in ("sobol", "morris"):
        recorded.append(
            {
                "kind": "sensitivity",
                "arguments": {},
                "command": f"ngosim sensitivity {store_arg} --experiment {experiment}",
            }
        )
    sections = [Section("Runs", text=_runs_text(store, experiment), tables=[_runs_table(store, experiment)])]
    for analysis in recorded:
        args, command = analysis["arguments"], analysis["command"]
        if analysis["kind"] == "compare":
            result = analyses.compare(
                store,
                experiment,
                args.get("reference"),
                args.get("outcomes"),
                args.get("dates"),
                args.get("method", "bootstrap"),
                figures=False,
            )
            _, series = analyses.outcome_values(store, experiment, analyses.check_outcomes(args.get("outcomes")))
            shown = result.table[
                [
                    "label",
                    "date",
                    "scenario",
                    "mean",
                    "mean_low",
                    "mean_high",
                    "diff",
                    "diff_low",
                    "diff_high",
                    "n",
                    "too_wide",
                ]
            ]
            made = analyses.comparison_figure_set(result.table, series, analyses.check_outcomes(args.get("outcomes")))
            pictures = [fig for _, fig in made]
            text = "\n\n".join([result.note, *result.warnings])
            sections.append(Section("Comparison", text=text, tables=[shown], figures=pictures, command=command))
        elif analysis["kind"] == "sensitivity":
            results = analyses.sensitivity(store, experiment, args.get("outcomes"))
            tables, pictures = [], []
            for outcome, table in results.items():
                tables.append(table.reset_index().assign(outcome=label(outcome)))
                pictures.append(analyses.sensitivity_figure(definition["design"], table, outcome))
            text = (
                "Replicates are averaged per design point before the indices are computed (every point uses the "
                "same replicate seeds). Intervals are SALib's bootstrap confidence intervals at 95%."
            )
            heading = f"Sensitivity: {definition['design'].capitalize()} indices"
            sections.append(Section(heading, text=text, tables=tables, figures=pictures, command=command))
        elif analysis["kind"] == "discover":
            found = analyses.discover(
                store,
                experiment,
                args["outcome"],
                args.get("above"),
                args.get("below"),
                args.get("date"),
                args.get("threshold", 0.8),
            )
            text = f"Runs of interest: {found.outcome_rule}. {found.choice_rule}"
            sections.append(
                Section(
                    "Scenario discovery (PRIM)",
                    text=text,
                    tables=[analyses.discovery_table(found), found.tradeoff],
                    figures=[figures.prim_tradeoff(found)],
                    command=command,
                )
            )
    html = render(f"ngosim: {experiment}", analyses.provenance(store, experiment), definition, sections)
    return html.replace("<head>", f"<head>{GENERATOR}", 1)


def _runs_text(store: Store, experiment: str) -> str:
    runs = store.runs(experiment)
    return (
        f"{len(runs)} runs planned, {int((runs['status'] == 'done').sum())} done, "
        f"{int((runs['status'] == 'failed').sum())} failed."
    )


def _runs_table(store: Store, experiment: str) -> pd.DataFrame:
    runs = store.runs(experiment)
    return runs[
        ["point", "replicate", "run_id", "scenario", "seed", "scale", "factor_values", "status", "wall_seconds"]
    ]


def write(store: Store, experiment: str, out: Path) -> Path:
    """Build the report and write it whole (an interrupted report leaves no partial file)."""
    from sim.analysis.report import write_report

    check_report_path(out)
    return write_report(out, build(store, experiment))
