"""`/m/`: the visitor's start page: who they are, their company, the pages open to them, and
what the firm put on its home page in the panel (`/admin/home`: slides, announcements past
their end date left out, recommended services still offered; `domain.panel_layouts`).

`/m/home/images/{id}` serves the slide images uploaded in the panel. They are the firm's
marketing pictures, not anyone's data, so they need no visitor (a browser may keep them: an
id always names the same bytes)."""

from __future__ import annotations

from aiohttp import web

from bot.keys import CLOCK, FIRM, SESSIONS
from bot.web.guard import STATE
from bot.web.pages import PREFIX, Audience, MobilePage, Viewer, render
from domain import panel_layouts
from domain.billing import yuan
from domain.clock import local
from storage.uow import SqlUnitOfWork


async def home(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    links = [
        {"label": page.menu, "href": PREFIX + page.path}
        for page in request.app[STATE].menu
        if viewer.may_open(page.audience)
    ]
    today = local(request.config_dict[CLOCK].now()).date()
    async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
        layout, items = await panel_layouts.home_for_visitor(uow, viewer.actor.firm_id, today)
    services = [
        {
            "name": items[f.item_id].name,
            "price": yuan(p) if (p := items[f.item_id].price_fen) is not None else "面议",
        }
        for f in layout.services
    ]
    context = {
        "viewer": viewer,
        "company": viewer.company,
        "links": links,
        "slides": layout.slides,
        "announcements": layout.announcements,
        "services": services,
    }
    return render(request, "home.html", context)


async def home_image(request: web.Request) -> web.StreamResponse:
    """An uploaded slide image of this firm (any other id is not found)."""
    image_id = int(request.match_info["id"])
    async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
        image = await uow.documents.image(request.config_dict[FIRM].id, image_id)
    if image is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=image.data,
        content_type=image.content_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )


PAGES = (MobilePage("GET", "/", home, Audience.BOUND, "home"),)
