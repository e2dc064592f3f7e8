"""The Official Account's custom menu (自定义菜单) as the firm edits it in the panel, checked
against WeChat's rules before anything is sent: 1 to 3 top-level buttons (names up to 16 bytes,
about 5 Chinese characters), up to 5 sub-buttons each (names up to 60 bytes); a click button's
key up to 128 bytes and one the bot understands (its keys are intent names); a link up to 1024
bytes, http(s) only; a mini-program button needs its appid, page path and a fallback link.

A check names each problem by a code, where it is (top-level button i, sub-button j) and its
facts; the panel words them. `to_wechat` is the body of `POST /cgi-bin/menu/create`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_BUTTONS = 3
MAX_SUBS = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
PAGEPATH_BYTES = 1024
TYPES = ("click", "view", "miniprogram")


def size(text: str) -> int:
    """How WeChat counts: UTF-8 bytes (a Chinese character is 3)."""
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class MenuButton:
    name: str
    type: str = ""  # click | view | miniprogram; empty for a button that only opens subs
    key: str = ""
    url: str = ""
    appid: str = ""
    pagepath: str = ""
    sub: tuple[MenuButton, ...] = field(default=())


@dataclass(frozen=True)
class MenuProblem:
    code: str
    top: int  # 1-based
    sub: int = 0  # 1-based; 0: the top-level button itself
    facts: Mapping[str, Any] = field(default_factory=dict)


def problems(buttons: Sequence[MenuButton], known_keys: Iterable[str] = ()) -> list[MenuProblem]:
    """Everything WeChat (or the bot) would refuse, in reading order; empty: publishable."""
    known = frozenset(known_keys)
    found: list[MenuProblem] = []
    if not buttons:
        return [MenuProblem("menu_empty", 0)]
    if len(buttons) > MAX_BUTTONS:
        found.append(MenuProblem("too_many_buttons", 0, facts={"limit": MAX_BUTTONS}))
    for i, b in enumerate(buttons, 1):
        found += _name(b.name, TOP_NAME_BYTES, i, 0)
        if b.sub:
            if len(b.sub) > MAX_SUBS:
                found.append(MenuProblem("too_many_subs", i, facts={"limit": MAX_SUBS}))
            for j, s in enumerate(b.sub, 1):
                found += _name(s.name, SUB_NAME_BYTES, i, j)
                found += _action(s, known, i, j)
        else:
            found += _action(b, known, i, 0)
    return found


def _name(name: str, limit: int, i: int, j: int) -> list[MenuProblem]:
    if not name.strip():
        return [MenuProblem("name_missing", i, j)]
    if size(name) > limit:
        return [
            MenuProblem("name_too_long", i, j, {"name": name, "bytes": size(name), "limit": limit})
        ]
    return []


def _link(url: str, i: int, j: int) -> list[MenuProblem]:
    if not url:
        return [MenuProblem("url_missing", i, j)]
    if size(url) > URL_BYTES:
        return [MenuProblem("url_too_long", i, j, {"bytes": size(url), "limit": URL_BYTES})]
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return [MenuProblem("url_bad", i, j)]
    return []


def _action(b: MenuButton, known: frozenset[str], i: int, j: int) -> list[MenuProblem]:
    if b.type == "click":
        if not b.key:
            return [MenuProblem("key_missing", i, j)]
        if size(b.key) > KEY_BYTES:
            return [MenuProblem("key_too_long", i, j, {"bytes": size(b.key), "limit": KEY_BYTES})]
        if known and b.key not in known:
            return [MenuProblem("key_unknown", i, j, {"key": b.key})]
        return []
    if b.type == "view":
        return _link(b.url, i, j)
    if b.type == "miniprogram":
        found = []
        if not b.appid.startswith("wx") or not b.appid[2:].isalnum() or len(b.appid) > 32:
            found.append(MenuProblem("appid_bad", i, j))
        if not b.pagepath or size(b.pagepath) > PAGEPATH_BYTES:
            found.append(MenuProblem("pagepath_missing", i, j))
        return found + _link(b.url, i, j)
    if not b.type:
        return [MenuProblem("action_missing", i, j)]
    return [MenuProblem("type_unknown", i, j, {"type": b.type})]


def to_wechat(buttons: Sequence[MenuButton]) -> dict[str, Any]:
    return {"button": [_button_json(b) for b in buttons]}


def _button_json(b: MenuButton) -> dict[str, Any]:
    if b.sub:
        return {"name": b.name, "sub_button": [_button_json(s) for s in b.sub]}
    if b.type == "click":
        return {"type": "click", "name": b.name, "key": b.key}
    if b.type == "view":
        return {"type": "view", "name": b.name, "url": b.url}
    return {
        "type": "miniprogram",
        "name": b.name,
        "url": b.url,
        "appid": b.appid,
        "pagepath": b.pagepath,
    }


def from_wechat(body: Mapping[str, Any]) -> tuple[MenuButton, ...]:
    """The buttons of a menu body in WeChat's format (what was published, or the default).
    Types the panel does not edit come back as they are and are flagged by `problems`."""
    raw = body.get("button")
    if not isinstance(raw, list):
        return ()
    return tuple(_button(b) for b in raw if isinstance(b, dict))


def _button(b: Mapping[str, Any]) -> MenuButton:
    subs = b.get("sub_button")
    sub = tuple(_button(s) for s in subs if isinstance(s, dict)) if isinstance(subs, list) else ()
    return MenuButton(
        name=str(b.get("name", "")),
        type="" if sub else str(b.get("type", "")),
        key=str(b.get("key", "")),
        url=str(b.get("url", "")),
        appid=str(b.get("appid", "")),
        pagepath=str(b.get("pagepath", "")),
        sub=sub,
    )


def click_keys_of(buttons: Sequence[MenuButton]) -> list[str]:
    """The keys of the click buttons, in order."""
    keys: list[str] = []
    for b in buttons:
        keys += click_keys_of(b.sub) if b.sub else ([b.key] if b.type == "click" else [])
    return keys


def summary(buttons: Sequence[MenuButton]) -> str:
    """One line for the audit log: the buttons' own names, e.g. "A[A1, A2] | B"."""
    return " | ".join(
        f"{b.name}[{', '.join(s.name for s in b.sub)}]" if b.sub else b.name for b in buttons
    )
