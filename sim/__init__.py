"""ngosim: an agent-based model of how Chinese NGOs go international.

The model (actors and rules) is in `sim.model`; reading scenarios and running them is in
`sim.experiments`. The names most users need are re-exported here.
"""

# The names below load on first use (PEP 562), so `import sim` stays light: the command line installs
# its Ctrl-C handler before the model's libraries (numpy, Mesa, numba) load.
_LAZY = {
    "NGOModel": "sim.model.model",
    "Parameters": "sim.model.parameters",
    "Scenario": "sim.model.scenario",
    "ScenarioError": "sim.experiments.scenario_file",
    "load_scenario": "sim.experiments.scenario_file",
}

__all__ = ["NGOModel", "Parameters", "Scenario", "ScenarioError", "__version__", "load_scenario"]


def __getattr__(name: str) -> object:
    """Load a re-exported name (or the version, from the package's metadata) on first use."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ngosim")
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0.0.0+unknown"
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
