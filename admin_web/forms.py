"""Reading what a page was sent: numbers, bounded text and lists from the URL or a form, read
leniently (nonsense becomes "not given", never an error page), and the panel's one way of
running a change: the domain service inside one unit of work, committed only if it agreed,
its refusal worded for the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiMapping

from admin_web.keys import PORTS
from admin_web.wording import describe, status_of
from domain.errors import DomainError
from storage.uow import SqlUnitOfWork

T = TypeVar("T")
MAX_PAGE = 10_000


def as_id(value: object) -> int | None:
    if isinstance(value, str) and value.isdecimal() and len(value) < 10:
        return int(value) or None
    return None


def as_text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def ids(values: MultiMapping[Any], name: str, limit: int = 200) -> list[int]:
    found = [as_id(v) for v in values.getall(name, [])][:limit]
    return [i for i in found if i is not None]


def page_of(query: Mapping[str, str]) -> int:
    return min(max(as_id(query.get("page")) or 1, 1), MAX_PAGE)


@dataclass(frozen=True)
class Outcome:
    """What a change came to: its result, or the refusal worded and its HTTP status."""

    value: Any = None
    error: str = ""
    status: int = 200

    @property
    def ok(self) -> bool:
        return not self.error


async def change(request: web.Request, act: Callable[[SqlUnitOfWork], Awaitable[T]]) -> Outcome:
    """Run `act` in one unit of work: commit and wake the outbox when it succeeded, roll back
    and word the refusal when the domain said no."""
    ports = request.app[PORTS]
    async with SqlUnitOfWork(ports.sessions()) as uow:
        try:
            value = await act(uow)
        except DomainError as exc:
            await uow.rollback()
            return Outcome(error=describe(exc), status=status_of(exc))
        await uow.commit()
    ports.queued_notices()
    return Outcome(value)


async def read(request: web.Request, act: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    """Run a reading service; a refusal becomes the matching error page (404/403)."""
    async with SqlUnitOfWork(request.app[PORTS].sessions()) as uow:
        try:
            return await act(uow)
        except DomainError as exc:
            status = status_of(exc)
            cls = {403: web.HTTPForbidden, 404: web.HTTPNotFound}.get(status, web.HTTPBadRequest)
            raise cls(text=describe(exc)) from None
