"""The business types a client may raise are the firm's active catalogue items' request types:
an item an admin adds is offered at once, one withdrawn is refused even when the words (or a
stale NLU in another process) still name it; work the firm owes anyway is not refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain import lifecycle, service_catalogue
from domain.actors import Actor
from domain.dispatch_policy import DispatchPolicy
from domain.errors import Conflict, Forbidden, Invalid
from domain.requests import Urgency
from domain.service_catalogue import ItemDraft
from tests.unit.lifecycle.fakes import NOW, Office, office


@pytest.fixture
async def o() -> Office:
    return await office()


async def admin(o: Office) -> Actor:
    staff = await o.uow.identities.staff_by_name(o.firm.id, "赵主管")
    assert staff is not None
    return Actor.of_staff(staff)


async def client(o: Office) -> Actor:
    identity = await o.who("o_chen")
    assert identity.contact is not None and identity.company is not None
    return Actor.of_contact(identity.contact, identity.company)


async def withdraw(o: Office, name: str) -> None:
    items = await o.uow.catalogue.list_items(o.firm.id, active_only=False)
    item = next(i for i in items if i.name == name)
    await service_catalogue.edit_item(o.uow, await admin(o), item.id, item.price_fen, False)


async def names(o: Office) -> list[str]:
    return [i.name for i in await o.uow.catalogue.list_items(o.firm.id, active_only=False)]


async def test_an_added_item_offers_its_type_last_and_at_once(o: Office) -> None:
    assert "跨境电商备案" not in await lifecycle.offered_types(o.uow, o.firm.id)
    item = await service_catalogue.add_item(
        o.uow, await admin(o), ItemDraft("其他服务", "  跨境电商备案 ", price_fen=150000)
    )
    assert (item.name, item.request_type, item.active) == ("跨境电商备案", "跨境电商备案", True)
    offered = await lifecycle.offered_types(o.uow, o.firm.id)
    assert offered[-1] == "跨境电商备案"
    req = await lifecycle.raise_request(
        o.uow, await client(o), "跨境电商备案", "亚马逊店铺", Urgency.NORMAL, (), NOW,
        DispatchPolicy(),
    )  # fmt: skip
    assert req.type == "跨境电商备案"


async def test_an_item_may_name_a_type_the_catalogue_has(o: Office) -> None:
    item = await service_catalogue.add_item(
        o.uow, await admin(o), ItemDraft("工商服务", "个体户注册", request_type="营业执照")
    )
    assert item.request_type == "营业执照"
    assert (await lifecycle.offered_types(o.uow, o.firm.id)).count("营业执照") == 1


@pytest.mark.parametrize(
    ("draft", "error", "code"),
    [
        (ItemDraft("其他服务", "公司注册"), Conflict, "service_name_taken"),
        (ItemDraft(" ", "跨境电商备案"), Invalid, "bad_catalogue_field"),
        (ItemDraft("其他服务", ""), Invalid, "bad_catalogue_field"),
        (
            ItemDraft("其他服务", "跨境电商备案", request_type="很" * 33),
            Invalid,
            "bad_catalogue_field",
        ),
        (ItemDraft("其他服务", "跨境电商备案", price_fen=0), Invalid, "bad_amount"),
    ],
)
async def test_a_bad_item_is_refused_and_nothing_is_added(
    o: Office, draft: ItemDraft, error: type[Exception], code: str
) -> None:
    before = await names(o)
    with pytest.raises(error) as caught:
        await service_catalogue.add_item(o.uow, await admin(o), draft)
    assert getattr(caught.value, "code", None) == code
    assert await names(o) == before


async def test_only_admins_add_items(o: Office) -> None:
    wang = await o.uow.identities.staff_by_name(o.firm.id, "王会计")
    assert wang is not None
    for actor in (Actor.of_staff(wang), await client(o)):
        with pytest.raises(Forbidden):
            await service_catalogue.add_item(o.uow, actor, ItemDraft("其他服务", "跨境电商备案"))
    assert "跨境电商备案" not in await names(o)


async def test_a_withdrawn_type_is_refused_but_owed_work_is_not(o: Office) -> None:
    await withdraw(o, "商标注册")
    assert "商标注册" not in await lifecycle.offered_types(o.uow, o.firm.id)
    with pytest.raises(Invalid) as caught:
        await lifecycle.raise_request(
            o.uow, await client(o), "商标注册", "注册商标", Urgency.NORMAL, (), NOW,
            DispatchPolicy(),
        )  # fmt: skip
    assert caught.value.code == "unknown_request_type"
    assert o.uow.requests.rows == {}
    # A paid order of an item withdrawn since is still owed.
    req = await lifecycle.raise_request(
        o.uow, await client(o), "商标注册", "已付款的订单", Urgency.NORMAL, (), NOW,
        DispatchPolicy(), offered_only=False,
    )  # fmt: skip
    assert req.type == "商标注册"


async def test_the_chat_offers_only_the_catalogue_and_refuses_a_withdrawn_type(o: Office) -> None:
    await withdraw(o, "公司注册")  # the only item of 营业执照
    listed = await o.say("o_chen", "", "raise_request")
    assert "营业执照" not in listed and "1. 工商变更" in listed
    # The words still name it (the keyword NLU here, a stale NLU elsewhere): refused, and the
    # list asked again; nothing raised.
    again = await o.say("o_chen", "营业执照")
    assert "暂时没有这项业务" in again
    assert o.convs["o_chen"].slots.get("request_type") is None
    assert o.uow.requests.rows == {}


async def test_an_item_back_on_the_catalogue_is_offered_again(o: Office) -> None:
    await withdraw(o, "公司注册")
    items = await o.uow.catalogue.list_items(o.firm.id, active_only=False)
    item = next(i for i in items if i.name == "公司注册")
    await service_catalogue.edit_item(o.uow, await admin(o), item.id, item.price_fen, True)
    assert (await lifecycle.offered_types(o.uow, o.firm.id))[0] == "营业执照"
    assert replace(item, active=True) == await o.uow.catalogue.get_item(item.id)
