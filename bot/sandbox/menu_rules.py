"""WeChat's rules for a custom menu (菜单), as the sandbox emulator enforces them on menu/create.

Kept apart from the emulator's endpoints because they are a pure check of a JSON body against
WeChat's documented limits, with WeChat's error codes, and the unit tests pin them directly.
"""

from __future__ import annotations

from typing import Any


def _bytes(s: Any) -> int:
    return len(str(s).encode("utf-8"))


def menu_problem(body: dict[str, Any]) -> tuple[int, str] | None:
    """WeChat's checks on a custom menu: 1-3 buttons, 1-5 sub-buttons each, name and key sizes,
    known types with the field each type needs."""
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016, "invalid button size"
    for b in buttons:
        if not isinstance(b, dict) or not b.get("name") or _bytes(b["name"]) > 16:
            return 40018, "invalid button name size"
        subs = b.get("sub_button")
        if subs:
            if not isinstance(subs, list) or len(subs) > 5:
                return 40023, "invalid sub button size"
            for sb in subs:
                if not isinstance(sb, dict) or not sb.get("name") or _bytes(sb["name"]) > 60:
                    return 40018, "invalid button name size"
                problem = _button_action_problem(sb)
                if problem is not None:
                    return problem
        else:
            problem = _button_action_problem(b)
            if problem is not None:
                return problem
    return None


def _button_action_problem(b: dict[str, Any]) -> tuple[int, str] | None:
    kind = b.get("type")
    if kind in {
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }:
        if not b.get("key") or _bytes(b["key"]) > 128:
            return 40019, "invalid button key size"
        return None
    if kind == "view":
        url = str(b.get("url", ""))
        if not url or _bytes(url) > 1024:
            return 40027, "invalid sub button url size"
        return None
    if kind in {"media_id", "view_limited", "miniprogram", "article_id", "article_view_limited"}:
        return None
    return 40017, "invalid button type"
