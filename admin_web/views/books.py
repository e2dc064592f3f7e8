"""The books upload for a client and month (`/admin/clients/{id}/books`): pick the statement
files (.xlsx/.xls, up to three, each within the reader's size limit), see what the import would
keep (a dry run of the one import the chat and `yunkuaiji books import` use), then confirm.

The preview keeps the files' bytes in the book store (by SHA-256, as the import would) and the
confirmation names them, so the second step imports exactly the files previewed, checked again.
A refused file or month names the file, sheet and row of every problem; nothing is kept, and
nothing is half-imported (one unit of work). The page also lists the months kept and, for one
month, every version imported.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from admin_web.config import BookIntake
from admin_web.forms import as_id, as_text, read
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from admin_web.wording import describe, status_of
from domain import panel_books
from domain.book_imports import ImportResult
from domain.books import BooksRefused, ParsedBooks
from domain.errors import DomainError
from nlu.statements import StatementRejected
from nlu.statements.intake import MAX_FILE_BYTES
from storage.uow import SqlUnitOfWork

MAX_FILES = 3
MAX_BODY = MAX_FILES * MAX_FILE_BYTES + 256 * 1024
NAME_CHARS = 100
_PERIOD = re.compile(r"20\d\d-(0[1-9]|1[0-2])")
_SHA = re.compile(r"[0-9a-f]{64}")
_SUFFIXES = (".xlsx", ".xls")


def _company_id(request: web.Request) -> int:
    company_id = as_id(request.match_info["id"])
    if company_id is None:
        raise web.HTTPNotFound(text="没有找到这家客户。")
    return company_id


def _intake(request: web.Request) -> BookIntake:
    intake = request.app[PORTS].books
    if intake is None:
        raise web.HTTPServiceUnavailable(text="这里暂时不能导入账目。")
    return intake


def _url(company_id: int) -> str:
    return f"{PREFIX}/clients/{company_id}/books"


async def _page(
    request: web.Request, company_id: int, *, status: int = 200, **extra: Any
) -> web.Response:
    user = request[USER]
    raw = request.query.get("period", "")
    period = raw if _PERIOD.fullmatch(raw) else None
    overview = await read(
        request, lambda uow: panel_books.books_overview(uow, user.actor, company_id, period)
    )
    context = {
        "o": overview,
        "max_files": MAX_FILES,
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        "preview": None,
        "problems": [],
        "error": "",
        "notice": "",
        "period_typed": "",
        **extra,
    }
    return render("books.html", request, context, status=status)


async def books_page(request: web.Request) -> web.StreamResponse:
    company_id = _company_id(request)
    version = as_id(request.query.get("imported"))
    notice = f"已导入（第 {version} 版）。" if version else ""
    return await _page(request, company_id, notice=notice)


def _uploaded(form: Any) -> list[tuple[str, bytes]]:
    files = []
    for value in form.getall("file", []):
        if isinstance(value, web.FileField):
            name = (value.filename or "").replace("/", "_").replace("\\", "_")[-NAME_CHARS:]
            data = value.file.read(MAX_FILE_BYTES + 1)
            if name or data:
                files.append((name or "未命名.xlsx", data))
    return files


def _kept(intake: BookIntake, form: Any) -> list[tuple[str, bytes]] | None:
    """The files a confirmation names (by digest, as the preview kept them); None when any is
    not a kept file."""
    shas, names = form.getall("sha", []), form.getall("name", [])
    if not shas or len(shas) > MAX_FILES or len(shas) != len(names):
        return None
    files = []
    for sha, name in zip(shas, names, strict=True):
        if not isinstance(sha, str) or not _SHA.fullmatch(sha) or not intake.files.has(sha):
            return None
        files.append((as_text(name, NAME_CHARS) or "未命名.xlsx", intake.files.get(sha)))
    return files


def _refusal(intake: BookIntake, exc: Exception) -> list[dict[str, Any]]:
    """Every problem, each with the file, sheet and row it is about."""
    if isinstance(exc, StatementRejected):
        return [{"text": exc.message_zh, "file": exc.file, "sheet": exc.sheet, "row": exc.row}]
    if isinstance(exc, BooksRefused):
        return [
            {"text": intake.word(p), "file": p.file, "sheet": p.sheet, "row": p.row}
            for p in exc.problems
        ]
    if isinstance(exc, DomainError):
        return [{"text": describe(exc), "file": None, "sheet": None, "row": None}]
    raise exc


async def _dry_run(
    request: web.Request, company_id: int, period: str | None, books: ParsedBooks
) -> ImportResult:
    user, ports = request[USER], request.app[PORTS]
    async with SqlUnitOfWork(ports.sessions()) as uow:
        try:
            return await panel_books.import_for_client(
                uow, user.actor, company_id, period, books, ports.clock.now(), dry_run=True
            )
        finally:
            await uow.rollback()


async def upload(request: web.Request) -> web.StreamResponse:
    company_id = _company_id(request)
    intake = _intake(request)
    user = request[USER]
    form = await request.post()
    raw_period = as_text(form.get("period"), 10)
    if raw_period and not _PERIOD.fullmatch(raw_period):
        return await _page(
            request, company_id, status=422, error="月份请写成 2026-09 的样子，或留空按报表所属期。"
        )
    period = raw_period or None
    committing = form.get("action") == "commit"
    files = _kept(intake, form) if committing else _uploaded(form)
    if committing and files is None:
        return await _page(request, company_id, status=422, error="请重新选择文件预览后再导入。")
    assert files is not None
    problem = _files_problem(files)
    if problem:
        return await _page(request, company_id, status=422, error=problem, period_typed=raw_period)
    try:
        books = await asyncio.to_thread(intake.read, files)
        if not committing:
            result = await _dry_run(request, company_id, period, books)
    except (StatementRejected, DomainError) as exc:
        if isinstance(exc, DomainError) and status_of(exc) == 404:
            raise web.HTTPNotFound(text=describe(exc)) from None
        return await _page(
            request,
            company_id,
            status=422,
            error="没有导入，请按提示修改后重新上传。",
            problems=_refusal(intake, exc),
            period_typed=raw_period,
        )
    if not committing:
        shas = [await asyncio.to_thread(intake.files.put, data) for _, data in files]
        preview = {
            "result": result,
            "files": [
                {"name": name, "sha": sha} for (name, _), sha in zip(files, shas, strict=True)
            ],
            "period": raw_period,
        }
        return await _page(
            request,
            company_id,
            preview=preview,
            notice="这是预览，还没有导入。核对无误后点“确认导入”。",
            period_typed=raw_period,
        )
    ports = request.app[PORTS]
    async with SqlUnitOfWork(ports.sessions()) as uow:
        try:
            result = await panel_books.import_for_client(
                uow, user.actor, company_id, period, books, ports.clock.now(), dry_run=False
            )
        except DomainError as exc:
            await uow.rollback()
            if status_of(exc) == 404:
                raise web.HTTPNotFound(text=describe(exc)) from None
            return await _page(
                request,
                company_id,
                status=422,
                error="没有导入，请按提示修改后重新上传。",
                problems=_refusal(intake, exc),
            )
        await uow.commit()
    ports.queued_notices()
    month = result.month
    raise web.HTTPSeeOther(f"{_url(company_id)}?period={month.period}&imported={month.version}")


def _files_problem(files: list[tuple[str, bytes]]) -> str:
    if not files:
        return "请选择要导入的报表文件（.xlsx 或 .xls）。"
    if len(files) > MAX_FILES:
        return f"一次最多导入 {MAX_FILES} 个文件。"
    for name, data in files:
        if not name.lower().endswith(_SUFFIXES):
            return f"“{name}”不是 .xlsx 或 .xls 文件。"
        if len(data) > MAX_FILE_BYTES:
            return f"“{name}”太大了，每个文件最大 {MAX_FILE_BYTES // (1024 * 1024)} MB。"
        if not data:
            return f"“{name}”是空文件。"
    return ""
