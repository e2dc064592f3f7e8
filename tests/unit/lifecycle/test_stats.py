"""Per-staff figures for any period: what a staff member claimed, completed and was rated,
their own or (for admins) anyone's on the staff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import stats
from domain.actors import actor_of
from domain.errors import Forbidden
from tests.unit.lifecycle.fakes import NOW, Office, office


async def worked_one(o: Office) -> None:
    await o.say("o_chen", "我想办个营业执照")
    await o.say("o_chen", "新公司注册")
    await o.say("o_chen", "普通", "answer:normal")
    await o.say("o_chen", "确认", "answer:yes")
    await o.say("o_wang", "抢单 R1001")
    await o.say("o_wang", "完成 R1001")
    await o.say("o_chen", "态度2分，速度4分")
    await o.say("o_chen", "跳过")


async def test_a_staff_member_sees_their_own_figures_for_any_period() -> None:
    o = await office()
    await worked_one(o)
    wang = actor_of(await o.who("o_wang"))
    day = await stats.staff_figures(o.uow, wang, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert (day.name, day.claimed, day.completed, day.ratings) == ("王会计", 1, 1, 1)
    assert (day.attitude, day.speed, day.low_ratings, day.complaints) == (2.0, 4.0, 1, 1)
    before = await stats.staff_figures(
        o.uow, wang, NOW - timedelta(days=2), NOW - timedelta(days=1)
    )
    assert (before.claimed, before.ratings, before.attitude) == (0, 0, None)


async def test_admins_see_anyones_and_staff_only_their_own() -> None:
    o = await office()
    await worked_one(o)
    admin, li = actor_of(await o.who("o_admin")), actor_of(await o.who("o_li"))
    wang = await o.uow.identities.staff_by_name(o.firm.id, "王会计")
    assert wang is not None
    window = (NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    seen = await stats.staff_figures(o.uow, admin, *window, staff_id=wang.id)
    assert seen.completed == 1
    with pytest.raises(Forbidden):
        await stats.staff_figures(o.uow, li, *window, staff_id=wang.id)
    with pytest.raises(Forbidden):
        await stats.staff_figures(o.uow, actor_of(await o.who("o_chen")), *window)
