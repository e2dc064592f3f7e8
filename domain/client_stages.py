"""A client's lifecycle stage, computed from what the client did (seed 002's "dynamic
classification"): 新开发 in its first months, 稳定合作 after, 流失预警 whenever a warning sign
shows (overdue fees, falling activity, low ratings, a complaint, a contract ending without a
renewal). Each stage comes with its reasons (codes and facts, worded by each edge), so the
panel can say why. The thresholds are the firm's, kept as a panel document and edited by
admins; the defaults below are where a firm starts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

STAGE_RULES = "stage_rules"  # the panel document's kind


class Stage(StrEnum):
    NEW = "new"
    STABLE = "stable"
    AT_RISK = "at_risk"


@dataclass(frozen=True)
class StageRules:
    """The firm's thresholds. Windows in days, counted back from today."""

    new_months: int = 3  # a client is 新开发 this many months from its first contract
    overdue_days: int = 30  # a bill unpaid this many days past its due day
    activity_days: int = 90  # requests in the last N days against the N before
    activity_drop_percent: int = 50  # ... falling by at least this much
    activity_min_before: int = 3  # ... from at least this many (a quiet client is not falling)
    rating_days: int = 180  # ratings in the last N days
    low_rating: int = 3  # ... averaging at or below this many stars (1-5)
    complaint_days: int = 90  # a complaint in the last N days (or one still open)
    contract_days: int = 30  # a contract ending within N days with no later one


# What an admin may set each threshold to (inclusive).
BOUNDS: Mapping[str, tuple[int, int]] = {
    "new_months": (1, 24),
    "overdue_days": (1, 365),
    "activity_days": (7, 365),
    "activity_drop_percent": (1, 100),
    "activity_min_before": (1, 1000),
    "rating_days": (7, 730),
    "low_rating": (1, 5),
    "complaint_days": (1, 730),
    "contract_days": (1, 365),
}
RULE_NAMES: Sequence[str] = tuple(f.name for f in fields(StageRules))


def rules_from(body: Mapping[str, Any] | None) -> StageRules:
    """The firm's saved thresholds; anything missing or out of bounds stays the default
    (a saved document is checked on the way in, this only guards against old shapes)."""
    if not body:
        return StageRules()
    values: dict[str, int] = {}
    for name in RULE_NAMES:
        value = body.get(name)
        low, high = BOUNDS[name]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            values[name] = value
    return StageRules(**values)


def rules_body(rules: StageRules) -> dict[str, int]:
    return asdict(rules)


@dataclass(frozen=True)
class ClientFacts:
    """What the stage is computed from, read for one client as of `today`."""

    first_contract_on: date | None
    overdue_bills: int  # unpaid past due by at least `overdue_days`
    oldest_overdue_on: date | None
    requests_recent: int  # in the last `activity_days`
    requests_before: int  # in the `activity_days` before those
    ratings: int  # in the last `rating_days`
    rating_average: float | None  # mean of each rating's aspects, 1-5
    complaints_recent: int  # opened in the last `complaint_days`
    complaints_open: int
    contract_ends_on: date | None  # the latest end among the active contracts (None: open)
    has_contract: bool


class Reason(StrEnum):
    NEW = "new"
    OVERDUE_FEES = "overdue_fees"
    FALLING_ACTIVITY = "falling_activity"
    LOW_RATINGS = "low_ratings"
    COMPLAINT = "complaint"
    CONTRACT_ENDING = "contract_ending"


@dataclass(frozen=True)
class StageReason:
    code: Reason
    facts: Mapping[str, Any]


@dataclass(frozen=True)
class StageVerdict:
    stage: Stage
    reasons: Sequence[StageReason]


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # day 28 exists in every month


def warnings(facts: ClientFacts, rules: StageRules, today: date) -> list[StageReason]:
    found: list[StageReason] = []
    if facts.overdue_bills:
        found.append(
            StageReason(
                Reason.OVERDUE_FEES,
                {"bills": facts.overdue_bills, "since": facts.oldest_overdue_on,
                 "days": rules.overdue_days},
            )
        )  # fmt: skip
    before, recent = facts.requests_before, facts.requests_recent
    if before >= rules.activity_min_before and recent * 100 <= before * (
        100 - rules.activity_drop_percent
    ):
        found.append(
            StageReason(
                Reason.FALLING_ACTIVITY,
                {"recent": recent, "before": before, "days": rules.activity_days},
            )
        )
    average = facts.rating_average
    if facts.ratings and average is not None and average <= rules.low_rating:
        found.append(
            StageReason(
                Reason.LOW_RATINGS,
                {"average": round(average, 1), "ratings": facts.ratings, "days": rules.rating_days},
            )
        )
    if facts.complaints_recent or facts.complaints_open:
        found.append(
            StageReason(
                Reason.COMPLAINT,
                {"recent": facts.complaints_recent, "open": facts.complaints_open,
                 "days": rules.complaint_days},
            )
        )  # fmt: skip
    ends = facts.contract_ends_on
    if ends is not None and ends <= today + timedelta(days=rules.contract_days):
        found.append(StageReason(Reason.CONTRACT_ENDING, {"ends_on": ends, "ended": ends < today}))
    return found


def stage_of(facts: ClientFacts, rules: StageRules, today: date) -> StageVerdict:
    """流失预警 if any warning sign shows (it outranks being new: a new client who
    complains needs attention most); else 新开发 within `new_months` of the first contract;
    else 稳定合作."""
    signs = warnings(facts, rules, today)
    if signs:
        return StageVerdict(Stage.AT_RISK, signs)
    first = facts.first_contract_on
    if first is not None and today < _months_later(first, rules.new_months):
        return StageVerdict(
            Stage.NEW,
            [StageReason(Reason.NEW, {"since": first, "months": rules.new_months})],
        )
    return StageVerdict(Stage.STABLE, [])
