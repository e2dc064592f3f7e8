"""The firm's filing checklist templates (`/admin/checklists/{small|general}`, admins only):
one per taxpayer kind, its items in order (the client's or the accountant's, a name, a deadline
counted back from the month's filing deadline). Rows are reordered by their order numbers,
removed by ticking 删除 or clearing the name, added in the blank rows. A save is checked
(`domain.checklist_templates.problems`) and kept as the next version; the months opened from
then on use it, the months already open keep theirs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from admin_web.client_work_words import KIND_ZH, PARTY_ZH, problems_zh
from admin_web.forms import as_id, as_text, change, read
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import checklist_templates
from domain.checklist_templates import LABEL_CHARS, MAX_ITEMS, Problem
from domain.filing import ItemTemplate, Party, TaxpayerKind, template_for

BLANK_ROWS = 3
CHECKLISTS = PREFIX + "/checklists"


def _kind(request: web.Request) -> TaxpayerKind:
    raw = request.match_info.get("taxkind", TaxpayerKind.SMALL.value)
    try:
        return TaxpayerKind(raw)
    except ValueError:
        raise web.HTTPNotFound(text="没有这种纳税人类型。") from None


def _rows(items: tuple[ItemTemplate, ...] | list[ItemTemplate]) -> list[dict[str, Any]]:
    rows = [
        {
            "key": t.key,
            "party": t.party.value,
            "label": t.label,
            "days": str(t.days_before),
            "files": t.files,
            "books": t.books,
            "order": str(i),
        }
        for i, t in enumerate(items, 1)
    ]
    rows += [
        {
            "key": "",
            "party": "client",
            "label": "",
            "days": "",
            "files": False,
            "books": False,
            "order": "",
        }
        for _ in range(BLANK_ROWS)
    ]
    return rows


async def _page(
    request: web.Request,
    kind: TaxpayerKind,
    rows: list[dict[str, Any]] | None = None,
    *,
    status: int = 200,
    version: int | None = None,
    **extra: Any,
) -> web.Response:
    user = request[USER]
    shown = await read(
        request,
        lambda uow: checklist_templates.template_in_force(uow, user.actor, kind, version),
    )
    context = {
        "kind": kind,
        "kinds": list(KIND_ZH.items()),
        "kind_zh": KIND_ZH[kind],
        "parties": list(PARTY_ZH.items()),
        "t": shown,
        "rows": rows if rows is not None else _rows(shown.items),
        "label_chars": LABEL_CHARS,
        "max_items": MAX_ITEMS,
        "problems": [],
        "error": "",
        "notice": "",
        **extra,
    }
    return render("checklists.html", request, context, status=status)


async def checklist_template(request: web.Request) -> web.StreamResponse:
    kind = _kind(request)
    version = as_id(request.query.get("version"))
    saved = as_id(request.query.get("saved"))
    notice = f"已保存（第 {saved} 版），之后新开的月份按这份清单生成。" if saved else ""
    if version:
        notice = f"已载入第 {version} 版，保存后重新生效。"
    return await _page(request, kind, version=version, notice=notice)


def _items_of(form: Any, kind: TaxpayerKind) -> tuple[list[ItemTemplate], list[Problem], Any]:
    """The items the form describes in their order, the rows as typed (to show again), and
    what could not even be read (a deadline that is not a number)."""
    found: list[tuple[int, int, ItemTemplate]] = []
    rows: list[dict[str, Any]] = []
    unreadable: list[Problem] = []
    shipped = {t.key: t for t in template_for(kind)}
    count = min(as_id(form.get("rows")) or 0, MAX_ITEMS + BLANK_ROWS)
    for i in range(1, count + 1):
        label = as_text(form.get(f"label{i}"), LABEL_CHARS * 4)
        key = as_text(form.get(f"key{i}"), 40)
        party_raw = as_text(form.get(f"party{i}"), 10)
        days_raw = as_text(form.get(f"days{i}"), 6)
        order_raw = as_text(form.get(f"order{i}"), 6)
        removed = form.get(f"remove{i}") == "1"
        files = form.get(f"files{i}") == "1"
        books = form.get(f"books{i}") == "1"
        row = {
            "key": key,
            "party": party_raw,
            "label": label,
            "days": days_raw,
            "files": files,
            "books": books,
            "order": order_raw,
        }
        if removed or not label:
            continue  # removed, or a blank row
        rows.append(row)
        position = len(rows)
        party = Party.STAFF if party_raw == Party.STAFF.value else Party.CLIENT
        if days_raw.isdigit() and len(days_raw) < 4:
            days = int(days_raw)
        else:
            days = -1
            if days_raw:
                unreadable.append(Problem("days_not_number", position))
        order = int(order_raw) if order_raw.isdigit() and len(order_raw) < 5 else 10_000 + i
        known = shipped.get(key)
        item = ItemTemplate(
            key=key,
            party=party,
            label=label,
            days_before=days,
            words=known.words if known is not None else (),
            files=files,
            books=books,
        )
        found.append((order, i, item))
    found.sort(key=lambda x: (x[0], x[1]))
    items = [item for _, _, item in found]
    taken = {t.key for t in items if t.key}
    for n, item in enumerate(items):
        if not item.key:
            key = checklist_templates.new_key(taken)
            taken.add(key)
            items[n] = replace(item, key=key)
    return items, unreadable, rows


async def save(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    kind = _kind(request)
    form = await request.post()
    items, unreadable, typed = _items_of(form, kind)
    # The first problem of a row that could not be read is enough: the rest follow from it.
    found = unreadable or checklist_templates.problems(items)
    if found:
        rows = typed + _rows([])[-BLANK_ROWS:]
        return await _page(
            request,
            kind,
            rows,
            status=422,
            problems=problems_zh(found),
            error="还有问题，请按提示修改；没有保存。",
        )
    now = request.app[PORTS].clock.now()
    done = await change(
        request,
        lambda uow: checklist_templates.save_template(uow, user.actor, kind, items, now),
    )
    if not done.ok:
        return await _page(request, kind, status=done.status, error=done.error)
    raise web.HTTPSeeOther(f"{CHECKLISTS}/{kind.value}?saved={done.value.version}")
