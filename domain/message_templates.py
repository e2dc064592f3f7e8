"""Message templates: the firm's own wording of a kind of notice, with placeholders.

Every kind of notice has built-in wording (the renderers' defaults, `bot.outbox.render`). A firm
may word any kind its own way: the text of the 客服 message (also the first line of a template
message), and the template message's heading and closing line. Placeholders name the facts the
wording may use, e.g. "您的{title}已由{handler}接手办理。"; which ones a kind offers is
`PLACEHOLDERS` (the renderers fill exactly those). Saved templates are versioned: each save adds
a version and the latest wins (`TemplateRepository`), so an admin can see what was said before.

`validate_template` is the rule for what may be saved: known placeholders only, written plainly
(`{name}`, no formatting), and short enough for where it goes.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.notices import NoticeKind


@dataclass(frozen=True)
class MessageTemplate:
    """A firm's wording for one kind of notice. Empty parts keep the built-in wording."""

    kind: NoticeKind
    text: str = ""
    title: str = ""  # the template message's heading (its first keyword)
    remark: str = ""  # the template message's closing line

    def parts(self) -> dict[str, str]:
        return {"text": self.text, "title": self.title, "remark": self.remark}


@dataclass(frozen=True)
class SavedTemplate:
    """One saved version of a firm's template."""

    template: MessageTemplate
    firm_id: int
    version: int
    saved_at: datetime
    saved_by: int | None = None  # the staff member; None for the system


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template cannot be saved: a code and the facts behind it, worded by each edge."""

    code: str  # unknown_placeholder | malformed | too_long | empty
    part: str  # text | title | remark
    facts: Mapping[str, Any] = field(default_factory=dict)


# Limits, in characters. A 客服 text message takes 2048 bytes (about 680 Chinese characters):
# the wording leaves room for the values it is filled with. A template message's keyword is
# shown in one line (20 characters, like WeChat's `thing` values); its closing line is short.
LIMITS: Mapping[str, int] = {"text": 600, "title": 20, "remark": 100}

_REQUEST = frozenset({"number", "type", "company", "urgency", "status", "title"})
_BOUND = frozenset({"name", "company", "who", "tail", "moved"})
_BILL = frozenset({"number", "company", "what", "amount"})
_ACCOUNTANT = frozenset({"company", "accountant", "phone", "phone_note", "former", "by"})
# Every kind offers the time the notice was recorded (Shanghai time, "11-23 10:00").
COMMON = frozenset({"time"})

PLACEHOLDERS: Mapping[NoticeKind, frozenset[str]] = {
    kind: COMMON | names
    for kind, names in {
        NoticeKind.REPLY: frozenset({"text"}),
        NoticeKind.LATE_REPLY: frozenset({"text"}),
        NoticeKind.REQUEST_RAISED: _REQUEST | {"head", "description", "attached"},
        NoticeKind.REQUEST_CANCELLED: _REQUEST,
        NoticeKind.TASK_CLAIMED: _REQUEST | {"handler", "phone", "phone_note", "arranged"},
        NoticeKind.TASK_ASSIGNED: _REQUEST | {"assignee", "by", "description", "attached"},
        NoticeKind.TASK_REASSIGNED: _REQUEST | {"assignee", "by"},
        NoticeKind.CLAIM_REMINDER: _REQUEST | {"handler"},
        NoticeKind.ESCALATED: _REQUEST | {"description"},
        NoticeKind.TASK_RELEASED: _REQUEST | {"handler"},
        NoticeKind.TASK_TAKEN_BACK: _REQUEST | {"handler"},
        NoticeKind.PROGRESS_ADDED: _REQUEST | {"handler", "progress"},
        NoticeKind.PROGRESS_PHOTO: frozenset(),
        NoticeKind.REQUEST_PHOTO: frozenset(),
        NoticeKind.REQUEST_COMPLETED: _REQUEST | {"handler", "note", "note_line", "rate_line"},
        NoticeKind.RATE_REQUEST: _REQUEST | {"handler"},
        NoticeKind.CALLBACK_REQUESTED: frozenset(
            {"company", "name", "phone", "phone_note", "words", "words_line"}
        ),
        NoticeKind.COMPLAINT_OPENED: frozenset(
            {"number", "client", "description", "source", "about"}
        ),
        NoticeKind.COMPLAINT_PHOTO: frozenset(),
        NoticeKind.COMPLAINT_FOLLOWUP: frozenset({"number", "client", "words"}),
        NoticeKind.COMPLAINT_RESOLVED: frozenset({"number", "resolution"}),
        NoticeKind.DOCUMENT_FORWARDED: frozenset({"company", "sender", "note", "said", "photos"}),
        NoticeKind.DOCUMENT_PHOTO: frozenset(),
        NoticeKind.THANKS_RELAYED: frozenset({"company", "sender", "words"}),
        NoticeKind.PHONE_CHANGED: frozenset({"company", "sender", "phone", "words"}),
        NoticeKind.LEAD: frozenset({"phone", "words"}),
        NoticeKind.CLIENT_BOUND: _BOUND,
        NoticeKind.IDENTITY_BOUND: _BOUND,
        NoticeKind.BINDING_REPLACED: _BOUND,
        NoticeKind.BINDING_PAUSED: frozenset({"minutes", "failures", "people", "until"}),
        NoticeKind.INVOICE_KEY_FIELDS: frozenset({"seq", "number", "fields"}),
        NoticeKind.INVOICE_READ: frozenset({"seq", "number", "details"}),
        NoticeKind.INVOICE_DUPLICATE: frozenset({"seq", "number", "what", "when", "who"}),
        NoticeKind.INVOICE_FAILED: frozenset({"seq", "reason"}),
        NoticeKind.PAYMENT_RECEIVED: _BILL | {"paid", "paid_at", "trade", "renewed"},
        NoticeKind.REFUND_SETTLED: _BILL | {"refund"},
        NoticeKind.PAYMENT_REVIEW: _BILL | {"out_trade_no", "paid", "reason"},
        NoticeKind.FEE_REMINDER: _BILL | {"period", "due_date", "pay_link", "state"},
        NoticeKind.SERVICE_QUOTED: _BILL | {"order", "item", "staff", "pay_link"},
        NoticeKind.BILL_ISSUED: _BILL | {"staff", "due_date", "pay_link"},
        NoticeKind.FILING_REMINDER: frozenset({"company", "month", "deadline", "left", "items"}),
        NoticeKind.FILING_ITEM_DONE: frozenset({"company", "month", "item", "by", "left"}),
        NoticeKind.FILING_COMPLETE: frozenset({"company", "month", "amounts"}),
        NoticeKind.BOOKS_WARNING: frozenset({"company", "text"}),
        NoticeKind.ANNUAL_REPORT: frozenset({"company", "last_year", "deadline", "left"}),
        NoticeKind.ACCOUNTANT_CHANGED: _ACCOUNTANT,
        NoticeKind.CLIENT_HANDED_OVER: _ACCOUNTANT,
    }.items()
}

_FORMATTER = string.Formatter()


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in `text`, in order; ValueError when it is no plain template
    (an unclosed brace, an attribute, an index, a format spec or a conversion)."""
    names: list[str] = []
    for _literal, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}} is not a plain placeholder")
        names.append(name)
    return names


def fixed_length(text: str) -> int:
    """How many characters `text` has besides its placeholders (their values come later)."""
    return sum(len(literal) for literal, *_ in _FORMATTER.parse(text))


def validate_template(
    template: MessageTemplate, known: frozenset[str] | None = None
) -> tuple[TemplateProblem, ...]:
    """What is wrong with `template` (nothing: an empty tuple). `known`: the placeholders the
    kind offers (by default `PLACEHOLDERS[template.kind]`)."""
    offered = PLACEHOLDERS[template.kind] if known is None else known
    problems: list[TemplateProblem] = []
    if not any(template.parts().values()):
        problems.append(TemplateProblem("empty", "text"))
    for part, text in template.parts().items():
        if not text:
            continue
        try:
            names = placeholders_in(text)
        except ValueError as exc:
            problems.append(TemplateProblem("malformed", part, {"detail": str(exc)}))
            continue
        for name in dict.fromkeys(names):
            if name not in offered:
                problems.append(
                    TemplateProblem(
                        "unknown_placeholder",
                        part,
                        {"name": name, "known": tuple(sorted(offered))},
                    )
                )
        length = fixed_length(text)
        if length > LIMITS[part]:
            problems.append(
                TemplateProblem("too_long", part, {"length": length, "limit": LIMITS[part]})
            )
    return tuple(problems)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with its placeholders replaced; a name without a value becomes empty (a template
    saved before a placeholder was retired still renders)."""
    return text.format_map(_Values(values))


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
