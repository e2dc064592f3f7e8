"""A staff member's first password, from the link `yunkuaiji staff invite-link` prints: it
works once, refuses weak passwords without being spent, and expires."""

from __future__ import annotations

import asyncio
import io
import json
import re
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.settings import Settings
from domain.clock import FixedClock
from tests.support.panel import CSRF, Browser, Panel, panel_settings, running_panel

NEW = "秋水共长天一色落霞与孤鹜齐飞"


async def invite_link(settings: Settings, name: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example.com/")
    out = io.StringIO()
    with redirect_stdout(out):
        assert (
            await asyncio.to_thread(
                cli, ["--env-file", "/nonexistent", "staff", "invite-link", name]
            )
            == 0
        )
    line = json.loads(out.getvalue())
    assert line["staff"] == name
    assert line["url"].startswith("https://bot.example.com/admin/password/")
    return str(line["url"]).removeprefix("https://bot.example.com/admin")


async def choose(b: Browser, path: str, password: str, confirm: str | None = None) -> int:
    status, body, _ = await b.get(path)
    assert status == 200, body
    match = CSRF.search(body)
    assert match
    form = {"password": password, "confirm": confirm or password, "_csrf": match.group(1)}
    return (await b.post(path, form))[0]


async def test_the_invite_link_sets_a_password_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await panel_settings(tmp_path)
    path = await invite_link(settings, "李会计", monkeypatch)
    async with running_panel(settings) as panel:
        li = await panel.browser()
        # Not yet: 李会计 has no password.
        assert (await li.try_login("李会计", NEW))[0] == 401
        status, body, _ = await li.get(path)
        assert status == 200 and "李会计" in body
        assert await choose(li, path, "12345678") == 422  # weak: the link is not spent
        assert await choose(li, path, NEW, NEW + "?") == 422  # the two differ
        assert await choose(li, path, NEW) == 200
        status, body, _ = await li.get(path)
        assert status == 404 and "链接无效" in body
        assert (await li.post(path, {"password": NEW + "!", "confirm": NEW + "!"}))[0] == 403
        await li.login("李会计", NEW)


async def test_a_new_link_retires_the_old_one_and_links_expire(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await panel_settings(tmp_path)
    old = await invite_link(settings, "王会计", monkeypatch)
    new = await invite_link(settings, "王会计", monkeypatch)
    clock = FixedClock(datetime.now(UTC))
    async with running_panel(settings, clock=clock) as panel:
        b = await panel.browser()
        assert (await b.get(old))[0] == 404
        assert (await b.get(new))[0] == 200
        clock.advance(hours=24, seconds=1)
        assert (await b.get(new))[0] == 404


async def test_an_unknown_link_is_404_and_says_nothing_more(panel: Panel) -> None:
    b = await panel.browser()
    for token in ("x" * 43, "short", "%00" * 10):
        status, body, _ = await b.get(f"/password/{token}")
        assert status == 404
        assert not re.search("王会计|李会计|赵主管", body)


async def test_the_invite_link_command_refuses_an_unknown_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await panel_settings(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out = io.StringIO()
    with redirect_stdout(out):
        argv = ["--env-file", "/nonexistent", "staff", "invite-link", "钱会计"]
        assert await asyncio.to_thread(cli, argv) == 1
    assert json.loads(out.getvalue())["error"] == "not_found"
