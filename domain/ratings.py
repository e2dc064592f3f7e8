"""Ratings: after completion a client scores two aspects, 服务态度 and 办理速度 (1-5, or
好评/中评/差评), with an optional comment. Once per request; changes allowed for 7 days. A score
of 2 or less opens a complaint follow-up for the admins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain import complaints
from domain.complaints import Complaint
from domain.errors import Conflict, Forbidden
from domain.identity import Identity, Role
from domain.lifecycle import visible_request
from domain.ports import UnitOfWork
from domain.requests import FINISHED, EventKind, RequestEvent, ServiceRequest, Status, move

CHANGE_WINDOW = timedelta(days=7)
LOW_SCORE = 2
ASPECT_ZH = {"attitude": "服务态度", "speed": "办理速度"}
_WORDS = {
    "好评": 5,
    "五星好评": 5,
    "满意": 5,
    "非常满意": 5,
    "中评": 3,
    "一般": 3,
    "差评": 1,
    "不满意": 1,
    "很差": 1,
}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


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

    @property
    def summary(self) -> str:
        text = f"服务态度{self.attitude}分、办理速度{self.speed}分"
        return f"{text}；{self.comment}" if self.comment else text


def score_of(raw: str) -> int | None:
    """ "好评" -> 5, "中评" -> 3, "差评" -> 1, "4", "4分", "四星" -> 4; None otherwise."""
    text = raw.strip().rstrip("。！!~").strip()
    if text in _WORDS:
        return _WORDS[text]
    for suffix in ("分", "星", "颗星"):
        text = text.removesuffix(suffix)
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


@dataclass(frozen=True)
class RateOutcome:
    rating: Rating
    changed: bool  # True when an earlier rating was replaced
    complaint: Complaint | None


async def ratable(
    uow: UnitOfWork, ident: Identity, number: str
) -> tuple[ServiceRequest, Rating | None]:
    """The client's own finished request and its earlier rating; refuse anything else."""
    if ident.role is not Role.CLIENT:
        raise Forbidden("评价是给客户用的哦。")
    req = await visible_request(uow, ident, number)
    if req.status not in FINISHED:
        raise Conflict(f"{number} 还没办完，办完后再来评价吧。")
    return req, await uow.ratings.get(req.id)


async def latest_ratable(uow: UnitOfWork, ident: Identity) -> ServiceRequest | None:
    """The client's most recently completed request still open to a rating or a change."""
    if ident.role is not Role.CLIENT or ident.company is None:
        return None
    done = await uow.requests.list_for_company(ident.company.id, FINISHED)
    return max(done, key=lambda r: r.completed_at or r.created_at, default=None)


async def rate(
    uow: UnitOfWork,
    ident: Identity,
    number: str,
    attitude: int,
    speed: int,
    comment: str,
    now: datetime,
) -> RateOutcome:
    if not (1 <= attitude <= 5 and 1 <= speed <= 5):
        raise Conflict("评分是1到5分哦。")
    req, earlier = await ratable(uow, ident, number)
    comment = comment.strip()[:500]
    if earlier is not None:
        if now - earlier.created_at > CHANGE_WINDOW:
            raise Conflict(f"{number} 已经评价过了，评价提交7天后不能再修改。")
        rating = replace(earlier, attitude=attitude, speed=speed, comment=comment, updated_at=now)
    else:
        if not await move(uow, req.id, frozenset({Status.COMPLETED}), Status.RATED, now):
            raise Conflict(f"{number} 已经评价过了。")
        rating = Rating(
            req.id, req.firm_id, req.company_id, req.handler_id, attitude, speed, comment, now, now
        )
    await uow.ratings.save(rating)
    what = ("修改评价：" if earlier else "") + rating.summary
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.RATED, ident.display_name, what)
    )
    complaint = None
    if rating.low:
        company = ident.company.name if ident.company else ""
        complaint = await complaints.open_from_rating(
            uow,
            req,
            f"{company} {ident.display_name}",
            f"{req.number} 评价偏低：{rating.summary}",
            now,
        )
    return RateOutcome(rating, earlier is not None, complaint)
