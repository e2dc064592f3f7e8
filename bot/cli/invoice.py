"""`yunkuaiji invoice read IMAGE...`: read invoice photos and print one JSON line per image.

Fields are the invoice's as printed: amounts as yuan strings with two decimals, dates ISO, null
when the invoice has no such field; plus where each field came from (qr/ocr), how sure we are,
and the business checks. Errors are JSON lines too (`error` code + Chinese `message`); the exit
code is non-zero only if every file failed. This module also holds the mapping from
perception's reading to the domain's check input, which the chat pipeline reuses.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.workers.invoice_record import facts_from_reading
from domain.invoice_checks import run_checks
from handlers.invoice_texts import check_text
from nlu.invoice.errors import MESSAGES_ZH, ImageRejected
from nlu.invoice.reading import AMOUNT_FIELDS, FIELD_NAMES, InvoiceReading, fen_to_yuan

# The CLI's contract lists these; buyer_tax_id is printed too when read.
OUTPUT_FIELDS = FIELD_NAMES


def reading_to_json(reading: InvoiceReading, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"is_invoice": reading.is_invoice}
    sources: dict[str, str] = {}
    confidence: dict[str, float] = {}
    for name in OUTPUT_FIELDS:
        found = reading.fields.get(name)
        if found is None:
            out[name] = None
            continue
        value = found.value
        out[name] = fen_to_yuan(int(value)) if name in AMOUNT_FIELDS else value
        sources[name] = found.source
        confidence[name] = found.confidence
    out["sources"] = sources
    out["confidence"] = confidence
    out["checks"] = [
        {"name": c.name, "ok": c.ok, "message": check_text(c)}
        for c in run_checks(facts_from_reading(reading), now)
    ]
    out["capital_amount"] = (
        None if reading.capital_amount_fen is None else fen_to_yuan(reading.capital_amount_fen)
    )
    out["tax_rates"] = list(reading.tax_rates)
    out["rotation"] = reading.rotation
    return out


def _read_command(args: argparse.Namespace) -> int:
    from nlu.invoice.reader import InvoiceReader

    reader = InvoiceReader(threads=args.threads)
    failures = 0
    for name in args.images:
        started = time.perf_counter()
        line: dict[str, Any] = {"file": name}
        try:
            data = Path(name).read_bytes()
            reading = reader.read_qr(data) if args.qr_only else reader.read(data)
        except OSError as exc:
            failures += 1
            line |= {"error": "unreadable_file", "message": f"无法读取文件：{exc.strerror or exc}"}
        except ImageRejected as exc:
            failures += 1
            line |= {"error": exc.reason, "message": exc.message_zh}
        else:
            line |= reading_to_json(reading, datetime.now(UTC))
            if not reading.is_invoice:
                failures += 1
                line |= {"error": "not_invoice", "message": MESSAGES_ZH["not_invoice"]}
        line["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if args.images and failures == len(args.images) else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    invoice = subparsers.add_parser("invoice", help="invoice photos: read fields and checks")
    sub = invoice.add_subparsers(dest="invoice_command", required=True, metavar="ACTION")
    read = sub.add_parser("read", help="print one JSON line of fields per image")
    read.add_argument("images", nargs="+", metavar="IMAGE")
    read.add_argument("--qr-only", action="store_true", help="the fast path: QR code only")
    read.add_argument("--threads", type=int, default=2, help="OCR threads (default 2)")
    read.set_defaults(func=_read_command)
