"""`yunkuaiji staff invite-link | passwd` and `yunkuaiji admin routes`: the web panel's access
from the console. Output is JSON lines.

`staff invite-link NAME` prints a one-time link (valid 24 hours) at which the staff member sets
their own panel password; `staff passwd NAME` sets it from standard input (for the owner, or
when a link cannot be sent), refusing weak ones; either ends the person's open sessions.
`admin routes` lists every /admin route with its method and the role it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from admin_web.passwords import Argon2Hasher, problems_zh
from admin_web.routes import ROUTES
from admin_web.routing import PREFIX
from bot.settings import DEFAULT_FIRM_NAME, Settings
from domain.identity import Firm, Staff
from domain.staff_access import AccessPolicy, WeakPassword
from domain.staff_logins import issue_link, set_password
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

Work = Callable[[SqlUnitOfWork, Firm, Settings], Awaitable[dict[str, Any]]]


class Refused(Exception):
    def __init__(self, line: dict[str, Any]) -> None:
        super().__init__(line.get("error", "refused"))
        self.line = line


def _print(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False, default=str))


def _run(args: argparse.Namespace, work: Work) -> int:
    settings = Settings.load(env_file=Path(args.env_file))

    async def go() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                firm = await uow.identities.firm_by_appid(settings.wechat_appid)
                if firm is None:
                    firm = await uow.identities.add_firm(DEFAULT_FIRM_NAME, settings.wechat_appid)
                line = await work(uow, firm, settings)
                await uow.commit()
                return line
        finally:
            await engine.dispose()

    try:
        line = asyncio.run(go())
    except Refused as exc:
        _print(exc.line)
        return 1
    _print(line)
    return 0


async def _staff(uow: SqlUnitOfWork, firm: Firm, name: str) -> Staff:
    staff = await uow.identities.staff_by_name(firm.id, name)
    if staff is None or not staff.active:
        raise Refused({"error": "not_found", "message": f"没有名为{name}的在职员工。"})
    return staff


def invite_link(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, firm: Firm, settings: Settings) -> dict[str, Any]:
        staff = await _staff(uow, firm, args.name)
        token, expires_at = await issue_link(uow, staff, datetime.now(UTC), AccessPolicy())
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        return {
            "staff": staff.name,
            "url": f"{base}{PREFIX}/password/{token}",
            "expires_at": expires_at.isoformat(),
        }

    return _run(args, work)


def _read_password() -> str:
    """A terminal asks twice without echo; otherwise the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("新密码: ")
        if getpass.getpass("再输入一次: ") != first:
            raise Refused({"error": "mismatch", "message": "两次输入的密码不一致。"})
        return first
    return sys.stdin.readline().rstrip("\r\n")


def passwd(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
    except Refused as exc:
        _print(exc.line)
        return 1

    async def work(uow: SqlUnitOfWork, firm: Firm, settings: Settings) -> dict[str, Any]:
        staff = await _staff(uow, firm, args.name)
        try:
            credential = await set_password(uow, staff, password, datetime.now(UTC), Argon2Hasher())
        except WeakPassword as exc:
            raise Refused(
                {
                    "error": "weak_password",
                    "problems": list(exc.problems),
                    "message": "；".join(problems_zh(exc.problems)),
                }
            ) from exc
        return {"staff": staff.name, "password_set": True, "version": credential.version}

    return _run(args, work)


def routes(args: argparse.Namespace) -> int:
    for route in ROUTES:
        _print(
            {
                "method": route.method,
                "path": route.full_path,
                "role": route.access.value,
                "name": route.name,
            }
        )
    return 0


def _subcommands(parser: argparse.ArgumentParser) -> Any:
    """The sub-command group of an existing command (`staff`, from bot.cli.people)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError(f"{parser.prog} has no sub-commands")


def register(sub: Any) -> None:
    staff = sub.choices.get("staff")
    if staff is None:
        staff = sub.add_parser("staff", help="manage staff (accountants, admins)")
        staff.add_subparsers(dest="staff_cmd", required=True)
    ssub = _subcommands(staff)
    p = ssub.add_parser(
        "invite-link", help="print a one-time link (24 hours) to set a web panel password"
    )
    p.add_argument("name")
    p.set_defaults(func=invite_link)
    p = ssub.add_parser(
        "passwd", help="set a web panel password, read from standard input; refuses weak ones"
    )
    p.add_argument("name")
    p.set_defaults(func=passwd)

    admin = sub.add_parser("admin", help="the /admin web panel")
    asub = admin.add_subparsers(dest="admin_cmd", required=True)
    asub.add_parser(
        "routes", help="every /admin route with its method and the role it needs"
    ).set_defaults(func=routes)
