"""Client companies: the list (filters by tags, name and accountant, in the URL), one
company's page (contacts and their WeChat binding, accountant, tags, requests), and the
firm's tags (define, put on several companies at once, take off one). Reading and changing go
through `domain.client_admin`, which decides who sees what."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import segno
from aiohttp import web
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from admin_web import client_sheets
from admin_web.client_sheets import MAX_SHEET_BYTES
from admin_web.exports import FORMATS, Cell, download
from admin_web.forms import Outcome, as_id, as_text, change, ids, page_of, read
from admin_web.guard import USER
from admin_web.import_words import sheet_problem
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import client_admin, client_import
from domain.client_stages import BOUNDS, RULE_NAMES
from domain.client_tags import MAX_FILTER_TAGS, MAX_SEARCH, MAX_TAG, ClientFilter
from domain.clock import local

CLIENTS = PREFIX + "/clients"
EXPORT_LIMIT = 50_000
CLIENT_HEADERS = ("客户名称", "专属会计", "标签", "联系人数", "办理中业务")


def _filter(request: web.Request) -> ClientFilter:
    return _filter_of(request.query)


def _filter_of(q: Any) -> ClientFilter:
    return ClientFilter(
        tag_ids=tuple(ids(q, "tag", MAX_FILTER_TAGS)),
        search=as_text(q.get("q"), MAX_SEARCH),
        accountant_id=as_id(q.get("accountant")),
        page=page_of(q),
    )


def _url(wanted: ClientFilter, page: int) -> str:
    params: list[tuple[str, str]] = [("tag", str(t)) for t in wanted.tag_ids]
    if wanted.search:
        params.append(("q", wanted.search))
    if wanted.accountant_id:
        params.append(("accountant", str(wanted.accountant_id)))
    if page > 1:
        params.append(("page", str(page)))
    return f"{CLIENTS}?{urlencode(params)}" if params else CLIENTS


async def _list_context(request: web.Request, **extra: Any) -> dict[str, Any]:
    user = request[USER]
    wanted = _filter(request)
    per_page = request.app[CONFIG].per_page

    async def load(uow: Any) -> dict[str, Any]:
        found = await client_admin.find_clients(uow, user.actor, wanted, per_page)
        tags = await client_admin.firm_tags(uow, user.actor)
        staff = await uow.identities.list_staff(user.firm.id) if user.is_admin else ()
        saved = await client_admin.saved_filters(uow, user.actor)
        return {
            "found": found,
            "tags": tags,
            "staff_choices": staff,
            "saved_filters": [(f.name, _url(f.as_filter(), 1)) for f in saved],
        }

    context = await read(request, load)
    return {
        **context,
        "wanted": wanted,
        "prev_url": _url(wanted, wanted.page - 1),
        "next_url": _url(wanted, wanted.page + 1),
        "here": request.path_qs,
        "imported": as_id(request.query.get("imported")) or 0,
        "csv_url": _export_url(wanted, "csv"),
        "xlsx_url": _export_url(wanted, "xlsx"),
        "max_tag": MAX_TAG,
        "notice": "",
        "error": "",
        **extra,
    }


async def client_list(request: web.Request) -> web.StreamResponse:
    return render("clients.html", request, await _list_context(request))


def _export_url(wanted: ClientFilter, fmt: str) -> str:
    listed = _url(wanted, 1)
    query = listed[len(CLIENTS) :]
    return f"{CLIENTS}/export.{fmt}{query}"


async def export_clients(request: web.Request) -> web.StreamResponse:
    """The list as filtered, every page (an accountant's: their own clients only, as
    `client_admin.find_clients` decides)."""
    user = request[USER]
    fmt = request.match_info["fmt"]
    if fmt not in FORMATS:
        raise web.HTTPNotFound()
    wanted = replace(_filter(request), page=1)
    found = await read(
        request, lambda uow: client_admin.find_clients(uow, user.actor, wanted, EXPORT_LIMIT)
    )
    rows: list[list[Cell]] = [
        [c.name, c.accountant or "", "、".join(c.tags), c.contacts, c.open_requests]
        for c in found.items
    ]
    today = local(request.app[PORTS].clock.now()).date()
    return download(fmt, f"客户_{today.isoformat()}", CLIENT_HEADERS, rows)


def _back(form: Any) -> str:
    """Back to the list the form was sent from (only ever a page of the list)."""
    back = form.get("back")
    if isinstance(back, str) and back.startswith(CLIENTS) and "//" not in back and len(back) < 500:
        return back
    return CLIENTS


async def define_tag(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    form = await request.post()
    name, group = as_text(form.get("name"), 64), as_text(form.get("group"), 64)
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: client_admin.define_tag(uow, user.actor, name, group, now)
    )
    if done.ok:
        raise web.HTTPSeeOther(_back(form))
    return render(
        "clients.html", request, await _list_context(request, error=done.error), status=done.status
    )


async def tag_clients(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    form = await request.post()
    tag_id = as_id(form.get("tag")) or 0
    chosen = ids(form, "company")
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: client_admin.tag_clients(uow, user.actor, chosen, tag_id, now)
    )
    if done.ok:
        raise web.HTTPSeeOther(_back(form))
    return render(
        "clients.html", request, await _list_context(request, error=done.error), status=done.status
    )


def _company_id(request: web.Request) -> int:
    company_id = as_id(request.match_info["id"])
    if company_id is None:
        raise web.HTTPNotFound(text="没有找到这家客户。")
    return company_id


async def _detail_context(request: web.Request, company_id: int) -> dict[str, Any]:
    user = request[USER]

    now = request.app[PORTS].clock.now()

    async def load(uow: Any) -> dict[str, Any]:
        detail = await client_admin.client_detail(uow, user.actor, company_id)
        tags = await client_admin.firm_tags(uow, user.actor) if user.is_admin else ()
        choices = await client_admin.accountant_choices(uow, user.actor) if user.is_admin else ()
        stage = await client_admin.client_stage(uow, user.actor, company_id, now)
        return {"d": detail, "tags": tags, "stage": stage, "accountants": choices}

    return {**await read(request, load), "error": "", "notice": ""}


async def client_page(request: web.Request) -> web.StreamResponse:
    context = await _detail_context(request, _company_id(request))
    return render("client.html", request, context)


async def untag_client(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    company_id = _company_id(request)
    form = await request.post()
    tag_id = as_id(form.get("tag")) or 0
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: client_admin.untag_client(uow, user.actor, company_id, tag_id, now)
    )
    if done.ok:
        raise web.HTTPSeeOther(f"{CLIENTS}/{company_id}")
    context = await _detail_context(request, company_id)
    return render("client.html", request, {**context, "error": done.error}, status=done.status)


async def tag_one_client(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    company_id = _company_id(request)
    form = await request.post()
    tag_id = as_id(form.get("tag")) or 0
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: client_admin.tag_clients(uow, user.actor, [company_id], tag_id, now)
    )
    if done.ok:
        raise web.HTTPSeeOther(f"{CLIENTS}/{company_id}")
    context = await _detail_context(request, company_id)
    return render("client.html", request, {**context, "error": done.error}, status=done.status)


async def change_accountant(request: web.Request) -> web.StreamResponse:
    """An admin gives the company another dedicated accountant; the contacts and the new
    accountant are told through the outbox."""
    user = request[USER]
    company_id = _company_id(request)
    form = await request.post()
    staff_id = as_id(form.get("staff")) or 0
    now = request.app[PORTS].clock.now()
    done = await change(
        request,
        lambda uow: client_admin.change_accountant(uow, user.actor, company_id, staff_id, now),
    )
    context = await _detail_context(request, company_id)
    if not done.ok:
        return render("client.html", request, {**context, "error": done.error}, status=done.status)
    result: client_admin.AccountantChange = done.value
    told = f"，已通知 {result.told} 位联系人" if result.told else "（暂无可通知的联系人）"
    notice = f"专属会计已更换为{result.accountant.name}{told}。"
    return render("client.html", request, {**context, "notice": notice})


STAGES = CLIENTS + "/stages"


async def _rules_context(request: web.Request, **extra: Any) -> dict[str, Any]:
    user = request[USER]
    rules = await read(request, lambda uow: client_admin.stage_rules(uow, user.actor))
    return {"rules": rules, "bounds": BOUNDS, "names": RULE_NAMES, "error": "", "notice": "",
            **extra}  # fmt: skip


async def stage_rules_page(request: web.Request) -> web.StreamResponse:
    saved = request.query.get("saved") == "1"
    notice = "已保存，客户阶段按新规则计算。" if saved else ""
    return render("stage_rules.html", request, await _rules_context(request, notice=notice))


async def save_stage_rules(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    form = await request.post()
    values = {name: as_text(form.get(name), 8) for name in RULE_NAMES}
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: client_admin.save_stage_rules(uow, user.actor, values, now)
    )
    if done.ok:
        raise web.HTTPSeeOther(f"{STAGES}?saved=1")
    context = await _rules_context(request, error=done.error, typed=values)
    return render("stage_rules.html", request, context, status=done.status)


async def save_filter(request: web.Request) -> web.StreamResponse:
    """Name the filter the list shows (its values come back as hidden fields)."""
    user = request[USER]
    form = await request.post()
    wanted = _filter_of(form)
    name = as_text(form.get("name"), 64)
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: client_admin.save_filter(uow, user.actor, name, wanted, now)
    )
    if done.ok:
        raise web.HTTPSeeOther(_url(wanted, 1))
    return render(
        "clients.html", request, await _list_context(request, error=done.error), status=done.status
    )


async def delete_filter(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    form = await request.post()
    name = as_text(form.get("name"), 64)
    now = request.app[PORTS].clock.now()
    done = await change(request, lambda uow: client_admin.delete_filter(uow, user.actor, name, now))
    if done.ok:
        raise web.HTTPSeeOther(CLIENTS)
    return render(
        "clients.html", request, await _list_context(request, error=done.error), status=done.status
    )


def binding_qr(code: str) -> Markup:
    """The code as a QR image (inline SVG, no script): scanned in WeChat it shows the very
    message the client sends the Official Account to bind ("绑定 123456")."""
    svg = segno.make(f"绑定 {code}", error="m").svg_inline(scale=5, title="扫码查看绑定口令")
    return Markup(svg)  # segno's own markup of a code of six digits


async def invite_contact(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    company_id = _company_id(request)
    contact_id = as_id(request.match_info["contact"])
    if contact_id is None:
        raise web.HTTPNotFound(text="没有找到这位联系人。")
    now = request.app[PORTS].clock.now()
    done = await change(
        request,
        lambda uow: client_admin.invite_contact(uow, user.actor, company_id, contact_id, now),
    )
    context = await _detail_context(request, company_id)
    if not done.ok:
        return render("client.html", request, {**context, "error": done.error}, status=done.status)
    invite = done.value
    contact = next((c for c in context["d"].contacts if c.id == contact_id), None)
    # Shown once, on this answer only (never in a URL, never in the audit log).
    response = render(
        "client.html",
        request,
        {**context, "invite": invite, "invite_contact": contact, "qr": binding_qr(invite.code)},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


IMPORT = CLIENTS + "/import"
MAX_IMPORT_BODY = MAX_SHEET_BYTES + 64 * 1024
MAX_ROWS_FIELD = 1024 * 1024  # the preview's rows sent back to commit, as JSON


async def import_page(request: web.Request) -> web.StreamResponse:
    return render("clients_import.html", request, {"error": "", "check": None, "payload": ""})


def _preview(check: client_admin.ImportCheck) -> dict[str, Any]:
    payload = json.dumps([r.as_dict() for r in check.rows], ensure_ascii=False)
    return {"check": check, "payload": payload, "error": ""}


async def preview_import(request: web.Request) -> web.StreamResponse:
    """Read the uploaded sheet and show every row with its problems; nothing is written."""
    user = request[USER]
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return render(
            "clients_import.html",
            request,
            {"error": "请选择要导入的文件。", "check": None, "payload": ""},
            status=422,
        )
    try:
        grid = client_sheets.read_grid(upload.file.read(MAX_SHEET_BYTES + 1), upload.filename)
    except client_sheets.SheetRefused as refused:
        return render(
            "clients_import.html",
            request,
            {"error": sheet_problem(refused.reason), "check": None, "payload": ""},
            status=422,
        )
    sheet = client_import.read_grid(grid)
    if sheet.problem is not None:
        error = sheet_problem(sheet.problem.code, sheet.problem.facts)
        context = {"error": error, "check": None, "payload": ""}
        return render("clients_import.html", request, context, status=422)
    check = await read(request, lambda uow: client_admin.check_import(uow, user.actor, sheet.rows))
    return render("clients_import.html", request, _preview(check))


async def commit_import(request: web.Request) -> web.StreamResponse:
    """Import the rows the preview showed, checked again in full: all of them, or none."""
    user = request[USER]
    form = await request.post()
    raw = form.get("rows")
    rows: list[client_import.ImportRow] = []
    try:
        items = json.loads(raw) if isinstance(raw, str) and len(raw) <= MAX_ROWS_FIELD else None
    except (ValueError, RecursionError):  # not JSON, or nested deep enough to exhaust the stack
        items = None
    if isinstance(items, list) and 0 < len(items) <= client_import.MAX_IMPORT_ROWS:
        rows = [r for r in map(client_import.row_from, items) if r is not None]
    if not rows or len(rows) != len(items or ()):
        context = {"error": "导入内容无效，请重新上传文件预览。", "check": None, "payload": ""}
        return render("clients_import.html", request, context, status=422)
    now = request.app[PORTS].clock.now()
    try:
        done = await change(
            request, lambda uow: client_admin.import_clients(uow, user.actor, rows, now)
        )
    except IntegrityError:
        # A client of the same name was added meanwhile: nothing was written.
        done = Outcome(error="有客户名称刚被占用，没有导入任何客户，请重新预览。", status=409)
    if done.ok:
        raise web.HTTPSeeOther(f"{CLIENTS}?imported={done.value}")
    check = await read(request, lambda uow: client_admin.check_import(uow, user.actor, rows))
    context = {**_preview(check), "error": done.error}
    return render("clients_import.html", request, context, status=done.status)
