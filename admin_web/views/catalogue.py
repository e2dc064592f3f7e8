"""The service catalogue (`/admin/catalogue`, admins only): every item with its price (empty:
面议) and whether it is offered; one form per item, and one to add an item. Changes go through
`domain.service_catalogue.edit_item` / `add_item`; the chat's 服务项目 shows them at once, and
orders already placed keep the price they were billed at.

The catalogue's request types are the business types clients may ask for in words: after a
save the panel waits for the chat's NLU to take the catalogue again (`catalogue_changed`), so
a new item is understood from the next message on and a withdrawn one no longer is."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from admin_web.wording import describe, status_of
from domain import service_catalogue
from domain.billing import parse_yuan, yuan
from domain.errors import DomainError
from storage.uow import SqlUnitOfWork

CATALOGUE = PREFIX + "/catalogue"
BAD_PRICE = "价格请填金额（元），例如 800 或 1200.50；留空表示面议。"


NEW_ITEM = CATALOGUE + "/new"
NEW_FIELDS = ("category", "name", "request_type", "price", "duration", "materials", "description")


async def _context(request: web.Request) -> dict[str, Any]:
    user = request[USER]
    async with SqlUnitOfWork(request.app[PORTS].sessions()) as uow:
        items = await service_catalogue.all_items(uow, user.actor)
    rows = [
        {
            "item": i,
            "price": f"{i.price_fen / 100:.2f}" if i.price_fen is not None else "",
            "shown": yuan(i.price_fen) if i.price_fen is not None else "面议",
        }
        for i in items
    ]
    return {
        "rows": rows,
        "notice": "",
        "error": "",
        "categories": list(dict.fromkeys(i.category for i in items)),
        "request_types": list(dict.fromkeys(i.request_type for i in items)),
        "draft": dict.fromkeys(NEW_FIELDS, ""),
    }


async def catalogue(request: web.Request) -> web.StreamResponse:
    context = await _context(request)
    saved = request.query.get("saved")
    context["notice"] = {
        "1": "已保存。",
        "new": "已添加，客户现在就可以在对话里办理这项业务。",
    }.get(saved or "", "")
    return render("catalogue.html", request, context)


async def save_item(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    item_id = int(request.match_info["item_id"])
    form = await request.post()
    raw = str(form.get("price", "")).strip()
    active = form.get("active") == "on"
    error, status = "", 200
    price: int | None = None
    if raw:
        try:
            price = parse_yuan(raw.removesuffix("元"))
        except ValueError:
            error, status = BAD_PRICE, 400
    if not error:
        async with SqlUnitOfWork(request.app[PORTS].sessions()) as uow:
            try:
                await service_catalogue.edit_item(uow, user.actor, item_id, price, active)
            except DomainError as exc:
                await uow.rollback()
                error, status = describe(exc), status_of(exc)
            else:
                await uow.commit()
    if not error:
        await request.app[PORTS].catalogue_changed()
        raise web.HTTPSeeOther(f"{CATALOGUE}?saved=1")
    context = await _context(request)
    context["error"] = error
    return render("catalogue.html", request, context, status=status)


async def add_item(request: web.Request) -> web.StreamResponse:
    """A new item: category and name required; its request type is the name unless one of the
    catalogue's types (or another new one) is given; empty price: 面议."""
    user = request[USER]
    form = await request.post()
    draft = {name: str(form.get(name, "")).strip() for name in NEW_FIELDS}
    error, status = "", 200
    price: int | None = None
    if draft["price"]:
        try:
            price = parse_yuan(draft["price"].removesuffix("元"))
        except ValueError:
            error, status = BAD_PRICE, 400
    if not error:
        async with SqlUnitOfWork(request.app[PORTS].sessions()) as uow:
            try:
                await service_catalogue.add_item(
                    uow,
                    user.actor,
                    service_catalogue.ItemDraft(
                        category=draft["category"],
                        name=draft["name"],
                        request_type=draft["request_type"],
                        price_fen=price,
                        description=draft["description"],
                        duration=draft["duration"],
                        materials=draft["materials"],
                    ),
                )
            except DomainError as exc:
                await uow.rollback()
                error, status = describe(exc), status_of(exc)
            else:
                await uow.commit()
    if not error:
        await request.app[PORTS].catalogue_changed()
        raise web.HTTPSeeOther(f"{CATALOGUE}?saved=new")
    context = await _context(request)
    context["error"] = error
    context["draft"] = draft
    return render("catalogue.html", request, context, status=status)
