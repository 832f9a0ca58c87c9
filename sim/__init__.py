"""ngosim: an agent-based model of how Chinese NGOs go international.

The model (actors and rules) is in `sim.model`; reading scenarios and running them is in
`sim.experiments`. The names most users need are re-exported here.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ngosim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from sim.experiments.scenario_file import ScenarioError, load_scenario
from sim.model.model import NGOModel
from sim.model.parameters import Parameters
from sim.model.scenario import Scenario

__all__ = ["NGOModel", "Parameters", "Scenario", "ScenarioError", "__version__", "load_scenario"]
