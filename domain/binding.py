"""Use cases for identities: invite codes and binding a WeChat user to a staff member or a
client contact."""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError, NotFound
from domain.identity import INVITE_TTL, Identity, Invite, InviteKind, new_invite_code
from domain.notices import Notice
from domain.ports import UnitOfWork

MAX_CODE_DRAWS = 20


async def create_invite(
    uow: UnitOfWork, firm_id: int, kind: InviteKind, target_id: int, now: datetime
) -> Invite:
    """A fresh one-time code for a staff member or a client contact."""
    if kind is InviteKind.STAFF:
        if await uow.identities.get_staff(target_id) is None:
            raise NotFound("没有这位员工。")
    elif await uow.identities.get_contact(target_id) is None:
        raise NotFound("没有这位联系人。")
    for _ in range(MAX_CODE_DRAWS):
        invite = Invite(new_invite_code(), firm_id, kind, target_id, now + INVITE_TTL)
        if await uow.identities.add_invite(invite):
            return invite
    raise DomainError("邀请码生成失败，请稍后再试。", "exhausted")


async def bind(uow: UnitOfWork, identity: Identity, code: str, now: datetime) -> Identity:
    """Bind the speaker's openid with a one-time code. Raises DomainError with a reason."""
    code = code.strip()
    if not (code.isdigit() and len(code) == 6):
        raise DomainError("绑定码是6位数字，请核对后再发一次，例如：绑定 123456", "bad_code")
    firm = identity.firm
    invite = await uow.identities.get_invite(firm.id, code)
    if invite is None or not invite.usable(now):
        raise DomainError("这个绑定码无效或已过期，请向您的会计或管理员索取新的绑定码。", "invalid")
    if not await uow.identities.use_invite(firm.id, code, identity.openid, now):
        raise DomainError("这个绑定码刚刚已被使用，请索取新的绑定码。", "used")
    await uow.identities.bind_openid(invite, identity.openid)
    bound = await uow.identities.resolve(firm, identity.openid)
    if bound.company is not None and bound.company.accountant_id is not None:
        accountant = await uow.identities.get_staff(bound.company.accountant_id)
        if accountant is not None and accountant.openid:
            await uow.outbox.add(
                Notice(
                    recipient=accountant.openid,
                    kind="client_bound",
                    text=f"{bound.company.name}的{bound.display_name}已绑定公众号，可以在这里联系您了。",
                    template_fields={"company": bound.company.name, "name": bound.display_name},
                ),
                now,
            )
    return bound
