"""催费: reminding a company of a bill it has not paid, by the schedule (`remind_due`) or by
staff from the chat (`remind_company`, `remind_all_overdue`). Each reminder claims its bill's
day first (a unique key: two workers, or staff and the schedule, never remind twice a day),
then tells every bound contact through the outbox (客服 or template) and every contact WeChat
cannot reach (never bound, or unfollowed the account) by SMS (a notice addressed to their phone), and logs the channel and how many
were told. A paid, cancelled or expired bill is never reminded of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor
from domain.billing import Bill, BillStatus
from domain.clock import local
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import ClientCompany, Contact
from domain.notices import FeeReminder, Notice, NoticeKind
from domain.payment_notices import bill_ref
from domain.ports import UnitOfWork
from domain.reminder_rules import (
    SCHEDULE,
    NewReminder,
    Reminder,
    ReminderChannel,
    ReminderPolicy,
    ReminderScan,
)

SMS_PREFIX = "tel:"  # a notice to a phone number: the outbox sends it by SMS
CHANNELS = {
    (True, True): ReminderChannel.BOTH,
    (True, False): ReminderChannel.WECHAT,
    (False, True): ReminderChannel.SMS,
    (False, False): ReminderChannel.NONE,
}
SCAN_BATCH = 100


@dataclass(frozen=True)
class Reminded:
    bill: Bill
    reminder: Reminder | None  # None: reminded today already


def _remindable(bill: Bill, now: datetime) -> bool:
    return bill.status is BillStatus.UNPAID and not bill.expired(now)


def _plan(
    bill: Bill, contacts: Sequence[Contact], now: datetime, trigger: str, pay_url_base: str
) -> tuple[NewReminder, list[Notice]]:
    """The log row and the notices of one reminder: WeChat for bound contacts who follow the
    account, SMS (a notice to their phone) for those WeChat cannot reach (never bound, or
    unfollowed)."""
    today = local(now).date()
    facts = FeeReminder(
        bill_ref(bill),
        bill.due_on,
        max(0, (today - bill.due_on).days),
        f"{pay_url_base}/pay/{bill.number}" if pay_url_base else "",
    )
    notices: list[Notice] = []
    wechat = sms = 0
    for contact in contacts:
        if contact.openid and contact.reachable_by_wechat:
            to, who = contact.openid, f"w{contact.id}"
            wechat += 1
        elif contact.phone:
            to, who = f"{SMS_PREFIX}{contact.phone}", f"s{contact.id}"
            sms += 1
        else:
            continue
        key = f"{NoticeKind.FEE_REMINDER}:{bill.id}:{today.isoformat()}:{who}"
        notices.append(Notice(to, NoticeKind.FEE_REMINDER, facts, key))
    row = NewReminder(
        bill.firm_id,
        bill.id,
        bill.company_id,
        today,
        trigger,
        CHANNELS[(wechat > 0, sms > 0)],
        len(notices),
        "queued" if notices else "no_contact",
        now,
    )
    return row, notices


async def send_reminders(
    uow: UnitOfWork,
    bills: Sequence[Bill],
    now: datetime,
    trigger: str,
    pay_url_base: str = "",
) -> dict[int, Reminder]:
    """Remind each bill's company once today (bills reminded today already are left out of
    the answer, and nobody is told twice): each bill's day claimed and its notices queued, in
    the caller's unit of work, a few statements for the lot. The reminders logged, by bill."""
    if not bills:
        return {}
    contacts = await uow.reminders.contacts_of([b.company_id for b in bills])
    plans = {
        b.id: _plan(b, contacts.get(b.company_id, ()), now, trigger, pay_url_base) for b in bills
    }
    logged = await uow.reminders.claim_days([row for row, _ in plans.values()])
    notices = [n for r in logged for n in plans[r.bill_id][1]]
    await uow.outbox.add_many(notices, now)
    return {r.bill_id: r for r in logged}


async def remind_due(
    uow: UnitOfWork,
    now: datetime,
    policy: ReminderPolicy | None = None,
    pay_url_base: str = "",
    batch: int = SCAN_BATCH,
) -> ReminderScan:
    """The scheduled run: every unpaid bill whose schedule has a step since its last reminder,
    across firms, in pages of `batch` committed one by one. Call outside `async with uow`."""
    policy = policy or ReminderPolicy()
    today = local(now).date()
    looked = sent = skipped = 0
    after = 0
    while True:
        async with uow:
            page = await uow.reminders.unpaid_bills(policy.horizon(today), after, batch)
            if not page:
                break
            due = [
                bill
                for bill, last in page
                if _remindable(bill, now) and policy.due(bill.due_on, last, today)
            ]
            looked += len(page)
            logged = await send_reminders(uow, due, now, SCHEDULE, pay_url_base)
            sent += len(logged)
            skipped += len(due) - len(logged)
            await uow.commit()
        after = page[-1][0].id
        if len(page) < batch:
            break
    return ReminderScan(looked, sent, skipped)


def _staff(actor: Actor) -> None:
    if not (actor.is_staff or actor.is_system):
        raise Forbidden("staff_only")


async def _open_bills(uow: UnitOfWork, actor: Actor, company_id: int, now: datetime) -> list[Bill]:
    bills = await uow.billing.list_bills(actor.firm_id, company_id=company_id, limit=100)
    return [b for b in bills if _remindable(b, now)]


async def remind_company(
    uow: UnitOfWork, actor: Actor, name: str, now: datetime, pay_url_base: str = ""
) -> list[Reminded]:
    """Staff's "催费 青禾": the one company whose name contains `name`, each of its open bills.
    No such company, several, or nothing owed: refused, nothing sent."""
    _staff(actor)
    name = name.strip()
    found = [
        c for c in await uow.identities.list_companies(actor.firm_id) if name and name in c.name
    ]
    if not found:
        raise NotFound("company_not_found", query=name)
    if len(found) > 1:
        raise Conflict("company_ambiguous", query=name, names=[c.name for c in found[:5]])
    return await _remind_open_bills(uow, actor, found[0], now, pay_url_base)


async def _remind_open_bills(
    uow: UnitOfWork, actor: Actor, company: ClientCompany, now: datetime, pay_url_base: str
) -> list[Reminded]:
    bills = await _open_bills(uow, actor, company.id, now)
    if not bills:
        raise Conflict("nothing_owed", company=company.name)
    logged = await send_reminders(uow, bills, now, actor.name or "staff", pay_url_base)
    return [Reminded(b, logged.get(b.id)) for b in bills]


async def remind_company_by_id(
    uow: UnitOfWork, actor: Actor, company_id: int, now: datetime, pay_url_base: str = ""
) -> list[Reminded]:
    """The same as "催费 公司" for a company picked by id (the panel): each open bill, at most
    once a day each. Another firm's company reads as not found."""
    _staff(actor)
    company = await uow.identities.get_company(company_id)
    if company is None or company.firm_id != actor.firm_id:
        raise NotFound("company_not_found", query=str(company_id))
    return await _remind_open_bills(uow, actor, company, now, pay_url_base)


async def remind_bill(
    uow: UnitOfWork, actor: Actor, number: str, now: datetime, pay_url_base: str = ""
) -> Reminded:
    """催费 for one bill now (at most once a day, like every reminder): a paid, cancelled,
    refunded or expired bill is refused and nobody is told."""
    _staff(actor)
    bill = await uow.billing.bill_by_number(actor.firm_id, number)
    if bill is None:
        raise NotFound("bill_not_found", number=number)
    if not _remindable(bill, now):
        state = "expired" if bill.expired(now) else bill.status.value
        raise Conflict("bill_not_remindable", number=bill.number, state=state)
    logged = await send_reminders(uow, [bill], now, actor.name or "staff", pay_url_base)
    return Reminded(bill, logged.get(bill.id))


async def remind_all_overdue(
    uow: UnitOfWork, actor: Actor, now: datetime, pay_url_base: str = ""
) -> list[Reminded]:
    """Staff's "催费 全部逾期": every overdue open bill of the firm."""
    _staff(actor)
    today = local(now).date()
    bills = await uow.billing.list_bills(actor.firm_id, limit=2000)
    overdue = [b for b in bills if _remindable(b, now) and b.overdue(today)]
    if not overdue:
        raise Conflict("nothing_overdue")
    logged = await send_reminders(uow, overdue, now, actor.name or "staff", pay_url_base)
    return [Reminded(b, logged.get(b.id)) for b in overdue]


async def reminders_of(
    uow: UnitOfWork, actor: Actor, company_id: int | None = None, limit: int = 50
) -> Sequence[Reminder]:
    """Who was reminded and what happened, newest first (staff only)."""
    _staff(actor)
    return await uow.reminders.recent(actor.firm_id, company_id, limit)
