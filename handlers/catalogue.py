"""服务项目 in the chat: categories, then items, then an item's details, all as numbered quick
replies; "注册公司多少钱" answers with the item's price at once. An order needs a confirmation
tap (it raises a bill); a priced order is paid on the /m/ checkout, and once paid becomes a
request the staff claim. A 面议 item is quoted by the accountant, who is asked to call back.

```mermaid
stateDiagram-v2
    [*] --> categories: "服务项目" / "你们能办什么" (client or staff)
    categories --> items: tap a category
    items --> details: tap an item / "注册公司多少钱"
    details --> confirm: tap 下单 (priced)
    details --> callback: tap 请会计报价 (面议)
    confirm --> ordered: tap 确认下单 -> bill + pay link
    confirm --> [*]: 先不
    ordered --> [*]: paid on /m/pay -> a request in the pool
```
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain import people, service_catalogue
from domain.actors import actor_of
from domain.billing import yuan
from domain.identity import Role
from domain.service_items import CatalogueItem, categories
from handlers import expect
from handlers.fees import pay_link
from handlers.payment_texts import parse_amount
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE

router = Router("catalogue")

BROWSE = "browse_services"
ORDER = "order_service"
ORDERED = "order_confirmed"
QUOTE = "quote_service"
NOT_FOUND = "这个服务项目暂时没有了，回复“服务项目”看看现在能办的。"
BROWSERS = (Role.CLIENT, Role.STAFF, Role.ADMIN)


def price(item: CatalogueItem) -> str:
    return yuan(item.price_fen) if item.price_fen is not None else "面议"


def _item_buttons(items: Sequence[CatalogueItem]) -> tuple[QuickReply, ...]:
    return tuple(QuickReply(f"{BROWSE}:i{i.id}", f"{i.name}（{price(i)}）") for i in items)


def details(item: CatalogueItem, *, client: bool) -> Text:
    lines = [
        f"【{item.name}】{price(item)}",
        item.description,
        f"办理周期：{item.duration}" if item.duration else "",
        f"所需材料：{item.materials}" if item.materials else "",
    ]
    text = "\n".join(line for line in lines if line)
    if not client:
        return Text(text)
    if item.quoted:
        tail = "\n价格要看您的具体情况，点下方按钮请专属会计给您报价。"
        return Text(text + tail, (QuickReply(f"{QUOTE}:{item.id}", "请会计报价"),))
    return Text(text + "\n需要办理点“下单”。", (QuickReply(f"{ORDER}:{item.id}", "下单"),))


def matching(
    items: Sequence[CatalogueItem], text: str, request_type: str | None
) -> list[CatalogueItem]:
    """Items a client's words name: by the NLU's request type, else by the item's name."""
    if request_type:
        by_type = [i for i in items if i.request_type == request_type]
        if by_type:
            return by_type
    return [i for i in items if i.name in text or _short(i.name) in text]


def _short(name: str) -> str:
    """A name without its bracketed detail: "代理记账（小规模）" -> "代理记账"."""
    return name.split("（", 1)[0]


async def _items(turn: Turn) -> Sequence[CatalogueItem]:
    return await service_catalogue.browse(turn.uow, actor_of(turn.identity))


@router.intent(BROWSE, roles=BROWSERS)
async def browse_services(turn: Turn) -> list[Reply]:
    items = await _items(turn)
    client = turn.identity.role is Role.CLIENT
    if not items:
        return [Text("服务项目正在整理中，有需要可以直接告诉我想办什么。")]
    arg = turn.arg
    cats = categories(items)
    if arg.startswith("c") and arg[1:].isdigit():
        index = int(arg[1:]) - 1
        if not 0 <= index < len(cats):
            return [Text("没有这个分类，回复“服务项目”重新看看。")]
        shown = [i for i in items if i.category == cats[index]]
        return [Text(f"{cats[index]}，点一项看详情：", _item_buttons(shown))]
    if arg.startswith("i") and arg[1:].isdigit():
        chosen = next((i for i in items if i.id == int(arg[1:])), None)
        return [details(chosen, client=client)] if chosen else [Text(NOT_FOUND)]
    if turn.message.has_text and not turn.message.menu_id:
        named = matching(items, turn.message.clean_text, await turn.entity(REQUEST_TYPE))
        if len(named) == 1:
            return [details(named[0], client=client)]
        if named:
            return [Text("您问的可能是这几项，点一项看详情：", _item_buttons(named))]
    buttons = tuple(QuickReply(f"{BROWSE}:c{n}", name) for n, name in enumerate(cats, 1))
    return [Text("我们的服务项目，点一个分类看看：", buttons)]


async def _chosen(turn: Turn) -> CatalogueItem | None:
    if not turn.arg.isdigit():
        return None
    items = await _items(turn)
    return next((i for i in items if i.id == int(turn.arg)), None)


@router.intent(ORDER, roles=(Role.CLIENT,), refuse="下单是客户功能哦。")
async def order_service(turn: Turn) -> list[Reply]:
    item = await _chosen(turn)
    if item is None:
        return [Text(NOT_FOUND)]
    if item.quoted:
        return await quote_service(turn)
    return expect.confirm(
        turn,
        ORDERED,
        str(item.id),
        f"确认下单【{item.name}】，费用 {price(item)}？确认后会生成账单，付款后会计马上开始办理。",
        "确认下单",
        "好的，先不下单。有需要随时找我。",
    )


@expect.action(ORDERED)
@router.intent(ORDERED, roles=(Role.CLIENT,), refuse="下单是客户功能哦。")
async def order_confirmed(turn: Turn) -> list[Reply]:
    if not turn.arg.isdigit():
        return [Text(NOT_FOUND)]
    placed = await service_catalogue.order_service(
        turn.uow, actor_of(turn.identity), int(turn.arg), turn.now
    )
    order, bill = placed.order, placed.bill
    link = pay_link(turn, bill.number, "去支付")
    pay = f"\n{link}" if link else "\n回复“交费”查看账单并付款。"
    return [
        Text(
            f"已下单 {order.number}：{order.item_name}，费用 {yuan(bill.amount_fen)}"
            f"（账单 {bill.number}）。{pay}\n付款后会计会马上接手办理。"
        )
    ]


@router.intent(QUOTE, roles=(Role.CLIENT,), refuse="这是客户功能哦。")
async def quote_service(turn: Turn) -> list[Reply]:
    """A 面议 item: an order awaiting staff's price; the accountant is asked to quote."""
    item = await _chosen(turn)
    if item is None:
        return [Text(NOT_FOUND)]
    actor = actor_of(turn.identity)
    order = await service_catalogue.ask_quote(turn.uow, actor, item.id, turn.now)
    words = f"想办理【{item.name}】，请报价：回复“报价 {order.number} 金额”"
    staff = await people.request_callback(turn.uow, actor, turn.now, words)
    who = staff.name if staff is not None else "顾问"
    return [
        Text(
            f"已为【{item.name}】登记报价（订单 {order.number}），{who}会尽快联系您，"
            "报价后您会收到付款链接。"
        )
    ]


@router.pattern(r"报价\s*([Ss]\d+)\s*[:：，,]?\s*(.+)")
async def quote_typed(turn: Turn) -> list[Reply] | None:
    """Staff's "报价 S1001 5000元": the order is billed and the client gets the link to pay."""
    if not turn.identity.is_staff:
        return None
    m = re.fullmatch(r"报价\s*([Ss]\d+)\s*[:：，,]?\s*(.+)", turn.message.clean_text)
    assert m is not None
    try:
        amount = parse_amount(m.group(2))
    except ValueError:
        return [Text("金额没看懂，请这样回复：报价 S1001 5000元")]
    placed = await service_catalogue.quote(
        turn.uow, actor_of(turn.identity), m.group(1), amount, turn.now, turn.ports.mobile_url
    )
    return [
        Text(
            f"已报价：{placed.order.item_name} {yuan(amount)}（订单 {placed.order.number}，"
            f"账单 {placed.bill.number}）。客户已收到付款链接，付款后会作为新业务推送。"
        )
    ]
