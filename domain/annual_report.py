"""工商年报: the annual report every company files with the market regulator between 1 January
and 30 June (for the year before). Each reminder step in `filing.json` ("annual_report") reminds
every client company of the firm not yet marked done, once a year per step, inside working hours;
staff mark a company done ("年报完成 青禾") and its reminders stop.

Both the steps taken and the mark are rows of the warnings table (rules `ANNUAL_STEP` and
`ANNUAL_DONE`, unique per company, rule and key), so a step is claimed by one insert: two workers
never remind twice, and a restart does not remind again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from importlib import resources
from typing import Any

from domain.actors import Actor
from domain.audit import entry
from domain.book_access import companies_served
from domain.book_warnings import KeptWarning
from domain.clock import local
from domain.errors import Forbidden, NotFound
from domain.filing import reminding_now
from domain.identity import ClientCompany
from domain.notices import AnnualReportReminder, Notice, NoticeKind
from domain.ports import UnitOfWork

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("filing.json").read_text(encoding="utf-8")
)["annual_report"]

ANNUAL_STEP = "annual_report"  # key "YYYY-sN": step N of year YYYY was reminded
ANNUAL_DONE = "annual_report_done"  # key "YYYY": the company's report for that window is filed
RULES = frozenset({ANNUAL_STEP, ANNUAL_DONE})


def _md(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


WINDOW: tuple[tuple[int, int], tuple[int, int]] = (
    _md(_DATA["window"][0]),
    _md(_DATA["window"][1]),
)
STEPS: tuple[tuple[int, int], ...] = tuple(sorted(_md(s) for s in _DATA["steps"]))


def window_end(year: int) -> date:
    return date(year, *WINDOW[1])


def step_on(day: date) -> int | None:
    """The latest reminder step reached on `day` (1-based), or None outside the window or
    before its first step."""
    if not date(day.year, *WINDOW[0]) <= day <= window_end(day.year):
        return None
    reached = [n for n, md in enumerate(STEPS, start=1) if date(day.year, *md) <= day]
    return reached[-1] if reached else None


def step_key(year: int, step: int) -> str:
    return f"{year}-s{step}"


async def remind(
    uow: UnitOfWork,
    firm_id: int,
    now: datetime,
    companies: Sequence[ClientCompany] | None = None,
) -> int:
    """Remind the contacts of every company of the firm (or of `companies`) whose 年报 is not
    marked done, for the step reached today (inside working hours only). Returns the notices
    queued."""
    if not reminding_now(now):
        return 0
    today = local(now).date()
    step = step_on(today)
    if step is None:
        return 0
    year, end = today.year, window_end(today.year)
    queued = 0
    if companies is None:
        companies = await uow.identities.list_companies(firm_id)
    for company in companies:
        if await uow.filing.has_warning(company.id, ANNUAL_DONE, str(year)):
            continue
        claim = KeptWarning(company.id, ANNUAL_STEP, step_key(year, step), {"step": step}, now)
        if not await uow.filing.add_warning(claim):
            continue  # this step went out already (another worker, an earlier run)
        facts = AnnualReportReminder(company.name, year, end, (end - today).days)
        for contact in await uow.identities.list_contacts(company.id):
            if contact.openid:
                key = f"{NoticeKind.ANNUAL_REPORT}:{company.id}:{year}:s{step}:c{contact.id}"
                await uow.outbox.add(
                    Notice(contact.openid, NoticeKind.ANNUAL_REPORT, facts, key), now
                )
                queued += 1
    return queued


async def mark_done(
    uow: UnitOfWork, actor: Actor, company_id: int, now: datetime
) -> tuple[ClientCompany, int, bool]:
    """Staff mark a company's 年报 for this year's window filed (only a company they serve).
    Returns the company, the year, and whether it was newly marked (False: marked before)."""
    if not actor.is_staff:
        raise Forbidden("annual_report_for_staff")
    served = await companies_served(uow, actor)
    company = next((c for c in served if c.id == company_id), None)
    if company is None:
        raise NotFound("company_not_served", id=company_id)
    year = local(now).year
    kept = KeptWarning(company.id, ANNUAL_DONE, str(year), {"by": actor.name}, now)
    newly = await uow.filing.add_warning(kept)
    if newly:
        await uow.audit.add(
            entry(actor, "annual_report_done", company.name, now, after={"year": year})
        )
    return company, year, newly
