"""The real app with the demo firm: 赵主管 (admin, ADMIN_PASSWORD), 王会计 and 李会计 with
passwords set as `yunkuaiji staff passwd` sets them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.support.panel import (
    LI,
    STAFF_PASSWORD,
    WANG,
    Panel,
    panel_settings,
    running_panel,
    set_password,
)


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    settings = await panel_settings(tmp_path)
    for name in (WANG, LI):
        await set_password(settings, name, STAFF_PASSWORD)
    return settings


@pytest.fixture
async def panel(settings: Settings) -> AsyncIterator[Panel]:
    async with running_panel(settings) as panel:
        yield panel
