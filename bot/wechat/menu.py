"""The firm's custom menu (自定义菜单) on its Official Account.

Every CLICK key is an intent name: the router sends a menu tap straight to that intent's
handler (`handlers.router.RootRouter._by_direct_intent`), no NLU involved. Published with
`yunkuaiji menu publish`; in the sandbox the emulator starts with it in place.

WeChat's limits, which `menu_json` checks: at most 3 top-level buttons (names up to 16 bytes, about
5 Chinese characters), at most 5 sub-buttons each (names up to 60 bytes), keys up to 128 bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.wechat.errors import WeChatError

if TYPE_CHECKING:
    from bot.wechat.client import WeChatClient


@dataclass(frozen=True)
class Button:
    name: str
    key: str = ""  # CLICK: the intent it starts
    url: str = ""  # VIEW: a web page instead
    sub: tuple[Button, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        if self.sub:
            return {"name": self.name, "sub_button": [b.to_json() for b in self.sub]}
        if self.url:
            return {"type": "view", "name": self.name, "url": self.url}
        return {"type": "click", "name": self.name, "key": self.key}


MENU: tuple[Button, ...] = (
    Button(
        "我要办事",
        sub=(
            Button("办理业务", key="raise_request"),
            Button("服务项目", key="browse_services"),
        ),
    ),
    Button(
        "查进度",
        sub=(
            Button("业务进度", key="check_progress"),
            Button("我的任务", key="my_tasks"),
        ),
    ),
    Button(
        "我的服务",
        sub=(
            Button("交费", key="pay_fee"),
            Button("传发票", key="upload_invoice"),
            Button("我的会计", key="contact_accountant"),
            Button("使用帮助", key="help"),
        ),
    ),
)


def click_keys(buttons: tuple[Button, ...] = MENU) -> list[str]:
    keys: list[str] = []
    for b in buttons:
        keys.extend(click_keys(b.sub) if b.sub else ([b.key] if b.key else []))
    return keys


def menu_json(buttons: tuple[Button, ...] = MENU) -> dict[str, Any]:
    """The body of `POST /cgi-bin/menu/create`."""
    if not 1 <= len(buttons) <= 3:
        raise ValueError("a menu has 1 to 3 top-level buttons")
    for b in buttons:
        if len(b.name.encode()) > 16:
            raise ValueError(f"top-level button name too long: {b.name}")
        if len(b.sub) > 5:
            raise ValueError(f"more than 5 sub-buttons under {b.name}")
        for s in b.sub:
            if len(s.name.encode()) > 60 or len(s.key.encode()) > 128:
                raise ValueError(f"sub-button too long: {s.name}")
    return {"button": [b.to_json() for b in buttons]}


def load_menu(path: Path | None) -> dict[str, Any]:
    """The menu from a JSON file in WeChat's own format (the firm's), or the default."""
    if path is not None and path.is_file():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    return menu_json()


async def publish_with(client: WeChatClient, menu: dict[str, Any]) -> tuple[int, str] | None:
    """Post the menu (the panel's publish): None when WeChat accepted it, else WeChat's errcode
    and errmsg (errcode -1: WeChat could not be reached)."""
    try:
        await client.create_menu(menu)
    except WeChatError as exc:
        return (exc.errcode if exc.errcode is not None else -1), exc.errmsg
    return None
