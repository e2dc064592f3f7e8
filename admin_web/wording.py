"""The panel's words: for statuses, columns, roles and timeline entries, and for the domain's
refusals.

The domain words nothing: services name a refusal by a code and its facts, and a timeline
entry by its kind and facts; each edge words them for its reader. These are the panel's
words (no chat examples such as "回复 分配 R1024 给 王会计"); a refusal without an entry here
reads as a plain "not done"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from admin_web.stage_words import RULE_ZH
from domain.billing import yuan
from domain.board import Column
from domain.errors import DomainError
from domain.request_names import STATUS_NAMES, URGENCY_NAMES
from domain.requests import EventKind, RequestEvent, Status, Urgency
from domain.staff_access import PanelRole

# The chat's names for statuses and urgencies, from one place (`domain.request_names`).
STATUS_ZH: Mapping[Status, str] = STATUS_NAMES
URGENCY_ZH: Mapping[Urgency, str] = URGENCY_NAMES
COLUMN_ZH: Mapping[Column, str] = {
    Column.UNCLAIMED: "待接单",
    Column.CLAIMED: "已接单",
    Column.IN_PROGRESS: "办理中",
    Column.OVERDUE: "已逾期",
    Column.ESCALATED: "待升级指派",
    Column.DONE: "已完成",
    Column.CANCELLED: "已取消",
}
ROLE_ZH: Mapping[PanelRole, str] = {PanelRole.ADMIN: "管理员", PanelRole.ACCOUNTANT: "会计"}
EVENT_ZH: Mapping[EventKind, str] = {
    EventKind.RAISED: "提交",
    EventKind.PUSHED: "推送",
    EventKind.CLAIMED: "接单",
    EventKind.ASSIGNED: "指派",
    EventKind.PROGRESS: "进度",
    EventKind.COMPLETED: "完成",
    EventKind.RATED: "评价",
    EventKind.CANCELLED: "取消",
    EventKind.ESCALATED: "升级",
    EventKind.REMINDED: "提醒",
    EventKind.RELEASED: "退回",
}
SYSTEM_ZH = "系统"


def event_actor(e: RequestEvent) -> str:
    return e.actor or SYSTEM_ZH


def event_detail(e: RequestEvent) -> str:
    """What a timeline entry says besides its kind: the system's steps worded from their
    facts, a rating from its scores, anyone's own words as typed. Entries recorded before
    entries had facts carry their wording in their text."""
    f = e.facts
    if not f:
        return e.text
    if e.kind is EventKind.PUSHED:
        return "无人接单，再次推送"
    if e.kind is EventKind.ESCALATED:
        return "超时无人接单，已转管理员指派"
    if e.kind is EventKind.REMINDED:
        return f"提醒{f.get('handler', '')}更新进度"
    if e.kind is EventKind.RELEASED:
        return f"{f.get('handler', '')}超时未更新进度，已退回抢单池"
    if e.kind is EventKind.ASSIGNED:
        return f"指派给{f.get('assignee', '')}"
    if e.kind is EventKind.RATED:
        changed = "（修改）" if f.get("changed") else ""
        scores = f"服务态度 {f.get('attitude', '?')} 分，办理速度 {f.get('speed', '?')} 分"
        return f"{scores}{changed}" + (f"：{e.text}" if e.text else "")
    return e.text


ERROR_ZH: Mapping[str, str] = {
    "service_name_taken": "已经有叫“{name}”的服务项目了，请换个名称。",
    "bad_catalogue_field": "有一项没填好：分类、名称必填，业务类型不超过 {limit} 个字。",
    "admins_only_catalogue": "修改服务项目需要管理员权限。",
    "admins_only_assign": "分配任务需要管理员权限。",
    "assignee_not_found": "没有这位在职员工。",
    "request_not_found": "没有找到业务 {number}。",
    "already_assigned": "{number} 已经由{assignee}负责了。",
    "in_progress_elsewhere": "{number} 已由{handler}办理中，不便改派。",
    "already_yours": "{number} 已经是这位员工的单了。",
    "claimed_by_another": "{number} 已被{handler}接单。",
    "claim_cancelled": "{number} 已被客户取消。",
    "claim_finished": "{number} 已经办结了。",
    "not_claimable": "{number} 现在不能分配，请稍后再试。",
    "staff_only": "请先以员工身份登录。",
    "admins_only_tags": "修改客户标签需要管理员权限。",
    "admins_only_settings": "修改公司设置需要管理员权限。",
    "admins_only_invite": "生成绑定码需要管理员权限。",
    "contact_not_found": "没有找到这位联系人。",
    "import_has_problems": "有 {rows} 行需要修改，没有导入任何客户。",
    "stage_rule_out_of_bounds": "“{rule_zh}”须是 {low} 到 {high} 之间的整数，规则没有保存。",
    "filter_name_missing": "请给筛选起个名字。",
    "filter_name_too_long": "筛选名称最多 {limit} 个字。",
    "filter_empty": "当前没有任何筛选条件，无需保存。",
    "filter_limit": "最多保存 {limit} 个常用筛选，请先删掉不用的。",
    "filter_not_found": "没有找到这个常用筛选。",
    "admins_only_people": "管理员工需要管理员权限。",
    "admins_only_reports": "这个页面需要管理员权限。",
    "admins_only_templates": "修改消息模板需要管理员权限。",
    "admins_only_resolve": "处理投诉需要管理员权限。",
    "client_not_found": "没有找到这家客户。",
    "admins_only_accountant": "更换专属会计需要管理员权限。",
    "accountant_unchanged": "{company}的专属会计已经是{name}了，没有改动。",
    "tag_not_found": "没有这个标签。",
    "tag_exists": "已经有“{name}”这个标签了。",
    "tag_name_missing": "请填写标签名称。",
    "tag_name_too_long": "标签名称最多 {limit} 个字。",
    "tag_not_on_client": "这家客户没有“{name}”标签。",
    "no_clients_chosen": "请先勾选要打标签的客户。",
    "staff_exists": "已经有一位叫“{name}”的员工了。",
    "staff_not_found": "没有这位员工。",
    "staff_inactive": "{name} 已停用。",
    "cannot_demote_self": "不能取消自己的管理员权限。",
    "cannot_deactivate_self": "不能停用自己的账号。",
    "nothing_to_reassign": "{name} 手上没有未办结的业务，无需转交。",
    "reassign_count_changed": "{name} 手上的业务刚有变动（现有 {count} 项），请重新确认。",
    "in_progress_needs_staff": "{name} 有办理中的业务，不能退回抢单池，请转交给一位同事。",
    "reassign_to_same": "业务已在 {name} 手上，请选另一位同事。",
    "role_unchanged": "{name} 已经是这个角色了。",
    "complaint_not_found": "没有找到投诉 {number}。",
    "complaint_already_resolved": "投诉 {number} 已经处理过了。",
    "resolution_missing": "请填写处理说明，客户会收到这段话。",
    "template_invalid": "模板有问题，请按提示修改。",
    "reopen_note_missing": "请填写重新打开的原因。",
    "complaint_not_resolved": "投诉 {number} 还没有结案，不用重新打开。",
    "admins_only_layout": "修改菜单和首页需要管理员权限。",
    "version_not_found": "没有第 {version} 版。",
    "menu_invalid": "菜单还有问题，请按提示修改。",
    "home_invalid": "首页还有问题，请按提示修改。",
    "image_empty": "上传的图片是空的。",
    "image_too_big": "图片太大了，最大 {limit_kb} KB。",
    "image_not_image": "只能上传 PNG、JPEG 或 GIF 图片。",
    "period_reversed": "开始日期不能晚于结束日期。",
    "period_too_long": "统计区间最长一年。",
    "working_hours_invalid": "时间写法不对，请用 09:00 这样的格式。",
    "working_hours_reversed": "下班时间要晚于上班时间。",
    "working_days_invalid": "请至少选择一个工作日。",
    "working_hours_unchanged": "{name}的工作时间没有变化。",
    "period_month_unknown": "月份写法不对，请用 2026-11 这样的格式。",
    "period_quarter_unknown": "季度写法不对，请用 2026-Q4 这样的格式。",
    "admins_only_money": "收款操作需要管理员权限。",
    "bill_not_found": "没有找到账单 {number}。",
    "bill_paid": "账单 {number} 已经付过了。",
    "bill_cancelled": "账单 {number} 已作废，不能收款。",
    "bill_refunded": "账单 {number} 已退款。",
    "bill_expired": "账单 {number} 已过期。",
    "bill_busy": "账单 {number} 正在处理中，请刷新后再试。",
    "offline_amount_mismatch": "金额须与应收金额一致（{owed}）。",
    "offline_note_missing": "请填写收款说明（最多 {limit} 字），例如“现金，张三经手”。",
    "offline_date_future": "收款日期不能晚于今天。",
    "offline_date_too_early": "收款日期不能早于账单开出的日期，也不能早于一年前。",
    "bad_offline_amount": "请填写收款金额，例如 300 或 300.50。",
    "bad_offline_date": "请选择收款日期。",
    "company_not_found": "没有找到这家客户。",
    "nothing_owed": "{company} 目前没有待付的账单，不用催费。",
    "bill_not_remindable": "账单 {number} 不是待付状态，不用催费。",
    "admins_only_refunds": "退款需要管理员权限。",
    "bill_not_paid": "账单 {number} 未支付或已全额退款，没有可以退的款。",
    "payment_not_found": "没有找到账单 {number} 的支付记录。",
    "refund_too_much": "退款金额超过了可退的金额，账单 {number} 最多还能退 {left_yuan}。",
    "refund_paid_offline": (
        "账单 {number} 是线下收款结清的，没有经过微信支付，不能在这里原路退款；"
        "如需退款，请线下退还客户。"
    ),
    "refund_nothing_left": "账单 {number} 的款项已全部退款或正在退款中。",
    "refund_busy": "账单 {number} 正在办理退款，请稍后刷新。",
    "refund_key_missing": "请从账单页重新发起退款。",
    "bad_amount": "金额须大于 0，且不超过 {limit_yuan}。",
    "invoice_not_found": "没有找到这张发票。",
    "invoice_field_unknown": "这一项不能更正。",
    "invoice_number_taken": "这家客户已经有号码为 {number} 的发票了，没有更正。",
    "amount_format": "金额请写成 46.62 的样子，最多两位小数。",
    "amount_negative": "金额不能是负数。",
    "check_code_format": "校验码是 20 位数字。",
    "code_format": "发票代码是 10 位或 12 位数字。",
    "code_not_applicable": "数电票没有发票代码。",
    "date_format": "日期请写成 2026-09-30 的样子。",
    "date_future": "开票日期不能晚于今天。",
    "date_invalid": "没有 {text} 这一天。",
    "field_not_correctable": "这一项不能更正。",
    "name_too_long": "名称最多 100 个字。",
    "number_format": "发票号码是 8 位或 20 位数字。",
    "tax_id_format": "税号是 15 到 20 位数字或大写字母。",
    "type_format": "发票类型请写全称，例如“增值税电子普通发票”。",
    "value_missing": "请填写更正后的值。",
    "admins_only_checklists": "修改申报清单模板需要管理员权限。",
    "checklist_invalid": "清单模板还有问题，请按提示修改。",
}
AUDIT_ZH: Mapping[str, str] = {
    "assign": "分配业务",
    "release": "退回抢单池",
    "bulk_reassign": "转交全部业务",
    "tag_defined": "新建标签",
    "client_tagged": "打标签",
    "client_untagged": "去掉标签",
    "staff_added": "添加员工",
    "staff_invited": "发送设置密码链接",
    "staff_deactivated": "停用员工",
    "staff_role": "调整角色",
    "staff_hours": "修改工作时间",
    "complaint_resolved": "处理投诉",
    "complaint_reopened": "重新打开投诉",
    "menu_published": "发布公众号菜单",
    "home_saved": "修改客户首页",
    "template_saved": "修改消息模板",
    "archive_upload": "上传档案文件",
    "archive_download": "下载档案文件",
    "bill_paid_offline": "线下收款",
    "fee_reminded": "催费",
    "refund_requested": "退款",
    "stage_rules_saved": "修改客户阶段规则",
    "contact_invited": "生成客户绑定码",
    "clients_imported": "导入客户",
    "client_filter_saved": "保存常用筛选",
    "client_filter_deleted": "删除常用筛选",
    "bill_issued": "开单收费",
    "book_owner_set": "指定账本负责人",
    "annual_report_done": "年报标记完成",
    "invoice_corrected": "更正发票",
    "books_imported": "导入账目",
    "checklist_saved": "修改申报清单模板",
    "accountant_changed": "更换专属会计",
}
TEMPLATE_PROBLEM_ZH: Mapping[str, str] = {
    "empty": "模板不能全部留空。",
    "malformed": "{part_zh}的占位符写法不对，请写成 {{名称}} 的样子。",
    "unknown_placeholder": "{part_zh}里的 {{{name}}} 不能用，可用的有：{known}。",
    "too_long": "{part_zh}太长了：{length} 字，最多 {limit} 字。",
}
PART_ZH: Mapping[str, str] = {"text": "正文", "title": "标题", "remark": "结尾"}
CATEGORY_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "invalid": 422}


def describe(exc: DomainError) -> str:
    template = ERROR_ZH.get(exc.code)
    if template is not None:
        # Money facts come in fen; the words show them as yuan ("left_fen" -> "left_yuan").
        money = {
            f"{k[:-4]}_yuan": yuan(v)
            for k, v in exc.facts.items()
            if k.endswith("_fen") and isinstance(v, int)
        }
        # A threshold of the client stages is named as the rules page names it.
        named = (
            {"rule_zh": RULE_ZH[exc.facts["rule"]][0]} if exc.facts.get("rule") in RULE_ZH else {}
        )
        facts: Mapping[str, Any] = {**exc.facts, **money, **named}
        try:
            return template.format(**facts)
        except (KeyError, IndexError):
            pass
    return "操作未完成，请刷新后重试。"


def status_of(exc: DomainError) -> int:
    return CATEGORY_STATUS.get(exc.category, 409)
