"""The firm's service catalogue (服务项目) and orders from it.

Items are the firm's own (seeded once from `catalogue.DEFAULT_SERVICES`): a category, a name,
a price in fen or none (面议: quoted by a person), how long it takes, the papers it needs, and
the request type its work becomes. The active items' request types are the business types the
firm offers (`lifecycle.offered_types`): the chat, the NLU's `request_type` and the panel all
take them from here; an admin adds an item (a new type, understood at once) or takes one off. A client orders an active priced item; the order is billed at
once (a one-off bill whose `source_ref` is the order), and when that bill is paid the order
becomes a request in the ordinary lifecycle: pushed to staff, claimed, progressed, rated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import lifecycle
from domain.actors import Actor
from domain.billing import MAX_BILL_FEN, Bill, BillKind, NewBill
from domain.catalogue import DEFAULT_SERVICES
from domain.clock import local
from domain.dispatch_policy import DispatchPolicy
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.notices import Notice, NoticeKind, ServiceQuoted
from domain.payment_notices import bill_ref
from domain.ports import UnitOfWork
from domain.requests import Urgency
from domain.service_items import (
    MAX_CATEGORY,
    MAX_DURATION,
    MAX_NAME,
    MAX_REQUEST_TYPE,
    ORDER_SERIES,
    ORDER_SOURCE,
    CatalogueItem,
    NewItem,
    NewServiceOrder,
    OrderStatus,
    ServiceOrder,
)

# An order's bill is due this long after it is placed.
ORDER_PAYMENT_TERM = timedelta(days=7)


@dataclass(frozen=True)
class Placed:
    order: ServiceOrder
    bill: Bill


async def ensure_catalogue(uow: UnitOfWork, firm_id: int) -> int:
    """Give a firm the default catalogue if it has no item yet; the number added."""
    if await uow.catalogue.list_items(firm_id, active_only=False):
        return 0
    for order, data in enumerate(DEFAULT_SERVICES, 1):
        await uow.catalogue.add_item(
            NewItem(
                firm_id=firm_id,
                category=str(data["category"]),
                name=str(data["name"]),
                description=str(data["description"]),
                price_fen=int(data["price_fen"]) if data["price_fen"] is not None else None,
                duration=str(data["duration"]),
                materials=str(data["materials"]),
                request_type=str(data["request_type"]),
                display_order=order,
            )
        )
    return len(DEFAULT_SERVICES)


async def all_items(uow: UnitOfWork, actor: Actor) -> Sequence[CatalogueItem]:
    """Every item, inactive ones too (admins editing the catalogue)."""
    if not actor.may_manage:
        raise Forbidden("admins_only_catalogue")
    return await uow.catalogue.list_items(actor.firm_id, active_only=False)


async def edit_item(
    uow: UnitOfWork, actor: Actor, item_id: int, price_fen: int | None, active: bool
) -> CatalogueItem:
    """An admin sets an item's price (None: 面议) and whether it is offered. Orders already
    placed keep the price they were billed at."""
    if not actor.may_manage:
        raise Forbidden("admins_only_catalogue")
    found = await uow.catalogue.get_item(item_id)
    if found is None or found.firm_id != actor.firm_id:
        raise NotFound("service_not_found", item_id=item_id)
    if price_fen is not None and not 0 < price_fen <= MAX_BILL_FEN:
        raise Invalid("bad_amount", amount_fen=price_fen, limit_fen=MAX_BILL_FEN)
    await uow.catalogue.update_item(item_id, price_fen, active)
    fresh = await uow.catalogue.get_item(item_id)
    assert fresh is not None
    return fresh


@dataclass(frozen=True)
class ItemDraft:
    """What an admin fills in for a new item. `request_type` empty: the item's name (a new
    business type of its own)."""

    category: str
    name: str
    request_type: str = ""
    price_fen: int | None = None  # None: 面议
    description: str = ""
    duration: str = ""
    materials: str = ""


def _line(value: str, field: str, limit: int, *, required: bool = True) -> str:
    text = " ".join(value.split())
    if (required and not text) or len(text) > limit:
        raise Invalid("bad_catalogue_field", field=field, limit=limit)
    return text


async def add_item(uow: UnitOfWork, actor: Actor, draft: ItemDraft) -> CatalogueItem:
    """An admin adds an item, offered at once and listed last. Its request type may be one the
    catalogue has or a new one: either way clients can ask for it in words from now on (the
    NLU is given the catalogue's types, `lifecycle.offered_types`). Names are unique per firm."""
    if not actor.may_manage:
        raise Forbidden("admins_only_catalogue")
    category = _line(draft.category, "category", MAX_CATEGORY)
    name = _line(draft.name, "name", MAX_NAME)
    request_type = _line(draft.request_type or name, "request_type", MAX_REQUEST_TYPE)
    duration = _line(draft.duration, "duration", MAX_DURATION, required=False)
    if draft.price_fen is not None and not 0 < draft.price_fen <= MAX_BILL_FEN:
        raise Invalid("bad_amount", amount_fen=draft.price_fen, limit_fen=MAX_BILL_FEN)
    items = await uow.catalogue.list_items(actor.firm_id, active_only=False)
    if any(i.name == name for i in items):
        raise Conflict("service_name_taken", name=name)
    return await uow.catalogue.add_item(
        NewItem(
            firm_id=actor.firm_id,
            category=category,
            name=name,
            description=draft.description.strip(),
            price_fen=draft.price_fen,
            duration=duration,
            materials=draft.materials.strip(),
            request_type=request_type,
            display_order=max((i.display_order for i in items), default=0) + 1,
        )
    )


async def browse(uow: UnitOfWork, actor: Actor) -> Sequence[CatalogueItem]:
    """The active items, in display order: what anyone of the firm may see."""
    return await uow.catalogue.list_items(actor.firm_id, active_only=True)


async def item(uow: UnitOfWork, actor: Actor, item_id: int) -> CatalogueItem:
    found = await uow.catalogue.get_item(item_id)
    if found is None or found.firm_id != actor.firm_id or not found.active:
        raise NotFound("service_not_found", item_id=item_id)
    return found


async def order_service(uow: UnitOfWork, actor: Actor, item_id: int, now: datetime) -> Placed:
    """A client orders an active priced item: the order and its one-off bill, in the caller's
    transaction. A 面议 item is refused until quoted (`service_needs_quote`)."""
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("clients_only")
    found = await uow.catalogue.get_item(item_id)
    if found is None or found.firm_id != actor.firm_id:
        raise NotFound("service_not_found", item_id=item_id)
    if not found.active:
        raise Conflict("service_inactive", name=found.name)
    if found.price_fen is None:
        raise Conflict("service_needs_quote", name=found.name)
    number = await uow.requests.next_number(actor.firm_id, ORDER_SERIES)
    order = await uow.catalogue.add_order(
        NewServiceOrder(
            firm_id=actor.firm_id,
            number=number,
            company_id=actor.company_id,
            contact_id=actor.contact_id,
            item_id=found.id,
            item_name=found.name,
            amount_fen=found.price_fen,
            created_at=now,
        )
    )
    bill = await _bill_order(uow, order, found.price_fen, now)
    return Placed(order, bill)


async def _bill_order(uow: UnitOfWork, order: ServiceOrder, amount_fen: int, now: datetime) -> Bill:
    """The order's one-off bill (its `source_ref` is the order: one bill an order)."""
    bill = await uow.billing.add_bill(
        NewBill(
            firm_id=order.firm_id,
            number=await uow.billing.next_bill_number(order.firm_id),
            company_id=order.company_id,
            kind=BillKind.ONE_OFF,
            title=order.item_name,
            amount_fen=amount_fen,
            due_on=local(now).date() + ORDER_PAYMENT_TERM,
            created_at=now,
            source_ref=f"{ORDER_SOURCE}{order.id}",
        )
    )
    if bill is None:
        raise Conflict("bill_not_issued")
    await uow.catalogue.set_order_bill(order.id, bill.id)
    return bill


async def ask_quote(uow: UnitOfWork, actor: Actor, item_id: int, now: datetime) -> ServiceOrder:
    """A client wants a 面议 item: an order awaiting staff's price (no bill until quoted)."""
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("clients_only")
    found = await uow.catalogue.get_item(item_id)
    if found is None or found.firm_id != actor.firm_id:
        raise NotFound("service_not_found", item_id=item_id)
    if not found.active:
        raise Conflict("service_inactive", name=found.name)
    number = await uow.requests.next_number(actor.firm_id, ORDER_SERIES)
    return await uow.catalogue.add_order(
        NewServiceOrder(
            firm_id=actor.firm_id,
            number=number,
            company_id=actor.company_id,
            contact_id=actor.contact_id,
            item_id=found.id,
            item_name=found.name,
            amount_fen=0,
            created_at=now,
            status=OrderStatus.AWAITING_QUOTE,
        )
    )


async def quote(
    uow: UnitOfWork,
    actor: Actor,
    order_number: str,
    amount_fen: int,
    now: datetime,
    pay_url_base: str = "",
) -> Placed:
    """Staff price a 面议 order: its bill is raised and the contact who ordered is told, with
    the link to pay. Only once (a second quote is refused), only in fen within bounds."""
    if not actor.is_staff:
        raise Forbidden("staff_only")
    order = await uow.catalogue.order_by_number(actor.firm_id, order_number.strip().upper())
    if order is None:
        raise NotFound("order_not_found", number=order_number)
    if not 0 < amount_fen <= MAX_BILL_FEN:
        raise Invalid("bad_amount", amount_fen=amount_fen, limit_fen=MAX_BILL_FEN)
    if not await uow.catalogue.set_quote(order.id, amount_fen, now):
        raise Conflict("order_quoted_already", number=order.number)
    bill = await _bill_order(uow, order, amount_fen, now)
    contact = await uow.identities.get_contact(order.contact_id) if order.contact_id else None
    if contact is not None and contact.openid:
        facts = ServiceQuoted(
            order.number,
            order.item_name,
            bill_ref(bill),
            actor.name,
            f"{pay_url_base}/pay/{bill.number}" if pay_url_base else "",
        )
        key = f"{NoticeKind.SERVICE_QUOTED}:{order.id}"
        await uow.outbox.add(Notice(contact.openid, NoticeKind.SERVICE_QUOTED, facts, key), now)
    fresh = await uow.catalogue.get_order(order.id)
    return Placed(fresh or order, bill)


async def bill_paid(
    uow: UnitOfWork, bill: Bill, now: datetime, policy: DispatchPolicy | None = None
) -> ServiceOrder | None:
    """A paid bill that came from an order turns the order into a request (once: the order's
    unpaid -> paid move is conditional), raised for the contact who ordered and pushed to the
    pool. Other bills: nothing."""
    if not (bill.source_ref or "").startswith(ORDER_SOURCE):
        return None
    order = await uow.catalogue.get_order(int((bill.source_ref or "")[len(ORDER_SOURCE) :]))
    if order is None or not await uow.catalogue.mark_order_paid(order.id, now):
        return None
    found = await uow.catalogue.get_item(order.item_id)
    company = await uow.identities.get_company(order.company_id)
    contact = await uow.identities.get_contact(order.contact_id) if order.contact_id else None
    if company is None or contact is None:
        return order
    if found is None or not found.request_type:
        return order
    # Paid for: the work is owed even if the item was taken off the catalogue since.
    request = await lifecycle.raise_request(
        uow,
        Actor.of_contact(contact, company),
        found.request_type,
        f"{order.item_name} · {order.number} · {bill.number}",
        Urgency.NORMAL,
        (),
        now,
        policy or DispatchPolicy(),
        offered_only=False,
    )
    await uow.catalogue.set_order_request(order.id, request.number)
    return order
