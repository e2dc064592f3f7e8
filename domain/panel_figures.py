"""The figures the panel's reports show: per accountant for a period (the seed product's 绩效:
workload and ratings), and the firm's money at a glance. Money is integer fen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AccountantFigures:
    staff_id: int
    name: str
    active: bool
    claimed: int  # requests claimed or assigned in the period
    completed: int  # completed in the period
    ratings: int
    attitude: float | None  # average score, None without ratings
    speed: float | None
    low_ratings: int
    complaints: int
    clients: int  # client companies they are the dedicated accountant of
    minutes_to_claim: float | None = None  # average for requests claimed in the period
    # Medians, in minutes: raised to claimed (claimed in the period), raised to completed
    # (completed in the period). A median, not a mean: one request forgotten over a weekend
    # must not hide how quickly the rest were taken.
    median_minutes_to_claim: float | None = None
    median_minutes_to_complete: float | None = None
    served: int = 0  # client companies whose requests they completed in the period
    fees_fen: int = 0  # bills of their clients paid in the period


@dataclass(frozen=True)
class MonthCounts:
    month: str  # "2026-11"
    claimed: int
    completed: int


@dataclass(frozen=True)
class MonthPaid:
    month: str  # "2026-11"
    paid_fen: int


@dataclass(frozen=True)
class MoneyFigures:
    outstanding_fen: int  # unpaid bills, whenever due
    outstanding_bills: int
    overdue_fen: int  # unpaid and past their due day
    overdue_bills: int
    paid_this_month_fen: int
    paid_this_month_bills: int
    # Unpaid and overdue, by days past due: 0-30, 31-60, 61-90, 90+.
    ageing_fen: tuple[int, int, int, int] = (0, 0, 0, 0)
    by_month: Sequence[MonthPaid] = field(default=())
