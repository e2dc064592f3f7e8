"""Which template message stands in for a notice outside the 48-hour 客服 window.

The firm picks, per notice `kind`, a template from its Official Account's template library;
WeChat only accepts template ids the account owns. Kept behind a small `TemplateBook` protocol
so the admin panel can later keep them in the database; today they come from
`{DATA_DIR}/templates.json` (same shape as `SANDBOX_TEMPLATES`), or in the sandbox from the
defaults below, which the sandbox emulator also treats as the account's library.
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

from domain.clock import fmt_local
from domain.notices import Notice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    template_id: str
    title: str  # shown as keyword1 when the notice gives no fields of its own
    url: str = ""
    remark: str = "回复任意消息即可继续与我们对话。"
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
    "late_reply": {"template_id": _REPLY, "title": "咨询回复通知"},
    "reply": {"template_id": _REPLY, "title": "咨询回复通知"},
    "client_bound": {"template_id": _SERVICE, "title": "客户绑定通知"},
    # the request lifecycle
    "request_raised": {"template_id": _REQUEST, "title": "新业务待接单"},
    "request_escalated": {"template_id": _REQUEST, "title": "业务超时待分派"},
    "escalated": {"template_id": _REQUEST, "title": "业务超时待分派"},
    "task_assigned": {"template_id": _REQUEST, "title": "业务分派通知"},
    "task_released": {"template_id": _REQUEST, "title": "业务退回待接单"},
    "task_reassigned": {"template_id": _REQUEST, "title": "业务改派通知"},
    "claim_reminder": {"template_id": _REQUEST, "title": "接单后请尽快更新进度"},
    "task_claimed": {"template_id": _PROGRESS, "title": "业务已受理"},
    "progress_added": {"template_id": _PROGRESS, "title": "业务进度更新"},
    "progress_photo": {"template_id": _PROGRESS, "title": "业务进度更新（含照片）"},
    "request_done": {"template_id": _PROGRESS, "title": "业务已办结"},
    "request_completed": {"template_id": _PROGRESS, "title": "业务已办结"},
    "request_cancelled": {"template_id": _PROGRESS, "title": "业务已取消"},
    "rate_request": {"template_id": _SERVICE, "title": "服务评价邀请"},
    "complaint_opened": {"template_id": _SERVICE, "title": "投诉受理通知"},
    "complaint_photo": {"template_id": _SERVICE, "title": "投诉附件"},
    "complaint_resolved": {"template_id": _SERVICE, "title": "投诉处理结果"},
    "callback_requested": {"template_id": _SERVICE, "title": "客户请求回电"},
    "request_callback": {"template_id": _SERVICE, "title": "客户请求回电"},
    # fees (coming)
    "fee_due": {"template_id": _FEE, "title": "服务费缴费提醒"},
    "fee_reminder": {"template_id": _FEE, "title": "服务费缴费提醒"},
    "payment_received": {"template_id": _FEE, "title": "缴费成功通知"},
    # invoice photos
    "invoice_key_fields": {"template_id": _INVOICE, "title": "发票已收到，正在核对"},
    "invoice_read": {"template_id": _INVOICE, "title": "发票识别结果"},
    "invoice_duplicate": {"template_id": _INVOICE, "title": "发票重复提醒"},
    "invoice_failed": {"template_id": _INVOICE, "title": "发票识别失败"},
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
                str(spec.get("remark", Template.remark)),
                dict(spec.get("fields") or {}),
            )
        return cls(book)


def load_templates(data_dir: Path, sandbox: bool) -> StaticTemplateBook:
    path = data_dir / "templates.json"
    if path.is_file():
        return StaticTemplateBook.from_mapping(json.loads(path.read_text(encoding="utf-8")))
    return StaticTemplateBook.from_mapping(SANDBOX_TEMPLATES if sandbox else {})


def template_data(notice: Notice, template: Template, now: datetime) -> dict[str, str]:
    """The template's data: its configured fields, or first / keyword1 / keyword2 / remark
    overridden by the notice's own fields."""
    text = notice.text if len(notice.text) <= 180 else notice.text[:179] + "…"
    base = {
        "text": text,
        "title": template.title,
        "time": fmt_local(now),
        "remark": template.remark,
    }
    if template.fields:
        values = defaultdict(str, {**base, **notice.template_fields})
        return {key: fmt.format_map(values) for key, fmt in template.fields.items()}
    data = {
        "first": text,
        "keyword1": template.title,
        "keyword2": base["time"],
        "remark": template.remark,
    }
    data.update(notice.template_fields)
    return data
