"""The firm's wording of its notices: what an admin may read and change (the web panel's use
cases; the sender reads the wording in force through the same repository).

Saving checks the template first (`validate_template`): a template that would not render, or
would not fit where it goes, is refused with its problems, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.actors import Actor
from domain.errors import Forbidden, Invalid
from domain.message_templates import MessageTemplate, SavedTemplate, validate_template
from domain.notices import NoticeKind
from domain.ports import UnitOfWork


def _managing(actor: Actor) -> None:
    if not actor.may_manage:
        raise Forbidden("admins_only_templates")


async def wording_in_force(uow: UnitOfWork, actor: Actor) -> Mapping[NoticeKind, MessageTemplate]:
    """The firm's own wording, by kind (kinds it never worded keep the built-in wording)."""
    _managing(actor)
    return {
        kind: saved.template for kind, saved in (await uow.templates.latest(actor.firm_id)).items()
    }


async def template_history(
    uow: UnitOfWork, actor: Actor, kind: NoticeKind
) -> Sequence[SavedTemplate]:
    """Every version the firm saved for `kind`, newest first."""
    _managing(actor)
    return await uow.templates.history(actor.firm_id, kind)


async def save_template(
    uow: UnitOfWork, actor: Actor, template: MessageTemplate, now: datetime
) -> SavedTemplate:
    """Save the firm's wording for a kind as its next version; refused with the template's
    problems (`Invalid("template_invalid", problems=...)`) when it may not be used."""
    _managing(actor)
    problems = validate_template(template)
    if problems:
        raise Invalid("template_invalid", kind=template.kind, problems=problems)
    return await uow.templates.save(actor.firm_id, template, actor.staff_id, now)
