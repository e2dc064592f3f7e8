"""The panel's typed application keys (on the /admin sub-application)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from admin_web.config import PanelConfig, PanelPorts
from domain.ports import PasswordHasher

if TYPE_CHECKING:
    from admin_web.app import PanelState
    from admin_web.sessions import ServerSideStorage

CONFIG = web.AppKey("panel_config", PanelConfig)
PORTS = web.AppKey("panel_ports", PanelPorts)
HASHER: web.AppKey[PasswordHasher] = web.AppKey("panel_hasher")
STORAGE: web.AppKey[ServerSideStorage] = web.AppKey("panel_session_storage")
STATE: web.AppKey[PanelState] = web.AppKey("panel_state")
