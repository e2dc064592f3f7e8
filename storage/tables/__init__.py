"""Table definitions, one module per area; importing this package registers them all on
`Base.metadata` (Alembic's target)."""

from storage.tables import identity, invoices, messaging, requests
from storage.tables.base import Base

__all__ = ["Base", "identity", "invoices", "messaging", "requests"]
