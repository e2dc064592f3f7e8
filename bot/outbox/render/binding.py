"""The wording of binding notices: whoever can spot a hijack hears of every binding (the admins,
a client's accountant, the WeChat user a binding moved away from), and the admins hear once
when a burst of wrong codes pauses binding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.outbox.render.message import Renderer
from domain.clock import fmt_local
from domain.notices import BindingPaused, Bound, NoticeKind
from handlers.error_texts import when


def _bound(f: Bound, at: datetime) -> Mapping[str, str]:
    return {
        "name": f.name,
        "company": f.company,
        "who": f"{f.company}的联系人{f.name}" if f.as_contact else f"员工{f.name}",
        "tail": f.wechat_tail,
        "moved": "，原来绑定的微信已自动解绑" if f.moved else "",
        "time": fmt_local(at),
    }


def _bound_fields(f: Bound, at: datetime) -> Mapping[str, str]:
    return {
        "name": f.name,
        "company": f.company,
        "time": fmt_local(at),
        "wechat": f"尾号{f.wechat_tail}",
    }


def _paused(f: BindingPaused, at: datetime) -> Mapping[str, str]:
    return {
        "minutes": str(f.window_minutes),
        "failures": str(f.failures),
        "people": str(f.people),
        "until": when(f.until, at),
        "time": fmt_local(at),
    }


def _paused_fields(f: BindingPaused, at: datetime) -> Mapping[str, str]:
    return {"time": fmt_local(at), "count": str(f.failures), "users": str(f.people)}


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.CLIENT_BOUND: Renderer(
        "{company}的{name}已于{time}绑定公众号（微信用户尾号{tail}）{moved}，"
        "可以在这里联系您了。如果不是{name}本人绑定的，请马上告诉管理员。",
        _bound,
        template_fields=_bound_fields,
        title="客户绑定通知",
    ),
    NoticeKind.IDENTITY_BOUND: Renderer(
        "【绑定提醒】{who}的绑定码已于{time}被使用，绑定到微信用户（尾号{tail}）{moved}。"
        "如果不是{name}本人操作，请尽快核实，并重新发码换绑。",
        _bound,
        template_fields=_bound_fields,
        title="账号绑定提醒",
    ),
    NoticeKind.BINDING_REPLACED: Renderer(
        "您的微信已于{time}解除与“{name}”的绑定，这个身份已绑定到新的微信。"
        "如果这不是您本人的安排，请马上联系我们。",
        _bound,
        template_fields=_bound_fields,
        title="账号换绑通知",
    ),
    NoticeKind.BINDING_PAUSED: Renderer(
        "【安全提醒】最近{minutes}分钟内绑定码输错了{failures}次（来自{people}个微信用户），"
        "可能有人在猜绑定码。为安全起见，绑定已自动暂停到{until}，之后自动恢复。\n"
        "如果不是大批客户正在绑定，请留意近期发出的绑定码，必要时重新发码。",
        _paused,
        template_fields=_paused_fields,
        title="绑定异常提醒",
    ),
}
