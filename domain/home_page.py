"""The client home page at /m/ as the firm arranges it (the seed product's 首页 DIY): slides
(an image, a title, a link), announcements (a text, shown until an optional end date) and
recommended services from the catalogue, each ordered by an order number (ties keep the
order they were entered in).

Links and images are checked so that nothing but a web address or a page of this service can
go into an `href` or `src` (no `javascript:`); text is stored as typed and escaped where shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

MAX_SLIDES = 5
MAX_ANNOUNCEMENTS = 5
MAX_SERVICES = 6
TITLE_CHARS = 30
TEXT_CHARS = 200
LINK_CHARS = 500
MAX_ORDER = 999
# Where an uploaded slide image is served (`bot.web.home`), by its id.
IMAGE_PATH = "/m/home/images/"


@dataclass(frozen=True)
class Slide:
    image: str
    title: str = ""
    link: str = ""
    order: int = 0


@dataclass(frozen=True)
class Announcement:
    text: str
    until: date | None = None
    order: int = 0


@dataclass(frozen=True)
class Featured:
    item_id: int
    order: int = 0


@dataclass(frozen=True)
class HomeLayout:
    slides: tuple[Slide, ...] = field(default=())
    announcements: tuple[Announcement, ...] = field(default=())
    services: tuple[Featured, ...] = field(default=())

    def ordered(self) -> HomeLayout:
        """Each list by its order numbers (stable: ties keep their entered order)."""
        return HomeLayout(
            tuple(sorted(self.slides, key=lambda s: s.order)),
            tuple(sorted(self.announcements, key=lambda a: a.order)),
            tuple(sorted(self.services, key=lambda f: f.order)),
        )

    def showing(self, today: date) -> HomeLayout:
        """What a visitor sees today: in order, announcements past their end date left out."""
        ordered = self.ordered()
        current = tuple(a for a in ordered.announcements if a.until is None or a.until >= today)
        return HomeLayout(ordered.slides, current, ordered.services)

    @property
    def empty(self) -> bool:
        return not (self.slides or self.announcements or self.services)


@dataclass(frozen=True)
class HomeProblem:
    code: str
    section: str  # slide | announcement | service | "" (the page)
    row: int = 0  # 1-based
    facts: Mapping[str, Any] = field(default_factory=dict)


def link_ok(link: str) -> bool:
    """A web address or a path of this service; never a script or another scheme."""
    if any(c.isspace() or ord(c) < 32 for c in link):
        return False
    if link.startswith("https://") or link.startswith("http://"):
        return len(link) > 8
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


def image_ok(image: str) -> bool:
    if image.startswith(IMAGE_PATH):
        return image[len(IMAGE_PATH) :].isdigit()
    return image.startswith("https://") and link_ok(image)


def problems(
    layout: HomeLayout, offered: Mapping[int, bool], today: date | None = None
) -> list[HomeProblem]:
    """What cannot be saved; `offered` maps the firm's catalogue items to whether they are
    on offer."""
    found: list[HomeProblem] = []
    for name, items, limit in (
        ("slide", layout.slides, MAX_SLIDES),
        ("announcement", layout.announcements, MAX_ANNOUNCEMENTS),
        ("service", layout.services, MAX_SERVICES),
    ):
        if len(items) > limit:
            found.append(HomeProblem("too_many", name, facts={"limit": limit}))
    for i, s in enumerate(layout.slides, 1):
        if not s.image:
            found.append(HomeProblem("image_missing", "slide", i))
        elif len(s.image) > LINK_CHARS or not image_ok(s.image):
            found.append(HomeProblem("image_bad", "slide", i))
        if len(s.title) > TITLE_CHARS:
            found.append(HomeProblem("title_too_long", "slide", i, {"limit": TITLE_CHARS}))
        if s.link and (len(s.link) > LINK_CHARS or not link_ok(s.link)):
            found.append(HomeProblem("link_bad", "slide", i))
    for i, a in enumerate(layout.announcements, 1):
        if not a.text:
            found.append(HomeProblem("text_missing", "announcement", i))
        elif len(a.text) > TEXT_CHARS:
            found.append(HomeProblem("text_too_long", "announcement", i, {"limit": TEXT_CHARS}))
        if a.until is not None and today is not None and a.until < today:
            found.append(HomeProblem("until_past", "announcement", i))
    seen: set[int] = set()
    for i, f in enumerate(layout.services, 1):
        if f.item_id not in offered:
            found.append(HomeProblem("service_unknown", "service", i))
        elif not offered[f.item_id]:
            found.append(HomeProblem("service_inactive", "service", i))
        elif f.item_id in seen:
            found.append(HomeProblem("service_twice", "service", i))
        seen.add(f.item_id)
    orders: tuple[tuple[str, tuple[int, ...]], ...] = (
        ("slide", tuple(s.order for s in layout.slides)),
        ("announcement", tuple(a.order for a in layout.announcements)),
        ("service", tuple(f.order for f in layout.services)),
    )
    for name, numbers in orders:
        for i, order in enumerate(numbers, 1):
            if not 0 <= order <= MAX_ORDER:
                found.append(HomeProblem("order_bad", name, i, {"limit": MAX_ORDER}))
    return found


def to_json(layout: HomeLayout) -> dict[str, Any]:
    return {
        "slides": [
            {"image": s.image, "title": s.title, "link": s.link, "order": s.order}
            for s in layout.slides
        ],
        "announcements": [
            {"text": a.text, "until": a.until.isoformat() if a.until else None, "order": a.order}
            for a in layout.announcements
        ],
        "services": [{"item_id": f.item_id, "order": f.order} for f in layout.services],
    }


def from_json(body: Mapping[str, Any]) -> HomeLayout:
    """A stored layout (lenient: what cannot be read is left out, never an error page)."""

    def rows(name: str) -> Sequence[Mapping[str, Any]]:
        value = body.get(name)
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    def until(value: Any) -> date | None:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def number(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return HomeLayout(
        tuple(
            Slide(
                str(r.get("image", "")),
                str(r.get("title", "")),
                str(r.get("link", "")),
                number(r.get("order")),
            )
            for r in rows("slides")
        ),
        tuple(
            Announcement(str(r.get("text", "")), until(r.get("until")), number(r.get("order")))
            for r in rows("announcements")
        ),
        tuple(
            Featured(number(r.get("item_id")), number(r.get("order")))
            for r in rows("services")
            if number(r.get("item_id"))
        ),
    )


def summary(layout: HomeLayout) -> dict[str, Any]:
    """For the audit log: the titles, texts and items, in order."""
    ordered = layout.ordered()
    return {
        "slides": [s.title or s.image for s in ordered.slides],
        "announcements": [a.text for a in ordered.announcements],
        "services": [f.item_id for f in ordered.services],
    }
