"""Client tags (seed 002's "dynamic classification"): labels the firm defines for its client
companies (小规模, 电子专票, 餐饮, 每月15号前开票 …), optionally grouped (纳税人类型), and the
filter that finds the companies carrying all the tags asked for.

The tags are data: the firm names them; nothing here knows any of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_TAG = 32
# A filter combines at most this many tags (each one more join); enough for
# "小规模 + 电子专票 + 每月15号前开票".
MAX_FILTER_TAGS = 3
MAX_SEARCH = 50


@dataclass(frozen=True)
class Tag:
    id: int
    firm_id: int
    name: str
    group: str = ""


@dataclass(frozen=True)
class ClientFilter:
    """Which companies: carrying every tag in `tag_ids`, with `search` in their name, of one
    accountant (an accountant's own view always sets it), page `page`."""

    tag_ids: tuple[int, ...] = ()
    search: str = ""
    accountant_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class ClientSummary:
    """One company in the list: what the list shows, read in one query."""

    id: int
    name: str
    accountant_id: int | None
    accountant: str | None
    contacts: int
    open_requests: int
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ClientPage:
    items: Sequence[ClientSummary]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def clean_tag_name(raw: str) -> str:
    """A tag's name as kept: trimmed, inner runs of spaces made one."""
    return " ".join(raw.split())
