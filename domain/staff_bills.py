"""Staff raise a one-off bill in the chat ("账单 示例科技 工商变更 800元"): the company is found
by name, the staff member confirms, the bill is raised and the company's contacts are told,
with the link to pay. The confirmation names its ask (`ask_ref`), so a double tap, or a
repeated confirmation, raises one bill and tells nobody twice."""

from __future__ import annotations

from datetime import datetime

from domain import payments
from domain.actors import Actor
from domain.audit import entry
from domain.billing import MAX_BILL_FEN, MAX_TITLE, Bill
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.identity import ClientCompany
from domain.notices import BillIssued, Notice, NoticeKind
from domain.payment_notices import bill_ref
from domain.ports import UnitOfWork

SOURCE = "chat:"  # source_ref prefix of the bills raised here


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("staff_only")


def check(title: str, amount_fen: int) -> str:
    """The title as it will be kept; refuses what `add_one_off_bill` would refuse."""
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise Invalid("bad_bill_title", limit=MAX_TITLE)
    if not 0 < amount_fen <= MAX_BILL_FEN:
        raise Invalid("bad_amount", amount_fen=amount_fen, limit_fen=MAX_BILL_FEN)
    return title


async def find_company(uow: UnitOfWork, actor: Actor, name: str) -> ClientCompany:
    """The one company of the firm whose name contains `name` (staff only)."""
    _staff(actor)
    name = name.strip()
    found = [
        c for c in await uow.identities.list_companies(actor.firm_id) if name and name in c.name
    ]
    if not found:
        raise NotFound("company_not_found", query=name)
    if len(found) > 1:
        exact = [c for c in found if c.name == name]
        if len(exact) != 1:
            raise Conflict("company_ambiguous", query=name, names=[c.name for c in found[:5]])
        found = exact
    return found[0]


async def issue(
    uow: UnitOfWork,
    actor: Actor,
    company_id: int,
    title: str,
    amount_fen: int,
    now: datetime,
    ask_ref: str,
    pay_url_base: str = "",
) -> Bill:
    """Raise the confirmed bill (once per `ask_ref`) and tell the company's contacts WeChat can
    reach (once per bill and contact: the notices' dedup keys)."""
    _staff(actor)
    title = check(title, amount_fen)
    source_ref = f"{SOURCE}{actor.staff_id}:{ask_ref}"[:64]
    earlier = await uow.billing.bill_by_source(actor.firm_id, source_ref)
    bill = await payments.add_one_off_bill(
        uow,
        actor,
        company_id,
        title,
        amount_fen,
        now,
        source_ref=source_ref,
    )
    if (bill.company_id, bill.title, bill.amount_fen) != (company_id, title, amount_fen):
        raise Conflict("bill_not_issued")  # the ask's key names another bill
    if earlier is None:  # a repeated confirmation raises nothing new and logs nothing new
        await uow.audit.add(
            entry(
                actor,
                "bill_issued",
                f"{bill.number} {bill.company_name}",
                now,
                after={
                    "title": bill.title,
                    "amount_fen": bill.amount_fen,
                    "due_on": str(bill.due_on),
                },
            )
        )
    facts = BillIssued(
        bill_ref(bill),
        bill.due_on,
        actor.name,
        f"{pay_url_base}/pay/{bill.number}" if pay_url_base else "",
    )
    for contact in await uow.identities.list_contacts(company_id):
        if contact.openid and contact.reachable_by_wechat:
            key = f"{NoticeKind.BILL_ISSUED}:{bill.id}:c{contact.id}"
            await uow.outbox.add(Notice(contact.openid, NoticeKind.BILL_ISSUED, facts, key), now)
    return bill
