"""The chat's words for the domain's refusals.

A domain error carries a code and facts (`domain.errors`); this is where the chat turns them into
what the person reads, with an example of what to type next. An admin panel words the same
codes its own way. A code without words here falls back to a general apology, and a test checks
that every code the domain raises has words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from domain.clock import local
from domain.errors import DomainError
from domain.invite_codes import CONTACT_CODE_DIGITS, STAFF_CODE_LENGTH
from handlers.book_answer_texts import TEXTS as BOOK_ANSWER_TEXTS
from handlers.book_texts import TEXTS as BOOK_TEXTS
from handlers.invoice_texts import NO_INVOICES_YET
from handlers.payment_texts import TEXTS as PAYMENT_TEXTS

CODE_SHAPES = (
    f"员工绑定码是{STAFF_CODE_LENGTH}位字母数字（不含0、O、1、I、L，不分大小写），"
    f"客户绑定码是{CONTACT_CODE_DIGITS}位数字"
)
FALLBACK = "抱歉，这项操作没能完成，请稍后再试。"


def when(at: datetime, now: datetime) -> str:
    """The time of day, with the date in front when it is not today (Shanghai time)."""
    there, here = local(at), local(now)
    if there.date() == here.date():
        return there.strftime("%H:%M")
    return f"{there.month}月{there.day}日 {there:%H:%M}"


Words = Callable[[Mapping[str, Any]], str]


def _fixed(text: str) -> Words:
    return lambda _facts: text


TEXTS: dict[str, Words] = {
    # who may do what
    "clients_only": _fixed("这项服务需要先绑定为客户哦。"),
    "staff_only": _fixed("这是员工功能哦。如需办理业务，直接告诉我您要办什么就行。"),
    "admins_only_assign": _fixed("分配任务需要管理员权限。"),
    "admins_only_resolve": _fixed("处理投诉需要管理员权限。"),
    "admins_only_invite": _fixed("发绑定码需要管理员权限。"),
    "admins_only_people": _fixed("管理员工和客户需要管理员权限。"),
    "admins_only_templates": _fixed("修改消息模板需要管理员权限。"),
    "admins_only_figures": _fixed("查看同事的统计需要管理员权限。"),
    "complaints_clients_only": _fixed("投诉建议需要先绑定为客户哦。"),
    "ratings_clients_only": _fixed("评价是给客户用的哦。"),
    # requests
    "request_not_found": lambda f: f"没有找到单号 {f['number']}，请核对一下。",
    "unknown_request_type": _fixed("暂不支持这类业务，请从列表里选一项。"),
    "description_missing": _fixed("请简单描述一下需要办理的事情。"),
    "already_cancelled": lambda f: f"{f['number']} 已经取消过了。",
    "cancel_after_claim": lambda f: (
        f"{f['number']} 已由{f.get('handler') or '会计'}接手办理，不能直接取消了。"
        "如需取消，请直接联系负责的会计。"
    ),
    "cancel_after_completion": lambda f: f"{f['number']} 已经办结，不能取消了。",
    "not_claimed_yet": lambda f: (
        f"{f['number']} 还没有人接单，先回复“抢单 {f['number']}”接下来吧。"
    ),
    "cancelled_by_client": lambda f: f"{f['number']} 已被客户取消。",
    "already_finished": lambda f: f"{f['number']} 已经办结了。",
    "not_your_request": lambda f: (
        f"{f['number']} 由{f.get('handler') or '其他同事'}负责，不是您的单哦。"
    ),
    "progress_missing": lambda f: f"请写一句进度说明，例如：进度 {f['number']} 已提交工商局。",
    "status_changed": lambda f: f"{f['number']} 的状态刚刚变了，请发“我的任务”看看最新情况。",
    # claims and assignment
    "already_yours": lambda f: f"{f['number']} 已经是您的单了，直接办理就好。",
    "claimed_by_another": lambda f: (
        f"手慢了一步，{f['number']} 已被{f.get('handler') or '同事'}接单。下次加油！"
    ),
    "claim_cancelled": lambda f: f"{f['number']} 已被客户取消，不用接了。",
    "claim_finished": lambda f: f"{f['number']} 已经办结了，无需再接。",
    "not_claimable": lambda f: f"{f['number']} 现在不能接单，请稍后再试。",
    "assignee_not_found": _fixed("没有这位在职员工，请核对姓名，例如：分配 R1024 给 王会计。"),
    "already_assigned": lambda f: f"{f['number']} 已经由{f['assignee']}负责了。",
    "nothing_to_reassign": lambda f: f"{f['name']}手上没有未办结的业务，无需转交。",
    "reassign_count_changed": lambda f: (
        f"{f['name']}手上的业务刚有变动（现有 {f['count']} 项），请刷新后重新确认。"
    ),
    "in_progress_needs_staff": lambda f: (
        f"{f['name']}有办理中的业务，不能退回抢单池，请转交给一位同事。"
    ),
    "reassign_to_same": lambda f: f"业务已在{f['name']}手上，请选另一位同事。",
    "in_progress_elsewhere": lambda f: f"{f['number']} 已由{f.get('handler')}办理中，不便改派。",
    # complaints and ratings
    "complaint_missing": _fixed("请说一下遇到了什么问题。"),
    "resolution_missing": lambda f: f"请写上处理结果，例如：结案 {f['number']} 已电话回访并致歉。",
    "complaint_not_found": lambda f: f"没有找到投诉 {f['number']}，请核对一下。",
    "complaint_already_resolved": lambda f: f"投诉 {f['number']} 已经处理过了。",
    "not_finished_yet": lambda f: f"{f['number']} 还没办完，办完后再来评价吧。",
    "score_out_of_range": _fixed("评分是1到5分哦。"),
    "rating_locked": lambda f: f"{f['number']} 已经评价过了，评价提交7天后不能再修改。",
    "already_rated": lambda f: f"{f['number']} 已经评价过了。",
    # people and binding
    "staff_exists": lambda f: f"已有名为{f['name']}的员工。",
    "staff_not_found": lambda f: (
        f"没有名为{f['name']}的员工。" if f.get("name") else "没有这位员工。"
    ),
    "contact_not_found": _fixed("没有这位联系人。"),
    "invite_codes_exhausted": _fixed("邀请码生成失败，请稍后再试。"),
    "bad_code": _fixed(
        f"这个绑定码的格式不对哦：{CODE_SHAPES}。请核对后再发一次，例如：绑定 123456"
    ),
    "invalid": _fixed("这个绑定码无效或已过期，请向您的会计或管理员索取新的绑定码。"),
    "used": _fixed("这个绑定码刚刚已被使用，请索取新的绑定码。"),
    "taken": _fixed(
        "这个身份已经绑定了另一个微信，为了安全不能直接换绑。如需换绑，请联系管理员重新发一个绑定码。"
    ),
    "locked": lambda f: (
        "绑定码已经连续输错好几次了，为了您的账户安全，绑定先暂停一下。"
        f"请在{when(f['until'], f['now'])}以后再试，也可以先向您的会计或管理员核对一下绑定码。"
    ),
    # invoice corrections
    "value_missing": _fixed("请在字段后面写上正确的值，例如：更正 金额 46.62"),
    "amount_format": _fixed("金额请写成数字，最多两位小数，例如：更正 金额 46.62"),
    "amount_negative": _fixed("金额不能是负数。"),
    "date_format": _fixed("日期请写成 2024-03-15 这样的格式。"),
    "date_invalid": lambda f: f"{f['text']} 不是有效日期，请核对。",
    "date_future": _fixed("开票日期不能晚于今天，请核对。"),
    "number_format": _fixed("发票号码是8位或20位数字，请核对。"),
    "code_format": _fixed("发票代码是10位或12位数字，请核对。"),
    "code_not_applicable": _fixed("数电票没有发票代码，无需更正。"),
    "tax_id_format": _fixed("税号是15到20位的数字或大写字母，请核对。"),
    "check_code_format": _fixed("校验码是20位数字，请核对。"),
    "name_too_long": _fixed("名称太长了，请核对。"),
    "type_format": _fixed(
        "请写发票类型的全称，例如：更正 类型 增值税专用发票（也可以写“专票”“普票”）。"
    ),
    "field_not_correctable": _fixed("这个字段暂不支持更正。"),
    "invoice_number_taken": lambda f: (
        f"号码为 {f['number']} 的发票已经上传过，不能改成重复的号码。"
    ),
    "company_not_found": lambda f: f"没有找到名称包含“{f['query']}”的客户公司，请核对名称。",
    "company_ambiguous": lambda f: (
        f"“{f['query']}”对应多家公司：{'、'.join(f['names'])}。请说得更具体一些。"
    ),
    "invoice_not_found": lambda f: f"没有找到号码为 {f['number']} 的发票，请核对号码。",
    "no_invoices_yet": _fixed(NO_INVOICES_YET),
    "template_invalid": _fixed("这个消息模板还不能保存，请按提示修改后再试。"),
    "paused": lambda f: (
        f"绑定功能有点忙，暂停几分钟，请在{when(f['until'], f['now'])}以后再试。给您添麻烦了！"
    ),
    # the admin panel's refusals (worded for the panel in `admin_web.wording`; should the chat
    # ever reach these use cases, it has words for them too)
    "admins_only_tags": _fixed("修改客户标签需要管理员权限。"),
    "admins_only_reports": _fixed("查看报表需要管理员权限。"),
    "period_month_unknown": _fixed("月份写法不对，请用 2026-11 这样的格式。"),
    "period_quarter_unknown": _fixed("季度写法不对，请用 2026-Q4 这样的格式。"),
    "working_hours_invalid": _fixed("时间写法不对，请用 09:00 这样的格式。"),
    "working_hours_reversed": _fixed("下班时间要晚于上班时间。"),
    "working_days_invalid": _fixed("请至少选择一个工作日。"),
    "working_hours_unchanged": lambda f: f"{f['name']}的工作时间没有变化。",
    "client_not_found": _fixed("没有找到这家客户。"),
    "admins_only_accountant": _fixed("更换专属会计需要管理员权限。"),
    "accountant_unchanged": lambda f: f"{f['company']}的专属会计已经是{f['name']}了，没有改动。",
    "tag_not_found": _fixed("没有这个标签。"),
    "tag_exists": lambda f: f"已经有“{f['name']}”这个标签了。",
    "tag_name_missing": _fixed("请告诉我标签的名称。"),
    "tag_name_too_long": lambda f: f"标签名称最多 {f['limit']} 个字。",
    "tag_not_on_client": lambda f: f"这家客户没有“{f['name']}”标签。",
    "no_clients_chosen": _fixed("请先选好要打标签的客户。"),
    "staff_inactive": lambda f: f"{f['name']} 已停用。",
    "cannot_demote_self": _fixed("不能取消自己的管理员权限。"),
    "cannot_deactivate_self": _fixed("不能停用自己的账号。"),
    "role_unchanged": lambda f: f"{f['name']} 已经是这个角色了。",
    "period_reversed": _fixed("开始日期不能晚于结束日期。"),
    "period_too_long": _fixed("统计区间最长一年。"),
    # the panel's own settings (menu, home page, checklist templates, invoice corrections):
    # refused in the chat too when a chat edge ever reaches them
    "admins_only_checklists": _fixed("修改申报清单模板需要管理员权限。"),
    "admins_only_layout": _fixed("修改菜单和首页需要管理员权限。"),
    "checklist_invalid": _fixed("清单模板还有问题，请在管理后台按提示修改。"),
    "menu_invalid": _fixed("菜单还有问题，请在管理后台按提示修改。"),
    "home_invalid": _fixed("首页还有问题，请在管理后台按提示修改。"),
    "image_empty": _fixed("上传的图片是空的。"),
    "image_not_image": _fixed("只能上传 PNG、JPEG 或 GIF 图片。"),
    "image_too_big": lambda f: f"图片太大了，最大 {f.get('limit_kb', '')} KB。",
    "invoice_field_unknown": _fixed("这一项不能更正。"),
    "complaint_not_resolved": lambda f: f"投诉 {f.get('number', '')} 还没有结案，不用重新打开。",
    "reopen_note_missing": _fixed("请填写重新打开的原因。"),
    "version_not_found": lambda f: f"没有第 {f.get('version', '')} 版。",
    "admins_only_settings": _fixed("修改公司设置需要管理员权限。"),
    "filter_empty": _fixed("当前没有任何筛选条件，无需保存。"),
    "filter_limit": lambda f: f"最多保存 {f.get('limit', '')} 个常用筛选，请先删掉不用的。",
    "filter_name_missing": _fixed("请给筛选起个名字。"),
    "filter_name_too_long": lambda f: f"筛选名称最多 {f.get('limit', '')} 个字。",
    "filter_not_found": _fixed("没有找到这个常用筛选。"),
    "import_has_problems": lambda f: f"有 {f.get('rows', '')} 行需要修改，没有导入任何客户。",
    "stage_rule_out_of_bounds": lambda f: (
        f"这条规则须是 {f.get('low', '')} 到 {f.get('high', '')} 之间的整数，规则没有保存。"
    ),
    # the books: worded in `handlers.book_texts`, the same for every edge
    **BOOK_TEXTS,
    **BOOK_ANSWER_TEXTS,
    # contracts, bills, payments and refunds: `handlers.payment_texts`
    **PAYMENT_TEXTS,
}


def error_text(exc: DomainError) -> str:
    """What the chat says when the domain refuses."""
    words = TEXTS.get(exc.code)
    return words(exc.facts) if words is not None else FALLBACK
