"""The panel's client work on a real database (SQLite; PostgreSQL when TEST_POSTGRES_URL is
set): the firm's checklist template is versioned and the filing cycle opens new months from it
(months already open keep theirs); invoices sent again are counted per invoice; a correction
follows the chat's rule and is audited with before and after; who may see which client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.workers.jobs import run_filing_cycle
from domain import checklist_templates, panel_invoices
from domain.actors import Actor
from domain.clock import FixedClock
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.filing import ItemTemplate, Party, TaxpayerKind, TaxProfile, template_for
from domain.invoice_uploads import CorrectionInvalid, InvoiceRecord, UploadStatus
from domain.invoices import Invoice, InvoiceKind
from storage.engine import create_engine, session_factory
from storage.tables.invoices import InvoiceUploadRow
from storage.tables.panel import AuditRow
from storage.uow import SqlUnitOfWork

SEPT = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # files 2026-09
OCT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # files 2026-10
SENT_AGAIN = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Any]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        ids = uow.identities
        firm = await ids.add_firm("示范代账", "wx_test")
        other_firm = await ids.add_firm("别家代账", "wx_other")
        boss = await ids.add_staff(firm.id, "赵主管", is_admin=True)
        wang = await ids.add_staff(firm.id, "王会计")
        li = await ids.add_staff(firm.id, "李会计")
        qinghe = await ids.add_company(firm.id, "杭州青禾餐饮管理有限公司", accountant_id=wang.id)
        yunfan = await ids.add_company(firm.id, "杭州云帆科技有限公司", accountant_id=li.id)
        foreign = await ids.add_company(other_firm.id, "宁波海风贸易有限公司")
        await uow.filing.set_profile(TaxProfile(yunfan.id, TaxpayerKind.GENERAL))
        await uow.commit()
    p = {
        "firm": firm.id,
        "boss": Actor.of_staff(boss),
        "wang": Actor.of_staff(wang),
        "li": Actor.of_staff(li),
        "qinghe": qinghe.id,
        "yunfan": yunfan.id,
        "foreign": foreign.id,
    }
    try:
        yield sessions, p
    finally:
        await engine.dispose()


def edited_small() -> list[ItemTemplate]:
    """The shipped 小规模 template with 工资表 removed, 记账 moved first and one item added."""
    shipped = list(template_for(TaxpayerKind.SMALL))
    kept = [t for t in shipped if t.key != "payroll"]
    books = next(t for t in kept if t.key == "bookkeeping")
    kept.remove(books)
    added = ItemTemplate("item1", Party.CLIENT, "提供社保缴费单", 6, ())
    return [books, *kept, added]


async def audit_rows(sessions: Any, action: str) -> list[AuditRow]:
    async with sessions() as s:
        return list(
            await s.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id))
        )


async def test_new_months_follow_the_firms_template_and_open_months_keep_theirs(
    world: Any,
) -> None:
    sessions, p = world
    clock = FixedClock(SEPT)
    await run_filing_cycle(sessions, clock)  # September's checklists, from the shipped template
    async with SqlUnitOfWork(sessions) as uow:
        saved = await checklist_templates.save_template(
            uow, p["boss"], TaxpayerKind.SMALL, edited_small(), SEPT
        )
        await uow.commit()
    assert saved.version == 1
    await run_filing_cycle(sessions, clock)  # September again: nothing is remade
    await run_filing_cycle(sessions, FixedClock(OCT))
    async with SqlUnitOfWork(sessions) as uow:
        sept = await uow.filing.checklist(p["qinghe"], "2026-09")
        octo = await uow.filing.checklist(p["qinghe"], "2026-10")
        general_oct = await uow.filing.checklist(p["yunfan"], "2026-10")
    assert sept is not None and octo is not None and general_oct is not None
    shipped = [t.key for t in template_for(TaxpayerKind.SMALL)]
    assert [i.key for i in sept.items] == shipped  # opened before the edit: unchanged
    assert [i.label for i in octo.items] == [t.label for t in edited_small()]
    assert "确认工资表" not in [i.label for i in octo.items]
    social = next(i for i in octo.items if i.label == "提供社保缴费单")
    assert social.party is Party.CLIENT and social.due == octo.deadline - timedelta(days=6)
    bookkeeping = octo.item("bookkeeping")
    assert bookkeeping is not None and bookkeeping.books
    # The 一般纳税人 template was not edited: its companies keep the shipped one.
    assert [i.key for i in general_oct.items] == [t.key for t in template_for(TaxpayerKind.GENERAL)]
    [row] = await audit_rows(sessions, "checklist_saved")
    assert row.staff_id == p["boss"].staff_id
    bookkeeping = {"party": "staff", "label": "记账", "days_before": 3}
    assert bookkeeping in row.before["items"]  # type: ignore[index]
    assert row.after["items"][0] == bookkeeping  # type: ignore[index]
    added = {"party": "client", "label": "提供社保缴费单", "days_before": 6}
    assert added in row.after["items"]  # type: ignore[index]


async def test_a_template_is_versioned_and_only_admins_save_a_valid_one(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Forbidden):
            await checklist_templates.save_template(
                uow, p["wang"], TaxpayerKind.SMALL, edited_small(), SEPT
            )
        no_return = [t for t in edited_small() if not t.files]
        with pytest.raises(Invalid):
            await checklist_templates.save_template(
                uow, p["boss"], TaxpayerKind.SMALL, no_return, SEPT
            )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        shown = await checklist_templates.template_in_force(uow, p["boss"], TaxpayerKind.SMALL)
        assert shown.version is None and shown.items == template_for(TaxpayerKind.SMALL)
        for _ in range(2):
            await checklist_templates.save_template(
                uow, p["boss"], TaxpayerKind.SMALL, edited_small(), SEPT
            )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        shown = await checklist_templates.template_in_force(uow, p["boss"], TaxpayerKind.SMALL)
        first = await checklist_templates.template_in_force(uow, p["boss"], TaxpayerKind.SMALL, 1)
        with pytest.raises(NotFound):
            await checklist_templates.template_in_force(uow, p["boss"], TaxpayerKind.SMALL, 9)
    assert shown.version == 2 and [h.version for h in shown.history] == [2, 1]
    assert first.version == 1 and list(first.items) == edited_small()
    assert len(await audit_rows(sessions, "checklist_saved")) == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda items: [], "checklist_empty"),
        (lambda items: [replace(items[0], label=""), *items[1:]], "item_label_missing"),
        (lambda items: [replace(items[0], label="记" * 21), *items[1:]], "item_label_too_long"),
        (lambda items: [replace(items[0], days_before=15), *items[1:]], "item_days_out_of_range"),
        (lambda items: [replace(items[0], days_before=-1), *items[1:]], "item_days_out_of_range"),
        (lambda items: [*items, replace(items[-1], key="item9")], "item_label_repeated"),
        (lambda items: [*items, replace(items[-1], label="另一项")], "item_key_invalid"),
        (
            lambda items: [replace(t, party=Party.CLIENT) if t.files else t for t in items],
            "item_return_for_client",
        ),
        (lambda items: items * 3, "checklist_too_many"),
    ],
)
def test_what_a_template_may_not_be(change: Any, code: str) -> None:
    found = checklist_templates.problems(change(edited_small()))
    assert code in [p.code for p in found]
    assert checklist_templates.problems(edited_small()) == []
    # The edges: 0 and 14 days before, 20 characters.
    edge = [replace(edited_small()[0], days_before=14, label="记" * 20), *edited_small()[1:]]
    assert checklist_templates.problems(edge) == []


def invoice(company_id: int, number: str, total_fen: int = 5270) -> InvoiceRecord:
    inv = Invoice(
        company_id=company_id,
        number=number,
        code="012001800311",
        kind=InvoiceKind.VAT_COMMON,
        invoice_type="增值税电子普通发票",
        issue_date=date(2026, 9, 8),
        amount_excl_tax_fen=4662,
        tax_fen=608,
        amount_total_fen=total_fen,
        buyer_name="杭州青禾餐饮管理有限公司",
        buyer_tax_id=None,
        seller_name="天津瑞佳讯贸易有限公司",
        seller_tax_id="91120222079642398Y",
        check_code=None,
        image_sha256="b" * 64,
        uploaded_by=0,
        uploaded_at=SEPT,
    )
    return InvoiceRecord(inv, "陈女士").rechecked(SEPT)


async def seed_invoices(sessions: Any, p: dict[str, Any]) -> dict[str, int]:
    async with SqlUnitOfWork(sessions) as uow:
        a = await uow.invoices.add_invoice(invoice(p["qinghe"], "33207675"), p["firm"])
        b = await uow.invoices.add_invoice(invoice(p["qinghe"], "33207676", 9999), p["firm"])
        c = await uow.invoices.add_invoice(invoice(p["yunfan"], "33207677"), p["firm"])
        await uow.commit()
    assert a and b and c and a.id and b.id and c.id
    async with sessions() as s:
        for media, target in (("m1", a.id), ("m2", a.id), ("m3", c.id)):
            s.add(
                InvoiceUploadRow(
                    firm_id=p["firm"],
                    company_id=p["qinghe"] if target != c.id else p["yunfan"],
                    openid="o_chen",
                    media_id=media,
                    status=UploadStatus.DUPLICATE.value,
                    invoice_id=target,
                    next_attempt_at=SENT_AGAIN,
                    created_at=SENT_AGAIN,
                    updated_at=SENT_AGAIN,
                )
            )
        await s.commit()
    return {"a": a.id, "b": b.id, "c": c.id}


async def test_a_month_of_invoices_flags_what_was_sent_again_and_failed_checks(
    world: Any,
) -> None:
    sessions, p = world
    ids = await seed_invoices(sessions, p)
    async with SqlUnitOfWork(sessions) as uow:
        month = await panel_invoices.invoice_month(uow, p["wang"], p["qinghe"], "2026-09")
        by_admin = await panel_invoices.invoice_month(uow, p["boss"], p["qinghe"], "2026-09")
        for who, company in (("li", "qinghe"), ("wang", "yunfan"), ("boss", "foreign")):
            with pytest.raises(NotFound):
                await panel_invoices.invoice_month(uow, p[who], p[company], "2026-09")
        with pytest.raises(NotFound):  # another client's invoice under this client's address
            await panel_invoices.client_invoice(uow, p["wang"], p["qinghe"], ids["c"])
    assert [r.id for r in month.records] == [ids["a"], ids["b"]]
    assert dict(month.duplicates) == {ids["a"]: 2}
    assert month.summary.duplicates == 2
    failed = {r.id: [c.name for c in r.failed_checks] for r in month.records}
    assert failed == {ids["a"]: [], ids["b"]: ["sum"]}
    assert [r.id for r in by_admin.records] == [ids["a"], ids["b"]]


async def test_a_correction_follows_the_chats_rule_and_is_audited(world: Any) -> None:
    sessions, p = world
    ids = await seed_invoices(sessions, p)
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(CorrectionInvalid):
            await panel_invoices.correct_field(
                uow, p["wang"], p["qinghe"], ids["b"], "amount_total", "abc", SEPT
            )
        with pytest.raises(Conflict):  # b's number made a's: two invoices, one key
            await panel_invoices.correct_field(
                uow, p["wang"], p["qinghe"], ids["b"], "number", "33207675", SEPT
            )
        with pytest.raises(NotFound):
            await panel_invoices.correct_field(
                uow, p["li"], p["qinghe"], ids["b"], "amount_total", "52.70", SEPT
            )
        fixed = await panel_invoices.correct_field(
            uow, p["wang"], p["qinghe"], ids["b"], "amount_total", "52.70", SEPT
        )
        await uow.commit()
    assert fixed.invoice.amount_total_fen == 5270 and fixed.failed_checks == []
    assert fixed.sources["amount_total"] == "manual"
    async with SqlUnitOfWork(sessions) as uow:
        stored = await uow.invoices.get_invoice(ids["b"])
    assert stored is not None and stored.invoice.amount_total_fen == 5270
    assert stored.failed_checks == []
    [row] = await audit_rows(sessions, "invoice_corrected")
    assert (row.before, row.after) == ({"amount_total": "¥99.99"}, {"amount_total": "¥52.70"})
    assert row.actor == "王会计" and row.target == "33207676"
