"""The wording of request notices: a new request pushed to the staff, claims, assignment,
reminders and escalations, progress and completion for the client, and a call-back request.

Text someone typed (a client's description, an accountant's note) is made inert before it is
shown to anyone else (`handlers.text_safety`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.outbox.render.message import Renderer, image
from domain.clock import fmt_local
from domain.notices import (
    CallbackRequested,
    ClaimReminder,
    Escalated,
    NoticeKind,
    Photo,
    ProgressAdded,
    QuickReply,
    RequestCancelled,
    RequestCompleted,
    RequestRaised,
    RequestRef,
    TaskAssigned,
    TaskClaimed,
    TaskReassigned,
    TaskReleased,
)
from handlers.request_words import STATUS_ZH, URGENCY_ZH, assign_button, claim_button, title
from handlers.text_safety import inert


def about(ref: RequestRef, at: datetime) -> dict[str, str]:
    """The placeholders every request notice offers."""
    return {
        "number": ref.number,
        "type": ref.type,
        "company": ref.company,
        "urgency": URGENCY_ZH[ref.urgency],
        "status": STATUS_ZH[ref.status],
        "title": title(ref),
        "time": fmt_local(at),
    }


def request_fields(ref: RequestRef, at: datetime, **more: str) -> dict[str, str]:
    """The template message's values for a request notice."""
    fields = about(ref, at)
    del fields["title"]
    fields.update(more)
    return fields


# -- to the staff ----------------------------------------------------------------------------


def _raised(f: RequestRaised, at: datetime) -> Mapping[str, str]:
    head = "【再次推送】仍无人接单：" if f.again else "【新业务】"
    attached = f"\n附件：{f.photos}张照片（接单后发给您）" if f.photos else ""
    return {
        **about(f.request, at),
        "head": head,
        "description": inert(f.request.description),
        "attached": attached,
    }


def _raised_fields(f: RequestRaised, at: datetime) -> Mapping[str, str]:
    return request_fields(f.request, at, description=inert(f.request.description)[:60])


def _assigned(f: TaskAssigned, at: datetime) -> Mapping[str, str]:
    description = inert(f.request.description)
    attached = f"\n附件：客户附了{f.photos}张照片，见下。" if f.photos else ""
    return {
        **about(f.request, at),
        "assignee": f.assignee,
        "by": f.by,
        "description": description,
        "attached": attached,
    }


def _reassigned(f: TaskReassigned, at: datetime) -> Mapping[str, str]:
    return {**about(f.request, at), "assignee": f.assignee, "by": f.by}


def _handled_by(f: ClaimReminder | TaskReleased, at: datetime) -> Mapping[str, str]:
    return {**about(f.request, at), "handler": f.handler}


def _handler_fields(f: Any, at: datetime) -> Mapping[str, str]:
    return request_fields(f.request, at, handler=f.handler)


def _assignee_fields(f: TaskAssigned | TaskReassigned, at: datetime) -> Mapping[str, str]:
    return request_fields(f.request, at, handler=f.assignee)


def _escalated(f: Escalated, at: datetime) -> Mapping[str, str]:
    return {**about(f.request, at), "description": inert(f.request.description)}


def _assign_buttons(f: Escalated) -> tuple[QuickReply, ...]:
    return tuple(assign_button(f.request.number, c.staff_id, c.name) for c in f.assignable)


def _plain(f: RequestCancelled, at: datetime) -> Mapping[str, str]:
    return about(f.request, at)


def _plain_fields(f: RequestCancelled | Escalated, at: datetime) -> Mapping[str, str]:
    return request_fields(f.request, at)


# -- to the client ---------------------------------------------------------------------------


def _claimed(f: TaskClaimed, at: datetime) -> Mapping[str, str]:
    arranged = f"已安排{f.handler}办理" if f.assigned else f"已由{f.handler}接手办理"
    return {
        **about(f.request, at),
        "handler": f.handler,
        "phone": f.phone,
        "phone_note": f"，电话 {f.phone}" if f.phone else "",
        "arranged": arranged,
    }


def _progress_shown(f: ProgressAdded) -> str:
    return inert(f.note) if f.note else "见图片"  # the accountant's words, shown to the client


def _progress(f: ProgressAdded, at: datetime) -> Mapping[str, str]:
    return {**about(f.request, at), "handler": f.handler, "progress": _progress_shown(f)}


def _progress_fields(f: ProgressAdded, at: datetime) -> Mapping[str, str]:
    return request_fields(f.request, at, progress=_progress_shown(f), handler=f.handler)


def _see_all(f: ProgressAdded) -> tuple[QuickReply, ...]:
    return (QuickReply(f"check_progress:{f.request.number}", "查看全部进度"),)


def _completed(f: RequestCompleted, at: datetime) -> Mapping[str, str]:
    note = inert(f.note)
    return {
        **about(f.request, at),
        "handler": f.handler,
        "note": note,
        "note_line": f"\n说明：{note}" if note else "",
        "rate_line": (
            f"\n请为{f.handler}的服务态度打个分吧，您的评价会帮助我们做得更好：" if f.rate else ""
        ),
    }


def _rate_buttons(f: RequestCompleted) -> tuple[QuickReply, ...]:
    if not f.rate:
        return ()
    n = f.request.number
    return (
        QuickReply(f"rate_accountant:{n}:5", "好评(5分)"),
        QuickReply(f"rate_accountant:{n}:3", "中评(3分)"),
        QuickReply(f"rate_accountant:{n}:1", "差评(1分)"),
    )


def _photo(f: Photo, at: datetime) -> Mapping[str, str]:
    return {"time": fmt_local(at)}


def _photo_payload(f: Photo) -> Mapping[str, Any]:
    return image(f.media_id)


def _callback(f: CallbackRequested, at: datetime) -> Mapping[str, str]:
    words = inert(f.words)  # the client's words, shown to the accountant
    return {
        "company": f.company,
        "name": f.name,
        "phone": f.phone,
        "phone_note": f"：{f.phone}" if f.phone else "",
        "words": words,
        "words_line": f"\n客户说：{words}" if words else "",
        "time": fmt_local(at),
    }


def _callback_fields(f: CallbackRequested, at: datetime) -> Mapping[str, str]:
    return {"company": f.company, "name": f.name, "phone": f.phone, "time": fmt_local(at)}


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.REQUEST_RAISED: Renderer(
        "{head}{title}\n客户：{company}\n需求：{description}{attached}\n"
        "回复“抢单 {number}”即可接单。",
        _raised,
        lambda f: (claim_button(f.request.number),),
        _raised_fields,
        title="新业务待接单",
    ),
    NoticeKind.REQUEST_CANCELLED: Renderer(
        "{title}（{company}）客户已撤销，不用接了。",
        _plain,
        template_fields=_plain_fields,
        title="业务已取消",
    ),
    NoticeKind.TASK_ASSIGNED: Renderer(
        "{by}把{title}（{company}）分配给您了：\n{description}{attached}\n"
        "有进展请回复“进度 {number} 内容”。",
        _assigned,
        template_fields=_assignee_fields,
        title="业务分派通知",
    ),
    NoticeKind.TASK_REASSIGNED: Renderer(
        "{number} 已由{by}改派给{assignee}，您不用再跟进了。",
        _reassigned,
        template_fields=_assignee_fields,
        title="业务改派通知",
    ),
    NoticeKind.CLAIM_REMINDER: Renderer(
        "提醒：您接的{title}（{company}）还没有进度更新，客户在等。\n"
        "请回复“进度 {number} 内容”，否则稍后将退回抢单池。",
        _handled_by,
        template_fields=_handler_fields,
        title="接单后请尽快更新进度",
    ),
    NoticeKind.ESCALATED: Renderer(
        "【待指派】{title}（{company}）推送两次仍无人接单。\n需求：{description}\n"
        "请回复“分配 {number} 给 姓名”。",
        _escalated,
        _assign_buttons,
        _plain_fields,
        title="业务超时待分派",
    ),
    NoticeKind.TASK_RELEASED: Renderer(
        "{title}（{company}）由{handler}接单后一直没有进度，已退回抢单池重新推送。",
        _handled_by,
        template_fields=_handler_fields,
        title="业务退回待接单",
    ),
    NoticeKind.TASK_TAKEN_BACK: Renderer(
        "{number} 因长时间没有进度，已退回抢单池。",
        _handled_by,
        template_fields=_handler_fields,
        title="业务退回待接单",
    ),
    NoticeKind.TASK_CLAIMED: Renderer(
        "您的{title}{arranged}{phone_note}。有进展会第一时间告诉您。",
        _claimed,
        template_fields=_handler_fields,
        title="业务已受理",
    ),
    NoticeKind.PROGRESS_ADDED: Renderer(
        "您的{title}有新进度：{progress}\n（{handler}）",
        _progress,
        _see_all,
        _progress_fields,
        title="业务进度更新",
    ),
    NoticeKind.PROGRESS_PHOTO: Renderer(
        "[图片]", _photo, payload=_photo_payload, title="业务进度更新（含照片）"
    ),
    NoticeKind.REQUEST_PHOTO: Renderer(
        "[图片]", _photo, payload=_photo_payload, title="业务附件（照片）"
    ),
    NoticeKind.REQUEST_COMPLETED: Renderer(
        "您的{title}已办理完成！{note_line}\n负责会计：{handler}{rate_line}",
        _completed,
        _rate_buttons,
        template_fields=_handler_fields,
        title="业务已办结",
    ),
    NoticeKind.CALLBACK_REQUESTED: Renderer(
        "{company}的{name}请您回电{phone_note}。{words_line}",
        _callback,
        template_fields=_callback_fields,
        title="客户请求回电",
    ),
}
