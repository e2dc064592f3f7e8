"""The conversation, assembled: every handler module's router, included in an explicit order.
Earlier routers win when two claim the same intent."""

from __future__ import annotations

from collections.abc import Iterable

from handlers import (
    accountant,
    annual_report,
    basics,
    binding,
    books,
    catalogue,
    complaints,
    documents,
    fee_invoices,
    fees,
    invoices,
    newcomers,
    ratings,
    refunds,
    request_form,
    requests,
    staff,
    staff_bills,
)
from handlers.router import RootRouter, Router, assemble


def handler_routers() -> list[Router]:
    return [
        binding.router,
        # Typed staff commands ("进度 R1024 …") before the client's number lookups.
        staff.router,
        # Invoice photos, corrections ("更正 …") and monthly lists ("本月发票").
        invoices.router,
        requests.router,
        # Raising a request: the form, and a client's English that names a business.
        request_form.router,
        # The rating a completion asked for, before anything else reads the client's words.
        ratings.router,
        # The books, the filing checklist ("工资表确认了") and the staff's filing commands.
        books.router,
        # 工商年报 marked done by staff ("年报完成 青禾").
        annual_report.router,
        # Papers for the accountant ("身份证发你们" then photos).
        documents.router,
        complaints.router,
        accountant.router,
        # Money: bills and paying, the service catalogue (strangers' browsing stays with
        # newcomers, who are offered a call back).
        fees.router,
        staff_bills.router,
        refunds.router,
        fee_invoices.router,
        catalogue.router,
        newcomers.router,
        basics.router,
    ]


def build_root(extra: Iterable[Router] = ()) -> RootRouter:
    """`extra` routers go first (tests and plug-ins can override a route)."""
    return assemble([*extra, *handler_routers()], cancel=basics.cancel, fallback=basics.fallback)
