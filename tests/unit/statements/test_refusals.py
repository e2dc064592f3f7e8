"""Files perception refuses, each with the reason, the place and the Chinese message: nothing
of a refused file is returned, so nothing of it can be imported."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from nlu.statements import StatementRejected, read_statement_file, read_statements
from nlu.statements.intake import MAX_FILE_BYTES
from tests.support.statement_files import FAILURES, write_oversized


def refusal(case_bytes: Callable[[str], bytes], case: str) -> StatementRejected:
    with pytest.raises(StatementRejected) as caught:
        read_statements(case_bytes(case), FAILURES[case].name)
    assert caught.value.file == FAILURES[case].name
    return caught.value


@pytest.mark.parametrize(
    ("case", "reason", "message"),
    [
        ("empty", "empty", "文件是空的，请重新导出报表。"),
        (
            "text",
            "not_spreadsheet",
            "这不是 Excel 表格文件（.xlsx 或 .xls），请从财务软件导出 Excel 格式的报表。",
        ),
        (
            "png",
            "not_spreadsheet",
            "这不是 Excel 表格文件（.xlsx 或 .xls），请从财务软件导出 Excel 格式的报表。",
        ),
        (
            "docx",
            "not_spreadsheet",
            "这不是 Excel 表格文件（.xlsx 或 .xls），请从财务软件导出 Excel 格式的报表。",
        ),
        (
            "html",
            "html_export",
            "这个文件其实是网页（HTML）格式，不是真正的 Excel 文件，请在 Excel 里打开后“另存为” .xlsx 再导入。",
        ),
        (
            "macro",
            "macro_enabled",
            "这是启用宏的工作簿（.xlsm），为安全起见不能导入，请另存为 .xlsx 后再导入。",
        ),
        ("encrypted", "encrypted", "文件设置了密码保护，无法读取，请取消密码后重新导出。"),
        ("encrypted_xls", "encrypted", "文件设置了密码保护，无法读取，请取消密码后重新导出。"),
        (
            "ole_document",
            "not_spreadsheet",
            "这不是 Excel 表格文件（.xlsx 或 .xls），请从财务软件导出 Excel 格式的报表。",
        ),
        ("truncated", "corrupt", "文件已损坏或不完整，无法打开，请重新导出。"),
        (
            "zip_bomb",
            "zip_bomb",
            "文件解压后异常巨大（压缩比异常），疑似恶意文件，已拒绝导入。",
        ),
        (
            "zip_bomb_spread",
            "zip_bomb",
            "文件解压后异常巨大（压缩比异常），疑似恶意文件，已拒绝导入。",
        ),
        (
            "unknown_layout",
            "unknown_layout",
            "无法识别的报表格式：没有找到资产负债表、利润表或税费汇总表（工作表：Sheet1）。"
            "请从财务软件导出标准格式的报表（带“项目”“行次”和金额列）。",
        ),
    ],
)
def test_files_that_are_not_readable_statements_are_refused(
    case_bytes: Callable[[str], bytes], case: str, reason: str, message: str
) -> None:
    refused = refusal(case_bytes, case)
    assert (refused.reason, refused.message_zh) == (reason, message)
    assert (refused.sheet, refused.row) == (None, None)


def test_a_formula_without_a_saved_value_is_named_by_sheet_row_and_column(
    case_bytes: Callable[[str], bytes],
) -> None:
    refused = refusal(case_bytes, "formula")
    assert (refused.reason, refused.sheet, refused.row, refused.col) == (
        "formula_without_value",
        "资产负债表",
        27,
        2,
    )
    assert refused.message_zh == (
        "工作表“资产负债表”第27行C列是公式（=C16+C26），但文件里没有保存计算结果，"
        "请在 Excel 里打开、重新计算并保存，或从财务软件直接导出数值。"
    )


def test_text_in_an_amount_column_is_named(case_bytes: Callable[[str], bytes]) -> None:
    refused = refusal(case_bytes, "bad_amount")
    assert (refused.reason, refused.sheet, refused.row, refused.col) == (
        "bad_amount",
        "利润表",
        12,
        2,
    )
    assert refused.message_zh == "工作表“利润表”第12行C列的“待定”不是金额。"


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = write_oversized(tmp_path)
    assert path.stat().st_size == 50 * 1024 * 1024 > MAX_FILE_BYTES
    with pytest.raises(StatementRejected) as caught:
        read_statement_file(path)
    assert (caught.value.reason, caught.value.file) == ("too_large", "huge.xlsx")
    assert caught.value.message_zh == (
        "文件太大（50.0MB），报表文件不应超过10MB，请只导出资产负债表和利润表。"
    )


def test_a_macro_enabled_name_is_refused_even_without_macros(
    case_bytes: Callable[[str], bytes],
) -> None:
    with pytest.raises(StatementRejected) as caught:
        read_statements(case_bytes("unknown_layout"), "看起来正常.xlsm")
    assert caught.value.reason == "macro_enabled"


def test_a_refusal_crosses_process_boundaries_intact(case_bytes: Callable[[str], bytes]) -> None:
    refused = refusal(case_bytes, "bad_amount")
    copy = pickle.loads(pickle.dumps(refused))
    assert (copy.reason, copy.sheet, copy.row, copy.col, copy.file, copy.message_zh) == (
        refused.reason,
        refused.sheet,
        refused.row,
        refused.col,
        "bad_amount.xlsx",
        refused.message_zh,
    )
