"""Moving a request through its status machine: the only way a use case changes a request's
status. Checked against `domain.requests.TRANSITIONS`, then one conditional UPDATE, so of two
racing callers exactly one wins."""

from __future__ import annotations

from datetime import datetime

from domain.ports import UnitOfWork
from domain.requests import Status, check_move


async def move(
    uow: UnitOfWork,
    request_id: int,
    from_: frozenset[Status],
    to: Status,
    now: datetime,
    **conditions_and_changes: object,
) -> bool:
    """Move to `to` (setting `conditions_and_changes`) if the status is in `from_`; True if
    this call made the change (see `RequestRepository.transition`)."""
    check_move(from_, to)
    return await uow.requests.transition(request_id, from_, to, now, **conditions_and_changes)  # type: ignore[arg-type]
