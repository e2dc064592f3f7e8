"""Client companies from a spreadsheet: the sheet's rows read by their headers (客户名称, 联系人,
电话, 专属会计, 标签), then checked against the firm (names taken, accountants and tags that
exist) so that the preview shows every row's problems, and the import writes all of the rows
or none. Reading the file's bytes is the edge's business; this takes a grid of text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

MAX_IMPORT_ROWS = 1000
MAX_NAME = 100
MAX_CONTACT = 50
MAX_PHONE = 20

# The headers people write for each column (a header row's cells, spaces and case ignored),
# kept as data: `import_headers.json`.
_NAMES: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("import_headers.json").read_text(encoding="utf-8")
)
HEADERS: Mapping[str, str] = {
    title: key for key, titles in _NAMES.items() if not key.startswith("_") for title in titles
}
# Between tags: , ; / spaces, and the full-width comma, enumeration comma and semicolon.
_TAG_SPLIT = re.compile("[,;/\\s" + "".join(map(chr, (0xFF0C, 0x3001, 0xFF1B))) + "]+")
_PHONE = re.compile(r"\+?[0-9][0-9\- ]{4,19}")


@dataclass(frozen=True)
class ImportRow:
    line: int  # the row's number in the sheet, as the spreadsheet program shows it
    name: str
    contact: str = ""
    phone: str = ""
    accountant: str = ""
    tags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "name": self.name, "contact": self.contact,
                "phone": self.phone, "accountant": self.accountant, "tags": list(self.tags)}  # fmt: skip


@dataclass(frozen=True)
class RowProblem:
    code: str
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportSheet:
    """The rows read, or why the sheet as a whole cannot be read (`problem`)."""

    rows: Sequence[ImportRow]
    problem: RowProblem | None = None


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def read_grid(grid: Sequence[Sequence[object]]) -> ImportSheet:
    """The first non-empty row names the columns; every later non-empty row is a client."""
    rows = [(i + 1, [_clean(c) for c in r]) for i, r in enumerate(grid)]
    rows = [(n, r) for n, r in rows if any(r)]
    if not rows:
        return ImportSheet((), RowProblem("sheet_empty"))
    _, header = rows[0]
    columns: dict[str, int] = {}
    for i, title in enumerate(header):
        key = HEADERS.get(title.replace(" ", "").lower())
        if key and key not in columns:
            columns[key] = i
    if "name" not in columns:
        return ImportSheet((), RowProblem("sheet_no_name_column"))
    body = rows[1:]
    if not body:
        return ImportSheet((), RowProblem("sheet_empty"))
    if len(body) > MAX_IMPORT_ROWS:
        return ImportSheet((), RowProblem("sheet_too_many_rows", {"limit": MAX_IMPORT_ROWS}))

    def cell(r: list[str], key: str) -> str:
        i = columns.get(key)
        return r[i] if i is not None and i < len(r) else ""

    found = [
        ImportRow(
            line=n,
            name=cell(r, "name"),
            contact=cell(r, "contact"),
            phone=_phone(cell(r, "phone")),
            accountant=cell(r, "accountant"),
            tags=tuple(t for t in _TAG_SPLIT.split(cell(r, "tags")) if t),
        )
        for n, r in body
    ]
    return ImportSheet(found)


def _phone(value: str) -> str:
    # A number typed into a spreadsheet comes back as 13800000000.0.
    return value[:-2] if value.endswith(".0") and value[:-2].isdecimal() else value


def row_from(item: object) -> ImportRow | None:
    """A row sent back by the preview (untrusted: checked again in full before writing)."""
    if not isinstance(item, dict):
        return None
    tags = item.get("tags", [])
    line = item.get("line")
    if not isinstance(line, int) or not isinstance(tags, list) or len(tags) > 20:
        return None
    texts = [item.get(k, "") for k in ("name", "contact", "phone", "accountant")]
    if not all(isinstance(t, str) and len(t) <= 200 for t in texts):
        return None
    if not all(isinstance(t, str) and len(t) <= 64 for t in tags):
        return None
    name, contact, phone, accountant = (_clean(t) for t in texts)
    return ImportRow(line, name, contact, phone, accountant, tuple(_clean(t) for t in tags if t))


def shape_problems(row: ImportRow) -> list[RowProblem]:
    """What is wrong with the row on its own (the firm's facts are checked by the service)."""
    found: list[RowProblem] = []
    if not row.name:
        found.append(RowProblem("name_missing"))
    elif len(row.name) > MAX_NAME:
        found.append(RowProblem("name_too_long", {"limit": MAX_NAME}))
    if len(row.contact) > MAX_CONTACT:
        found.append(RowProblem("contact_too_long", {"limit": MAX_CONTACT}))
    if row.phone and (len(row.phone) > MAX_PHONE or not _PHONE.fullmatch(row.phone)):
        found.append(RowProblem("phone_bad", {"phone": row.phone}))
    if row.phone and not row.contact:
        found.append(RowProblem("phone_without_contact"))
    return found
