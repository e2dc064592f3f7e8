"""File intake: decide whether uploaded bytes are a workbook we are willing to open.

Statement files come from client firms' machines and, later, from the chat, so nothing in them is
trusted: a size cap before anything, magic-byte sniffing (the file name's extension is a hint at
most), and for .xlsx (a zip) the uncompressed sizes and compression ratios are checked from the
zip directory and then while actually inflating, before any spreadsheet library sees the bytes.
The same inflating pass finds the cells that hold a formula but no saved result: a workbook
written by a script and never opened in Excel shows blanks where the accountant saw figures.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from xml.etree import ElementTree

import olefile

from nlu.statements.errors import StatementRejected

MAX_FILE_BYTES = 10 * 1024 * 1024
# A month's statements unpack to well under a megabyte; this leaves room for a heavy export.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 1_000
# XML compresses well, but a ratio beyond this on a sizeable entry is a bomb, not a statement.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # small entries may compress as they like

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FILEPASS = 0x002F  # the BIFF record that says the workbook stream is encrypted
_BOF = 0x0809
_CHUNK = 64 * 1024
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")

Format = Literal["xlsx", "xls"]


@dataclass
class XlsxFacts:
    """What the inflating pass learned: per sheet name, the cells (0-based row, col) that hold a
    formula without a saved value, with the formula's text."""

    formulas_without_values: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


def check_size(size: int) -> None:
    if size == 0:
        raise StatementRejected("empty")
    if size > MAX_FILE_BYTES:
        raise StatementRejected("too_large", size_mb=f"{size / 1024 / 1024:.1f}")


def sniff(data: bytes, name: str = "") -> Format:
    """ "xlsx" or "xls" from the bytes themselves, or raise `StatementRejected`."""
    check_size(len(data))
    if data.startswith(_ZIP_MAGIC):
        if name.lower().endswith((".xlsm", ".xltm")):
            raise StatementRejected("macro_enabled")
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and (b"<html" in head or b"<table" in head):
        raise StatementRejected("html_export")
    raise StatementRejected("not_spreadsheet")


def inspect_xls(data: bytes) -> None:
    """Refuse an OLE file that is not a plain .xls: a password-protected .xlsx (an encrypted
    package in an OLE container), a password-protected .xls (FILEPASS after the first BOF), or
    another Office document (no Workbook stream)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
                raise StatementRejected("encrypted")
            name = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else None
            if name is None:
                raise StatementRejected("not_spreadsheet")
            with ole.openstream(name) as stream:
                head = stream.read(4096)
    except StatementRejected:
        raise
    except Exception as exc:  # olefile raises a variety of errors for a damaged container
        raise StatementRejected("corrupt") from exc
    if _has_filepass(head):
        raise StatementRejected("encrypted")


def _has_filepass(head: bytes) -> bool:
    """Whether the workbook globals, before their first sheet data, say FILEPASS."""
    pos = 0
    for _ in range(64):
        if pos + 4 > len(head):
            return False
        kind, size = struct.unpack_from("<HH", head, pos)
        if kind == _FILEPASS:
            return True
        if pos > 0 and kind == _BOF:
            return False
        pos += 4 + size
    return False


def inspect_xlsx(data: bytes) -> XlsxFacts:
    """Refuse a zip that is not a plain workbook, or that inflates too far; find the formula
    cells without saved values. Reads every entry once, never more than the caps allow."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise StatementRejected("corrupt") from exc
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise StatementRejected("not_spreadsheet")
        if any(posixpath.basename(n).lower().startswith("vbaproject") for n in names):
            raise StatementRejected("macro_enabled")
        _check_directory(infos)
        budget = [0]  # inflated bytes so far, across every entry
        types = "[Content_Types].xml"
        if types in names and b"macroEnabled" in _inflate(archive, archive.getinfo(types), budget):
            raise StatementRejected("macro_enabled")
        sheets = _sheet_paths(archive, names, budget)
        facts = XlsxFacts()
        for info in infos:
            if info.filename in sheets:
                found = _scan_sheet(archive, info, budget)
                if found:
                    facts.formulas_without_values[sheets[info.filename]] = found
            elif info.filename not in (types, "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                _inflate(archive, info, budget, keep=False)
        return facts


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise StatementRejected("zip_bomb")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise StatementRejected("zip_bomb")
    if total > MAX_UNPACKED_BYTES:
        raise StatementRejected("zip_bomb")


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> Iterator[bytes]:
    """Inflate `info` chunk by chunk, counting against the whole file's budget: the directory's
    sizes may lie, the inflated bytes cannot."""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                budget[0] += len(chunk)
                if budget[0] > MAX_UNPACKED_BYTES:
                    raise StatementRejected("zip_bomb")
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise StatementRejected("corrupt") from exc


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], keep: bool = True
) -> bytes:
    parts = [chunk for chunk in _chunks(archive, info, budget) if keep]
    return b"".join(parts)


def _parse_small_xml(data: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StatementRejected("corrupt")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise StatementRejected("corrupt") from exc


def _sheet_paths(archive: zipfile.ZipFile, names: set[str], budget: list[int]) -> dict[str, str]:
    """Zip path of each worksheet -> its sheet name, from the workbook and its relationships."""
    workbook = _parse_small_xml(_inflate(archive, archive.getinfo("xl/workbook.xml"), budget))
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return {}
    rels = _parse_small_xml(_inflate(archive, archive.getinfo(rels_name), budget))
    targets = {
        r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")
    }
    paths: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"))
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        paths[path] = sheet.get("name", "")
    return paths


def _scan_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]
) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("end",)
    )
    cell_tag, formula_tag, value_tag = (f"{{{_MAIN_NS}}}{t}" for t in ("c", "f", "v"))
    row_tag = f"{{{_MAIN_NS}}}row"
    first = True
    try:
        for chunk in _chunks(archive, info, budget):
            if first and (b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk):
                raise StatementRejected("corrupt")
            first = False
            parser.feed(chunk)
            for event in parser.read_events():
                elem = event[-1]
                if not isinstance(elem, ElementTree.Element):
                    continue
                if elem.tag == cell_tag:
                    formula = elem.find(formula_tag)
                    value = elem.find(value_tag)
                    if formula is not None and (value is None or not (value.text or "")):
                        ref = _CELL_REF.fullmatch(elem.get("r", ""))
                        if ref:
                            found[_position(ref)] = "=" + (formula.text or "")
                elif elem.tag == row_tag:
                    elem.clear()
        parser.close()
    except ElementTree.ParseError as exc:
        raise StatementRejected("corrupt") from exc
    return found


def _position(ref: re.Match[str]) -> tuple[int, int]:
    col = 0
    for ch in ref.group(1):
        col = col * 26 + ord(ch) - ord("A") + 1
    return int(ref.group(2)) - 1, col - 1
