"""`yunkuaiji contracts` and `yunkuaiji bills` against a real SQLite file: contracts in, bills
issued once however often `bills issue` runs, listed by company and status as JSON lines."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from domain.clock import local


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


def months_ago(n: int) -> date:
    today = local(datetime.now(UTC)).date().replace(day=1)
    for _ in range(n):
        today = (today - timedelta(days=1)).replace(day=1)
    return today


def test_contracts_and_bills_from_the_command_line(env: Path, capsys: Any) -> None:
    run(env, capsys, "staff", "add", "王会计")
    run(env, capsys, "client", "add", "杭州云帆科技有限公司", "--contact", "刘先生")
    run(env, capsys, "client", "add", "宁波海曙商贸有限公司", "--contact", "陈女士")
    start = months_ago(2).isoformat()
    code, [contract] = run(
        env,
        capsys,
        "contracts",
        "add",
        "杭州云帆科技有限公司",
        "--monthly-fee",
        "300",
        "--cycle",
        "月",
        "--start",
        start,
        "--accountant",
        "王会计",
    )
    assert code == 0 and contract["monthly_fee_fen"] == 30000 and contract["cycle_zh"] == "月"
    code, [quarterly] = run(
        env,
        capsys,
        "contracts",
        "add",
        "宁波海曙商贸有限公司",
        "--monthly-fee",
        "199.50",
        "--cycle",
        "季度",
        "--start",
        months_ago(0).isoformat(),
    )
    assert quarterly["period_fee_fen"] == 59850

    code, lines = run(env, capsys, "bills", "issue")
    issued = [line["issued"] for line in lines if "issued" in line]
    assert code == 0 and lines[-1] == {"issued_count": 4}  # three months and one quarter
    assert sorted(b["bill"] for b in issued) == ["B1001", "B1002", "B1003", "B1004"]
    code, again = run(env, capsys, "bills", "issue")
    assert again == [{"issued_count": 0}]  # idempotent

    code, mine = run(env, capsys, "bills", "list", "--company", "杭州云帆科技有限公司")
    assert [b["amount_fen"] for b in mine] == [30000, 30000, 30000]
    assert all(b["status"] == "unpaid" for b in mine)
    code, overdue = run(env, capsys, "bills", "list", "--status", "overdue")
    assert overdue == []  # bills issued late are due 15 days after they are issued
    with sqlite3.connect(env / "cli.db") as db:
        db.execute(
            "UPDATE bills SET due_on = ? WHERE number = 'B1001'", (months_ago(1).isoformat(),)
        )
    code, overdue = run(env, capsys, "bills", "list", "--status", "overdue")
    assert [(b["bill"], b["overdue"], b["status"]) for b in overdue] == [("B1001", True, "unpaid")]
    code, unpaid = run(env, capsys, "bills", "list", "--status", "unpaid")
    assert len(unpaid) == 4
    code, paid = run(env, capsys, "bills", "list", "--status", "paid")
    assert paid == []

    code, contracts = run(env, capsys, "contracts", "list")
    assert [c["company"] for c in contracts] == ["杭州云帆科技有限公司", "宁波海曙商贸有限公司"]
    code, [bad] = run(env, capsys, "bills", "list", "--company", "不存在的公司")
    assert code == 1 and bad["error"] == "not_found"
    code, [bad] = run(
        env,
        capsys,
        "contracts",
        "add",
        "杭州云帆科技有限公司",
        "--monthly-fee",
        "3.001",
        "--start",
        start,
    )
    assert code == 1 and bad["code"] == "bad_argument" and "3.001" in bad["message"]
