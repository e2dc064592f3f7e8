"""The number strangers are told to call is read from the firm's staff at most once per
`TTL_S` per firm, and afresh once that has passed or someone forgot it (a turn changed
business data)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from domain.conversation import Conversation
from handlers.firm_contact import PhoneMemory
from handlers.message import Inbound
from handlers.newcomers import contact_line, firm_phone
from handlers.turn import Ports, Turn
from tests.support.stories import LifecycleNLU
from tests.unit.lifecycle.fakes import office

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


async def stranger_turn(ports: Ports) -> tuple[Turn, Any]:
    o = await office()
    calls = {"n": 0}
    real = o.uow.identities.list_staff

    async def counted(firm_id: int, active_only: bool = False) -> Any:
        calls["n"] += 1
        return await real(firm_id, active_only)

    o.uow.identities.list_staff = counted  # type: ignore[method-assign]
    msg = Inbound("o_new", "text", NOW, text="你们能做什么")
    ident = await o.who("o_new")
    conv = Conversation(o.firm.appid, "o_new")
    turn = Turn(msg, ident, conv, o.uow, ports, NOW)  # type: ignore[arg-type]
    return turn, (o, calls)


async def test_the_admins_phone_is_read_once_within_the_ttl() -> None:
    clock = Clock()
    ports = Ports(nlu=LifecycleNLU(), phone_memory=PhoneMemory(30.0, clock))
    turn, (_, calls) = await stranger_turn(ports)
    assert await firm_phone(turn) == "138"
    assert "打电话 138" in await contact_line(turn)
    clock.t += 29
    assert await firm_phone(turn) == "138"
    assert calls["n"] == 1


async def test_a_staff_change_is_seen_after_the_ttl_or_when_forgotten() -> None:
    clock = Clock()
    memory = PhoneMemory(30.0, clock)
    ports = Ports(nlu=LifecycleNLU(), phone_memory=memory)
    turn, (o, calls) = await stranger_turn(ports)
    assert await firm_phone(turn) == "138"
    admin = next(s for s in o.uow.identities.staff.values() if s.is_admin)
    o.uow.identities.staff[admin.id] = replace(admin, phone="13900000001")
    assert await firm_phone(turn) == "138"  # remembered
    clock.t += 31
    assert await firm_phone(turn) == "13900000001"
    o.uow.identities.staff[admin.id] = replace(admin, phone="")
    memory.forget()
    assert await firm_phone(turn) == ""  # no admin with a phone: no number offered
    assert "打电话" not in await contact_line(turn)
    assert calls["n"] == 3


async def test_a_configured_phone_needs_no_read() -> None:
    ports = Ports(nlu=LifecycleNLU(), firm_phone="0571-88880000")
    turn, (_, calls) = await stranger_turn(ports)
    assert await firm_phone(turn) == "0571-88880000"
    assert calls["n"] == 0


async def test_the_services_on_offer_are_read_once_within_the_ttl() -> None:
    from handlers.firm_contact import ServicesMemory
    from handlers.newcomers import offered_types

    clock = Clock()
    memory = ServicesMemory(30.0, clock)
    ports = Ports(nlu=LifecycleNLU(), services_memory=memory)
    turn, (o, _) = await stranger_turn(ports)
    reads = {"n": 0}
    real = o.uow.catalogue.list_items

    async def counted(*args: Any, **kwargs: Any) -> Any:
        reads["n"] += 1
        return await real(*args, **kwargs)

    o.uow.catalogue.list_items = counted
    first = await offered_types(turn)
    assert first and await offered_types(turn) == first
    assert reads["n"] == 1
    clock.t += 31
    assert await offered_types(turn) == first
    memory.forget()
    assert await offered_types(turn) == first
    assert reads["n"] == 3
