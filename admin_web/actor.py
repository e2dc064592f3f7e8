"""Who is using the panel, and who acts when the panel calls the domain's services.

`PanelUser` is the logged-in staff member: their role decides what they see (`viewer`), and
their `Actor` is what the panel hands the same services the chat calls (`dispatch.assign`):
the same checks, the same timeline entries, the same notices.
"""

from __future__ import annotations

from dataclasses import dataclass

from admin_web.wording import ROLE_ZH
from domain.actors import Actor
from domain.board import Viewer
from domain.identity import Firm, Staff
from domain.staff_access import PanelRole, role_of


@dataclass(frozen=True)
class PanelUser:
    staff: Staff
    firm: Firm
    csrf: str

    @property
    def role(self) -> PanelRole:
        return role_of(self.staff)

    @property
    def role_zh(self) -> str:
        return ROLE_ZH[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role is PanelRole.ADMIN

    @property
    def viewer(self) -> Viewer:
        """An admin sees the firm's whole board; an accountant their own work and clients."""
        return Viewer(self.firm.id, None if self.is_admin else self.staff.id)

    @property
    def actor(self) -> Actor:
        """Who acts when the panel calls a domain service: this staff member, no chat."""
        return Actor.of_staff(self.staff)
