"""`yunkuaiji staff passwd NAME` reads the new password from standard input and refuses weak
ones; the password then logs in (through the same rules the panel uses)."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from admin_web.passwords import Argon2Hasher
from bot.cli import main as cli
from domain.staff_access import AccessPolicy
from domain.staff_logins import log_in
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.panel import panel_settings


async def run(
    argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    with redirect_stdout(out):
        code = await asyncio.to_thread(cli, ["--env-file", "/nonexistent", *argv])
    return code, json.loads(out.getvalue())


async def test_passwd_refuses_weak_passwords_and_sets_a_strong_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await panel_settings(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    code, line = await run(["staff", "passwd", "王会计"], "password123\n", monkeypatch)
    assert code == 1 and line["error"] == "weak_password"
    assert "common" in line["problems"] and "至少需要 12 个字符" in line["message"]
    code, line = await run(["staff", "passwd", "王会计"], "王会计的密码很长很长呢\n", monkeypatch)
    assert code == 1 and "contains_name" in line["problems"]
    code, line = await run(
        ["staff", "passwd", "王会计"], "青山依旧在几度夕阳红白发渔樵\n", monkeypatch
    )
    assert code == 0 and line == {"staff": "王会计", "password_set": True, "version": 1}
    code, line = await run(
        ["staff", "passwd", "钱会计"], "青山依旧在几度夕阳红白发渔樵\n", monkeypatch
    )
    assert code == 1 and line["error"] == "not_found"

    engine = create_engine(settings.database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            firm = await uow.identities.firm_by_appid(settings.wechat_appid)
            assert firm is not None
            result = await log_in(
                uow,
                firm.id,
                "王会计",
                "青山依旧在几度夕阳红白发渔樵",
                "127.0.0.1",
                datetime.now(UTC),
                Argon2Hasher(),
                AccessPolicy(),
            )
            assert result.ok and result.version == 1
    finally:
        await engine.dispose()
