"""Papers for the accountant: a client says "身份证发你们" or "这是给王会计的营业执照照片" and
sends photos; they reach the dedicated accountant with a line saying whose they are. A photo
the invoice reader finds is no invoice is asked about ("这是给会计的资料吗？", sent by the
worker); the "是" tap forwards it.

```mermaid
stateDiagram-v2
    [*] --> waiting: "身份证正反面发你们" (expects photos)
    waiting --> waiting: photo (forwarded to the accountant, "收到，已转给王会计")
    waiting --> [*]: anything else (read as usual) / idle timeout
    [*] --> forwarded: tap 是，转给会计 (on a photo that was no invoice)
```
"""

from __future__ import annotations

import re

from domain import handover, lifecycle
from domain.actors import actor_of
from domain.identity import Role
from domain.requests import OPEN
from handlers import expect, texts
from handlers.replies import Reply, Text
from handlers.request_reading import urgency_of
from handlers.router import Router
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE

router = Router("documents")

DOCUMENT = "document"
FORWARD_UPLOAD = "forward_upload"
# Papers people send their accountant, and the words of sending them.
PAPERS = re.compile(
    r"照片|图片|身份证|执照|证件|资料|材料|合同|扫描件|截图|证明|户口本|房产证|租赁|协议|章程|"
    r"银行卡|开户许可|\b(?:scan|photo|picture|pic|id card|licen[cs]e|document|docs?|contract)s?\b",
    re.ASCII | re.I,
)
SENDING = re.compile(
    r"发(?:给|你|您|过去|过来|一下|下|了)|传(?:给|你|您|过去|一下)|拍(?:给|了)|交给|转(?:给|交)|"
    r"给(?:你|您|会计|[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗][会老主])|"
    r"\b(?:pass|send|forward|give)\b.{0,12}\bto\b|\bhere(?:'s| is| are)\b|\battached\b",
    re.ASCII | re.I,
)
INVOICE_WORDS = re.compile(r"发票|票据|进项|销项|专票|普票|报销")


def _who(name: str | None) -> str:
    return name or "负责的同事"


@router.reader()
async def announced(turn: Turn) -> list[Reply] | None:
    """ "身份证正反面发你们，法人变更要用的": photos for the accountant are on their way."""
    msg, ident = turn.message, turn.identity
    text = msg.clean_text
    if ident.role is not Role.CLIENT or not msg.has_text or msg.menu_id or not text:
        return None
    if not (PAPERS.search(text) and SENDING.search(text)) or INVOICE_WORDS.search(text):
        return None
    parsed = await turn.understand()
    if parsed.intent == "raise_request" and parsed.confidence >= 0.8:
        return None  # "帮我办执照，照片发你": the request form takes the photos
    asks_work = urgency_of(text) is not None  # "不急": how soon the work is wanted
    kind = await turn.entity(REQUEST_TYPE) if asks_work else None
    if kind is not None:
        reqs = await lifecycle.requests_in_view(turn.uow, actor_of(ident))
        if not any(r.type == kind and r.status in OPEN for r in reqs):
            # "我们要变更法人，不急…身份证拍给您" (the work asked for, with no such request
            # open): a new request, whose form takes the photos. "身份证发你们，法人变更要用的"
            # only sends papers: they go to the accountant.
            return None
    staff = await handover.accountant_of(turn.uow, actor_of(ident))
    expect.expect(turn, DOCUMENT, note=text[:200])
    return [
        Text(f"好的，直接把照片发到这里就行，我马上转给{_who(staff.name if staff else None)}。")
    ]


@expect.reader(DOCUMENT)
async def document_photo(turn: Turn, data: dict[str, object]) -> list[Reply] | None:
    msg = turn.message
    if msg.msg_type != "image" or not msg.media_id:
        return None
    note = str(data.get("note") or "")
    staff = await handover.forward_to_accountant(
        turn.uow, actor_of(turn.identity), [msg.media_id], note, turn.now
    )
    expect.expect(turn, DOCUMENT, note=note)  # more pages may follow
    return [Text(f"收到，已转给{_who(staff.name if staff else None)}。还有的话继续发就行。")]


@router.intent(FORWARD_UPLOAD)
async def forward_upload(turn: Turn) -> list[Reply]:
    """The "是，转给会计" tap under a photo the invoice reader found to be no invoice."""
    ident = turn.identity
    if ident.role is not Role.CLIENT or ident.company is None:
        return [Text(texts.BIND_FIRST)]
    upload_id = turn.arg.partition(":")[0]
    upload = await turn.uow.invoices.get_upload(int(upload_id)) if upload_id.isdigit() else None
    if upload is None or upload.company_id != ident.company.id:
        return [Text("这张图片找不到了，麻烦再发一次。")]
    staff = await handover.forward_to_accountant(
        turn.uow, actor_of(ident), [upload.media_id], "", turn.now
    )
    return [Text(f"好的，已转给{_who(staff.name if staff else None)}。")]
