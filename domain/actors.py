"""Who acts in a use case: a staff member, an admin, a client contact, or the system.

Every service function takes an `Actor` beside its unit of work. An actor names a person by
their ids in the firm, never by a chat identity: a staff member logged into a web panel has no
WeChat openid, and the same `dispatch.assign` must serve them as it serves the chat. The chat
builds its actor from the turn's identity (`actor_of`); the scheduler and the workers act as
the system; the command line acts as the system too (the operator at the console).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.identity import ClientCompany, Contact, Identity, Role, Staff


class ActorKind(StrEnum):
    STAFF = "staff"
    ADMIN = "admin"
    CLIENT = "client"
    SYSTEM = "system"
    # Someone not bound yet: may do nothing but bind; services refuse them like anyone out of
    # place, so the chat can hand every turn's actor to a service and let it decide.
    VISITOR = "visitor"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    firm_id: int
    name: str = ""  # as timelines and notices show the person; empty for the system
    staff_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.kind is ActorKind.ADMIN

    @property
    def is_client(self) -> bool:
        return self.kind is ActorKind.CLIENT and self.company_id is not None

    @property
    def is_system(self) -> bool:
        return self.kind is ActorKind.SYSTEM

    @property
    def may_manage(self) -> bool:
        """Admins and the system may manage the firm's people and settings."""
        return self.is_admin or self.is_system

    @classmethod
    def system(cls, firm_id: int) -> Actor:
        return cls(ActorKind.SYSTEM, firm_id)

    @classmethod
    def of_staff(cls, staff: Staff) -> Actor:
        kind = ActorKind.ADMIN if staff.is_admin else ActorKind.STAFF
        return cls(kind, staff.firm_id, staff.name, staff_id=staff.id)

    @classmethod
    def of_contact(cls, contact: Contact, company: ClientCompany) -> Actor:
        return cls(
            ActorKind.CLIENT,
            company.firm_id,
            contact.name,
            contact_id=contact.id,
            company_id=company.id,
        )


def actor_of(identity: Identity) -> Actor:
    """The actor behind a chat turn: who the speaker is in the firm, without their openid."""
    if identity.role in (Role.STAFF, Role.ADMIN) and identity.staff is not None:
        return Actor.of_staff(identity.staff)
    if identity.role is Role.CLIENT and identity.contact and identity.company:
        return Actor.of_contact(identity.contact, identity.company)
    return Actor(ActorKind.VISITOR, identity.firm.id)
