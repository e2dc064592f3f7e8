"""Archive documents on the phone: `/m/staff/archive` (staff) uploads a filing receipt or
another document (PDF, JPG, PNG) for a company and month; `/m/archive/doc/{id}` downloads one
for whoever may read the company's books (the download recorded in the audit log). The listing
is part of `/m/archive` (`bot.web.books`).

The upload is read as a stream and cut off past the size limit, so a huge file is refused
without being held in memory; its type comes from its bytes (`domain.archive_files`). Nothing is
stored until every check passed: the row is added in an open transaction, then the bytes go to
the blob store, then the transaction commits.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, web

from bot.keys import CLOCK, SESSIONS, SETTINGS
from bot.web.pages import Audience, MobilePage, Viewer, refusal, render
from domain import archive
from domain.archive_files import CONTENT_TYPES, MAX_BYTES, DocumentKind, check_file, kind_of
from domain.book_access import companies_served
from domain.clock import local
from domain.errors import DomainError, Invalid
from handlers.error_texts import error_text
from storage.blobs import BlobStore, sha256_of
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

ARCHIVE_FILES_DIR = "archive"  # under DATA_DIR: uploaded documents, by SHA-256
KIND_NAMES = {
    DocumentKind.RECEIPT: "申报回执",
    DocumentKind.STATEMENT: "报表",
    DocumentKind.OTHER: "其他",
}
_FIELD_LIMIT = 200  # bytes of a text field
_MAX_PARTS = 8


def archive_files(data_dir: Path) -> BlobStore:
    return BlobStore(Path(data_dir) / ARCHIVE_FILES_DIR)


async def _form_page(
    request: web.Request, viewer: Viewer, problem: str = "", status: int = 200
) -> web.Response:
    async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
        served = await companies_served(uow, viewer.actor)
    today = local(request.config_dict[CLOCK].now()).date()
    chosen = request.query.get("company", "")
    return render(
        request,
        "archive_upload.html",
        {
            "companies": [{"id": c.id, "name": c.name} for c in served],
            "chosen": int(chosen) if chosen.isdigit() else None,
            "kinds": [(k.value, name) for k, name in KIND_NAMES.items()],
            "month": f"{today.year:04d}-{today.month:02d}",
            "limit_mb": MAX_BYTES // (1024 * 1024),
            "problem": problem,
        },
        status=status,
    )


async def upload_form(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    return await _form_page(request, viewer)


async def _read_form(request: web.Request) -> tuple[dict[str, str], str, bytes]:
    """The text fields, the file's name and its bytes; `Invalid` past the size limit."""
    fields: dict[str, str] = {}
    name, data = "", b""
    reader = await request.multipart()
    parts = 0
    while (part := await reader.next()) is not None:
        parts += 1
        if parts > _MAX_PARTS or not isinstance(part, BodyPartReader):
            raise Invalid("archive_bad_form")
        if part.name == "file":
            # Some clients percent-encode a non-ASCII name; WeChat's browser sends it raw.
            name = unquote(part.filename or "").replace("/", "_").replace("\\", "_")[:120]
            chunks, size = [], 0
            while chunk := await part.read_chunk(256 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise Invalid("archive_too_large", size=size, limit=MAX_BYTES)
                chunks.append(chunk)
            data = b"".join(chunks)
        elif part.name:
            value = b""
            while chunk := await part.read_chunk(1024):
                value += chunk
                if len(value) > _FIELD_LIMIT:
                    raise Invalid("archive_bad_form")
            fields[part.name] = value.decode("utf-8", "replace")
    return fields, name, data


async def upload(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    if not (request.content_type or "").startswith("multipart/form-data"):
        return await _form_page(request, viewer, "请用页面上的表单选择文件上传。", 400)
    now = request.config_dict[CLOCK].now()
    try:
        fields, name, data = await _read_form(request)
        raw_company = fields.get("company", "")
        if not raw_company.isdigit():
            raise Invalid("books_which_company")
        kind = kind_of(fields.get("kind", ""))
        period = archive.period_of(fields.get("period", ""), local(now).date())
        checked = check_file(data)
        store = archive_files(request.config_dict[SETTINGS].data_dir)
        sha = sha256_of(data)
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            doc = await archive.upload(
                uow, viewer.actor, int(raw_company), period, kind, name, sha, checked, now
            )
            await asyncio.to_thread(store.put, data)
            await uow.commit()
    except DomainError as exc:
        return await _form_page(request, viewer, error_text(exc), 400)
    log.info("archive document %d (%s, %s) uploaded", doc.id, doc.period, doc.kind.value)
    raise web.HTTPSeeOther(
        f"{request.app.router['archive'].url_for()}?company={doc.company_id}&uploaded={doc.id}"
    )


async def download(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    raw_id = request.match_info["doc_id"]
    raw_company = request.query.get("company", "")
    company_id = int(raw_company) if viewer.identity.is_staff and raw_company.isdigit() else None
    if not raw_id.isdigit() or len(raw_id) > 12:
        return refusal(request, 404, "没有这份文件", "没有找到这份文件。")
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            doc = await archive.download(
                uow, viewer.actor, int(raw_id), company_id, request.config_dict[CLOCK].now()
            )
            store = archive_files(request.config_dict[SETTINGS].data_dir)
            if not store.has(doc.sha256):
                return refusal(request, 404, "没有这份文件", "文件的原件没有保存，请联系您的会计。")
            body = await asyncio.to_thread(store.get, doc.sha256)
            await uow.commit()
    except DomainError as exc:
        return refusal(request, 404, "没有这份文件", error_text(exc))
    return web.Response(
        body=body,
        content_type=CONTENT_TYPES[doc.type],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


PAGES = (
    MobilePage(
        "GET", "/staff/archive", upload_form, Audience.STAFF, "archive_upload", menu="上传档案"
    ),
    MobilePage("POST", "/staff/archive", upload, Audience.STAFF, "archive_upload_post"),
    MobilePage("GET", "/archive/doc/{doc_id}", download, Audience.BOUND, "archive_doc"),
)
