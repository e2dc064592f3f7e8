"""Ratings: after completion a client scores two aspects, 服务态度 and 办理速度 (1-5, or
好评/中评/差评), with an optional comment. Once per request; changes allowed for 7 days. A score
of 2 or less opens a complaint follow-up for the admins. The use cases live in
`domain.feedback`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.complaints import Complaint

CHANGE_WINDOW = timedelta(days=7)
LOW_SCORE = 2


@dataclass(frozen=True)
class Rating:
    request_id: int
    firm_id: int
    company_id: int
    staff_id: int | None
    attitude: int
    speed: int
    comment: str
    created_at: datetime
    updated_at: datetime

    @property
    def low(self) -> bool:
        return min(self.attitude, self.speed) <= LOW_SCORE


@dataclass(frozen=True)
class RateOutcome:
    rating: Rating
    changed: bool  # True when an earlier rating was replaced
    complaint: Complaint | None
