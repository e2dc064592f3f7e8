"""The client home page at /m/ (`/admin/home`, admins only; the seed product's 首页 DIY):
slides (an image by address or uploaded, a title, a link), announcements (a text and an
optional end date) and recommended services from the catalogue, each ordered by its order
number. "预览" draws the draft as a phone would show it, saving nothing; "保存" checks it
(`domain.home_page.problems`) and keeps it as the next version, which /m/ shows from then on.
Uploaded images are kept even when the rest is only previewed (they are stored once by content).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from admin_web.forms import Outcome, as_id, as_text, change, read
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.layout_words import home_problems_zh
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import home_page, panel_layouts, service_catalogue
from domain.clock import local
from domain.home_page import (
    IMAGE_PATH,
    LINK_CHARS,
    MAX_ANNOUNCEMENTS,
    MAX_SERVICES,
    MAX_SLIDES,
    TEXT_CHARS,
    TITLE_CHARS,
    Announcement,
    Featured,
    HomeLayout,
    Slide,
)

HOME = PREFIX + "/home"
# The form with an image in every slide row, and room for its fields.
MAX_BODY = MAX_SLIDES * panel_layouts.MAX_IMAGE_BYTES + 256 * 1024
BAD_DATE = "公告第 {row} 条：截止日期请写成 2026-12-31 的样子。"


def _order(raw: object, position: int) -> int:
    """The order number typed, or the row's position when left blank; -1 for nonsense (the
    check then reports it)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return position
    return int(text) if text.isdigit() and len(text) < 5 else -1


async def _upload(request: web.Request, data: bytes) -> Outcome:
    user, now = request[USER], request.app[PORTS].clock.now()
    return await change(request, lambda uow: panel_layouts.upload_image(uow, user.actor, data, now))


async def _layout_of(request: web.Request, form: Any) -> tuple[HomeLayout, list[str]]:
    """The layout a form describes (blank rows are not rows), storing uploaded images."""
    errors: list[str] = []
    slides: list[Slide] = []
    for i in range(1, MAX_SLIDES + 1):
        image = as_text(form.get(f"slide{i}_image"), LINK_CHARS * 2)
        upload = form.get(f"slide{i}_upload")
        if isinstance(upload, web.FileField):
            data = upload.file.read()
            if data:
                done = await _upload(request, data)
                if done.ok:
                    image = f"{IMAGE_PATH}{done.value.id}"
                else:
                    errors.append(f"轮播图第 {i} 条：{done.error}")
        title = as_text(form.get(f"slide{i}_title"), TITLE_CHARS * 4)
        link = as_text(form.get(f"slide{i}_link"), LINK_CHARS * 2)
        if image or title or link:
            slides.append(Slide(image, title, link, _order(form.get(f"slide{i}_order"), i)))
    announcements: list[Announcement] = []
    for i in range(1, MAX_ANNOUNCEMENTS + 1):
        text = as_text(form.get(f"ann{i}_text"), TEXT_CHARS * 4)
        raw_until = as_text(form.get(f"ann{i}_until"), 20)
        until: date | None = None
        if raw_until:
            try:
                until = date.fromisoformat(raw_until)
            except ValueError:
                errors.append(BAD_DATE.format(row=len(announcements) + 1))
        if text or raw_until:
            order = _order(form.get(f"ann{i}_order"), i)
            announcements.append(Announcement(text, until, order))
    services: list[Featured] = []
    for i in range(1, MAX_SERVICES + 1):
        item = as_id(form.get(f"svc{i}_item"))
        if item:
            services.append(Featured(item, _order(form.get(f"svc{i}_order"), i)))
    layout = HomeLayout(tuple(slides), tuple(announcements), tuple(services))
    return layout, errors


def _rows(items: tuple[Any, ...], limit: int, blank: Any) -> list[Any]:
    return list(items) + [blank] * (limit - len(items))


async def _page(
    request: web.Request, layout: HomeLayout, *, status: int = 200, **extra: Any
) -> web.Response:
    user = request[USER]
    _, live, history = await read(
        request, lambda uow: panel_layouts.home_in_force(uow, user.actor, None)
    )
    catalogue = await read(request, lambda uow: service_catalogue.all_items(uow, user.actor))
    items = {i.id: i for i in catalogue}
    today = local(request.app[PORTS].clock.now()).date()
    context = {
        "slides": _rows(layout.slides, MAX_SLIDES, Slide("", order=0)),
        "announcements": _rows(layout.announcements, MAX_ANNOUNCEMENTS, Announcement("")),
        "services": _rows(layout.services, MAX_SERVICES, Featured(0)),
        "catalogue": [
            i for i in catalogue if i.active or i.id in {f.item_id for f in layout.services}
        ],
        "items": items,
        "shown": layout.showing(today),
        "history": history,
        "live": live,
        "problems": [],
        "notice": "",
        "error": "",
        **extra,
    }
    return render("home.html", request, context, status=status)


async def home_editor(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    version = as_id(request.query.get("version"))
    layout, _, _ = await read(
        request, lambda uow: panel_layouts.home_in_force(uow, user.actor, version)
    )
    saved = as_id(request.query.get("saved"))
    notice = f"已保存（第 {saved} 版），客户打开“我的服务”首页即可看到。" if saved else ""
    if version:
        notice = f"已载入第 {version} 版，保存后重新生效。"
    return await _page(request, layout, notice=notice)


async def submit(request: web.Request) -> web.StreamResponse:
    user, ports = request[USER], request.app[PORTS]
    form = await request.post()
    layout, errors = await _layout_of(request, form)
    today = local(ports.clock.now()).date()
    offered = await read(request, lambda uow: panel_layouts.offered_items(uow, user.firm.id))
    found = errors + home_problems_zh(home_page.problems(layout, offered, today))
    if found:
        return await _page(
            request, layout, status=422, problems=found, error="还有问题，请按提示修改；没有保存。"
        )
    if form.get("action") != "save":
        return await _page(request, layout, notice="这是预览，还没有保存。")
    now = ports.clock.now()
    done = await change(
        request, lambda uow: panel_layouts.save_home(uow, user.actor, layout, today, now)
    )
    if not done.ok:
        return await _page(request, layout, status=done.status, error=done.error)
    raise web.HTTPSeeOther(f"{HOME}?saved={done.value.version}")
