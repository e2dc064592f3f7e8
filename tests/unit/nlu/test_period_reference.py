"""Relative periods resolve against the message's own time in Asia/Shanghai, never the wall
clock: the turn hands its date to the parser, and the boundaries (a new month, quarter or year
that has begun in Shanghai while it is still the day before in UTC) fall on the right side."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.conversation import Conversation
from domain.identity import Firm, Identity, Role
from handlers.message import Inbound
from handlers.turn import Ports, Turn
from nlu.embedded import EmbeddedParser
from nlu.periods import normalise_period
from nlu.types import ParseResult

# 2026-01-01 00:30 in Shanghai is still 2025-12-31 in UTC.
NEW_YEAR = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
# 2026-04-01 00:10 in Shanghai: a new quarter there, the old one in UTC.
NEW_QUARTER = datetime(2026, 3, 31, 16, 10, tzinfo=UTC)
# 2026-03-01 07:00 in Shanghai: 2026-02-28 23:00 in UTC.
NEW_MONTH = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
# 2026-02-28 23:59 in Shanghai, the last minute of the month there (15:59 UTC).
MONTH_END = datetime(2026, 2, 28, 15, 59, tzinfo=UTC)


class RecordingNLU:
    """Remembers the reference date each parse was given."""

    def __init__(self) -> None:
        self.days: list[date | None] = []

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        self.days.append(today)
        return ParseResult(text, "nlu_fallback", 0.0, (), (("nlu_fallback", 0.0),))


def turn_at(now: datetime, nlu: RecordingNLU, text: str = "上个月利润多少") -> Turn:
    identity = Identity("o_x", Firm(1, "测试代账", "wx1"), Role.STRANGER)
    message = Inbound("o_x", "text", now, text=text)
    return Turn(message, identity, Conversation("wx1", "o_x"), None, Ports(nlu), now)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (NEW_YEAR, date(2026, 1, 1)),
        (NEW_QUARTER, date(2026, 4, 1)),
        (NEW_MONTH, date(2026, 3, 1)),
        (MONTH_END, date(2026, 2, 28)),
    ],
)
async def test_the_turn_gives_the_parser_its_own_date_in_shanghai(now: datetime, day: date) -> None:
    nlu = RecordingNLU()
    turn = turn_at(now, nlu)
    assert turn.today == day
    await turn.understand()
    await turn.understand()  # parsed once per turn
    assert nlu.days == [day]


@pytest.mark.parametrize(
    ("today", "text", "period"),
    [
        (date(2026, 1, 1), "上个月", "2025-12"),
        (date(2026, 1, 1), "本月", "2026-01"),
        (date(2026, 1, 1), "上上个月", "2025-11"),
        (date(2026, 1, 1), "上季度", "2025-Q4"),
        (date(2026, 1, 1), "本季度", "2026-Q1"),
        (date(2026, 1, 1), "12月", "2025-12"),  # a month not yet come this year: last year's
        (date(2026, 1, 1), "第四季度", "2025-Q4"),
        (date(2026, 1, 1), "去年12月", "2025-12"),
        (date(2025, 12, 31), "下个月", "2026-01"),
        (date(2025, 12, 31), "12月", "2025-12"),
        (date(2026, 4, 1), "上个季度", "2026-Q1"),
        (date(2026, 4, 1), "这个季度", "2026-Q2"),
        (date(2026, 4, 1), "上个月", "2026-03"),
        (date(2026, 3, 31), "本季度", "2026-Q1"),
        (date(2026, 3, 1), "上个月", "2026-02"),
        (date(2026, 2, 28), "这个月", "2026-02"),
        (date(2026, 10, 1), "第三季度", "2026-Q3"),
        (date(2026, 9, 30), "第四季度", "2025-Q4"),
    ],
)
def test_relative_periods_at_month_quarter_and_year_boundaries(
    today: date, text: str, period: str
) -> None:
    assert normalise_period(text, today) == period


@pytest.mark.parametrize(
    ("now", "period"),
    [
        (NEW_YEAR, "2025-12"),
        (NEW_QUARTER, "2026-03"),
        (NEW_MONTH, "2026-02"),
        (MONTH_END, "2026-01"),
    ],
)
async def test_the_real_parser_reads_last_month_against_the_message_time(
    parser: EmbeddedParser, now: datetime, period: str
) -> None:
    turn = Turn(
        Inbound("o_x", "text", now, text="上个月利润多少"),
        Identity("o_x", Firm(1, "测试代账", "wx1"), Role.STRANGER),
        Conversation("wx1", "o_x"),
        None,  # type: ignore[arg-type]
        Ports(parser),
        now,
    )
    parsed = await turn.understand()
    assert parsed.entity("period") == period
