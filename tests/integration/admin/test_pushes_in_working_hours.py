"""Staff working hours on a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is
set): an admin sets someone's hours (checked, stored, audited), and a new request is pushed
only to the staff at work at that moment; outside everyone's hours, to everyone."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update

from domain import admin_changes, lifecycle
from domain.actors import Actor
from domain.clock import SHANGHAI
from domain.dispatch_policy import DispatchPolicy
from domain.errors import Conflict, Forbidden, Invalid
from domain.requests import Urgency
from storage.tables.identity import StaffRow
from storage.tables.messaging import OutboxRow
from tests.integration.admin.test_panel_reads import world

POLICY = DispatchPolicy()  # the firm: 09:00-18:00, Monday to Friday
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
MONDAY_19 = datetime(2026, 11, 30, 19, 0, tzinfo=SHANGHAI)
SUNDAY_3 = datetime(2026, 12, 6, 3, 0, tzinfo=SHANGHAI)


async def test_hours_are_set_audited_and_decide_who_hears_of_new_work(db_url: str) -> None:
    async with world(db_url) as (uow, ids):
        boss = await uow.identities.add_staff(ids["firm"], "赵主管", "9", True)
        for key, openid in (("wang", "o_wang"), ("li", "o_li")):
            await uow.session.execute(
                update(StaffRow).where(StaffRow.id == ids[key]).values(openid=openid)
            )
        await uow.commit()
        admin = Actor.of_staff(boss)
        # 李会计 works evenings; 王会计 keeps the firm's hours.
        li = await admin_changes.set_working_hours(
            uow, admin, ids["li"], "18:00", "22:00", "1-5", MONDAY_10, POLICY
        )
        assert li.working_hours == "18:00-22:00 1-5"
        with pytest.raises(Conflict):
            await admin_changes.set_working_hours(
                uow, admin, ids["li"], "18:00", "22:00", "1,2,3,4,5", MONDAY_10, POLICY
            )
        with pytest.raises(Invalid):
            await admin_changes.set_working_hours(
                uow, admin, ids["wang"], "18:00", "09:00", "1-5", MONDAY_10, POLICY
            )
        wang = await uow.identities.get_staff(ids["wang"])
        assert wang is not None
        with pytest.raises(Forbidden):
            await admin_changes.set_working_hours(
                uow, Actor.of_staff(wang), ids["li"], "09:00", "18:00", "1-5", MONDAY_10, POLICY
            )
        await uow.commit()
        items, _ = await uow.audit.page(ids["firm"], "staff_hours", 1, 10)
        (e,) = items
        assert (e.actor, e.target) == ("赵主管", "李会计")
        assert (e.before, e.after) == ({"hours": "09:00-18:00 1-5"}, {"hours": "18:00-22:00 1-5"})

        company = await uow.identities.get_company(ids["a"])
        assert company is not None
        contact = (await uow.identities.list_contacts(company.id))[0]
        client = Actor.of_contact(contact, company)
        for at, expected in (
            (MONDAY_10, {"o_wang"}),
            (MONDAY_19, {"o_li"}),
            (SUNDAY_3, {"o_wang", "o_li"}),  # nobody at work: everyone hears
        ):
            req = await lifecycle.raise_request(
                uow,
                client,
                "营业执照",
                "地址变更",
                Urgency.NORMAL,
                (),
                at,
                POLICY,
                offered_only=False,
            )
            await uow.commit()
            rows = await uow.session.execute(
                select(OutboxRow.recipient).where(OutboxRow.dedup_key.like(f"pool:{req.id}:%"))
            )
            assert {r[0] for r in rows} == expected, at
