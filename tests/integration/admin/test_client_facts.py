"""The facts a client's lifecycle stage is computed from, read from the database as the rules'
windows say (the company's own rows only), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from domain.client_stages import StageRules
from storage.engine import create_engine, session_factory
from storage.tables.billing import BillRow, ContractRow
from storage.tables.requests import ComplaintRow, RatingRow, RequestRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)


async def test_facts_count_the_companys_own_rows_in_the_rules_windows(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.add_firm("示范", "wx1")
        mine = await uow.identities.add_company(firm.id, "青禾")
        other = await uow.identities.add_company(firm.id, "云帆")
        s = uow.session
        for company, starts, ends in ((mine.id, date(2025, 3, 1), date(2026, 12, 20)),
                                      (mine.id, date(2024, 1, 1), date(2025, 2, 28)),
                                      (other.id, date(2020, 1, 1), None)):  # fmt: skip
            await s.execute(
                insert(ContractRow).values(
                    firm_id=firm.id, company_id=company, monthly_fee_fen=30_000, cycle="monthly",
                    starts_on=starts, ends_on=ends, active=ends is None or ends > TODAY,
                    created_at=NOW, updated_at=NOW)
            )  # fmt: skip
        for i, (company, due, status) in enumerate(
            [(mine.id, TODAY - timedelta(days=45), "unpaid"),
             (mine.id, TODAY - timedelta(days=31), "unpaid"),
             (mine.id, TODAY - timedelta(days=10), "unpaid"),  # not yet 30 days late
             (mine.id, TODAY - timedelta(days=90), "paid"),
             (other.id, TODAY - timedelta(days=90), "unpaid")]
        ):  # fmt: skip
            await s.execute(
                insert(BillRow).values(
                    firm_id=firm.id, number=f"B{i}", company_id=company, kind="one_off",
                    title="代账费", amount_fen=100, due_on=due, source_ref=f"t:{i}", status=status,
                    attempts=0, refunded_fen=0, created_at=NOW, updated_at=NOW)
            )  # fmt: skip
        ids = []
        for i, (company, days) in enumerate(
            [(mine.id, 10), (mine.id, 100), (mine.id, 120), (mine.id, 150), (mine.id, 200),
             (other.id, 10)]
        ):  # fmt: skip
            ids.append(
                (
                    await s.execute(
                        insert(RequestRow)
                        .values(
                            firm_id=firm.id,
                            number=f"R{i}",
                            company_id=company,
                            client_openid="o",
                            type="营业执照",
                            description="",
                            urgency="normal",
                            photos={"media_ids": []},
                            status="rated",
                            created_at=NOW - timedelta(days=days),
                            updated_at=NOW - timedelta(days=days),
                        )
                        .returning(RequestRow.id)
                    )
                ).scalar_one()
            )
        for rid, company, days, stars in ((ids[0], mine.id, 5, (2, 3)),
                                          (ids[1], mine.id, 90, (4, 4)),
                                          (ids[4], mine.id, 190, (1, 1)),  # outside 180 days
                                          (ids[5], other.id, 5, (5, 5))):  # fmt: skip
            await s.execute(
                insert(RatingRow).values(
                    request_id=rid, firm_id=firm.id, company_id=company, attitude=stars[0],
                    speed=stars[1], comment="", created_at=NOW - timedelta(days=days),
                    updated_at=NOW - timedelta(days=days))
            )  # fmt: skip
        for i, (company, days, status) in enumerate(
            [(mine.id, 200, "open"), (mine.id, 30, "resolved"), (other.id, 5, "open")]
        ):
            await s.execute(
                insert(ComplaintRow).values(
                    firm_id=firm.id, number=f"C{i}", company_id=company, client_openid="o",
                    client_name="陈", description="", photos={"media_ids": []}, source="client",
                    status=status, resolution="", resolved_by="",
                    created_at=NOW - timedelta(days=days))
            )  # fmt: skip
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        facts = await uow.panel_reads.client_facts(mine.id, StageRules(), NOW, TODAY)
        assert facts.first_contract_on == date(2024, 1, 1)
        assert (facts.overdue_bills, facts.oldest_overdue_on) == (2, TODAY - timedelta(days=45))
        assert (facts.requests_recent, facts.requests_before) == (1, 3)
        assert facts.ratings == 2 and facts.rating_average == 3.25
        assert (facts.complaints_recent, facts.complaints_open) == (1, 1)
        assert facts.contract_ends_on == date(2026, 12, 20) and facts.has_contract
        theirs = await uow.panel_reads.client_facts(other.id, StageRules(), NOW, TODAY)
        assert theirs.contract_ends_on is None and theirs.overdue_bills == 1
        assert theirs.rating_average == 5.0
    await engine.dispose()
