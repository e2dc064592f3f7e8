"""The template editor's words: what each kind of message is called, and the sample values
its live preview is filled with (a preview shows the firm's wording as a client or staff
member would read it, with made-up but plausible facts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from admin_web.wording import PART_ZH, TEMPLATE_PROBLEM_ZH
from domain.message_templates import TemplateProblem
from domain.notices import NoticeKind

KIND_ZH: Mapping[NoticeKind, str] = {
    NoticeKind.REQUEST_RAISED: "新业务提醒（给员工）",
    NoticeKind.REQUEST_CANCELLED: "客户取消业务",
    NoticeKind.TASK_CLAIMED: "已接单（给客户）",
    NoticeKind.TASK_ASSIGNED: "分配任务（给员工）",
    NoticeKind.TASK_REASSIGNED: "任务改派（给原经办人）",
    NoticeKind.CLAIM_REMINDER: "提醒更新进度",
    NoticeKind.ESCALATED: "超时升级（给管理员）",
    NoticeKind.TASK_RELEASED: "任务退回（给管理员）",
    NoticeKind.TASK_TAKEN_BACK: "任务收回（给员工）",
    NoticeKind.PROGRESS_ADDED: "进度更新（给客户）",
    NoticeKind.REQUEST_COMPLETED: "业务办结（给客户）",
    NoticeKind.RATE_REQUEST: "邀请评价",
    NoticeKind.CALLBACK_REQUESTED: "客户请求回电",
    NoticeKind.COMPLAINT_OPENED: "新投诉（给管理员）",
    NoticeKind.COMPLAINT_FOLLOWUP: "投诉追问（给管理员）",
    NoticeKind.COMPLAINT_RESOLVED: "投诉处理结果（给客户）",
    NoticeKind.DOCUMENT_FORWARDED: "客户资料转交",
    NoticeKind.THANKS_RELAYED: "客户致谢",
    NoticeKind.LEAD: "潜在客户留言",
    NoticeKind.CLIENT_BOUND: "客户绑定成功（欢迎）",
    NoticeKind.IDENTITY_BOUND: "员工绑定成功",
    NoticeKind.BINDING_REPLACED: "更换绑定微信",
    NoticeKind.BINDING_PAUSED: "绑定暂停（给管理员）",
    NoticeKind.INVOICE_KEY_FIELDS: "发票关键信息",
    NoticeKind.INVOICE_READ: "发票识别完成",
    NoticeKind.INVOICE_DUPLICATE: "重复发票提醒",
    NoticeKind.INVOICE_FAILED: "发票识别失败",
    NoticeKind.PAYMENT_RECEIVED: "收款成功",
    NoticeKind.REFUND_SETTLED: "退款到账",
    NoticeKind.PAYMENT_REVIEW: "款项待核对（给管理员）",
    NoticeKind.ACCOUNTANT_CHANGED: "更换专属会计（给客户）",
    NoticeKind.CLIENT_HANDED_OVER: "新分配客户（给会计）",
}
SAMPLE: Mapping[str, str] = {
    "number": "R1024",
    "type": "营业执照变更",
    "company": "杭州青禾餐饮管理有限公司",
    "urgency": "普通",
    "status": "办理中",
    "title": "营业执照变更",
    "head": "新业务",
    "description": "公司地址变更，需要换发营业执照",
    "attached": "附图 2 张",
    "handler": "王会计",
    "phone": "13800000000",
    "phone_note": "（电话 13800000000）",
    "arranged": "已为您安排",
    "assignee": "王会计",
    "by": "赵主管",
    "progress": "材料已提交工商局，预计 3 个工作日",
    "note": "新执照已寄出",
    "note_line": "备注：新执照已寄出",
    "name": "刘先生",
    "words": "麻烦尽快回个电话",
    "words_line": "留言：麻烦尽快回个电话",
    "client": "杭州青禾餐饮管理有限公司 刘先生",
    "source": "客户投诉",
    "about": "关于 R1024",
    "resolution": "已与您电话沟通，补办手续费由我们承担",
    "sender": "刘先生",
    "said": "这是新的租赁合同",
    "photos": "2",
    "who": "刘先生",
    "tail": "",
    "moved": "",
    "minutes": "15",
    "failures": "5",
    "people": "3",
    "until": "11-23 10:15",
    "seq": "1",
    "fields": "发票号码 24332000000012345678，金额 ¥1,060.00",
    "details": "2024-11-20 · ¥1,060.00",
    "what": "2024 年 11 月代账费",
    "when": "11-20",
    "reason": "图片不清晰",
    "amount": "¥300.00",
    "paid": "¥300.00",
    "refund": "¥300.00",
    "out_trade_no": "YK20241120000001",
    "text": "您好，已收到。",
    "time": "11-23 10:00",
    "accountant": "李会计",
    "former": "王会计",
}


def kind_zh(kind: NoticeKind) -> str:
    return KIND_ZH.get(kind, kind.value)


def sample_values(names: Iterable[str]) -> dict[str, str]:
    return {n: SAMPLE.get(n, f"（{n}）") for n in names}


def problems_zh(problems: Iterable[TemplateProblem]) -> list[str]:
    out = []
    for p in problems:
        facts = dict(p.facts)
        if "known" in facts:
            facts["known"] = "、".join("{" + k + "}" for k in facts["known"])
        text = TEMPLATE_PROBLEM_ZH.get(p.code, "模板有问题。")
        try:
            out.append(text.format(part_zh=PART_ZH.get(p.part, p.part), **facts))
        except (KeyError, IndexError):
            out.append("模板有问题。")
    return out
