"""Message templates (admins only): every kind of notice with the firm's wording or the
built-in one, an editor with a live preview filled with sample facts (htmx posts the draft as
it is typed; nothing is saved), validation on save (unknown placeholders, too long), and
every saved version. Templates are data: saved through `domain.notice_wording`, versioned."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin_web.forms import as_text, change, read
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.routing import PREFIX
from admin_web.template_words import KIND_ZH, kind_zh, problems_zh, sample_values
from admin_web.templating import render
from domain import admin_changes, notice_wording
from domain.message_templates import LIMITS, PLACEHOLDERS, MessageTemplate, fill, validate_template
from domain.notices import NoticeKind

TEMPLATES = PREFIX + "/templates"
# Only kinds that carry words can be worded (photos are forwarded as they are).
EDITABLE = tuple(k for k in KIND_ZH if PLACEHOLDERS.get(k))


def _kind(request: web.Request) -> NoticeKind:
    try:
        kind = NoticeKind(request.match_info["kind"])
    except ValueError:
        raise web.HTTPNotFound(text="没有这种消息。") from None
    if kind not in EDITABLE:
        raise web.HTTPNotFound(text="没有这种消息。")
    return kind


async def template_list(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    worded = await read(request, lambda uow: notice_wording.wording_in_force(uow, user.actor))
    book = request.app[PORTS].template_message
    rows = [(k, kind_zh(k), worded.get(k), book(k.value)) for k in EDITABLE]
    return render("templates.html", request, {"rows": rows})


def _draft(kind: NoticeKind, form: Any) -> MessageTemplate:
    return MessageTemplate(
        kind,
        as_text(form.get("text"), LIMITS["text"] * 2),
        as_text(form.get("title"), LIMITS["title"] * 4),
        as_text(form.get("remark"), LIMITS["remark"] * 2),
    )


def _preview(template: MessageTemplate) -> dict[str, Any]:
    problems = validate_template(template)
    values = sample_values(PLACEHOLDERS[template.kind])
    filled = dict.fromkeys(template.parts(), "")
    if not any(p.code == "malformed" for p in problems):
        filled = {part: fill(text, values) for part, text in template.parts().items()}
    return {"filled": filled, "any_filled": any(filled.values()), "problems": problems_zh(problems)}


async def _edit_context(
    request: web.Request, kind: NoticeKind, draft: MessageTemplate | None = None, **extra: Any
) -> dict[str, Any]:
    user = request[USER]

    async def load(uow: Any) -> dict[str, Any]:
        worded = await notice_wording.wording_in_force(uow, user.actor)
        history = await notice_wording.template_history(uow, user.actor, kind)
        return {"current": worded.get(kind), "history": history}

    loaded = await read(request, load)
    template = draft or loaded["current"] or MessageTemplate(kind)
    return {
        **loaded,
        "kind": kind,
        "kind_zh": kind_zh(kind),
        "template": template,
        "placeholders": sorted(PLACEHOLDERS[kind]),
        "limits": LIMITS,
        "notice": "",
        "error": "",
        **_preview(template),
        **extra,
    }


async def template_page(request: web.Request) -> web.StreamResponse:
    kind = _kind(request)
    return render("template.html", request, await _edit_context(request, kind))


async def preview(request: web.Request) -> web.StreamResponse:
    """The draft filled with sample facts (htmx, as the admin types); saves nothing."""
    kind = _kind(request)
    draft = _draft(kind, await request.post())
    return render("_template_preview.html", request, {"kind": kind, **_preview(draft)})


async def save(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    kind = _kind(request)
    draft = _draft(kind, await request.post())
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: admin_changes.save_wording(uow, user.actor, draft, now)
    )
    if not done.ok:
        context = await _edit_context(request, kind, draft, error=done.error)
        return render("template.html", request, context, status=done.status)
    notice = f"已保存为第 {done.value.version} 版，之后的消息都会用新的措辞。"
    return render("template.html", request, await _edit_context(request, kind, notice=notice))
