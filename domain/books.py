"""The books of a client company: one month's statements, their headline figures, and the rules a
month must satisfy before it is kept.

Each month the accountant exports the client's 利润表 and 资产负债表 (and maybe a tax summary)
from the bookkeeping software; perception reads the files into `StatementSheet`s (an edge maps
them here), and the checks below decide whether they are the books that were asked for and
whether they add up: 资产总计 = 负债和所有者权益总计, 净利润 = 利润总额 − 所得税费用, the right
company, the right month. Checks are pure functions returning `Problem`s, each naming the sheet
and row at fault; `BooksRefused` carries them out of a use case with nothing changed.

Periods are "YYYY-MM" strings; money is integer fen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from domain.errors import DomainError

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class Standard(StrEnum):
    SMALL = "small"  # 小企业会计准则 (会小企01表, 会小企02表)
    GENERAL = "general"  # 企业会计准则 (会企01表, 会企02表)


class StatementKind(StrEnum):
    INCOME = "income"
    BALANCE = "balance"
    TAX = "tax"


class Column(StrEnum):
    MONTH = "month"
    YTD = "ytd"
    PRIOR_YEAR = "prior_year"
    END = "end"
    BEGIN = "begin"
    PAYABLE = "payable"
    PAID = "paid"


# The headline figures (their printed names: `domain.statement_names`).
INCOME_FIGURES = (
    "revenue",
    "operating_cost",
    "operating_profit",
    "total_profit",
    "income_tax",
    "net_profit",
)
BALANCE_FIGURES = (
    "cash",
    "accounts_receivable",
    "total_assets",
    "total_liabilities",
    "total_equity",
)
TAX_FIGURES = ("vat", "surcharges", "iit", "cit")
REQUIRED_LINES: dict[StatementKind, tuple[str, ...]] = {
    StatementKind.INCOME: INCOME_FIGURES,
    StatementKind.BALANCE: (*BALANCE_FIGURES, "total_liabilities_and_equity"),
    StatementKind.TAX: (),
}
REQUIRED_COLUMN = {
    StatementKind.INCOME: Column.MONTH,
    StatementKind.BALANCE: Column.END,
    StatementKind.TAX: Column.PAYABLE,
}
# The parts of 附加税费 when a summary lists them one by one.
SURCHARGE_PARTS = ("city_maintenance_tax", "education_surcharge", "local_education_surcharge")


# -- periods -----------------------------------------------------------------------------------


def parse_period(text: str) -> str:
    """ "YYYY-MM", or a `DomainError("bad_period", text=...)`."""
    text = text.strip()
    if not _PERIOD.fullmatch(text):
        raise DomainError("bad_period", text=text)
    return text


def period_parts(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[5:7])


def earlier_months_of_year(period: str) -> list[str]:
    """The months of `period`'s year before it: "2026-03" -> ["2026-01", "2026-02"]."""
    year, month = period_parts(period)
    return [f"{year:04d}-{m:02d}" for m in range(1, month)]


def yuan(fen: int) -> str:
    """Fen as the statements print yuan: "1,234,567.89", "-12.35"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def same_company(a: str, b: str) -> bool:
    """Whether two printed company names are the same company: spaces, full-width forms and
    the two kinds of parentheses ("（杭州）", "(杭州)") do not count."""
    return _name_key(a) == _name_key(b)


def _name_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


# -- what was read -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineItem:
    """One printed line: label, the catalogue's key for it (None: a line we keep but do not
    interpret), its row and 行次, and its amounts in fen by column."""

    label: str
    key: str | None
    row: int
    line_no: int | None = None
    amounts: Mapping[Column, int] = field(default_factory=dict)

    def amount(self, column: Column) -> int | None:
        return self.amounts.get(column)


@dataclass(frozen=True, slots=True)
class StatementSheet:
    """One statement as read from one sheet of one file, with the facts from its title."""

    kind: StatementKind
    sheet: str
    lines: tuple[LineItem, ...]
    columns: tuple[Column, ...]
    standard: Standard | None = None
    company: str | None = None  # 编制单位 as printed
    company_row: int | None = None
    period: str | None = None  # "YYYY-MM" as printed in the title
    period_row: int | None = None
    header_row: int | None = None
    file: str = ""

    def line(self, key: str) -> LineItem | None:
        return next((x for x in self.lines if x.key == key), None)

    def figure(self, key: str, column: Column) -> int | None:
        found = self.line(key)
        return None if found is None else found.amount(column)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """An uploaded file as kept in the blob store (content-addressed by its SHA-256)."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class ParsedBooks:
    """Everything read for one month: the statements of one or more files."""

    statements: tuple[StatementSheet, ...]
    files: tuple[SourceFile, ...] = ()

    def statement(self, kind: StatementKind) -> StatementSheet | None:
        return next((s for s in self.statements if s.kind is kind), None)

    @property
    def standard(self) -> Standard | None:
        return next((s.standard for s in self.statements if s.standard is not None), None)

    @property
    def period(self) -> str | None:
        return next((s.period for s in self.statements if s.period is not None), None)


# -- the headline figures ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncomeFigures:
    revenue: int
    operating_cost: int
    operating_profit: int
    total_profit: int
    income_tax: int
    net_profit: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __add__(self, other: IncomeFigures) -> IncomeFigures:
        return IncomeFigures(*(getattr(self, n) + getattr(other, n) for n in INCOME_FIGURES))

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> Self:
        return cls(**{f.name: int(data[f.name]) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class BalanceFigures:
    cash: int
    accounts_receivable: int
    total_assets: int
    total_liabilities: int
    total_equity: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> Self:
        return cls(**{f.name: int(data[f.name]) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class TaxFigures:
    payable: int
    paid: int | None = None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """A month's headline: this month's and the year's income, the balance at the month's end
    (and at the year's start when printed), the taxes when a summary came with it."""

    month: IncomeFigures
    ytd: IncomeFigures
    balance: BalanceFigures
    balance_begin: BalanceFigures | None = None
    taxes: Mapping[str, TaxFigures] = field(default_factory=dict)
    ytd_derived: bool = False  # summed from the year's earlier months, not printed

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "month": self.month.as_dict(),
            "ytd": self.ytd.as_dict(),
            "balance": self.balance.as_dict(),
        }
        if self.balance_begin is not None:
            out["balance_begin"] = self.balance_begin.as_dict()
        if self.taxes:
            out["taxes"] = {
                k: {"payable": t.payable, "paid": t.paid} for k, t in self.taxes.items()
            }
        if self.ytd_derived:
            out["ytd_derived"] = True
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonthFigures:
        begin = data.get("balance_begin")
        return cls(
            month=IncomeFigures.from_dict(data["month"]),
            ytd=IncomeFigures.from_dict(data["ytd"]),
            balance=BalanceFigures.from_dict(data["balance"]),
            balance_begin=BalanceFigures.from_dict(begin) if begin else None,
            taxes={
                k: TaxFigures(int(v["payable"]), None if v["paid"] is None else int(v["paid"]))
                for k, v in (data.get("taxes") or {}).items()
            },
            ytd_derived=bool(data.get("ytd_derived", False)),
        )


def income_figures(statement: StatementSheet, column: Column) -> IncomeFigures | None:
    """The headline of one income column, or None when the statement has no such column."""
    if column not in statement.columns:
        return None
    return IncomeFigures(*(statement.figure(k, column) or 0 for k in INCOME_FIGURES))


def balance_figures(statement: StatementSheet, column: Column) -> BalanceFigures | None:
    if column not in statement.columns:
        return None
    return BalanceFigures(*(statement.figure(k, column) or 0 for k in BALANCE_FIGURES))


def tax_figures(statement: StatementSheet | None) -> dict[str, TaxFigures]:
    """增值税, 附加税费 (or its printed parts, summed), 个人所得税, 企业所得税: payable and paid."""
    if statement is None:
        return {}
    has_paid = Column.PAID in statement.columns
    taxes: dict[str, TaxFigures] = {}
    for key in TAX_FIGURES:
        lines = [statement.line(key)]
        if key == "surcharges" and lines[0] is None:
            lines = [statement.line(part) for part in SURCHARGE_PARTS]
        found = [x for x in lines if x is not None]
        if not found:
            continue
        taxes[key] = TaxFigures(
            payable=sum(x.amount(Column.PAYABLE) or 0 for x in found),
            paid=sum(x.amount(Column.PAID) or 0 for x in found) if has_paid else None,
        )
    return taxes


# -- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a month's books cannot be kept, and where: a `code`, the `facts` behind it (keys and
    amounts in fen, never words; "statement" is the kind of the statement at fault), and the
    sheet, row and file. The edges word it (`handlers.book_texts`)."""

    code: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    row: int | None = None
    file: str | None = None


class BooksRefused(DomainError):
    """The books were not imported; `problems` says every reason found, the first one first.
    Its own code and facts are the first problem's, with that problem's sheet and row."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("BooksRefused needs at least one problem")
        first = problems[0]
        where = {"sheet": first.sheet, "row": first.row, "file": first.file}
        super().__init__(first.code, {**first.facts, **where})
        self.problems = tuple(problems)
        self.sheet = first.sheet
        self.row = first.row
        self.file = first.file


def _problem(code: str, statement: StatementSheet, row: int | None, **facts: Any) -> Problem:
    return Problem(
        code, {"statement": statement.kind.value, **facts}, statement.sheet, row, statement.file
    )


def check_presence(books: ParsedBooks) -> list[Problem]:
    """A 利润表 and a 资产负债表, each once (a tax summary at most once)."""
    problems = []
    for kind in StatementKind:
        found = [s for s in books.statements if s.kind is kind]
        if not found and kind is not StatementKind.TAX:
            problems.append(Problem("missing_statement", {"statement": kind.value}))
        elif len(found) > 1:
            a, b = found[0], found[1]
            facts = {"statement": kind.value, "first_sheet": a.sheet, "first_file": a.file}
            problems.append(Problem("duplicate_statement", facts, b.sheet, None, b.file))
    return problems


def check_standard(books: ParsedBooks) -> list[Problem]:
    """The statements follow one standard, and it is known."""
    known = [(s, s.standard) for s in books.statements if s.standard is not None]
    if not known:
        return [Problem("unknown_standard")]
    first, standard = known[0]
    for s, other in known[1:]:
        if other is not standard:
            return [
                _problem(
                    "mixed_standards",
                    s,
                    None,
                    standard=other.value,
                    first_statement=first.kind.value,
                    first_standard=standard.value,
                )
            ]
    return []


def check_lines(statement: StatementSheet) -> list[Problem]:
    """The lines and the column the headline figures come from are all there."""
    column = REQUIRED_COLUMN[statement.kind]
    if column not in statement.columns:
        return [_problem("missing_column", statement, statement.header_row, column=column.value)]
    missing = [k for k in REQUIRED_LINES[statement.kind] if statement.line(k) is None]
    if not missing:
        return []
    return [_problem("missing_line", statement, None, lines=tuple(missing))]


def check_company(books: ParsedBooks, company_name: str) -> list[Problem]:
    """Every 编制单位 printed is the company the books are for (a blank one says nothing)."""
    return [
        _problem("wrong_company", s, s.company_row, company=s.company, expected=company_name)
        for s in books.statements
        if s.company and not same_company(s.company, company_name)
    ]


def check_period(books: ParsedBooks, period: str | None) -> list[Problem]:
    """Every period printed is the month asked for (or, none asked, they all agree)."""
    expected = period or books.period
    if expected is None:
        return [Problem("no_period")]
    problems = []
    for s in books.statements:
        if s.period is None or s.period == expected:
            continue
        code = "wrong_period" if period is not None else "mixed_periods"
        problems.append(_problem(code, s, s.period_row, period=s.period, expected=expected))
    return problems


def check_balance(statement: StatementSheet) -> list[Problem]:
    """资产总计 = 负债和所有者权益总计 = 负债合计 + 所有者权益合计, at the end (and the start).

    Two "unbalanced" problems: assets against the total of claims (facts `assets`, `claims`),
    or the claims' parts against their total (facts `liabilities`, `equity`, `claims`)."""
    assets = statement.line("total_assets")
    claims = statement.line("total_liabilities_and_equity")
    if assets is None or claims is None:
        return []
    problems = []
    for column in (Column.END, Column.BEGIN):
        if column not in statement.columns:
            continue
        a, c = assets.amount(column) or 0, claims.amount(column) or 0
        if a != c:
            problems.append(
                _problem(
                    "unbalanced", statement, assets.row, column=column.value, assets=a, claims=c
                )
            )
            continue
        debts = statement.figure("total_liabilities", column) or 0
        equity = statement.figure("total_equity", column) or 0
        if debts + equity != c:
            problems.append(
                _problem(
                    "unbalanced",
                    statement,
                    claims.row,
                    column=column.value,
                    liabilities=debts,
                    equity=equity,
                    claims=c,
                )
            )
    return problems


def check_net_profit(statement: StatementSheet) -> list[Problem]:
    """净利润 = 利润总额 − 所得税费用, in every income column."""
    net = statement.line("net_profit")
    if net is None:
        return []
    problems = []
    for column in (Column.MONTH, Column.YTD, Column.PRIOR_YEAR):
        if column not in statement.columns:
            continue
        total = statement.figure("total_profit", column) or 0
        tax = statement.figure("income_tax", column) or 0
        printed = net.amount(column) or 0
        if printed != total - tax:
            problems.append(
                _problem(
                    "net_profit_mismatch",
                    statement,
                    net.row,
                    column=column.value,
                    net_profit=printed,
                    total_profit=total,
                    income_tax=tax,
                )
            )
    return problems


def check_books(books: ParsedBooks, company_name: str, period: str | None) -> list[Problem]:
    """Every problem with a month's books, most basic first; none means they may be kept.
    Arithmetic is checked only once the statements and their lines are all there."""
    problems = check_presence(books)
    if problems:
        return problems
    problems = check_standard(books)
    for statement in books.statements:
        problems += check_lines(statement)
    if problems:
        return problems
    problems = check_company(books, company_name) + check_period(books, period)
    for statement in books.statements:
        if statement.kind is StatementKind.BALANCE:
            problems += check_balance(statement)
        elif statement.kind is StatementKind.INCOME:
            problems += check_net_profit(statement)
    return problems


def figures_of(books: ParsedBooks, earlier_months: Iterable[IncomeFigures] = ()) -> MonthFigures:
    """The headline of checked books. Without a 本年累计 column the year to date is this month
    plus `earlier_months` (the caller supplies every earlier month of the year, or none in
    January)."""
    income = books.statement(StatementKind.INCOME)
    balance = books.statement(StatementKind.BALANCE)
    if income is None or balance is None:
        raise ValueError("figures_of needs checked books")
    month = income_figures(income, Column.MONTH)
    end = balance_figures(balance, Column.END)
    if month is None or end is None:
        raise ValueError("figures_of needs checked books")
    ytd = income_figures(income, Column.YTD)
    derived = ytd is None
    if ytd is None:
        ytd = month
        for earlier in earlier_months:
            ytd = ytd + earlier
    return MonthFigures(
        month=month,
        ytd=ytd,
        balance=end,
        balance_begin=balance_figures(balance, Column.BEGIN),
        taxes=tax_figures(books.statement(StatementKind.TAX)),
        ytd_derived=derived,
    )


# -- a kept month ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewBookMonth:
    """A month's checked books, about to be kept as the month's next version."""

    firm_id: int
    company_id: int
    period: str
    standard: Standard
    figures: MonthFigures
    books: ParsedBooks
    imported_at: datetime
    imported_by: str = ""


@dataclass(frozen=True, slots=True)
class BookMonth:
    """One kept version of a month's books (the lines are loaded apart: `statements`)."""

    id: int
    firm_id: int
    company_id: int
    period: str
    version: int  # 1 for the first import of the month, then 2, 3, ...
    standard: Standard
    figures: MonthFigures
    files: tuple[SourceFile, ...]
    imported_at: datetime
    imported_by: str = ""
    replaced_at: datetime | None = None  # None: the month's current version

    @property
    def current(self) -> bool:
        return self.replaced_at is None
