"""How the panel words a client's lifecycle stage, its reasons and the thresholds an admin
edits (the domain gives codes and facts, `domain.client_stages`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain.client_stages import Reason, Stage, StageReason

STAGE_ZH: Mapping[Stage, str] = {
    Stage.NEW: "新开发",
    Stage.STABLE: "稳定合作",
    Stage.AT_RISK: "流失预警",
}

# Each threshold: its label, and the sentence it completes on the rules page.
RULE_ZH: Mapping[str, tuple[str, str]] = {
    "new_months": ("新客户期（月）", "首份合同起这么多个月内算“新开发”"),
    "overdue_days": ("欠费天数", "账单过了缴费日这么多天仍未付，算流失信号"),
    "activity_days": ("业务活跃度统计天数", "比较最近这么多天与之前同样天数的业务量"),
    "activity_drop_percent": ("业务量下降比例（%）", "业务量下降至少这个比例，算流失信号"),
    "activity_min_before": ("比较的最少业务量", "之前一段至少有这么多项业务才比较（不常来的客户不算下降）"),
    "rating_days": ("评价统计天数", "统计最近这么多天的评价"),
    "low_rating": ("低分线（星）", "平均分不高于这个星级，算流失信号"),
    "complaint_days": ("投诉统计天数", "最近这么多天有投诉（或有未结案投诉），算流失信号"),
    "contract_days": ("合同到期提醒天数", "合同在这么多天内到期且没有续签，算流失信号"),
}  # fmt: skip


def _day(value: object) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, date) else ""


def stage_reason(reason: StageReason) -> str:
    f = reason.facts
    match reason.code:
        case Reason.NEW:
            return f"{_day(f['since'])}开始合作，{f['months']} 个月内为新客户"
        case Reason.OVERDUE_FEES:
            return (
                f"有 {f['bills']} 张账单逾期超过 {f['days']} 天未付（最早 {_day(f['since'])} 到期）"
            )
        case Reason.FALLING_ACTIVITY:
            return (
                f"最近 {f['days']} 天提交 {f['recent']} 项业务，"
                f"之前 {f['days']} 天为 {f['before']} 项，明显减少"
            )
        case Reason.LOW_RATINGS:
            return f"最近 {f['days']} 天 {f['ratings']} 次评价，平均 {f['average']} 星"
        case Reason.COMPLAINT:
            return f"最近 {f['days']} 天投诉 {f['recent']} 次，未结案 {f['open']} 件"
        case Reason.CONTRACT_ENDING:
            verb = "已于" if f["ended"] else "将于"
            return f"合同{verb}{_day(f['ends_on'])}到期，尚未续签"
    return ""
