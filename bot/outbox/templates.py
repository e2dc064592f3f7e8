"""Which WeChat template message stands in for a notice outside the 48-hour 客服 window.

This is the Official Account's side of templates: per notice `kind`, a template id from the
account's template library (WeChat only accepts ids the account owns), its link, how the
notice's values map onto the template's own keys, and (optionally) a heading and closing line
the account was set up with. It comes from `{DATA_DIR}/templates.json` (same shape as `SANDBOX_TEMPLATES`),
or in the sandbox from the defaults below, which the sandbox emulator also treats as the
account's library.

The wording of notices is not here: it is the firm's (`domain.message_templates`, saved through
the `TemplateRepository`), with the renderers' built-in wording as defaults.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bot.outbox.render import Message
from domain.clock import fmt_local

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    template_id: str
    # The account's heading and closing line for it; empty: the notice's built-in ones.
    title: str = ""  # shown as keyword1 when the notice gives no fields of its own
    url: str = ""
    remark: str = ""
    # The template's own keys, each a format string over the notice: {text}, {title}, {time},
    # {remark} and the notice's template_fields, e.g. {"character_string1": "{number}"}.
    # Empty: first / keyword1 / keyword2 / remark plus the notice's fields as they are.
    fields: Mapping[str, str] = field(default_factory=dict)


class TemplateBook(Protocol):
    def for_kind(self, kind: str) -> Template | None: ...
    def template_ids(self) -> set[str]: ...


# One template per kind of notice, in the 行业: 商业服务/财务 style of WeChat's library.
_REPLY = "TM_sandbox_reply_0001"
_REQUEST = "TM_sandbox_request_0002"
_PROGRESS = "TM_sandbox_progress_0003"
_FEE = "TM_sandbox_fee_0004"
_INVOICE = "TM_sandbox_invoice_0005"
_SERVICE = "TM_sandbox_service_0006"

SANDBOX_TEMPLATES: dict[str, dict[str, str]] = {
    "late_reply": {"template_id": _REPLY},
    "reply": {"template_id": _REPLY},
    "callback_requested": {"template_id": _SERVICE},
    "client_bound": {"template_id": _SERVICE},
    # binding safety: every binding told to the admins, a moved binding to the old WeChat user,
    # and a firm-wide burst of wrong codes (binding paused) to the admins once per burst
    "identity_bound": {"template_id": _SERVICE},
    "binding_replaced": {"template_id": _SERVICE},
    "binding_paused": {"template_id": _SERVICE},
    # the request lifecycle
    "request_raised": {"template_id": _REQUEST},
    "escalated": {"template_id": _REQUEST},
    "task_assigned": {"template_id": _REQUEST},
    "task_released": {"template_id": _REQUEST},
    "task_taken_back": {"template_id": _REQUEST},
    "task_reassigned": {"template_id": _REQUEST},
    "claim_reminder": {"template_id": _REQUEST},
    "task_claimed": {"template_id": _PROGRESS},
    "progress_added": {"template_id": _PROGRESS},
    "progress_photo": {"template_id": _PROGRESS},
    "request_photo": {"template_id": _REQUEST},
    "request_completed": {"template_id": _PROGRESS},
    "request_cancelled": {"template_id": _PROGRESS},
    "rate_request": {"template_id": _SERVICE},
    "complaint_opened": {"template_id": _SERVICE},
    "complaint_photo": {"template_id": _SERVICE},
    "complaint_followup": {"template_id": _SERVICE},
    "complaint_resolved": {"template_id": _SERVICE},
    # papers and words handed to people, and strangers' leads
    "document_forwarded": {"template_id": _SERVICE},
    "document_photo": {"template_id": _SERVICE},
    "thanks_relayed": {"template_id": _SERVICE},
    "phone_changed": {"template_id": _SERVICE},
    "lead": {"template_id": _SERVICE},
    # payments
    "payment_received": {"template_id": _FEE},
    "refund_settled": {"template_id": _FEE},
    "fee_reminder": {"template_id": _FEE},
    "service_quoted": {"template_id": _FEE},
    "bill_issued": {"template_id": _FEE},
    "payment_review": {"template_id": _SERVICE},
    # the books and the monthly filing cycle
    "filing_reminder": {"template_id": _SERVICE},
    "filing_item_done": {"template_id": _SERVICE},
    "filing_complete": {"template_id": _SERVICE},
    "books_warning": {"template_id": _SERVICE},
    "annual_report": {"template_id": _SERVICE},
    # the dedicated accountant changed: to the contacts and to the new accountant
    "accountant_changed": {"template_id": _SERVICE},
    "client_handed_over": {"template_id": _SERVICE},
    # invoice photos
    "invoice_key_fields": {"template_id": _INVOICE},
    "invoice_read": {"template_id": _INVOICE},
    "invoice_duplicate": {"template_id": _INVOICE},
    "invoice_failed": {"template_id": _INVOICE},
}


@dataclass
class StaticTemplateBook:
    by_kind: dict[str, Template] = field(default_factory=dict)

    def for_kind(self, kind: str) -> Template | None:
        return self.by_kind.get(kind)

    def template_ids(self) -> set[str]:
        return {t.template_id for t in self.by_kind.values()}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> StaticTemplateBook:
        book: dict[str, Template] = {}
        for kind, spec in data.items():
            if not isinstance(spec, Mapping) or not spec.get("template_id"):
                log.warning("template for %r has no template_id; ignored", kind)
                continue
            book[kind] = Template(
                str(spec["template_id"]),
                str(spec.get("title", "")),
                str(spec.get("url", "")),
                str(spec.get("remark", "")),
                dict(spec.get("fields") or {}),
            )
        return cls(book)


def load_templates(data_dir: Path, sandbox: bool) -> StaticTemplateBook:
    path = data_dir / "templates.json"
    if path.is_file():
        return StaticTemplateBook.from_mapping(json.loads(path.read_text(encoding="utf-8")))
    return StaticTemplateBook.from_mapping(SANDBOX_TEMPLATES if sandbox else {})


def template_data(message: Message, template: Template, now: datetime) -> dict[str, str]:
    """The template's data: its configured fields, or first / keyword1 / keyword2 / remark
    overridden by the message's own fields. The heading and closing line are the firm's when it
    set them, else the account's template's, else the notice's built-in ones."""
    text = message.text if len(message.text) <= 180 else message.text[:179] + "…"
    title = message.title or template.title or message.default_title
    remark = message.remark or template.remark or message.default_remark
    base = {"text": text, "title": title, "time": fmt_local(now), "remark": remark}
    if template.fields:
        values = defaultdict(str, {**base, **message.template_fields})
        return {key: fmt.format_map(values) for key, fmt in template.fields.items()}
    data = {"first": text, "keyword1": title, "keyword2": base["time"], "remark": remark}
    data.update(message.template_fields)
    return data
