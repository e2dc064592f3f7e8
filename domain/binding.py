"""Use cases for identities: invite codes and binding a WeChat user to a staff member or a
client contact.

Binding is the door into everything, so it is guarded three ways:
- Codes are hard to guess (see `domain.invite_codes`) and short-lived (`BindingPolicy`).
- Failed attempts are limited per WeChat user and across the firm; a limit reached means no
  code is looked up at all until it clears, and the firm's admins hear of a firm-wide burst once.
  A refused attempt is recorded in the caller's unit of work, so the caller commits it even when
  `bind` raises: the record *is* the change.
- Every binding is told, at once, to people who can tell a hijack from a real binding: the
  firm's admins, and for a client contact the company's accountant. The person whose code it was
  is often not reachable on WeChat yet; when a binding moved away from another WeChat user, that
  user is told too.

A person already bound to one WeChat user is never silently moved to another. Only a code
issued *while* that binding existed may move it (the admin knowingly issued it for a new
phone), and only away from that very WeChat user; an older code, or one issued before someone
else bound, is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actors import Actor
from domain.binding_policy import BindingFailure, BindingPolicy, blocked_until
from domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from domain.identity import Firm, Identity, Invite, InviteKind
from domain.invite_codes import new_code, read_code
from domain.notices import BindingPaused, Bound, Notice, NoticeKind
from domain.ports import UnitOfWork
from domain.request_notices import admins, tell_staff

MAX_CODE_DRAWS = 20
DEFAULT_POLICY = BindingPolicy()


class BindingLocked(DomainError):
    """Too many wrong codes: nothing is looked up until `until` (facts: `until`, `now`).
    Code `locked`: this WeChat user's limit; `paused`: the firm-wide one."""

    category = "locked"

    def __init__(self, code: str, until: datetime, now: datetime) -> None:
        super().__init__(code, until=until, now=now)
        self.until = until


async def create_invite(
    uow: UnitOfWork,
    actor: Actor,
    kind: InviteKind,
    target_id: int,
    now: datetime,
    policy: BindingPolicy = DEFAULT_POLICY,
) -> Invite:
    """A fresh one-time code for a staff member or a client contact; their older unused codes
    stop working. If they are bound already, the code may move that binding (a new phone).
    Admins and the system (the operator's console) issue codes."""
    if not actor.may_manage:
        raise Forbidden("admins_only_invite")
    firm_id = actor.firm_id
    if kind is InviteKind.STAFF:
        staff = await uow.identities.get_staff(target_id)
        if staff is None or staff.firm_id != firm_id:
            raise NotFound("staff_not_found")
        bound_to = staff.openid
    else:
        contact = await uow.identities.get_contact(target_id)
        company = await uow.identities.get_company(contact.company_id) if contact else None
        if contact is None or company is None or company.firm_id != firm_id:
            raise NotFound("contact_not_found")
        bound_to = contact.openid
    await uow.identities.revoke_invites(firm_id, kind, target_id, now)
    expires_at = now + policy.code_ttl(kind)
    for _ in range(MAX_CODE_DRAWS):
        invite = Invite(new_code(kind), firm_id, kind, target_id, expires_at, None, None, bound_to)
        if await uow.identities.add_invite(invite):
            return invite
    raise DomainError("invite_codes_exhausted")


async def bind(
    uow: UnitOfWork,
    firm: Firm,
    openid: str,
    code: str,
    now: datetime,
    policy: BindingPolicy = DEFAULT_POLICY,
) -> Identity:
    """Bind a WeChat user (`openid`, the one thing binding is about) with a one-time code;
    returns who they are now. Raises DomainError with a reason; a failed attempt is recorded
    in `uow` all the same (commit it)."""
    firm_id = firm.id
    await _check_limits(uow, firm_id, openid, now, policy)
    read = read_code(code)
    if read is None:  # not a code at all: explained, not counted
        raise Invalid("bad_code")
    code, shape = read
    invite = await uow.identities.get_invite(firm_id, code)
    if invite is None or invite.kind is not shape or not invite.usable(now):
        await _record_failure(uow, firm_id, openid, now, policy)
        raise NotFound("invalid")
    exists, current = await _target(uow, invite)
    if not exists:  # the person was removed (or left) after the code was issued
        await _record_failure(uow, firm_id, openid, now, policy)
        raise NotFound("invalid")
    if current not in (None, openid, invite.replaces_openid):
        raise Conflict("taken")
    if not await uow.identities.use_invite(firm_id, code, openid, now):
        await _record_failure(uow, firm_id, openid, now, policy)
        raise Conflict("used")
    if not await uow.identities.bind_openid(invite, openid):
        # Someone else bound this person between our read and our write. The code is spent
        # (fail closed): the admin issues a new one if this was the rightful owner.
        raise Conflict("taken")
    bound = await uow.identities.resolve(firm, openid)
    replaced = current if current not in (None, openid) else None
    await _tell_about_binding(uow, invite, bound, replaced, now)
    return bound


async def _target(uow: UnitOfWork, invite: Invite) -> tuple[bool, str | None]:
    """Whether the invite's person may still be bound, and the openid they are bound to."""
    if invite.kind is InviteKind.STAFF:
        staff = await uow.identities.get_staff(invite.target_id)
        if staff is None or not staff.active:
            return False, None
        return True, staff.openid
    contact = await uow.identities.get_contact(invite.target_id)
    return (False, None) if contact is None else (True, contact.openid)


async def _check_limits(
    uow: UnitOfWork, firm_id: int, openid: str, now: datetime, policy: BindingPolicy
) -> None:
    attempts = uow.binding_attempts
    mine = await attempts.failures_since(firm_id, now - policy.user_window, openid)
    until = blocked_until(
        [f.at for f in mine], policy.max_failures_per_user, policy.user_window, now
    )
    if until is not None:
        raise BindingLocked("locked", until, now)
    everyone = await attempts.failures_since(firm_id, now - policy.global_window)
    until = blocked_until(
        [f.at for f in everyone], policy.max_failures_global, policy.global_window, now
    )
    if until is not None:
        await _burst(uow, firm_id, everyone, until, now, policy)
        raise BindingLocked("paused", until, now)


async def _record_failure(
    uow: UnitOfWork, firm_id: int, openid: str, now: datetime, policy: BindingPolicy
) -> None:
    attempts = uow.binding_attempts
    await attempts.add_failure(firm_id, BindingFailure(openid, now), now - policy.keep_failures)
    everyone = await attempts.failures_since(firm_id, now - policy.global_window)
    until = blocked_until(
        [f.at for f in everyone], policy.max_failures_global, policy.global_window, now
    )
    if until is not None:
        await _burst(uow, firm_id, everyone, until, now, policy)


async def _burst(
    uow: UnitOfWork,
    firm_id: int,
    recent: Sequence[BindingFailure],
    until: datetime,
    now: datetime,
    policy: BindingPolicy,
) -> None:
    """Binding is paused firm-wide: alert the admins, once per burst."""
    if not await uow.binding_attempts.note_burst(firm_id, now, now + policy.global_window):
        return
    paused = BindingPaused(
        failures=len(recent),
        people=len({f.openid for f in recent}),
        window_minutes=int(policy.global_window.total_seconds() // 60),
        until=until,
    )
    await tell_staff(
        uow,
        await admins(uow, firm_id),
        now,
        NoticeKind.BINDING_PAUSED,
        paused,
        dedup=f"binding_paused:{firm_id}:{now.isoformat()}",
    )


async def _tell_about_binding(
    uow: UnitOfWork, invite: Invite, bound: Identity, replaced: str | None, now: datetime
) -> None:
    """Whoever can spot a hijack hears of every binding: the admins, the client's accountant,
    and the WeChat user the binding moved away from."""
    facts = Bound(
        name=bound.display_name,
        company=bound.company.name if bound.company is not None else "",
        as_contact=invite.kind is InviteKind.CONTACT,
        wechat_tail=bound.openid[-6:],
        moved=replaced is not None,
    )
    dedup = f"bound:{invite.firm_id}:{invite.code}"

    told: set[str] = {bound.openid}
    accountant_id = bound.company.accountant_id if bound.company is not None else None
    if invite.kind is InviteKind.CONTACT and accountant_id is not None:
        accountant = await uow.identities.get_staff(accountant_id)
        if accountant is not None and accountant.openid and accountant.openid not in told:
            told.add(accountant.openid)
            await uow.outbox.add(
                Notice(
                    accountant.openid,
                    NoticeKind.CLIENT_BOUND,
                    facts,
                    dedup_key=f"{dedup}:accountant",
                ),
                now,
            )
    to_tell = [s for s in await admins(uow, invite.firm_id) if s.openid not in told]
    await tell_staff(uow, to_tell, now, NoticeKind.IDENTITY_BOUND, facts, dedup=dedup)
    if replaced is not None:
        await uow.outbox.add(
            Notice(replaced, NoticeKind.BINDING_REPLACED, facts, dedup_key=f"{dedup}:replaced"),
            now,
        )


async def note_following(
    uow: UnitOfWork, firm_id: int, openid: str, following: bool, now: datetime
) -> int:
    """WeChat's subscribe / unsubscribe event: a contact bound to `openid` who unfollowed is
    marked (WeChat cannot reach them, so reminders go to their phone by SMS); following again
    clears the mark. The binding itself stays. Returns how many contacts changed."""
    return await uow.identities.set_unfollowed(firm_id, openid, None if following else now)
