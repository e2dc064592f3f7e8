"""Table definitions, one module per area; importing this package registers them all on
`Base.metadata` (Alembic's target)."""

from storage.tables import (
    archive,
    billing,
    books,
    catalogue,
    filing,
    identity,
    invoices,
    messaging,
    money,
    panel,
    requests,
    staff_access,
)
from storage.tables.base import Base

__all__ = [
    "Base",
    "archive",
    "billing",
    "books",
    "catalogue",
    "filing",
    "identity",
    "invoices",
    "messaging",
    "money",
    "panel",
    "requests",
    "staff_access",
]
