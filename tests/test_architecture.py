"""The import direction of docs/architecture.md, checked with `ast` over every module of sim/ (imports inside
functions included): the model knows nothing of how it is run, analysed or shown; the analysis library knows
nothing of the model; only the executor makes worker pools and clusters; only the calibration's search
imports optuna."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"

# a layer -> the parts of sim it may import ("sim" alone is the package's front door, sim/__init__.py)
ALLOWED = {
    "sim.model": ("sim.model", "sim.data"),
    "sim.analysis": ("sim.analysis",),
    "sim.experiments": ("sim", "sim.model", "sim.analysis", "sim.experiments", "sim.data"),
    "sim.dashboard": ("sim", "sim.model", "sim.experiments", "sim.dashboard", "sim.data"),
}
POOLS = re.compile(r"\bProcessPoolExecutor\b|\bLocalCluster\b|\bClient\(")
POOL_MAKER = "sim/experiments/executor.py"
OPTUNA_USER = "sim/experiments/calibration/search.py"


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a module file under sim/."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str, root: Path) -> bool:
    """Whether a dotted name is a module or package of the source tree (so `from sim import cli` counts as sim.cli)."""
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module the file imports, wherever the import stands (relative imports resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{a.name}") for a in node.names if is_module(f"{name}.{a.name}", root)]
    return found


def modules() -> list[Path]:
    return sorted(SIM.rglob("*.py"))


def layer_of(name: str) -> str | None:
    return next((layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), None)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a module lies in one of the parts (the part "sim" is the front door alone, not all of sim)."""
    return any(name == p or (p != "sim" and name.startswith(p + ".")) for p in prefixes)


def test_every_module_of_sim_is_in_a_layer_or_is_the_front_door():
    loose = [module_name(p) for p in modules() if layer_of(module_name(p)) is None]
    assert sorted(loose) == ["sim", "sim.cli", "sim.data"], "a new top-level module: give it a layer here and in docs"


@pytest.mark.parametrize("layer", list(ALLOWED))
def test_imports_point_only_the_allowed_way(layer):
    wrong = []
    for path in modules():
        if layer_of(module_name(path)) != layer:
            continue
        for line, name in imported(path):
            if (name == "sim" or name.startswith("sim.")) and not within(name, ALLOWED[layer]):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, f"{layer} may import only {', '.join(ALLOWED[layer])}:\n" + "\n".join(wrong)


def test_only_the_executor_makes_pools_and_clusters():
    makers = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in modules()
        for n, text in enumerate(p.read_text().splitlines(), 1)
        if POOLS.search(text)
    ]
    assert makers and all(m.startswith(POOL_MAKER + ":") for m in makers), makers


def test_only_the_calibration_search_imports_optuna():
    users = {
        str(p.relative_to(ROOT))
        for p in modules()
        for _, name in imported(p)
        if name == "optuna" or name.startswith("optuna.")
    }
    assert users == {OPTUNA_USER}


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path):
    path = tmp_path / "sim" / "model" / "x.py"
    path.parent.mkdir(parents=True)
    (tmp_path / "sim" / "cli.py").write_text("")
    path.write_text("def f():\n    from sim import cli\n    from ..experiments import store\n")
    names = [name for _, name in imported(path, tmp_path)]
    assert names == ["sim", "sim.cli", "sim.experiments"]
    assert not within("sim.cli", ALLOWED["sim.experiments"]) and within("sim", ALLOWED["sim.experiments"])


def test_every_parameter_is_named_in_full_where_it_is_used() -> None:
    """The per-kind convention of docs/architecture.md: no parameter is reached only through a name
    built from parts, so each appears by its full name in sim/ or in a scenario file (a dated shift)."""
    from sim.model.parameters import Parameters

    texts = [p.read_text() for p in SIM.rglob("*.py") if p.name != "parameters.py"]
    texts += [p.read_text() for p in (ROOT / "scenarios").rglob("*.toml")]
    missing = [name for name in Parameters.names() if not any(re.search(rf"\b{name}\b", t) for t in texts)]
    assert missing == []
