"""The service catalogue's model: items (服务项目) with a price in fen or 面议, and orders placed
from them. The use cases are in `domain.service_catalogue`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ORDER_SOURCE = "order:"
ORDER_SERIES = "S"
# What the catalogue's columns hold (storage.tables.catalogue).
MAX_CATEGORY = 32
MAX_NAME = 64
MAX_REQUEST_TYPE = 32
MAX_DURATION = 64


@dataclass(frozen=True)
class NewItem:
    firm_id: int
    category: str
    name: str
    description: str
    price_fen: int | None
    duration: str
    materials: str
    request_type: str
    display_order: int
    active: bool = True


@dataclass(frozen=True)
class CatalogueItem:
    id: int
    firm_id: int
    category: str
    name: str
    description: str
    price_fen: int | None  # None: 面议
    duration: str
    materials: str
    request_type: str
    display_order: int
    active: bool = True

    @property
    def quoted(self) -> bool:
        """Priced by a person case by case (面议)."""
        return self.price_fen is None


class OrderStatus(StrEnum):
    AWAITING_QUOTE = "awaiting_quote"  # a 面议 item: staff name the price first
    UNPAID = "unpaid"
    PAID = "paid"


@dataclass(frozen=True)
class NewServiceOrder:
    firm_id: int
    number: str
    company_id: int
    contact_id: int | None
    item_id: int
    item_name: str
    amount_fen: int
    created_at: datetime
    status: OrderStatus = OrderStatus.UNPAID


@dataclass(frozen=True)
class ServiceOrder:
    id: int
    firm_id: int
    number: str
    company_id: int
    contact_id: int | None
    item_id: int
    item_name: str
    amount_fen: int
    status: OrderStatus
    created_at: datetime
    bill_id: int | None = None
    request_number: str | None = None


def categories(items: Sequence[CatalogueItem]) -> list[str]:
    """The categories of these items, in display order."""
    seen: list[str] = []
    for item in items:
        if item.category not in seen:
            seen.append(item.category)
    return seen


def request_types_of(items: Iterable[CatalogueItem]) -> tuple[str, ...]:
    """The request types these items become, each once, in the items' order (active ones only:
    an item taken off the catalogue offers its type no more, unless another item still does)."""
    return tuple(dict.fromkeys(i.request_type for i in items if i.active))
