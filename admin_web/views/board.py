"""The work board (`/admin/`), one request's whole timeline, and assigning by hand.

An accountant sees only their own work and their clients' requests; a request outside that
answers 404 exactly like one that does not exist. Assigning goes through
`domain.dispatch.assign`, the service the chat's "分配 R1001 给 王会计" uses: the same checks,
the same timeline entry, the same notices to the staff member and the client, which the
outbox sender is woken to deliver.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from admin_web.actor import PanelUser
from admin_web.board_query import BoardQuery
from admin_web.guard import USER, is_htmx
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.sla_words import sla_title
from admin_web.templating import render
from admin_web.wording import describe, status_of
from domain import admin_changes
from domain.board import COLUMNS, column_of
from domain.errors import DomainError
from domain.identity import Staff
from domain.requests import UNCLAIMED, ServiceRequest, Status, Urgency
from domain.sla import sla_of
from storage.uow import SqlUnitOfWork

BOARD = PREFIX + "/"
MAX_CLIENT_CHOICES = 100


async def _choices(uow: SqlUnitOfWork, user: PanelUser, chosen: int | None) -> dict[str, Any]:
    """What the filter form offers: an accountant picks among their own clients only. A firm
    with thousands of clients is offered the first hundred by name (the chosen one
    always); any other is one click away from its page on the client list."""
    staff: Sequence[Staff] = ()
    mine = None if user.is_admin else user.staff.id
    companies = list(
        await uow.panel_reads.company_choices(user.firm.id, mine, MAX_CLIENT_CHOICES, chosen)
    )
    if user.is_admin:
        staff = await uow.identities.list_staff(user.firm.id)
    # Every type the catalogue has had an item for (inactive ones too: old requests carry them).
    items = await uow.catalogue.list_items(user.firm.id, active_only=False)
    return {
        "staff_choices": staff,
        "client_choices": companies,
        "more_clients": len(companies) >= MAX_CLIENT_CHOICES,
        "type_choices": tuple(dict.fromkeys(i.request_type for i in items)),
        "urgency_choices": list(Urgency),
    }


async def board(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    config, ports = request.app[CONFIG], request.app[PORTS]
    query = BoardQuery.parse(request.query, may_pick_accountant=user.is_admin)
    wanted = query.to_filter()
    now = ports.clock.now()
    async with SqlUnitOfWork(ports.sessions()) as uow:
        columns = []
        page = None
        if query.status is not None:
            counts = await uow.board.counts(user.viewer, wanted, now)
            page = await uow.board.page(
                user.viewer,
                wanted,
                query.status,
                now,
                query.page,
                config.per_page,
                counts[query.status],
            )
        else:
            # Counts and every column's first rows in one round trip.
            counts, firsts = await uow.board.overview(user.viewer, wanted, now, config.per_column)
            columns = [(column, firsts[column]) for column in COLUMNS]
        choices = await _choices(uow, user, query.client)
    context = {
        "query": query,
        "counts": counts,
        "columns": columns,
        "page": page,
        "now": now,
        "column_of": column_of,
        "sla_of": lambda r: sla_of(r, now, config.dispatch),
        "sla_title": sla_title,
        "all_columns": list(COLUMNS),
        "base": BOARD,
        **choices,
    }
    # htmx asks for the board alone when a filter changes; the whole page otherwise.
    partial = is_htmx(request) and request.headers.get("HX-Target") == "board"
    response = render("_board.html" if partial else "board.html", request, context)
    if partial:
        # The address bar shows the filters as the server reads them, not the form's blanks.
        response.headers["HX-Push-Url"] = query.url(BOARD, page=query.page)
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


async def _request_context(
    uow: SqlUnitOfWork, user: PanelUser, number: str, now: datetime
) -> dict[str, Any]:
    req = await uow.board.request(user.viewer, number)
    if req is None:
        raise web.HTTPNotFound(text="没有找到这项业务。")
    events = await uow.board.timeline(req.id)
    assignees: Sequence[Staff] = ()
    if user.is_admin:
        assignees = await uow.identities.list_staff(user.firm.id, active_only=True)
    company = await uow.identities.get_company(req.company_id)
    contact = await uow.identities.get_contact(req.contact_id) if req.contact_id else None
    return {
        "req": req,
        "events": events,
        "assignees": assignees,
        "company": company,
        "contact": contact,
        "column": column_of(req, now),
        "may_assign": user.is_admin and _assignable(req),
        "notice": "",
        "error": "",
    }


def _assignable(req: ServiceRequest) -> bool:
    """What `dispatch.assign` may move: unclaimed, escalated, or claimed without progress."""
    return req.status in UNCLAIMED or req.status in (Status.CLAIMED, Status.ASSIGNED)


async def request_page(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    ports = request.app[PORTS]
    async with SqlUnitOfWork(ports.sessions()) as uow:
        context = await _request_context(uow, user, request.match_info["number"], ports.clock.now())
    return render("request.html", request, context)


async def assign(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    config, ports = request.app[CONFIG], request.app[PORTS]
    number = request.match_info["number"]
    form = await request.post()
    raw = form.get("staff")
    staff_id = int(raw) if isinstance(raw, str) and raw.isdecimal() and len(raw) < 10 else None
    now = ports.clock.now()
    notice = error = ""
    status = 200
    async with SqlUnitOfWork(ports.sessions()) as uow:
        if await uow.board.request(user.viewer, number) is None:
            raise web.HTTPNotFound(text="没有找到这项业务。")
        assignee = await uow.identities.get_staff(staff_id) if staff_id else None
        try:
            done = await admin_changes.assign(
                uow, user.actor, number, assignee, now, config.dispatch
            )
        except DomainError as exc:
            await uow.rollback()
            error, status = describe(exc), status_of(exc)
        else:
            await uow.commit()
            notice = f"已分配给{done.handler_name or (assignee.name if assignee else '')}，已通知本人和客户。"
    if not error:
        ports.queued_notices()
        if not is_htmx(request):
            raise web.HTTPSeeOther(f"{PREFIX}/requests/{number}")
    async with SqlUnitOfWork(ports.sessions()) as uow:
        context = await _request_context(uow, user, number, ports.clock.now())
    context.update(notice=notice, error=error)
    if is_htmx(request):
        # htmx swaps only 2xx answers: the refusal is shown in the panel it replaces.
        return render("_request_main.html", request, context)
    return render("request.html", request, context, status=status)
