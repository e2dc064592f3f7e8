"""The Official Account menu (`/admin/menu`, admins only): the menu in force in a form of three
top-level buttons with five sub-button rows each, checked against WeChat's rules
(`domain.oa_menu`), previewed as WeChat draws it, and published through WeChat's menu/create
(the port `PanelPorts.publish_menu`, the same API client the service uses).

Publishing asks WeChat first and records the new version only once WeChat accepted it: a menu
with problems is never sent, and a refusal or an unreachable WeChat is shown with nothing
stored. Every published version is kept; an earlier one can be loaded and published again."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin_web.forms import as_id, as_text, change, read
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.layout_words import MENU_KEY_ZH, TYPE_ZH, menu_problems_zh, wechat_refusal_zh
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import oa_menu, panel_layouts
from domain.oa_menu import MAX_BUTTONS, MAX_SUBS, MenuButton

MENU = PREFIX + "/menu"
FIELDS = ("name", "type", "key", "url", "appid", "pagepath")
# Text fields are cut well past WeChat's limits, so the check (not the cut) reports them.
FIELD_LIMIT = 2048


def _read_button(form: Any, prefix: str) -> dict[str, str]:
    return {f: as_text(form.get(f"{prefix}_{f}"), FIELD_LIMIT) for f in FIELDS}


def _button(values: dict[str, str], sub: tuple[MenuButton, ...] = ()) -> MenuButton:
    kind = values["type"]
    return MenuButton(
        name=values["name"],
        type="" if sub else kind,
        key=values["key"] if kind == "click" else "",
        url=values["url"] if kind in ("view", "miniprogram") else "",
        appid=values["appid"] if kind == "miniprogram" else "",
        pagepath=values["pagepath"] if kind == "miniprogram" else "",
        sub=sub,
    )


def buttons_of(form: Any) -> tuple[MenuButton, ...]:
    """The menu a form describes: rows left blank are not buttons."""
    buttons = []
    for i in range(1, MAX_BUTTONS + 1):
        top = _read_button(form, f"b{i}")
        subs = []
        for j in range(1, MAX_SUBS + 1):
            values = _read_button(form, f"b{i}s{j}")
            if any(v for f, v in values.items() if f != "type"):
                subs.append(_button(values))
        if top["name"] or subs or any(v for f, v in top.items() if f not in ("name", "type")):
            buttons.append(_button(top, tuple(subs)))
    return tuple(buttons)


def _rows(buttons: tuple[MenuButton, ...]) -> list[dict[str, Any]]:
    """The form's 3 x (1 + 5) rows, filled from the buttons."""
    rows = []
    for i in range(MAX_BUTTONS):
        b = buttons[i] if i < len(buttons) else MenuButton("")
        subs = [b.sub[j] if j < len(b.sub) else MenuButton("") for j in range(MAX_SUBS)]
        rows.append({"top": b, "subs": subs})
    return rows


async def _page(
    request: web.Request,
    buttons: tuple[MenuButton, ...],
    *,
    version: int | None = None,
    status: int = 200,
    **extra: Any,
) -> web.Response:
    user, ports = request[USER], request.app[PORTS]
    _, chosen, history = await read(
        request,
        lambda uow: panel_layouts.menu_in_force(uow, user.actor, None, ports.default_menu),
    )
    keys = list(ports.menu_keys)
    for b in buttons:  # a key in force that the bot no longer knows stays visible
        for s in b.sub or (b,):
            if s.key and s.key not in keys:
                keys.append(s.key)
    context = {
        "rows": _rows(buttons),
        "preview": [b for b in buttons if b.name],
        "history": history,
        "live": chosen,
        "loaded": version,
        "keys": [(k, MENU_KEY_ZH.get(k, k)) for k in keys],
        "types": list(TYPE_ZH.items()),
        "problems": [],
        "notice": "",
        "error": "",
        "can_publish": ports.publish_menu is not None,
        **extra,
    }
    return render("menu.html", request, context, status=status)


async def menu_page(request: web.Request) -> web.StreamResponse:
    user, ports = request[USER], request.app[PORTS]
    version = as_id(request.query.get("version"))
    buttons, _, _ = await read(
        request,
        lambda uow: panel_layouts.menu_in_force(uow, user.actor, version, ports.default_menu),
    )
    published = as_id(request.query.get("published"))
    notice = (
        f"已发布（第 {published} 版），客户重新进入公众号后可以看到新菜单。" if published else ""
    )
    if version:
        notice = f"已载入第 {version} 版，修改后可重新发布。"
    return await _page(request, buttons, version=version, notice=notice)


async def submit(request: web.Request) -> web.StreamResponse:
    user, ports = request[USER], request.app[PORTS]
    form = await request.post()
    buttons = buttons_of(form)
    found = oa_menu.problems(buttons, ports.menu_keys)
    if found:
        return await _page(
            request,
            buttons,
            status=422,
            problems=menu_problems_zh(found),
            error="菜单还有问题，请按提示修改；没有发布。",
        )
    if form.get("action") != "publish":
        return await _page(request, buttons, notice="检查通过，下面是客户将看到的菜单。")
    if ports.publish_menu is None:
        return await _page(request, buttons, status=503, error="没有配置微信接口，无法发布。")
    refused = await ports.publish_menu(oa_menu.to_wechat(buttons))
    if refused is not None:
        return await _page(request, buttons, status=502, error=wechat_refusal_zh(*refused))
    now = ports.clock.now()
    done = await change(
        request,
        lambda uow: panel_layouts.record_menu(uow, user.actor, buttons, ports.menu_keys, now),
    )
    if not done.ok:
        return await _page(request, buttons, status=done.status, error=done.error)
    raise web.HTTPSeeOther(f"{MENU}?published={done.value.version}")
