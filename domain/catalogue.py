"""Reference data the domain recognises, kept as data (`catalogue.json`), not code: the service
catalogue a new firm starts with, and the words on an invoice's title that tell its kind. Read
once, when the module is first imported.

The business types a client can ask for are no list of their own: they are the request types
of the firm's catalogue in the database (`service_catalogue.offered_types`), which the NLU is
given at run time too. `SEED_REQUEST_TYPES` are only the seed's, for a firm before any edit."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("catalogue.json").read_text(encoding="utf-8")
)

# The request type a fapiao for the firm's own fee becomes (a staff task, whatever the
# catalogue offers clients).
FEE_INVOICE_REQUEST_TYPE: str = _DATA["fee_invoice_request_type"]


class InvoiceTypeWords:
    """What an invoice's printed type name contains, by kind."""

    WORD: str = _DATA["invoice_types"]["word"]  # every type name has it
    DIGITAL_PREFIX: str = _DATA["invoice_types"]["digital_prefix"]  # 数电票 titles start so
    VAT_SPECIAL: str = _DATA["invoice_types"]["vat_special"]
    VAT_COMMON: str = _DATA["invoice_types"]["vat_common"]


# The service catalogue a new firm starts with (prices in fen; null: 面议). Each firm's own
# catalogue lives in the database (`domain.service_catalogue`); this seeds it once.
DEFAULT_SERVICES: tuple[dict[str, Any], ...] = tuple(_DATA["services"])
# The request types of the seed catalogue, in its order (an item each or more).
SEED_REQUEST_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys(str(s["request_type"]) for s in DEFAULT_SERVICES)
)
