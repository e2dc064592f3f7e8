"""The use cases behind the panel's menu and home-page editors: reading what is in force (and
its history), and recording a new version with its audit entry in the same transaction.

Publishing the menu talks to WeChat, which no transaction covers: the panel asks WeChat first
and records the version only once WeChat accepted it (`record_menu`), so a refused or failed
publish leaves the stored menu, its history and the audit log as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from domain import home_page, oa_menu
from domain.actors import Actor
from domain.audit import entry
from domain.errors import Forbidden, Invalid, NotFound
from domain.home_page import HomeLayout
from domain.oa_menu import MenuButton
from domain.panel_documents import HOME, MENU, HomeImage, SavedDocument
from domain.panel_ports import PanelUnitOfWork
from domain.ports import UnitOfWork
from domain.service_items import CatalogueItem

HISTORY = 20
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
MAX_IMAGE_BYTES = 1_000_000


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_layout")


async def menu_in_force(
    uow: PanelUnitOfWork, actor: Actor, version: int | None, default: Mapping[str, Any]
) -> tuple[tuple[MenuButton, ...], SavedDocument | None, Sequence[SavedDocument]]:
    """The menu to edit (a given earlier version, else the latest published, else the built-in
    one), the version it is, and the history, newest first."""
    _admin(actor)
    history = await uow.documents.history(actor.firm_id, MENU, HISTORY)
    if version is not None:
        chosen = await uow.documents.version(actor.firm_id, MENU, version)
        if chosen is None:
            raise NotFound("version_not_found", version=version)
    else:
        chosen = history[0] if history else None
    return oa_menu.from_wechat(chosen.body if chosen else default), chosen, history


async def record_menu(
    uow: PanelUnitOfWork,
    actor: Actor,
    buttons: Sequence[MenuButton],
    known_keys: Iterable[str],
    now: datetime,
) -> SavedDocument:
    """Keep the menu WeChat has just accepted as the next version, with its audit entry."""
    _admin(actor)
    if oa_menu.problems(buttons, known_keys):
        raise Invalid("menu_invalid")
    earlier = await uow.documents.latest(actor.firm_id, MENU)
    saved = await uow.documents.add(
        actor.firm_id, MENU, oa_menu.to_wechat(buttons), actor.name, now
    )
    before = {"menu": oa_menu.summary(oa_menu.from_wechat(earlier.body))} if earlier else None
    await uow.audit.add(
        entry(
            actor,
            "menu_published",
            f"v{saved.version}",
            now,
            before,
            {"menu": oa_menu.summary(buttons)},
        )
    )
    return saved


async def offered_items(uow: UnitOfWork, firm_id: int) -> dict[int, bool]:
    return {i.id: i.active for i in await uow.catalogue.list_items(firm_id, active_only=False)}


async def home_in_force(
    uow: PanelUnitOfWork, actor: Actor, version: int | None
) -> tuple[HomeLayout, SavedDocument | None, Sequence[SavedDocument]]:
    _admin(actor)
    history = await uow.documents.history(actor.firm_id, HOME, HISTORY)
    if version is not None:
        chosen = await uow.documents.version(actor.firm_id, HOME, version)
        if chosen is None:
            raise NotFound("version_not_found", version=version)
    else:
        chosen = history[0] if history else None
    return home_page.from_json(chosen.body) if chosen else HomeLayout(), chosen, history


async def save_home(
    uow: PanelUnitOfWork, actor: Actor, layout: HomeLayout, today: date, now: datetime
) -> SavedDocument:
    """Save the home page as the next version: what /m/ shows from now on."""
    _admin(actor)
    if home_page.problems(layout, await offered_items(uow, actor.firm_id), today):
        raise Invalid("home_invalid")
    earlier = await uow.documents.latest(actor.firm_id, HOME)
    saved = await uow.documents.add(actor.firm_id, HOME, home_page.to_json(layout), actor.name, now)
    before = home_page.summary(home_page.from_json(earlier.body)) if earlier else None
    await uow.audit.add(
        entry(actor, "home_saved", f"v{saved.version}", now, before, home_page.summary(layout))
    )
    return saved


def image_type(data: bytes) -> str | None:
    """PNG, JPEG or GIF by their first bytes (what a browser will show as an image)."""
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


async def upload_image(uow: PanelUnitOfWork, actor: Actor, data: bytes, now: datetime) -> HomeImage:
    _admin(actor)
    if not data:
        raise Invalid("image_empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise Invalid("image_too_big", limit_kb=MAX_IMAGE_BYTES // 1000)
    kind = image_type(data)
    if kind is None:
        raise Invalid("image_not_image")
    return await uow.documents.add_image(actor.firm_id, data, kind, now)


async def home_for_visitor(
    uow: PanelUnitOfWork, firm_id: int, today: date
) -> tuple[HomeLayout, dict[int, CatalogueItem]]:
    """What /m/ shows today, and the catalogue items it recommends that are still offered."""
    saved = await uow.documents.latest(firm_id, HOME)
    if saved is None:
        return HomeLayout(), {}
    layout = home_page.from_json(saved.body).showing(today)
    items = {i.id: i for i in await uow.catalogue.list_items(firm_id, active_only=True)}
    services = tuple(f for f in layout.services if f.item_id in items)
    return HomeLayout(layout.slides, layout.announcements, services), items
