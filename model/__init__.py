"""conduit: an agent-based policy simulator for online copyright enforcement.

    from model import load_scenario, PolicyModel
    scenario = load_scenario("scenarios/uk-2008-bpi-vs-talktalk.yaml")
    m = PolicyModel(scenario, rng=7).run(weeks=260)
    df = m.outcomes()

The names are imported on first use, so the command line starts without importing Mesa
when a command does not need the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["PolicyModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]

_EXPORTS = {
    "PolicyModel": "model.policy_model",
    "Scenario": "model.scenario",
    "ScenarioError": "model.scenario",
    "load_scenario": "model.scenario",
}

if TYPE_CHECKING:  # pragma: no cover
    from model.policy_model import PolicyModel
    from model.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
