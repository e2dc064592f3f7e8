"""Complaints: a client's grievance reaches the admins at once and gets a case number; the client
hears back when an admin resolves it. A low rating opens one automatically. The use cases live
in `domain.feedback`.

```mermaid
stateDiagram-v2
    [*] --> open: client complains / rating <= 2 or 差评
    open --> resolved: admin "结案 C1001 说明" (client told)
    resolved --> open: admin reopens in the panel with a note (client not told)
    resolved --> [*]
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

COMPLAINT_SERIES = "C"
OPEN = "open"
RESOLVED = "resolved"
MAX_TEXT = 1000


@dataclass(frozen=True)
class NewComplaint:
    firm_id: int
    number: str
    company_id: int
    client_openid: str
    client_name: str
    description: str
    created_at: datetime
    photos: tuple[str, ...] = ()
    request_id: int | None = None
    staff_id: int | None = None
    source: str = "client"  # client | rating


@dataclass(frozen=True)
class Complaint:
    id: int
    firm_id: int
    number: str
    company_id: int
    client_openid: str
    client_name: str
    description: str
    created_at: datetime
    photos: tuple[str, ...] = field(default=())
    request_id: int | None = None
    staff_id: int | None = None
    source: str = "client"
    status: str = OPEN
    resolution: str = ""
    resolved_by: str = ""
    resolved_at: datetime | None = None
    # Set when an admin reopened the case after resolving it (the latest time).
    reopened_at: datetime | None = None
    reopened_by: str = ""
    reopen_note: str = ""


def normalise_case_number(raw: str) -> str | None:
    digits = "".join(ch for ch in raw if ch.isdigit())
    rest = "".join(ch for ch in raw if not ch.isdigit()).strip().lstrip("#").upper()
    if not digits or rest not in ("", COMPLAINT_SERIES):
        return None
    return f"{COMPLAINT_SERIES}{int(digits)}"
