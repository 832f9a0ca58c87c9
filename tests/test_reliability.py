"""Reliability of inputs and outputs (docs/reliability.md): names are labels, never paths; output
folders that are not ngosim's are refused, not emptied; every number is finite; sizes are limited
before any work; a store in use or out of reach says so. Each case: exit 2, one line naming the
field and what is allowed, nothing written."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import HISTORY, REPO, SCENARIOS, short_history

from sim.cli import main
from sim.experiments import limits
from sim.experiments.store import Store

EXPERIMENT = """
name = "{name}"
scenario = "{scenario}"
design = "{design}"
replicates = {replicates}
seed = {seed}
scale = 0.01
{extra}
[factors.accreditation_veto]
{factor}
"""


def experiment_file(folder: Path, **fields: object) -> Path:
    """A small grid experiment over the short history; `fields` replace its defaults."""
    scenario = short_history(folder)
    values = {
        "name": "small",
        "scenario": scenario.as_posix(),
        "design": "grid",
        "replicates": 1,
        "seed": 1,
        "extra": "",
        "factor": "levels = [0.0, 1.0]",
    }
    values.update(fields)
    path = folder / "experiment.toml"
    path.write_text(EXPERIMENT.format(**values))
    return path


def scenario_file(folder: Path, replace: dict[str, str] | None = None, append: str = "") -> Path:
    """The short history with lines replaced (old -> new) and text appended."""
    text = short_history(folder).read_text()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "scenario.toml"
    path.write_text(text + append)
    return path


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], *words: str) -> str:
    """Run `ngosim argv` in this process: exit 2, one line on stderr holding `words`, no traceback."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ngosim: error:"), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    return err


def files_under(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


@pytest.mark.parametrize(
    "name",
    ["../../x", "/etc/x", "", "a\\nb", "a\\u0000b", "a b", "..", "ok/../../x", "x" * 65],
    ids=["parent", "absolute", "empty", "newline", "nul", "space", "dotdot", "nested", "long"],
)
def test_a_scenario_name_that_is_not_a_plain_name_is_refused(tmp_path, monkeypatch, capsys, name):
    path = scenario_file(tmp_path, {'name = "history"': f'name = "{name}"'})
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    refused(capsys, ["run", str(path), "--scale", "0.01", "--quiet"], "'name'", limits.NAME_ALLOWED)
    refused(capsys, ["compare", str(path), "--scale", "0.01", "--replicates", "1", "--out", "store"], "'name'")
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("name", ["../x", "/tmp/x", "", "a\\tb"])
def test_an_experiment_name_that_is_not_a_plain_name_is_refused(tmp_path, monkeypatch, capsys, name):
    path = experiment_file(tmp_path, name=name)
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    refused(capsys, ["sweep", str(path)], "'name'", limits.NAME_ALLOWED)
    refused(capsys, ["validate", str(path)], "'name'")
    assert files_under(tmp_path) == before


def test_an_output_name_is_resolved_inside_its_folder(tmp_path):
    assert limits.inside(tmp_path, tmp_path / "runs" / "abc", "run_id") == (tmp_path / "runs" / "abc").resolve()
    with pytest.raises(limits.LimitError, match="would lie outside"):
        limits.inside(tmp_path / "runs", tmp_path / "runs" / ".." / "x", "run_id")
    with pytest.raises(limits.LimitError, match="would lie outside"):
        limits.inside(tmp_path, Path("/etc/x"), "name")


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "export"])
def test_an_output_folder_that_is_not_ngosims_is_refused_and_kept(tmp_path, monkeypatch, capsys, command):
    """A user's folder named as --out or --to: refused, and the document in it survives untouched."""
    folder = tmp_path / "my documents"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"years of work")
    monkeypatch.chdir(tmp_path)
    short = short_history(tmp_path)
    if command == "export":
        store = tmp_path / "store"
        assert (
            main(["sweep", str(experiment_file(tmp_path)), "--out", str(store), "--backend", "serial", "--quiet"]) == 0
        )
        argv = ["export", str(store), "--to", str(folder)]
    else:
        argv = {
            "run": ["run", str(short), "--scale", "0.01", "--out", str(folder), "--quiet"],
            "sweep": ["sweep", str(experiment_file(tmp_path)), "--out", str(folder), "--quiet"],
            "compare": ["compare", str(short), "--scale", "0.01", "--replicates", "1", "--out", str(folder)],
        }[command]
    capsys.readouterr()
    refused(capsys, argv, str(folder), "nothing was changed")
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]
    assert (folder / "thesis.docx").read_bytes() == b"years of work"


@pytest.mark.parametrize("where", ["/", ".", "..", "a file", "/proc/ngosim-x"])
def test_an_output_folder_that_cannot_be_one_is_refused(tmp_path, monkeypatch, capsys, where):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    (tmp_path / "work" / "a file").write_text("a file")
    experiment = experiment_file(tmp_path)
    before = files_under(tmp_path)
    refused(capsys, ["sweep", str(experiment), "--out", where, "--quiet"], "--out")
    refused(capsys, ["run", str(short_history(tmp_path)), "--scale", "0.01", "--out", where, "--quiet"], "--out")
    assert files_under(tmp_path) == before


def test_a_report_over_a_file_ngosim_did_not_write_is_refused(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["sweep", str(experiment_file(tmp_path)), "--out", str(store), "--backend", "serial", "--quiet"]) == 0
    page = tmp_path / "page.html"
    page.write_text("<html>my page</html>")
    capsys.readouterr()
    refused(capsys, ["report", str(store), "--out", str(page)], "--out", "nothing was changed")
    assert page.read_text() == "<html>my page</html>"


NON_FINITE = ["nan", "inf", "-inf", "+nan"]


@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize(
    "where",
    ["lever", "parameter", "event", "scale"],
)
def test_every_number_in_a_scenario_must_be_finite(tmp_path, capsys, where, value):
    if where == "lever":
        path = scenario_file(tmp_path, {"accreditation_veto = 1.0": f"accreditation_veto = {value}"})
    elif where == "parameter":
        path = scenario_file(tmp_path, append=f"\n[parameters]\nengage_grassroots = {value}\n")
    elif where == "event":
        path = scenario_file(
            tmp_path, append=f'\n[[events]]\ndate = 2000-01-01\nlever = "registration_easing"\nvalue = {value}\n'
        )
    else:
        path = scenario_file(tmp_path, {"scale = 1.0": f"scale = {value}"})
    before = files_under(tmp_path)
    err = refused(capsys, ["validate", str(path)], "not a finite number", str(path))
    if where == "scale":
        assert "'scale'" in err and "--scale" not in err  # the file's field is blamed, not the option
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("value", NON_FINITE)
def test_every_number_in_an_experiment_must_be_finite(tmp_path, capsys, value):
    path = experiment_file(tmp_path, factor=f"levels = [0.0, {value}]")
    refused(capsys, ["validate", str(path)], "not a finite number", "factors.accreditation_veto.levels")
    refused(capsys, ["sweep", str(path), "--out", str(tmp_path / "store")], "not a finite number")
    assert not (tmp_path / "store").exists()


def test_scenarios_that_differ_only_in_name_are_refused(tmp_path, capsys):
    """Their runs would be the same runs: a comparison of them would compare nothing."""
    base = short_history(tmp_path).read_text()
    files = []
    for name in ("one", "two"):
        files.append(tmp_path / f"{name}.toml")
        files[-1].write_text(base.replace('name = "history"', f'name = "{name}"'))
    refused(capsys, ["compare", *map(str, files), "--out", str(tmp_path / "store")], "one and two", "same runs")
    assert not (tmp_path / "store").exists()


def test_repeated_levels_are_refused(tmp_path, capsys):
    path = experiment_file(tmp_path, factor="levels = [0.5, 0.5]")
    refused(capsys, ["validate", str(path)], "repeats a level", "distinct levels")


@pytest.mark.parametrize(
    "case, words",
    [
        ("deep nesting", ["nests"]),
        ("a long text", [f"at most {limits.MAX_TEXT:,} characters"]),
        ("too many events", [f"at most {limits.MAX_EVENTS:,} events"]),
        ("a span of centuries", [f"at most {limits.MAX_YEARS} years"]),
        ("a huge file", [f"at most {limits.MAX_FILE_BYTES:,} bytes"]),
        ("binary", ["file"]),
    ],
)
def test_scenario_sizes_are_limited_before_any_work(tmp_path, capsys, case, words):
    if case == "deep nesting":
        path = scenario_file(tmp_path, append="\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    elif case == "a long text":
        long = "x" * (limits.MAX_TEXT + 1)
        path = scenario_file(tmp_path, {'description = "': f'description = "{long}'})
    elif case == "too many events":
        event = '\n[[events]]\ndate = 2000-01-01\nlever = "registration_easing"\nvalue = 0.5\n'
        path = scenario_file(tmp_path, append=event * (limits.MAX_EVENTS + 1))
    elif case == "a span of centuries":
        path = scenario_file(tmp_path, {"end = 2001-12-31": "end = 2200-12-31"})
    elif case == "a huge file":
        path = scenario_file(tmp_path, append="# " + "x" * limits.MAX_FILE_BYTES + "\n")
    else:
        path = tmp_path / "binary.toml"
        path.write_bytes(bytes(range(256)) * 8)
    refused(capsys, ["validate", str(path)], str(path.name), *words)
    refused(capsys, ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"], *words)
    assert not (tmp_path / "out").exists()


def test_a_long_chain_of_branches_is_refused(tmp_path, capsys):
    parent = short_history(tmp_path)
    for i in range(limits.MAX_BRANCHES + 2):
        child = tmp_path / f"b{i}.toml"
        child.write_text(
            f'name = "b{i}"\nbranch_from = "{parent.name}"\nbranch_date = 1998-01-01\n'
            "inherit_events_until = 1998-01-01\n"
        )
        parent = child
    refused(capsys, ["validate", str(parent)], "branch_from", f"at most {limits.MAX_BRANCHES}")


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"replicates": 10**8}, ["replicates", f"{limits.MAX_REPLICATES:,}"]),
        ({"design": "latin_hypercube", "factor": "range = [0.0, 1.0]", "extra": "samples = 100000000"}, ["samples"]),
        ({"seed": 2**63 - 1}, ["seed", "2**62"]),
    ],
    ids=["replicates", "samples", "seed"],
)
def test_experiment_sizes_are_limited_before_any_run(tmp_path, capsys, fields, words):
    path = experiment_file(tmp_path, **fields)
    refused(capsys, ["sweep", str(path), "--out", str(tmp_path / "store")], *words)
    assert not (tmp_path / "store").exists()


def test_a_closed_scheduler_port_is_refused_at_once_and_nothing_is_written(tmp_path, capsys):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = experiment_file(tmp_path)
    store = tmp_path / "store"
    argv = ["sweep", str(path), "--out", str(store), "--backend", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"]
    refused(capsys, argv, "--scheduler", "no Dask scheduler answers", "allowed")
    refused(capsys, [*argv[:-1], "not an address"], "--scheduler", "host and a port")
    assert not store.exists()


def test_a_store_in_use_by_another_process_says_so(tmp_path, capsys):
    store = tmp_path / "store"
    Store(store).close()
    holder = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from sim.experiments.store import Store
        store = Store({str(store)!r})
        print("open", flush=True)
        time.sleep(120)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "open"
        refused(capsys, ["sweep", str(experiment_file(tmp_path)), "--out", str(store)], "in use by another process")
        refused(capsys, ["export", str(store), "--to", str(tmp_path / "out")], "in use by another process")
    finally:
        process.kill()
        process.wait()
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes any file: permissions cannot refuse it")
def test_a_store_that_cannot_be_written_says_so(tmp_path, capsys):
    store = tmp_path / "store"
    Store(store).close()
    (store / "catalogue.duckdb").chmod(0o400)
    try:
        refused(capsys, ["sweep", str(experiment_file(tmp_path)), "--out", str(store)], "permissions")
    finally:
        (store / "catalogue.duckdb").chmod(0o600)


def test_the_shipped_files_are_within_every_limit():
    files = [p for p in SCENARIOS.glob("*.toml") if p.name != "calibrated.toml"]  # that one holds parameters only
    for path in [*files, *SCENARIOS.glob("experiments/*.toml"), HISTORY]:
        assert path.stat().st_size < limits.MAX_FILE_BYTES
        assert main(["validate", str(path)]) == 0, path
