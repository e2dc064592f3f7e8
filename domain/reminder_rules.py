"""When a bill is reminded of (催费), as rules: a few days before it is due, on the day, a few
days after, then weekly until it is paid. A step missed (a weekend, a stopped server) is caught
up at the next run; at most one reminder per bill per day, and none once paid or cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class ReminderChannel(StrEnum):
    WECHAT = "wechat"  # 客服 inside the 48-hour window, a template message outside it
    SMS = "sms"  # contacts WeChat cannot reach (never bound, or unfollowed), by phone
    BOTH = "wechat+sms"
    NONE = "none"  # nobody reachable: logged so staff see it


SCHEDULE = "schedule"  # the trigger of the scheduled reminders; staff reminders name the staff


@dataclass(frozen=True)
class ReminderPolicy:
    before_days: int = 3
    after_days: tuple[int, ...] = (3, 7)
    weekly_after: int = 7  # then every week after the last `after_days` step

    def latest_step(self, due_on: date, today: date) -> date | None:
        """The last scheduled reminder day on or before `today`, or None (too early)."""
        steps = [due_on - timedelta(days=self.before_days), due_on]
        steps += [due_on + timedelta(days=d) for d in self.after_days]
        last = steps[-1]
        if today > last:
            weeks = (today - last).days // self.weekly_after
            steps.append(last + timedelta(days=weeks * self.weekly_after))
        passed = [s for s in steps if s <= today]
        return max(passed) if passed else None

    def due(self, due_on: date, last_reminded: date | None, today: date) -> bool:
        """A reminder is due: a step has come since the last reminder."""
        step = self.latest_step(due_on, today)
        return step is not None and (last_reminded is None or last_reminded < step)

    def horizon(self, today: date) -> date:
        """Bills due on or before this day may need a reminder today."""
        return today + timedelta(days=self.before_days)


@dataclass(frozen=True)
class NewReminder:
    firm_id: int
    bill_id: int
    company_id: int
    day: date  # Beijing date: one a bill a day
    trigger: str
    channel: ReminderChannel
    recipients: int
    outcome: str
    created_at: datetime


@dataclass(frozen=True)
class Reminder:
    id: int
    firm_id: int
    bill_id: int
    company_id: int
    day: date
    trigger: str
    channel: ReminderChannel
    recipients: int
    outcome: str
    created_at: datetime
    bill_number: str = ""


@dataclass(frozen=True)
class ReminderScan:
    """One run of the scheduled reminders."""

    looked_at: int = 0
    sent: int = 0
    skipped: int = 0  # reminded today already (another worker, or staff by hand)
