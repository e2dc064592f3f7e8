"""Perception for invoices: photo bytes -> invoice fields (QR first, then OCR), in a process pool.

The chat layer uses `InvoiceReaderPool` (async, warmed, never blocks the event loop) and maps
`ImageRejected.reason` to a message (`MESSAGES_ZH` has defaults). Business checks (tax ID
checksum, sums, dates, dedup) live in `domain`, fed from an `InvoiceReading` by a mapper at the
edge (`bot.workers.invoice_record.facts_from_reading`). Importing this package loads no image libraries.
"""

from nlu.invoice.errors import MESSAGES_ZH, ImageRejected
from nlu.invoice.pool import InvoiceReaderPool, ReaderUnavailable
from nlu.invoice.qr_payload import QrPayload
from nlu.invoice.reading import FIELD_NAMES, FieldValue, InvoiceReading, fen_to_yuan

__all__ = [
    "FIELD_NAMES",
    "MESSAGES_ZH",
    "FieldValue",
    "ImageRejected",
    "InvoiceReaderPool",
    "InvoiceReading",
    "QrPayload",
    "ReaderUnavailable",
    "fen_to_yuan",
]
