"""The wording of what is handed to people: a client's papers for their accountant (a line
saying whose they are, then the photos), a client's thanks, and a stranger's phone number for
the admins (a lead). The client's and the stranger's words are made inert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.outbox.render.message import Renderer, image
from domain.clock import fmt_local
from domain.notices import (
    AccountantChanged,
    DocumentForwarded,
    Lead,
    NoticeKind,
    PhoneChanged,
    Photo,
    ThanksRelayed,
)
from handlers.text_safety import inert


def _forwarded(f: DocumentForwarded, at: datetime) -> Mapping[str, str]:
    note = inert(f.note)  # the client's words, shown to the accountant
    return {
        "company": f.company,
        "sender": f.sender,
        "note": note,
        "said": f"：{note}" if note else "",
        "photos": str(f.photos),
        "time": fmt_local(at),
    }


def _forwarded_fields(f: DocumentForwarded, at: datetime) -> Mapping[str, str]:
    return {"company": f.company, "time": fmt_local(at)}


def _photo(f: Photo, at: datetime) -> Mapping[str, str]:
    return {"time": fmt_local(at)}


def _photo_payload(f: Photo) -> Mapping[str, Any]:
    return image(f.media_id)


def _phone(f: PhoneChanged, at: datetime) -> Mapping[str, str]:
    return {
        "company": f.company,
        "sender": f.sender,
        "phone": f.phone,
        "words": inert(f.words),
        "time": fmt_local(at),
    }


def _thanks(f: ThanksRelayed, at: datetime) -> Mapping[str, str]:
    return {
        "company": f.company,
        "sender": f.sender,
        "words": inert(f.words),
        "time": fmt_local(at),
    }


def _lead(f: Lead, at: datetime) -> Mapping[str, str]:
    return {"phone": f.phone, "words": inert(f.words), "time": fmt_local(at)}


def _lead_fields(f: Lead, at: datetime) -> Mapping[str, str]:
    return {"phone": f.phone, "time": fmt_local(at), "description": inert(f.words)[:60]}


def _accountant(f: AccountantChanged, at: datetime) -> Mapping[str, str]:
    return {
        "company": f.company,
        "accountant": f.accountant,
        "phone": f.phone,
        "phone_note": f"，电话 {f.phone}" if f.phone else "",
        "former": f.former or "（无）",
        "by": f.by,
        "time": fmt_local(at),
    }


def _accountant_fields(f: AccountantChanged, at: datetime) -> Mapping[str, str]:
    return {"company": f.company, "handler": f.accountant, "time": fmt_local(at)}


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.ACCOUNTANT_CHANGED: Renderer(
        "您好！为了更好地服务{company}，今后由{accountant}担任您的专属会计{phone_note}。"
        "有任何账务、税务问题，直接在这里留言就好，我们一如既往为您用心服务。",
        _accountant,
        template_fields=_accountant_fields,
        title="专属会计变更通知",
    ),
    NoticeKind.CLIENT_HANDED_OVER: Renderer(
        "{by}把客户{company}交给您了，您现在是他们的专属会计（原会计：{former}）。"
        "我们已告知客户，请尽快与客户打个招呼。",
        _accountant,
        template_fields=_accountant_fields,
        title="新分配客户",
    ),
    NoticeKind.DOCUMENT_FORWARDED: Renderer(
        "{company}的{sender}发来资料{said}（{photos}张照片，见下）",
        _forwarded,
        template_fields=_forwarded_fields,
        title="客户发来资料",
    ),
    NoticeKind.DOCUMENT_PHOTO: Renderer(
        "[图片]", _photo, payload=_photo_payload, title="客户资料（照片）"
    ),
    NoticeKind.PHONE_CHANGED: Renderer(
        "{company}的{sender}说手机号换了，新号码 {phone}，请帮忙更新登记。\n原话：{words}",
        _phone,
        title="客户手机号变更",
    ),
    NoticeKind.THANKS_RELAYED: Renderer(
        "{company}的{sender}说：{words}", _thanks, title="客户致谢"
    ),
    NoticeKind.LEAD: Renderer(
        "【新咨询】有位访客留了电话 {phone}，请尽快回电。\n留言：{words}",
        _lead,
        template_fields=_lead_fields,
        title="新客户咨询",
    ),
}
