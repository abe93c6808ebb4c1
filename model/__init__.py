"""conduit: an agent-based policy simulator for online copyright enforcement.

from model import load_scenario, PolicyModel
scenario = load_scenario("scenarios/uk-2008-bpi-vs-talktalk.yaml")
m = PolicyModel(scenario, rng=7).run(weeks=260)
df = m.outcomes()
"""

from model.policy_model import PolicyModel
from model.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = ["PolicyModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]
