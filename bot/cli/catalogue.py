"""`yunkuaiji catalogue list|add|set`: the firm's service catalogue (服务项目), as JSON lines,
prices in fen (null: 面议) with the amount in yuan beside it for people. The firm gets the
default catalogue (`domain/catalogue.json`) on first use.

The catalogue's request types are the business types clients may ask for: a running service
picks up an item added or withdrawn here within a few seconds
(`bot.runtime.catalogue_vocabulary`)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.billing import _run
from domain import service_catalogue
from domain.actors import Actor
from domain.billing import parse_yuan, yuan
from domain.errors import Invalid
from domain.service_items import CatalogueItem
from storage.uow import SqlUnitOfWork


def _line(i: CatalogueItem) -> dict[str, Any]:
    return {
        "id": i.id,
        "category": i.category,
        "name": i.name,
        "price_fen": i.price_fen,
        "price": yuan(i.price_fen) if i.price_fen is not None else "面议",
        "duration": i.duration,
        "materials": i.materials,
        "request_type": i.request_type,
        "active": i.active,
        "display_order": i.display_order,
    }


def catalogue_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        async with uow:
            await service_catalogue.ensure_catalogue(uow, actor.firm_id)
            await uow.commit()
            items = await uow.catalogue.list_items(actor.firm_id, active_only=not args.all)
        return [_line(i) for i in items]

    return _run(args, work)


def _price(raw: str | None) -> int | None:
    if raw is None or raw.strip() in ("", "面议"):
        return None
    try:
        return parse_yuan(raw.strip().removesuffix("元"))
    except ValueError as exc:
        raise Invalid("bad_argument", detail=f"price {raw!r}: {exc}") from None


def catalogue_add(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        draft = service_catalogue.ItemDraft(
            category=args.category,
            name=args.name,
            request_type=args.request_type or "",
            price_fen=_price(args.price),
            description=args.description,
            duration=args.duration,
            materials=args.materials,
        )
        async with uow:
            await service_catalogue.ensure_catalogue(uow, actor.firm_id)
            item = await service_catalogue.add_item(uow, actor, draft)
            await uow.commit()
        return [_line(item)]

    return _run(args, work)


def catalogue_set(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        async with uow:
            found = await uow.catalogue.get_item(args.id)
            price = found.price_fen if found is not None else None
            if args.price is not None:
                price = _price(args.price)
            active = found.active if found is not None else True
            if args.active is not None:
                active = args.active
            item = await service_catalogue.edit_item(uow, actor, args.id, price, active)
            await uow.commit()
        return [_line(item)]

    return _run(args, work)


def register(sub: Any) -> None:
    catalogue = sub.add_parser("catalogue", help="the firm's service catalogue (服务项目)")
    csub = catalogue.add_subparsers(dest="catalogue_cmd", required=True)
    p = csub.add_parser("list", help="the active items, in display order")
    p.add_argument("--all", action="store_true", help="inactive items too")
    p.set_defaults(func=catalogue_list)
    p = csub.add_parser(
        "add", help="add an item (offered at once; its request type may be a new one)"
    )
    p.add_argument("--category", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--request-type", help="default: the name (a business type of its own)")
    p.add_argument("--price", help="in yuan, e.g. 1500 or 1200.50; omitted: 面议")
    p.add_argument("--duration", default="")
    p.add_argument("--materials", default="")
    p.add_argument("--description", default="")
    p.set_defaults(func=catalogue_add)
    p = csub.add_parser("set", help="change an item's price or whether it is offered")
    p.add_argument("id", type=int)
    p.add_argument("--price", help="in yuan; 面议 or empty: quoted by a person")
    offered = p.add_mutually_exclusive_group()
    offered.add_argument("--active", dest="active", action="store_true", default=None)
    offered.add_argument("--inactive", dest="active", action="store_false")
    p.set_defaults(func=catalogue_set)
