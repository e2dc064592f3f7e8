"""Typed refusals of a statement file, so every edge can answer in plain Chinese.

Perception says *why* a file was refused with a stable `reason` and where (sheet, row, column);
`message_zh` words it by default, naming the place, and an edge may word it otherwise.
"""

from __future__ import annotations

from typing import Literal

RejectReason = Literal[
    "empty",
    "too_large",
    "not_spreadsheet",
    "html_export",
    "macro_enabled",
    "encrypted",
    "zip_bomb",
    "corrupt",
    "sheet_too_large",
    "formula_without_value",
    "bad_amount",
    "unknown_layout",
    "duplicate_statement",
]

MAX_MB_TEXT = "10MB"

# {where} is "利润表第12行D列" or "利润表" or ""; the other names are the error's facts.
MESSAGES_ZH: dict[str, str] = {
    "empty": "文件是空的，请重新导出报表。",
    "too_large": "文件太大（{size_mb}MB），报表文件不应超过"
    + MAX_MB_TEXT
    + "，请只导出资产负债表和利润表。",
    "not_spreadsheet": "这不是 Excel 表格文件（.xlsx 或 .xls），请从财务软件导出 Excel 格式的报表。",
    "html_export": "这个文件其实是网页（HTML）格式，不是真正的 Excel 文件，请在 Excel 里打开后“另存为” .xlsx 再导入。",
    "macro_enabled": "这是启用宏的工作簿（.xlsm），为安全起见不能导入，请另存为 .xlsx 后再导入。",
    "encrypted": "文件设置了密码保护，无法读取，请取消密码后重新导出。",
    "zip_bomb": "文件解压后异常巨大（压缩比异常），疑似恶意文件，已拒绝导入。",
    "corrupt": "文件已损坏或不完整，无法打开，请重新导出。",
    "sheet_too_large": "工作表“{sheet}”有 {rows} 行 × {cols} 列，不像是一张报表，请只导出报表本身。",
    "formula_without_value": "{where}是公式（{formula}），但文件里没有保存计算结果，请在 Excel 里打开、重新计算并保存，或从财务软件直接导出数值。",
    "bad_amount": "{where}的“{value}”不是金额。",
    "unknown_layout": "无法识别的报表格式：{detail}",
    "duplicate_statement": "文件里有两张{title}（工作表“{sheet}”和“{other}”），请只保留一张。",
}


def column_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> "A", 27 -> "AB")."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


class StatementRejected(Exception):
    """The file is not a statement we can read; nothing of it should be imported."""

    def __init__(
        self,
        reason: RejectReason,
        *,
        sheet: str | None = None,
        row: int | None = None,
        col: int | None = None,
        **facts: str,
    ) -> None:
        self.reason: RejectReason = reason
        self.sheet = sheet
        self.row = row  # 1-based
        self.col = col  # 0-based
        self.facts = facts
        self.file: str | None = None  # the file's name, once the reader knows it
        super().__init__(self.message_zh)

    @property
    def where_zh(self) -> str:
        place = f"工作表“{self.sheet}”" if self.sheet else ""
        if self.row is not None:
            place += f"第{self.row}行"
        if self.col is not None:
            place += f"{column_letter(self.col)}列"
        return place

    @property
    def message_zh(self) -> str:
        return MESSAGES_ZH[self.reason].format(
            where=self.where_zh, sheet=self.sheet or "", **self.facts
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Crosses process boundaries (a reader pool), so keep it picklable with its fields.
        return (_rebuild, (self.reason, self.sheet, self.row, self.col, self.facts, self.file))


def _rebuild(
    reason: RejectReason,
    sheet: str | None,
    row: int | None,
    col: int | None,
    facts: dict[str, str],
    file: str | None,
) -> StatementRejected:
    rebuilt = StatementRejected(reason, sheet=sheet, row=row, col=col, **facts)
    rebuilt.file = file
    return rebuilt
