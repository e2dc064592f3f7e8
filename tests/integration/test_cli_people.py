"""The operator CLI against a real SQLite file: onboard a firm without the web panel."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from domain.identity import InviteKind
from domain.invite_codes import shape_of


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    assert main(["--env-file", str(tmp_path / "none.env"), "migrate"]) == 0
    return tmp_path


def run(env: Path, capsys: Any, *args: str) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    code = main(["--env-file", str(env / "none.env"), *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_staff_client_and_invite_commands(env: Path, capsys: Any) -> None:
    code, [staff] = run(env, capsys, "staff", "add", "王会计", "--phone", "13800000002")
    assert code == 0 and staff["name"] == "王会计"
    assert shape_of(staff["invite"]) is InviteKind.STAFF  # 8 unambiguous letters and digits
    code, [dup] = run(env, capsys, "staff", "add", "王会计")
    assert code == 1 and dup["error"] == "exists"

    code, [client] = run(
        env,
        capsys,
        "client",
        "add",
        "杭州云帆科技有限公司",
        "--contact",
        "刘先生",
        "--accountant",
        "王会计",
    )
    assert code == 0 and client["accountant_id"] == staff["staff_id"]
    assert client["invite"] != staff["invite"]
    code, [bad] = run(
        env, capsys, "client", "add", "别家公司", "--contact", "某人", "--accountant", "不存在"
    )
    assert code == 1 and bad["error"] == "not_found"

    code, staff_rows = run(env, capsys, "staff", "list")
    assert [(s["name"], s["bound"]) for s in staff_rows] == [("王会计", False)]
    code, companies = run(env, capsys, "client", "list")
    assert [c["company"] for c in companies] == ["杭州云帆科技有限公司"]
    assert companies[0]["contacts"][0]["name"] == "刘先生"

    code, [inv] = run(env, capsys, "invite", "--contact", str(client["contact_id"]))
    assert code == 0 and inv["kind"] == "contact" and inv["invite"] != client["invite"]
    assert shape_of(inv["invite"]) is InviteKind.CONTACT
    code, [again] = run(env, capsys, "invite", "--staff", "王会计")
    assert code == 0 and again["kind"] == "staff" and again["invite"] != staff["invite"]
    assert shape_of(again["invite"]) is InviteKind.STAFF
    # Staff codes live a day, contact codes three.
    staff_ttl = datetime.fromisoformat(again["expires_at"]) - datetime.fromisoformat(
        inv["expires_at"]
    )
    assert timedelta(hours=-49) < staff_ttl < timedelta(hours=-47)
    code, [missing] = run(env, capsys, "invite", "--contact", "9999")
    assert code == 1 and missing["error"] == "not_found"


def test_demo_loads_once_with_if_empty(env: Path, capsys: Any) -> None:
    code, lines = run(env, capsys, "demo", "--if-empty")
    assert code == 0
    assert sum(1 for line in lines if line.get("demo") == "staff") == 3
    assert sum(1 for line in lines if line.get("demo") == "contact") == 3
    code, again = run(env, capsys, "demo", "--if-empty")
    assert again == [{"demo": "skipped", "reason": "staff already exist"}]
