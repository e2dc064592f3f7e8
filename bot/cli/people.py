"""`yunkuaiji staff | client | invite`: enough to run a firm before the web panel exists.
Output is JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import DEFAULT_FIRM_NAME, Settings
from domain import people
from domain.actors import Actor
from domain.errors import DomainError
from handlers.error_texts import error_text
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

Work = Callable[[SqlUnitOfWork, Actor], Awaitable[list[dict[str, Any]]]]


def _error_line(exc: DomainError) -> dict[str, str]:
    """What scripts read: a short error name (kept as it always was) and the chat's words."""
    error = "exists" if exc.code == "staff_exists" else exc.category
    return {"error": error, "code": exc.code, "message": error_text(exc)}


def _run(args: argparse.Namespace, work: Work) -> int:
    settings = Settings.load(env_file=Path(args.env_file))

    async def go() -> list[dict[str, Any]]:
        engine = create_engine(settings.database_url)
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                firm = await people.ensure_firm(uow, settings.wechat_appid, DEFAULT_FIRM_NAME)
                # The operator at the console acts for the firm, as the system.
                lines = await work(uow, Actor.system(firm.id))
                await uow.commit()
                return lines
        finally:
            await engine.dispose()

    try:
        lines = asyncio.run(go())
    except DomainError as exc:
        print(json.dumps(_error_line(exc), ensure_ascii=False))
        return 1
    for line in lines:
        print(json.dumps(line, ensure_ascii=False, default=str))
    return 0


def staff_add(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        s, invite = await people.add_staff(
            uow, actor, args.name, datetime.now(UTC), phone=args.phone, admin=args.admin
        )
        return [{"staff_id": s.id, "name": s.name, "admin": s.is_admin, "invite": invite.code}]

    return _run(args, work)


def staff_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        return [
            {
                "staff_id": s.id,
                "name": s.name,
                "phone": s.phone,
                "admin": s.is_admin,
                "active": s.active,
                "bound": s.openid is not None,
            }
            for s in await people.staff_list(uow, actor)
        ]

    return _run(args, work)


def client_add(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        company, contact, invite = await people.add_client(
            uow,
            actor,
            args.company,
            args.contact,
            datetime.now(UTC),
            phone=args.phone,
            accountant=args.accountant,
        )
        return [
            {
                "company_id": company.id,
                "company": company.name,
                "contact_id": contact.id,
                "contact": contact.name,
                "accountant_id": company.accountant_id,
                "invite": invite.code,
            }
        ]

    return _run(args, work)


def client_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        return [
            {
                "company_id": c.id,
                "company": c.name,
                "accountant_id": c.accountant_id,
                "contacts": [
                    {"contact_id": p.id, "name": p.name, "bound": p.openid is not None}
                    for p in contacts
                ],
            }
            for c, contacts in await people.client_list(uow, actor)
        ]

    return _run(args, work)


def invite(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        if args.staff:
            inv = await people.invite_staff(uow, actor, args.staff, now)
        else:
            inv = await people.invite_contact(uow, actor, args.contact, now)
        return [
            {
                "invite": inv.code,
                "kind": inv.kind.value,
                "target_id": inv.target_id,
                "expires_at": inv.expires_at.isoformat(),
            }
        ]

    return _run(args, work)


def register(sub: Any) -> None:
    staff = sub.add_parser("staff", help="manage staff (accountants, admins)")
    ssub = staff.add_subparsers(dest="staff_cmd", required=True)
    p = ssub.add_parser("add", help="add a staff member and print their invite code")
    p.add_argument("name")
    p.add_argument("--phone", default="")
    p.add_argument("--admin", action="store_true")
    p.set_defaults(func=staff_add)
    ssub.add_parser("list", help="list staff").set_defaults(func=staff_list)

    client = sub.add_parser("client", help="manage client companies and their contacts")
    csub = client.add_subparsers(dest="client_cmd", required=True)
    p = csub.add_parser("add", help="add a company with its first contact; prints an invite code")
    p.add_argument("company")
    p.add_argument("--contact", required=True, help="contact person's name")
    p.add_argument("--phone", default="")
    p.add_argument("--accountant", default="", help="dedicated accountant's name")
    p.set_defaults(func=client_add)
    csub.add_parser("list", help="list client companies").set_defaults(func=client_list)

    p = sub.add_parser("invite", help="print a fresh one-time binding code")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--staff", help="staff member's name")
    g.add_argument("--contact", type=int, help="contact id")
    p.set_defaults(func=invite)
