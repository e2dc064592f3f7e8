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

from bot.app import DEFAULT_FIRM_NAME
from bot.settings import Settings
from domain.binding import create_invite
from domain.errors import DomainError
from domain.identity import Firm, InviteKind
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

Work = Callable[[SqlUnitOfWork, Firm], Awaitable[list[dict[str, Any]]]]


def _run(args: argparse.Namespace, work: Work) -> int:
    settings = Settings.load(env_file=Path(args.env_file))

    async def go() -> list[dict[str, Any]]:
        engine = create_engine(settings.database_url)
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                firm = await uow.identities.firm_by_appid(settings.wechat_appid)
                if firm is None:
                    firm = await uow.identities.add_firm(DEFAULT_FIRM_NAME, settings.wechat_appid)
                lines = await work(uow, firm)
                await uow.commit()
                return lines
        finally:
            await engine.dispose()

    try:
        lines = asyncio.run(go())
    except DomainError as exc:
        print(json.dumps({"error": exc.code, "message": exc.message_zh}, ensure_ascii=False))
        return 1
    for line in lines:
        print(json.dumps(line, ensure_ascii=False, default=str))
    return 0


def staff_add(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, firm: Firm) -> list[dict[str, Any]]:
        if await uow.identities.staff_by_name(firm.id, args.name):
            raise DomainError(f"已有名为{args.name}的员工。", "exists")
        s = await uow.identities.add_staff(firm.id, args.name, args.phone, args.admin)
        invite = await create_invite(uow, firm.id, InviteKind.STAFF, s.id, datetime.now(UTC))
        return [{"staff_id": s.id, "name": s.name, "admin": s.is_admin, "invite": invite.code}]

    return _run(args, work)


def staff_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, firm: Firm) -> list[dict[str, Any]]:
        return [
            {
                "staff_id": s.id,
                "name": s.name,
                "phone": s.phone,
                "admin": s.is_admin,
                "active": s.active,
                "bound": s.openid is not None,
            }
            for s in await uow.identities.list_staff(firm.id)
        ]

    return _run(args, work)


def client_add(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, firm: Firm) -> list[dict[str, Any]]:
        accountant_id = None
        if args.accountant:
            accountant = await uow.identities.staff_by_name(firm.id, args.accountant)
            if accountant is None:
                raise DomainError(f"没有名为{args.accountant}的员工。", "not_found")
            accountant_id = accountant.id
        company = await uow.identities.add_company(firm.id, args.company, accountant_id)
        contact = await uow.identities.add_contact(company.id, args.contact, args.phone)
        invite = await create_invite(
            uow, firm.id, InviteKind.CONTACT, contact.id, datetime.now(UTC)
        )
        return [
            {
                "company_id": company.id,
                "company": company.name,
                "contact_id": contact.id,
                "contact": contact.name,
                "accountant_id": accountant_id,
                "invite": invite.code,
            }
        ]

    return _run(args, work)


def client_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, firm: Firm) -> list[dict[str, Any]]:
        lines = []
        for c in await uow.identities.list_companies(firm.id):
            contacts = await uow.identities.list_contacts(c.id)
            lines.append(
                {
                    "company_id": c.id,
                    "company": c.name,
                    "accountant_id": c.accountant_id,
                    "contacts": [
                        {"contact_id": p.id, "name": p.name, "bound": p.openid is not None}
                        for p in contacts
                    ],
                }
            )
        return lines

    return _run(args, work)


def invite(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, firm: Firm) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        if args.staff:
            s = await uow.identities.staff_by_name(firm.id, args.staff)
            if s is None:
                raise DomainError(f"没有名为{args.staff}的员工。", "not_found")
            inv = await create_invite(uow, firm.id, InviteKind.STAFF, s.id, now)
        else:
            inv = await create_invite(uow, firm.id, InviteKind.CONTACT, args.contact, now)
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
