"""What every template may use: the logged-in user and their CSRF token, times in Beijing
time, the Chinese names of statuses and columns, and versioned links to the static files."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from admin_web.guard import USER
from admin_web.import_words import row_problem
from admin_web.routing import PREFIX
from admin_web.stage_words import RULE_ZH, STAGE_ZH, stage_reason
from admin_web.wording import COLUMN_ZH, EVENT_ZH, STATUS_ZH, URGENCY_ZH, event_actor, event_detail
from domain.board import COUNT_CAP
from domain.clock import local

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".txt": "text/plain",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    version: str


@functools.cache
def static_files() -> dict[str, StaticFile]:
    """Every file under static/, read once: only these can be served, by their exact name."""
    files: dict[str, StaticFile] = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(STATIC_DIR).as_posix()
        body = path.read_bytes()
        kind = CONTENT_TYPES.get(path.suffix, "text/plain" if path.stem == "LICENSE" else "")
        if kind:
            files[name] = StaticFile(body, kind, hashlib.sha256(body).hexdigest()[:12])
    return files


def static_url(name: str) -> str:
    """The file's address, with its content's hash so that browsers may keep it for long."""
    return f"{PREFIX}/static/{name}?v={static_files()[name].version}"


def local_time(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def short_time(value: datetime | None) -> str:
    return local(value).strftime("%m-%d %H:%M") if value else ""


def yuan(fen: int) -> str:
    """Integer fen as people read money: ¥1,234.50."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def tally(n: int) -> str:
    """A board count: exact up to the cap the board counts to, "1000+" past it."""
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


def facts(values: Mapping[str, Any] | None) -> str:
    """An audit entry's values, one `key: value` after another, as plain text."""
    if not values:
        return ""
    return "；".join(f"{k}: {_plain(v)}" for k, v in values.items())


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return "" if value is None else str(value)


FILTERS: dict[str, Callable[..., str]] = {
    "yuan": yuan,
    "facts": facts,
    "tally": tally,
    "stage_reason": stage_reason,
    "row_problem": row_problem,
    "local_time": local_time,
    "short_time": short_time,
    "event_actor": event_actor,
    "event_detail": event_detail,
}
GLOBALS: dict[str, Any] = {
    "static": static_url,
    "PREFIX": PREFIX,
    "STATUS_ZH": STATUS_ZH,
    "URGENCY_ZH": URGENCY_ZH,
    "COLUMN_ZH": COLUMN_ZH,
    "EVENT_ZH": EVENT_ZH,
    "STAGE_ZH": STAGE_ZH,
    "RULE_ZH": RULE_ZH,
}


def render(
    name: str, request: web.Request, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page, with who is logged in (and their CSRF token) as it stands when it is drawn:
    error pages drawn before the guard knew anyone get no user."""
    user = request.get(USER)
    page = {"user": user, "csrf": user.csrf if user else "", **context}
    return aiohttp_jinja2.render_template(name, request, page, status=status)
