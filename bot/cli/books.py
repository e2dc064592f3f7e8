"""`yunkuaiji books import FILE... --company NAME [--period YYYY-MM] [--dry-run]`.

Reads the month's statement files (利润表 and 资产负债表, maybe a tax summary; one file or
several), checks them and keeps them as the company's books for the month, the originals in the
blob store. Prints one JSON object: the period, the standard and the headline figures in fen; or,
when anything is wrong, `{"error": code, "message": 中文, "sheet": ..., "row": ...}` (the words from
`handlers.book_texts`) and a non-zero exit, with nothing kept. `--dry-run` does everything but keep. A progress bar shows on
stderr only when the import takes long enough to notice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.settings import Settings
from bot.workers.book_files import book_files, books_from_workbooks
from domain.book_imports import ImportResult, import_statements
from domain.books import BooksRefused, ParsedBooks, same_company
from domain.errors import DomainError
from domain.filing_service import books_arrived
from handlers.book_texts import book_text, words
from nlu.statements import StatementRejected, Workbook, read_statements
from nlu.statements.intake import check_size
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

PROGRESS_DELAY = 0.5  # seconds before a progress bar appears at all


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _error(code: str, message: str, **where: Any) -> dict[str, Any]:
    return {"error": code, "message": message, "sheet": None, "row": None, **where}


def _read(paths: list[Path], progress: tqdm) -> tuple[list[Workbook], list[bytes]]:
    workbooks, contents = [], []
    for path in paths:
        progress.set_postfix_str(path.name, refresh=False)
        try:
            check_size(path.stat().st_size)
            data = path.read_bytes()
        except OSError as exc:
            raise _Unreadable(path, exc) from exc
        except StatementRejected as exc:
            exc.file = path.name
            raise
        workbooks.append(read_statements(data, path.name))
        contents.append(data)
        progress.update(1)
    return workbooks, contents


class _Unreadable(Exception):
    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(str(exc))
        self.path = path
        self.reason = exc.strerror or str(exc)


def output(result: ImportResult, company: str, dry_run: bool) -> dict[str, Any]:
    month = result.month
    out: dict[str, Any] = {
        "period": month.period,
        "standard": month.standard.value,
        **month.figures.to_json(),
        "company": company,
        "version": month.version,
        "replaced_version": result.replaced.version if result.replaced else None,
        "dry_run": dry_run,
    }
    out.pop("balance_begin", None)
    return out


async def _import(
    settings: Settings,
    company_name: str,
    period: str | None,
    books: ParsedBooks,
    contents: list[bytes],
    dry_run: bool,
) -> dict[str, Any]:
    engine = create_engine(settings.database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            firm = await uow.identities.firm_by_appid(settings.wechat_appid)
            companies = await uow.identities.list_companies(firm.id) if firm else []
            company = next((c for c in companies if same_company(c.name, company_name)), None)
            if firm is None or company is None:
                return _error("not_found", words("unknown_client", {"name": company_name}))
            result = await import_statements(
                uow,
                firm.id,
                company.id,
                period,
                books,
                datetime.now(UTC),
                imported_by="命令行",
            )
            if dry_run:
                await uow.rollback()
            else:
                await books_arrived(uow, company, result.month.period, datetime.now(UTC), "命令行")
                store = book_files(settings.data_dir)
                for data in contents:
                    await asyncio.to_thread(store.put, data)
                await uow.commit()
            return output(result, company.name, dry_run)
    finally:
        await engine.dispose()


def import_command(args: argparse.Namespace) -> int:
    settings = Settings.load(env_file=Path(args.env_file))
    paths = [Path(f) for f in args.files]
    with tqdm(
        total=len(paths) + 1,
        desc="导入报表",
        unit="步",
        delay=PROGRESS_DELAY,
        file=sys.stderr,
        leave=False,
    ) as progress:
        try:
            workbooks, contents = _read(paths, progress)
            progress.set_postfix_str("校验并保存", refresh=False)
            line = asyncio.run(
                _import(
                    settings,
                    args.company,
                    args.period,
                    books_from_workbooks(workbooks),
                    contents,
                    args.dry_run,
                )
            )
            progress.update(1)
        except _Unreadable as exc:
            line = _error(
                "unreadable_file",
                f"无法读取文件“{exc.path.name}”：{exc.reason}",
                file=str(exc.path),
            )
        except StatementRejected as exc:
            line = _error(
                exc.reason,
                exc.message_zh,
                sheet=exc.sheet,
                row=exc.row,
                file=exc.file,
            )
        except BooksRefused as exc:
            line = _error(exc.code, book_text(exc), sheet=exc.sheet, row=exc.row, file=exc.file)
            if len(exc.problems) > 1:
                line["problems"] = [
                    {"error": p.code, "message": book_text(p), "sheet": p.sheet, "row": p.row}
                    for p in exc.problems
                ]
        except DomainError as exc:
            line = _error(exc.code, book_text(exc))
    _print(line)
    return 1 if "error" in line else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    books = subparsers.add_parser("books", help="the books: import monthly statements")
    sub = books.add_subparsers(dest="books_command", required=True, metavar="ACTION")
    imp = sub.add_parser(
        "import",
        help="import a month's 利润表 and 资产负债表 (.xlsx/.xls); prints one JSON object",
    )
    imp.add_argument("files", nargs="+", metavar="FILE", help="one file, or one per statement")
    imp.add_argument("--company", required=True, help="the client company's name")
    imp.add_argument("--period", help="YYYY-MM (default: the period the statements print)")
    imp.add_argument("--dry-run", action="store_true", help="check and print, keep nothing")
    imp.set_defaults(func=import_command)
