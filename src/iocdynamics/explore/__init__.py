"""A live explorer in the browser: move a lever, see the partnership change.

``iocdyn explore [SCENARIO]`` serves a page (Dash) whose controls are generated from
the parameter registry and whose charts are redrawn by the fast engine on every
change. The page's logic -- what is on the page to a Scenario, a Scenario to TOML --
lives in :mod:`.state` as pure functions.
"""

from .app import build_app
from .controls import Control, controls, grouped_controls
from .server import make_server, serve
from .state import (
    Setting,
    SettingError,
    scenario_from_setting,
    scenario_from_toml,
    scenario_to_toml,
    setting_of,
    trajectories_csv,
)
from .views import trajectory_figure, uncertainty_band

__all__ = [
    "Control",
    "Setting",
    "SettingError",
    "build_app",
    "controls",
    "grouped_controls",
    "make_server",
    "scenario_from_setting",
    "scenario_from_toml",
    "scenario_to_toml",
    "serve",
    "setting_of",
    "trajectories_csv",
    "trajectory_figure",
    "uncertainty_band",
]
