"""What a client's lifecycle stage is computed from (`domain.client_stages`), read for one
company: each figure a small indexed read of its own contracts, bills, requests, ratings and
complaints."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing import BillStatus
from domain.client_stages import ClientFacts, StageRules
from domain.complaints import OPEN
from storage.tables.billing import BillRow, ContractRow
from storage.tables.requests import ComplaintRow, RatingRow, RequestRow


async def read_client_facts(
    s: AsyncSession, company_id: int, rules: StageRules, now: datetime, today: date
) -> ClientFacts:
    first_on, open_ended, latest_end, contracts = (
        await s.execute(
            select(
                func.min(ContractRow.starts_on),
                func.count().filter(ContractRow.active, ContractRow.ends_on.is_(None)),
                func.max(ContractRow.ends_on),
                func.count(),
            ).where(ContractRow.company_id == company_id)
        )
    ).one()
    overdue, oldest = (
        await s.execute(
            select(func.count(), func.min(BillRow.due_on)).where(
                BillRow.company_id == company_id,
                BillRow.status == BillStatus.UNPAID.value,
                BillRow.due_on <= today - timedelta(days=rules.overdue_days),
            )
        )
    ).one()
    window = timedelta(days=rules.activity_days)
    recent, before = (
        await s.execute(
            select(
                func.count(case((RequestRow.created_at >= now - window, 1))),
                func.count(case((RequestRow.created_at < now - window, 1))),
            ).where(RequestRow.company_id == company_id, RequestRow.created_at >= now - 2 * window)
        )
    ).one()
    ratings, average = (
        await s.execute(
            select(
                func.count(),
                func.avg(cast(RatingRow.attitude + RatingRow.speed, Float) / 2),
            ).where(
                RatingRow.company_id == company_id,
                RatingRow.created_at >= now - timedelta(days=rules.rating_days),
            )
        )
    ).one()
    complaints_recent, complaints_open = (
        await s.execute(
            select(
                func.count(
                    case(
                        (
                            ComplaintRow.created_at >= now - timedelta(days=rules.complaint_days),
                            1,
                        )
                    )
                ),
                func.count(case((ComplaintRow.status == OPEN, 1))),
            ).where(ComplaintRow.company_id == company_id)
        )
    ).one()
    return ClientFacts(
        first_contract_on=first_on,
        overdue_bills=int(overdue or 0),
        oldest_overdue_on=oldest,
        requests_recent=int(recent or 0),
        requests_before=int(before or 0),
        ratings=int(ratings or 0),
        rating_average=float(average) if average is not None else None,
        complaints_recent=int(complaints_recent or 0),
        complaints_open=int(complaints_open or 0),
        # An open-ended active contract never ends; no contract at all is no contract.
        contract_ends_on=None if open_ended or not contracts else latest_end,
        has_contract=bool(contracts),
    )
