"""A client's invoices for a month (`/admin/clients/{id}/invoices?period=YYYY-MM`): the list
with invoices sent again and failed checks flagged, each photo previewed through an authorised
route, and a field corrected by hand (the chat's rule, audited). An accountant sees only their
own clients; another client, another firm's invoice or an unknown one reads as not found."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from admin_web.client_work_words import CHECK_ZH, FIELD_ZH, check_zh
from admin_web.forms import as_id, as_text, change, read
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import panel_invoices
from domain.clock import local
from domain.invoice_uploads import SHOWN_FIELDS, shift_month
from domain.panel_invoices import shown_value

_PERIOD = re.compile(r"20\d\d-(0[1-9]|1[0-2])")
# What a browser may be told an invoice photo is, by its first bytes; anything else is a file.
_IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    b"BM": "image/bmp",
}
VALUE_CHARS = 120


def _ids(request: web.Request) -> tuple[int, int | None]:
    company_id = as_id(request.match_info["id"])
    if company_id is None:
        raise web.HTTPNotFound(text="没有找到这家客户。")
    raw = request.match_info.get("invoice")
    if raw is None:
        return company_id, None
    invoice_id = as_id(raw)
    if invoice_id is None:
        raise web.HTTPNotFound(text="没有找到这张发票。")
    return company_id, invoice_id


def _period(request: web.Request, raw: object) -> str:
    if isinstance(raw, str) and _PERIOD.fullmatch(raw):
        return raw
    return local(request.app[PORTS].clock.now()).strftime("%Y-%m")


def _url(company_id: int, period: str) -> str:
    return f"{PREFIX}/clients/{company_id}/invoices?period={period}"


async def _page(
    request: web.Request, company_id: int, period: str, *, status: int = 200, **extra: Any
) -> web.Response:
    user = request[USER]
    month = await read(
        request, lambda uow: panel_invoices.invoice_month(uow, user.actor, company_id, period)
    )
    rows = [
        {
            "r": r,
            "values": {f: shown_value(r, f) for f in SHOWN_FIELDS},
            "failed": [check_zh(c) for c in r.failed_checks],
            "unsure": [FIELD_ZH.get(f, f) for f in r.unsure_fields()],
            "sent_again": month.duplicates.get(r.id or 0, 0),
        }
        for r in month.records
    ]
    context = {
        "m": month,
        "rows": rows,
        "fields": [(f, FIELD_ZH[f]) for f in SHOWN_FIELDS],
        "check_names": CHECK_ZH,
        "prev": shift_month(period, -1),
        "next": shift_month(period, 1),
        "error": "",
        "notice": "",
        **extra,
    }
    return render("invoices.html", request, context, status=status)


async def invoice_list(request: web.Request) -> web.StreamResponse:
    company_id, _ = _ids(request)
    period = _period(request, request.query.get("period"))
    saved = request.query.get("saved")
    notice = f"已更正{FIELD_ZH[saved]}。" if isinstance(saved, str) and saved in FIELD_ZH else ""
    return await _page(request, company_id, period, notice=notice)


async def invoice_image(request: web.Request) -> web.StreamResponse:
    """The photo of an invoice of a client the viewer may see, from the blob store."""
    user = request[USER]
    company_id, invoice_id = _ids(request)
    assert invoice_id is not None
    record = await read(
        request,
        lambda uow: panel_invoices.client_invoice(uow, user.actor, company_id, invoice_id),
    )
    store = request.app[PORTS].invoice_images
    sha = record.invoice.image_sha256
    try:
        data = await asyncio.to_thread(store.get, sha) if store is not None else None
    except (OSError, ValueError):
        data = None
    if not data:
        raise web.HTTPNotFound(text="这张发票的图片没有保存。")
    kind = next((t for magic, t in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    headers = {"Cache-Control": "private, max-age=300"}
    if kind is None:
        # Not an image a browser should draw: a download, never rendered as a page.
        headers["Content-Disposition"] = f'attachment; filename="invoice-{invoice_id}"'
        kind = "application/octet-stream"
    return web.Response(body=data, content_type=kind, headers=headers)


async def correct(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    company_id, invoice_id = _ids(request)
    assert invoice_id is not None
    form = await request.post()
    field_name = as_text(form.get("field"), 40)
    value = as_text(form.get("value"), VALUE_CHARS)
    period = _period(request, form.get("period"))
    now = request.app[PORTS].clock.now()
    done = await change(
        request,
        lambda uow: panel_invoices.correct_field(
            uow, user.actor, company_id, invoice_id, field_name, value, now
        ),
    )
    if done.ok:
        raise web.HTTPSeeOther(f"{_url(company_id, done.value.period)}&saved={field_name}")
    if done.status == 404:
        raise web.HTTPNotFound(text=done.error)
    return await _page(request, company_id, period, status=done.status, error=done.error)
