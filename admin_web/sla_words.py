"""The board card's SLA mark in words: "待接单 35 分钟，超过时限"."""

from __future__ import annotations

from domain.sla import Sla, SlaClock, SlaState

CLOCK = {SlaClock.CLAIM: "待接单", SlaClock.FIRST_PROGRESS: "接单后未反馈进度"}
STATE = {
    SlaState.OK: "在时限内",
    SlaState.WARNING: "已过时限一半",
    SlaState.LATE: "超过时限",
}


def sla_title(sla: Sla) -> str:
    limit = int(sla.allowance.total_seconds() // 60)
    return f"{CLOCK[sla.clock]} {sla.minutes} 分钟，{STATE[sla.state]}（时限 {limit} 分钟）"
