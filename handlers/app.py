"""The conversation, assembled: every handler module's router, included in an explicit order.
Earlier routers win when two claim the same intent."""

from __future__ import annotations

from collections.abc import Iterable

from handlers import accountant, basics, binding, complaints, invoices, ratings, requests, staff
from handlers.router import RootRouter, Router, assemble


def handler_routers() -> list[Router]:
    return [
        binding.router,
        # Typed staff commands ("进度 R1024 …") before the client's number lookups.
        staff.router,
        # Invoice photos, corrections ("更正 …") and monthly lists ("本月发票").
        invoices.router,
        requests.router,
        ratings.router,
        complaints.router,
        accountant.router,
        basics.router,
    ]


def build_root(extra: Iterable[Router] = ()) -> RootRouter:
    """`extra` routers go first (tests and plug-ins can override a route)."""
    return assemble([*extra, *handler_routers()], cancel=basics.cancel, fallback=basics.fallback)
