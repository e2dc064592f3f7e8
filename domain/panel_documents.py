"""What the firm arranges as a whole in the panel and keeps in versions: the Official Account
menu (`oa_menu`) and the client home page (`home_page`). A save adds the next version; the
highest is in force; earlier ones are the history an admin can go back to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

MENU = "menu"
HOME = "home"


@dataclass(frozen=True)
class SavedDocument:
    kind: str
    version: int
    body: Mapping[str, Any]
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class HomeImage:
    """An uploaded slide image (its bytes only when read for serving)."""

    id: int
    firm_id: int
    content_type: str
    data: bytes


class PanelDocuments(Protocol):
    async def latest(self, firm_id: int, kind: str) -> SavedDocument | None: ...
    async def version(self, firm_id: int, kind: str, version: int) -> SavedDocument | None: ...
    async def history(self, firm_id: int, kind: str, limit: int) -> Sequence[SavedDocument]: ...
    async def add(
        self, firm_id: int, kind: str, body: Mapping[str, Any], saved_by: str, now: datetime
    ) -> SavedDocument: ...
    async def add_image(
        self, firm_id: int, data: bytes, content_type: str, now: datetime
    ) -> HomeImage: ...
    async def image(self, firm_id: int, image_id: int) -> HomeImage | None: ...
