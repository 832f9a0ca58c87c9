"""docs/experiments.md, docs/outputs.md and docs/architecture.md name what the code has."""

import re
from pathlib import Path

from sim.analysis.paired import COLUMNS
from sim.cli import parser
from sim.experiments.experiment import TOP_KEYS
from sim.experiments.store import TABLE_NAMES, Store

ROOT = Path(__file__).resolve().parent.parent


def table_after(doc: str, heading: str) -> dict[str, str]:
    """The first Markdown table after a heading: first cell (without backticks) -> second cell."""
    text = (ROOT / "docs" / doc).read_text()
    rows = []
    for line in text[text.index(heading) :].splitlines()[1:]:
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows.append((cells[0].strip("`"), cells[1] if len(cells) > 1 else ""))
        elif rows and not line.startswith("|"):
            break
    return dict(rows[1:])


def test_commands_table_is_the_cli_subcommands():
    subcommands = next(a for a in parser()._actions if a.dest == "command").choices
    assert list(table_after("experiments.md", "## Commands")) == list(subcommands)


def test_experiment_keys_table_is_top_keys():
    assert tuple(table_after("experiments.md", "## The experiment file")) == TOP_KEYS


def test_catalogue_table_is_a_fresh_store(tmp_path):
    documented = table_after("experiments.md", "## The store")
    with Store(tmp_path / "s") as store:
        for table in TABLE_NAMES:
            columns = [r[0] for r in store.db.execute(f"DESCRIBE {table}").fetchall()]
            assert [c.strip(" `") for c in documented[table].split(",")] == columns, table
    assert tuple(documented) == TABLE_NAMES


def test_comparison_csv_columns_in_outputs_md():
    text = (ROOT / "docs" / "outputs.md").read_text()
    listed = re.search(r"comparison\.csv columns: (.*)", text).group(1)
    assert [c.strip(" `.") for c in listed.split(",")] == [COLUMNS[0], "label", *COLUMNS[1:]]


def test_architecture_module_map_names_every_module():
    text = (ROOT / "docs" / "architecture.md").read_text()
    mapped = set(re.findall(r"^\| `(sim/[^`]+\.py)` \|", text, re.M))
    assert mapped == {str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py")}
