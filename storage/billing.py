"""The billing repository: contracts, bills, payment orders and refunds.

Every change of state is one conditional UPDATE whose WHERE holds the expectation (the bill is
still unpaid, the order still created and still for this amount, appid and mchid), and whose
row count says whether this call made the change. Inserts that must happen once (a contract
period's bill, a one-off bill's source) rely on unique keys and ON CONFLICT DO NOTHING, never
on a look first. Reads use `populate_existing`, so a row re-read after a lost race shows the
winner's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing import (
    BILL_SERIES,
    Bill,
    BillKind,
    BillStatus,
    Channel,
    Contract,
    Cycle,
    NewBill,
    NewContract,
    NewOrder,
    NewRefund,
    OrderState,
    PaymentOrder,
    Period,
    Prepay,
    Refund,
    RefundStatus,
)
from storage.requests import SqlRequestRepository
from storage.tables.billing import BillRow, ContractRow, PaymentOrderRow, RefundRow
from storage.tables.identity import CompanyRow

_NO_SYNC = {"synchronize_session": False}


def _contract(row: ContractRow, company: str = "") -> Contract:
    return Contract(
        id=row.id,
        firm_id=row.firm_id,
        company_id=row.company_id,
        monthly_fee_fen=row.monthly_fee_fen,
        cycle=Cycle(row.cycle),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        next_due_on=row.next_due_on,
        accountant_id=row.accountant_id,
        active=row.active,
        company_name=company,
        bills_until=row.bills_until,
    )


def _bill(row: BillRow, company: str = "") -> Bill:
    period = (
        Period(row.period_start, row.period_end)
        if row.period_start is not None and row.period_end is not None
        else None
    )
    return Bill(
        id=row.id,
        firm_id=row.firm_id,
        number=row.number,
        company_id=row.company_id,
        kind=BillKind(row.kind),
        title=row.title,
        amount_fen=row.amount_fen,
        status=BillStatus(row.status),
        due_on=row.due_on,
        created_at=row.created_at,
        contract_id=row.contract_id,
        period=period,
        expires_at=row.expires_at,
        source_ref=row.source_ref,
        attempts=row.attempts,
        paid_at=row.paid_at,
        paid_order_id=row.paid_order_id,
        refunded_fen=row.refunded_fen,
        cancelled_at=row.cancelled_at,
        company_name=company,
    )


def _order(row: PaymentOrderRow) -> PaymentOrder:
    return PaymentOrder(
        id=row.id,
        firm_id=row.firm_id,
        bill_id=row.bill_id,
        out_trade_no=row.out_trade_no,
        channel=Channel(row.channel),
        appid=row.appid,
        mchid=row.mchid,
        amount_fen=row.amount_fen,
        state=OrderState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        payer_openid=row.payer_openid,
        prepay_id=row.prepay_id,
        code_url=row.code_url,
        transaction_id=row.transaction_id,
        paid_at=row.paid_at,
        closed_at=row.closed_at,
        next_query_at=row.next_query_at,
        query_count=row.query_count,
        refund_reserved_fen=row.refund_reserved_fen,
        refunded_fen=row.refunded_fen,
    )


def _refund(row: RefundRow) -> Refund:
    return Refund(
        id=row.id,
        order_id=row.order_id,
        bill_id=row.bill_id,
        out_refund_no=row.out_refund_no,
        amount_fen=row.amount_fen,
        total_fen=row.total_fen,
        reason=row.reason,
        status=RefundStatus(row.status),
        requested_by=row.requested_by,
        created_at=row.created_at,
        refund_id=row.refund_id,
        settled_at=row.settled_at,
        request_key=row.request_key,
        submitted_at=row.submitted_at,
    )


class SqlBillingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # --- helpers -------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        """An INSERT that can say ON CONFLICT DO NOTHING on either backend."""
        dialect = self.s.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    async def _changed(self, stmt: Any) -> bool:
        result = await self.s.execute(stmt.execution_options(**_NO_SYNC))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _bills(self) -> Any:
        return (
            select(BillRow, CompanyRow.name)
            .join(CompanyRow, CompanyRow.id == BillRow.company_id)
            .execution_options(populate_existing=True)
        )

    async def _one_bill(self, q: Any) -> Bill | None:
        row = (await self.s.execute(q)).first()
        return _bill(row[0], row[1]) if row else None

    async def _one_order(self, q: Any) -> PaymentOrder | None:
        row = await self.s.scalar(q.execution_options(populate_existing=True))
        return _order(row) if row else None

    # --- contracts -----------------------------------------------------------------------

    async def add_contract(self, new: NewContract) -> Contract:
        row = ContractRow(
            firm_id=new.firm_id,
            company_id=new.company_id,
            monthly_fee_fen=new.monthly_fee_fen,
            cycle=new.cycle.value,
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            next_due_on=new.starts_on,
            accountant_id=new.accountant_id,
            active=True,
            created_at=new.created_at,
            updated_at=new.created_at,
        )
        self.s.add(row)
        await self.s.flush()
        contract = await self.get_contract(row.id)
        assert contract is not None
        return contract

    def _contracts(self) -> Any:
        return (
            select(ContractRow, CompanyRow.name)
            .join(CompanyRow, CompanyRow.id == ContractRow.company_id)
            .execution_options(populate_existing=True)
        )

    async def get_contract(self, contract_id: int) -> Contract | None:
        row = (await self.s.execute(self._contracts().where(ContractRow.id == contract_id))).first()
        return _contract(row[0], row[1]) if row else None

    async def contracts_for_company(self, company_id: int) -> Sequence[Contract]:
        rows = await self.s.execute(
            self._contracts().where(ContractRow.company_id == company_id).order_by(ContractRow.id)
        )
        return [_contract(r[0], r[1]) for r in rows]

    async def due_contracts(self, today: date, limit: int) -> Sequence[Contract]:
        rows = await self.s.execute(
            self._contracts()
            .where(ContractRow.active.is_(True), ContractRow.next_due_on <= today)
            .order_by(ContractRow.id)
            .limit(limit)
        )
        return [_contract(r[0], r[1]) for r in rows]

    async def ending_contracts(
        self, first: date, last: date, after_id: int, limit: int
    ) -> Sequence[Contract]:
        rows = await self.s.execute(
            self._contracts()
            .where(
                ContractRow.ends_on >= first,
                ContractRow.ends_on <= last,
                ContractRow.id > after_id,
            )
            .order_by(ContractRow.id)
            .limit(limit)
        )
        return [_contract(r[0], r[1]) for r in rows]

    async def advance_contract(
        self, contract_id: int, expect_due: date, to: date | None, now: datetime
    ) -> bool:
        return await self._changed(
            update(ContractRow)
            .where(
                ContractRow.id == contract_id,
                ContractRow.active.is_(True),
                ContractRow.next_due_on == expect_due,
            )
            .values(next_due_on=to, active=to is not None, updated_at=now)
        )

    async def extend_contract(
        self, contract_id: int, expect_end: date, new_end: date, now: datetime
    ) -> bool:
        return await self._changed(
            update(ContractRow)
            .where(ContractRow.id == contract_id, ContractRow.ends_on == expect_end)
            .values(
                ends_on=new_end,
                bills_until=func.coalesce(ContractRow.bills_until, expect_end),
                updated_at=now,
            )
        )

    # --- bills ---------------------------------------------------------------------------

    async def next_bill_number(self, firm_id: int) -> str:
        return await SqlRequestRepository(self.s).next_number(firm_id, BILL_SERIES)

    async def add_bill(self, new: NewBill) -> Bill | None:
        stmt = (
            self._insert(BillRow)
            .values(
                firm_id=new.firm_id,
                number=new.number,
                company_id=new.company_id,
                contract_id=new.contract_id,
                kind=new.kind.value,
                title=new.title,
                amount_fen=new.amount_fen,
                period_start=new.period.start if new.period else None,
                period_end=new.period.end if new.period else None,
                due_on=new.due_on,
                expires_at=new.expires_at,
                source_ref=new.source_ref,
                status=BillStatus.UNPAID.value,
                attempts=0,
                refunded_fen=0,
                created_at=new.created_at,
                updated_at=new.created_at,
            )
            .on_conflict_do_nothing()
            .returning(BillRow.id)
        )
        bill_id = (await self.s.execute(stmt)).scalar_one_or_none()
        return await self.get_bill(bill_id) if bill_id is not None else None

    async def get_bill(self, bill_id: int) -> Bill | None:
        return await self._one_bill(self._bills().where(BillRow.id == bill_id))

    async def bill_by_number(self, firm_id: int, number: str) -> Bill | None:
        return await self._one_bill(
            self._bills().where(BillRow.firm_id == firm_id, BillRow.number == number)
        )

    async def bill_by_source(self, firm_id: int, source_ref: str) -> Bill | None:
        return await self._one_bill(
            self._bills().where(BillRow.firm_id == firm_id, BillRow.source_ref == source_ref)
        )

    async def list_bills(
        self,
        firm_id: int,
        *,
        company_id: int | None = None,
        statuses: frozenset[BillStatus] | None = None,
        limit: int = 200,
    ) -> Sequence[Bill]:
        q = self._bills().where(BillRow.firm_id == firm_id)
        if company_id is not None:
            q = q.where(BillRow.company_id == company_id)
        if statuses is not None:
            q = q.where(BillRow.status.in_(sorted(s.value for s in statuses)))
        rows = await self.s.execute(q.order_by(BillRow.id).limit(limit))
        return [_bill(r[0], r[1]) for r in rows]

    async def note_attempt(self, bill_id: int, now: datetime) -> int | None:
        result = await self.s.execute(
            update(BillRow)
            .where(BillRow.id == bill_id, BillRow.status == BillStatus.UNPAID.value)
            .values(attempts=BillRow.attempts + 1, updated_at=now)
            .returning(BillRow.attempts)
            .execution_options(**_NO_SYNC)
        )
        value = result.scalar_one_or_none()
        return int(value) if value is not None else None

    async def mark_bill_paid(
        self, bill_id: int, order_id: int, paid_at: datetime, now: datetime
    ) -> bool:
        return await self._changed(
            update(BillRow)
            .where(BillRow.id == bill_id, BillRow.status == BillStatus.UNPAID.value)
            .values(
                status=BillStatus.PAID.value,
                paid_at=paid_at,
                paid_order_id=order_id,
                updated_at=now,
            )
        )

    async def cancel_bill(self, bill_id: int, now: datetime) -> bool:
        return await self._changed(
            update(BillRow)
            .where(BillRow.id == bill_id, BillRow.status == BillStatus.UNPAID.value)
            .values(status=BillStatus.CANCELLED.value, cancelled_at=now, updated_at=now)
        )

    async def add_bill_refund(self, bill_id: int, amount_fen: int, now: datetime) -> None:
        refunded = BillRow.refunded_fen + amount_fen
        await self.s.execute(
            update(BillRow)
            .where(BillRow.id == bill_id)
            .values(
                refunded_fen=refunded,
                status=case(
                    (refunded >= BillRow.amount_fen, BillStatus.REFUNDED.value),
                    else_=BillRow.status,
                ),
                updated_at=now,
            )
            .execution_options(**_NO_SYNC)
        )

    # --- payment orders ------------------------------------------------------------------

    async def add_order(self, new: NewOrder) -> PaymentOrder:
        row = PaymentOrderRow(
            firm_id=new.firm_id,
            bill_id=new.bill_id,
            out_trade_no=new.out_trade_no,
            channel=new.channel.value,
            appid=new.appid,
            mchid=new.mchid,
            amount_fen=new.amount_fen,
            payer_openid=new.payer_openid,
            state=OrderState.CREATED.value,
            created_at=new.created_at,
            expires_at=new.expires_at,
            next_query_at=new.next_query_at,
            query_count=0,
            refund_reserved_fen=0,
            refunded_fen=0,
            updated_at=new.created_at,
        )
        self.s.add(row)
        await self.s.flush()
        return _order(row)

    async def get_order(self, order_id: int) -> PaymentOrder | None:
        return await self._one_order(select(PaymentOrderRow).where(PaymentOrderRow.id == order_id))

    async def order_by_out_trade_no(self, out_trade_no: str) -> PaymentOrder | None:
        return await self._one_order(
            select(PaymentOrderRow).where(PaymentOrderRow.out_trade_no == out_trade_no)
        )

    async def orders_for_bill(self, bill_id: int) -> Sequence[PaymentOrder]:
        rows = await self.s.scalars(
            select(PaymentOrderRow)
            .where(PaymentOrderRow.bill_id == bill_id)
            .order_by(PaymentOrderRow.id)
            .execution_options(populate_existing=True)
        )
        return [_order(r) for r in rows]

    async def set_prepay(self, order_id: int, prepay: Prepay) -> None:
        await self.s.execute(
            update(PaymentOrderRow)
            .where(PaymentOrderRow.id == order_id)
            .values(prepay_id=prepay.prepay_id, code_url=prepay.code_url)
            .execution_options(**_NO_SYNC)
        )

    async def mark_order_paid(
        self,
        out_trade_no: str,
        *,
        appid: str,
        mchid: str,
        amount_fen: int,
        transaction_id: str,
        payer_openid: str,
        paid_at: datetime,
        now: datetime,
    ) -> PaymentOrder | None:
        result = await self.s.execute(
            update(PaymentOrderRow)
            .where(
                PaymentOrderRow.out_trade_no == out_trade_no,
                PaymentOrderRow.state == OrderState.CREATED.value,
                PaymentOrderRow.appid == appid,
                PaymentOrderRow.mchid == mchid,
                PaymentOrderRow.amount_fen == amount_fen,
            )
            .values(
                state=OrderState.PAID.value,
                transaction_id=transaction_id,
                payer_openid=func.coalesce(PaymentOrderRow.payer_openid, payer_openid or None),
                paid_at=paid_at,
                next_query_at=None,
                updated_at=now,
            )
            .returning(PaymentOrderRow.id)
            .execution_options(**_NO_SYNC)
        )
        order_id = result.scalar_one_or_none()
        return await self.get_order(order_id) if order_id is not None else None

    async def close_order(self, order_id: int, now: datetime) -> bool:
        return await self._changed(
            update(PaymentOrderRow)
            .where(
                PaymentOrderRow.id == order_id,
                PaymentOrderRow.state == OrderState.CREATED.value,
            )
            .values(
                state=OrderState.CLOSED.value, closed_at=now, next_query_at=None, updated_at=now
            )
        )

    async def orders_to_query(self, now: datetime, limit: int) -> Sequence[PaymentOrder]:
        rows = await self.s.scalars(
            select(PaymentOrderRow)
            .where(
                PaymentOrderRow.state == OrderState.CREATED.value,
                PaymentOrderRow.next_query_at <= now,
            )
            .order_by(PaymentOrderRow.next_query_at, PaymentOrderRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [_order(r) for r in rows]

    async def lease_query(self, order_id: int, expect: datetime, until: datetime) -> bool:
        return await self._changed(
            update(PaymentOrderRow)
            .where(
                PaymentOrderRow.id == order_id,
                PaymentOrderRow.state == OrderState.CREATED.value,
                PaymentOrderRow.next_query_at == expect,
            )
            .values(next_query_at=until)
        )

    async def reschedule_query(self, order_id: int, at: datetime | None) -> None:
        await self.s.execute(
            update(PaymentOrderRow)
            .where(
                PaymentOrderRow.id == order_id,
                PaymentOrderRow.state == OrderState.CREATED.value,
            )
            .values(next_query_at=at, query_count=PaymentOrderRow.query_count + 1)
            .execution_options(**_NO_SYNC)
        )

    # --- refunds -------------------------------------------------------------------------

    async def reserve_refund(self, order_id: int, amount_fen: int) -> bool:
        return await self._changed(
            update(PaymentOrderRow)
            .where(
                PaymentOrderRow.id == order_id,
                PaymentOrderRow.state == OrderState.PAID.value,
                PaymentOrderRow.refund_reserved_fen + amount_fen <= PaymentOrderRow.amount_fen,
            )
            .values(refund_reserved_fen=PaymentOrderRow.refund_reserved_fen + amount_fen)
        )

    async def release_refund(self, order_id: int, amount_fen: int) -> None:
        await self.s.execute(
            update(PaymentOrderRow)
            .where(PaymentOrderRow.id == order_id)
            .values(refund_reserved_fen=PaymentOrderRow.refund_reserved_fen - amount_fen)
            .execution_options(**_NO_SYNC)
        )

    async def add_order_refunded(self, order_id: int, amount_fen: int) -> None:
        await self.s.execute(
            update(PaymentOrderRow)
            .where(PaymentOrderRow.id == order_id)
            .values(refunded_fen=PaymentOrderRow.refunded_fen + amount_fen)
            .execution_options(**_NO_SYNC)
        )

    async def add_refund(self, new: NewRefund) -> Refund:
        row = RefundRow(**_refund_values(new))
        self.s.add(row)
        await self.s.flush()
        return _refund(row)

    async def add_refund_once(self, new: NewRefund) -> Refund | None:
        stmt = (
            self._insert(RefundRow)
            .values(**_refund_values(new))
            .on_conflict_do_nothing()
            .returning(RefundRow.id)
        )
        refund_id = (await self.s.execute(stmt)).scalar_one_or_none()
        if refund_id is None:
            return None
        row = await self.s.scalar(
            select(RefundRow)
            .where(RefundRow.id == refund_id)
            .execution_options(populate_existing=True)
        )
        return _refund(row) if row else None

    async def refund_by_key(self, bill_id: int, request_key: str) -> Refund | None:
        row = await self.s.scalar(
            select(RefundRow)
            .where(RefundRow.bill_id == bill_id, RefundRow.request_key == request_key)
            .execution_options(populate_existing=True)
        )
        return _refund(row) if row else None

    async def refunds_to_submit(self, limit: int) -> Sequence[Refund]:
        rows = await self.s.scalars(
            select(RefundRow)
            .where(
                RefundRow.status == RefundStatus.PROCESSING.value,
                RefundRow.submitted_at.is_(None),
            )
            .order_by(RefundRow.created_at, RefundRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [_refund(r) for r in rows]

    async def mark_refund_submitted(self, refund_id: int, at: datetime | None) -> bool:
        stmt = update(RefundRow).where(RefundRow.id == refund_id)
        if at is not None:
            stmt = stmt.where(RefundRow.submitted_at.is_(None))
        return await self._changed(stmt.values(submitted_at=at))

    async def count_refunds(self, order_id: int) -> int:
        value = await self.s.scalar(
            select(func.count()).select_from(RefundRow).where(RefundRow.order_id == order_id)
        )
        return int(value or 0)

    async def refund_by_out_refund_no(self, out_refund_no: str) -> Refund | None:
        row = await self.s.scalar(
            select(RefundRow)
            .where(RefundRow.out_refund_no == out_refund_no)
            .execution_options(populate_existing=True)
        )
        return _refund(row) if row else None

    async def refunds_for_bill(self, bill_id: int) -> Sequence[Refund]:
        rows = await self.s.scalars(
            select(RefundRow)
            .where(RefundRow.bill_id == bill_id)
            .order_by(RefundRow.id)
            .execution_options(populate_existing=True)
        )
        return [_refund(r) for r in rows]

    async def settle_refund(
        self,
        refund_id: int,
        from_: frozenset[RefundStatus],
        to: RefundStatus,
        now: datetime,
        wechat_refund_id: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": to.value, "settled_at": now}
        if wechat_refund_id:
            values["refund_id"] = wechat_refund_id
        return await self._changed(
            update(RefundRow)
            .where(RefundRow.id == refund_id, RefundRow.status.in_(sorted(s.value for s in from_)))
            .values(**values)
        )

    async def refunds_to_query(self, before: datetime, limit: int) -> Sequence[Refund]:
        rows = await self.s.scalars(
            select(RefundRow)
            .where(
                RefundRow.status == RefundStatus.PROCESSING.value,
                RefundRow.created_at <= before,
                RefundRow.submitted_at.is_not(None),
            )
            .order_by(RefundRow.created_at, RefundRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [_refund(r) for r in rows]


def _refund_values(new: NewRefund) -> dict[str, Any]:
    """A new refund's columns, as `add_refund` and `add_refund_once` store them."""
    return {
        "order_id": new.order_id,
        "bill_id": new.bill_id,
        "out_refund_no": new.out_refund_no,
        "amount_fen": new.amount_fen,
        "total_fen": new.total_fen,
        "reason": new.reason,
        "status": RefundStatus.PROCESSING.value,
        "requested_by": new.requested_by[:50],
        "request_key": new.request_key,
        "created_at": new.created_at,
        "submitted_at": new.submitted_at,
    }
