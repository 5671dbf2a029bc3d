"""Configuration at the edge: YAML scenario files to validated models, then to plain objects."""

from qdcnet.config.common import ScenarioError
from qdcnet.config.link import LinkScenario, load_link_scenario

__all__ = ["LinkScenario", "ScenarioError", "load_link_scenario"]
