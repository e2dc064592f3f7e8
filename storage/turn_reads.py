"""Who is writing and where their conversation stands, in one statement.

Every turn that does not find both in the webhook's memory needs them: on PostgreSQL with
several workers that is every turn, after the per-user advisory lock. Three prebuilt
statements cost three round trips; joined onto one single-row anchor (each part matches at
most one row: staff are unique by openid per firm, a conversation by (appid, openid), and the
contact lookup takes the first) they cost one, with the same columns and types.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.conversation import Conversation
from domain.identity import Firm, Identity
from storage.conversations import _LOAD, _conversation
from storage.identities import _CONTACT_BY_OPENID, _STAFF_BY_OPENID, _identity

_ONE = select(literal_column("1").label("one")).subquery("one")
_STAFF = _STAFF_BY_OPENID.subquery("s")
_CONTACT = _CONTACT_BY_OPENID.subquery("c")
_CONV = _LOAD.subquery("v")
_PARTS = (("s_", _STAFF), ("c_", _CONTACT), ("v_", _CONV))
_WHO_AND_WHERE = select(
    *[col.label(prefix + col.name) for prefix, part in _PARTS for col in part.c]
).select_from(_ONE.outerjoin(_STAFF, true()).outerjoin(_CONTACT, true()).outerjoin(_CONV, true()))


def _part(row: Any, prefix: str, part: Any, present: str) -> SimpleNamespace | None:
    if getattr(row, prefix + present) is None:
        return None
    return SimpleNamespace(**{col.name: getattr(row, prefix + col.name) for col in part.c})


async def identity_and_conversation(
    db: AsyncSession | AsyncConnection, firm: Firm, openid: str
) -> tuple[Identity, Conversation]:
    """`SqlIdentityRepository.resolve` and `SqlConversationStore.load` in one round trip."""
    params = {"firm_id": firm.id, "openid": openid, "appid": firm.appid}
    row = (await db.execute(_WHO_AND_WHERE, params)).one()
    staff = _part(row, "s_", _STAFF, "id")
    contact = _part(row, "c_", _CONTACT, "id")
    conv = _part(row, "v_", _CONV, "updated_at")  # never NULL in a stored conversation
    return _identity(firm, openid, staff, contact), _conversation(firm.appid, openid, conv)
