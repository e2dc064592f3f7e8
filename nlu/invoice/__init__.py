"""Perception for invoices: photo bytes -> invoice fields (QR first, then OCR), in a process pool.

The chat layer uses `InvoiceReaderPool` (async, warmed, never blocks the event loop), and maps
`ImageRejected.reason` to a message. Business checks (tax ID checksum, sums, dates, dedup) are
in `domain`, fed from an `InvoiceReading` by a mapper outside this package.
"""

from nlu.invoice.errors import MESSAGES_ZH, ImageRejected
from nlu.invoice.reading import FIELD_NAMES, FieldValue, InvoiceReading, fen_to_yuan

__all__ = [
    "FIELD_NAMES",
    "MESSAGES_ZH",
    "FieldValue",
    "ImageRejected",
    "InvoiceReading",
    "fen_to_yuan",
]
