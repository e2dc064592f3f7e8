"""`yunkuaiji books import` against a real SQLite file, for every layout and every refusal: one
JSON object with the figures in fen, or the error with its sheet and row and nothing kept."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from storage.blobs import sha256_of
from tests.support.statement_files import FAILURES, LAYOUTS, write_oversized

COMPANY = "杭州云帆科技有限公司"
MONTH = {
    "revenue": 12_850_000,
    "operating_cost": 7_621_030,
    "operating_profit": 2_806_580,
    "total_profit": 2_756_580,
    "income_tax": 137_829,
    "net_profit": 2_618_751,
}
YTD = {
    "revenue": 105_632_050,
    "operating_cost": 64_011_520,
    "operating_profit": 20_444_034,
    "total_profit": 20_524_034,
    "income_tax": 1_026_202,
    "net_profit": 19_497_832,
}
BALANCE = {
    "cash": 35_678_912,
    "accounts_receivable": 18_254_300,
    "total_assets": 69_543_300,
    "total_liabilities": 27_045_468,
    "total_equity": 42_497_832,
}


@cache
def _bytes(name: str) -> bytes:
    return {**LAYOUTS, **FAILURES}[name].make()


def file_of(folder: Path, case: str) -> Path:
    spec = {**LAYOUTS, **FAILURES}[case]
    path = folder / spec.name
    path.write_bytes(_bytes(case))
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    assert main(["--env-file", str(tmp_path / "none.env"), "migrate"]) == 0
    assert (
        main(
            [
                "--env-file",
                str(tmp_path / "none.env"),
                "client",
                "add",
                COMPANY,
                "--contact",
                "刘先生",
            ]
        )
        == 0
    )
    return tmp_path


def books_import(env: Path, capsys: Any, *args: str | Path) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["--env-file", str(env / "none.env"), "books", "import", *map(str, args)])
    [line] = capsys.readouterr().out.splitlines()
    return code, json.loads(line)


def kept(env: Path) -> list[Path]:
    return (
        sorted(p for p in (env / "var" / "books").rglob("*") if p.is_file())
        if (env / "var" / "books").exists()
        else []
    )


@pytest.mark.parametrize(
    ("case", "standard"),
    [
        ("small_xlsx", "small"),
        ("small_xls", "small"),
        ("general_xlsx", "general"),
        ("general_xls", "general"),
    ],
)
def test_each_layout_imports_to_the_same_figures(
    env: Path, capsys: Any, case: str, standard: str
) -> None:
    path = file_of(env, case)
    code, out = books_import(env, capsys, path, "--company", COMPANY, "--period", "2026-09")
    assert code == 0
    assert {k: out[k] for k in ("period", "standard", "month", "ytd", "balance")} == {
        "period": "2026-09",
        "standard": standard,
        "month": MONTH,
        "ytd": YTD,
        "balance": BALANCE,
    }
    assert (out["version"], out["replaced_version"], out["dry_run"]) == (1, None, False)
    # The original is kept, byte for byte, under its SHA-256, for download later.
    [blob] = kept(env)
    assert blob.name == sha256_of(path.read_bytes()) and blob.read_bytes() == path.read_bytes()


def test_a_tax_summary_comes_out_with_the_figures(env: Path, capsys: Any) -> None:
    code, out = books_import(env, capsys, file_of(env, "small_xlsx"), "--company", COMPANY)
    assert code == 0 and out["period"] == "2026-09"  # the month the files print
    assert out["taxes"] == {
        "vat": {"payable": 128_500, "paid": 128_500},
        "surcharges": {"payable": 7_710, "paid": 7_710},
        "iit": {"payable": 45_000, "paid": 45_000},
        "cit": {"payable": 137_829, "paid": 0},
    }


def test_statements_in_two_files_import_together(env: Path, capsys: Any) -> None:
    income, balance = file_of(env, "two_files_income"), file_of(env, "two_files_balance")
    code, out = books_import(env, capsys, income, balance, "--company", COMPANY)
    assert code == 0 and (out["month"], out["ytd"], out["balance"]) == (MONTH, YTD, BALANCE)
    assert len(kept(env)) == 2


def test_without_a_year_to_date_column_january_is_its_own_year(env: Path, capsys: Any) -> None:
    path = file_of(env, "general_prior_january_xlsx")
    code, out = books_import(env, capsys, path, "--company", COMPANY, "--period", "2026-01")
    assert code == 0
    assert (out["period"], out["standard"], out["month"], out["ytd"]) == (
        "2026-01",
        "general",
        MONTH,
        MONTH,
    )
    assert out["ytd_derived"] is True


def test_a_re_import_replaces_the_month_as_version_two(env: Path, capsys: Any) -> None:
    books_import(env, capsys, file_of(env, "small_xlsx"), "--company", COMPANY)
    code, out = books_import(env, capsys, file_of(env, "general_xls"), "--company", COMPANY)
    assert code == 0
    assert (out["version"], out["replaced_version"], out["standard"]) == (2, 1, "general")


def test_a_dry_run_checks_and_prints_but_keeps_nothing(env: Path, capsys: Any) -> None:
    path = file_of(env, "small_xls")
    code, out = books_import(env, capsys, path, "--company", COMPANY, "--dry-run")
    assert code == 0 and out["dry_run"] is True and out["month"] == MONTH
    assert kept(env) == []
    code, out = books_import(env, capsys, path, "--company", COMPANY)
    assert (code, out["version"]) == (0, 1)  # the dry run left no version behind


@pytest.mark.parametrize(
    ("case", "error", "sheet", "row", "message"),
    [
        (
            "unbalanced",
            "unbalanced",
            "资产负债表",
            27,
            "资产负债表（工作表“资产负债表”第27行）：不平衡：期末余额的资产总计 695,533.00 元，"
            "负债和所有者权益总计 695,433.00 元，相差 100.00 元。",
        ),
        (
            "net_profit_off",
            "net_profit_mismatch",
            "利润表",
            24,
            "利润表（工作表“利润表”第24行）：本月金额的净利润 26,187.52 元，但利润总额 27,565.80 元"
            " − 所得税费用 1,378.29 元 = 26,187.51 元，相差 0.01 元。",
        ),
        (
            "wrong_company",
            "wrong_company",
            "资产负债表",
            3,
            "资产负债表（工作表“资产负债表”第3行）：编制单位是“宁波海风贸易有限公司”，"
            "不是“杭州云帆科技有限公司”，请检查是否选错了公司或文件。",
        ),
        (
            "wrong_period",
            "wrong_period",
            "资产负债表",
            3,
            "资产负债表（工作表“资产负债表”第3行）：所属期是2026年8月，不是要导入的2026年9月，请检查文件。",
        ),
        (
            "formula",
            "formula_without_value",
            "资产负债表",
            27,
            "工作表“资产负债表”第27行C列是公式（=C16+C26），但文件里没有保存计算结果，"
            "请在 Excel 里打开、重新计算并保存，或从财务软件直接导出数值。",
        ),
        ("bad_amount", "bad_amount", "利润表", 12, "工作表“利润表”第12行C列的“待定”不是金额。"),
        (
            "general_prior_xls",
            "missing_ytd",
            "利润表",
            4,
            "利润表（工作表“利润表”）没有“本年累计金额”列，而2026年1月、2月、3月、4月、5月、6月、"
            "7月、8月的账还没有导入，算不出2026年9月的本年累计。"
            "请导出带“本年累计金额”的利润表，或先导入前几个月的账。",
        ),
        (
            "two_files_income",
            "missing_statement",
            None,
            None,
            "没有找到资产负债表，请把资产负债表一起导入。",
        ),
        (
            "encrypted",
            "encrypted",
            None,
            None,
            "文件设置了密码保护，无法读取，请取消密码后重新导出。",
        ),
        (
            "encrypted_xls",
            "encrypted",
            None,
            None,
            "文件设置了密码保护，无法读取，请取消密码后重新导出。",
        ),
        (
            "macro",
            "macro_enabled",
            None,
            None,
            "这是启用宏的工作簿（.xlsm），为安全起见不能导入，请另存为 .xlsx 后再导入。",
        ),
        (
            "zip_bomb",
            "zip_bomb",
            None,
            None,
            "文件解压后异常巨大（压缩比异常），疑似恶意文件，已拒绝导入。",
        ),
        (
            "text",
            "not_spreadsheet",
            None,
            None,
            "这不是 Excel 表格文件（.xlsx 或 .xls），请从财务软件导出 Excel 格式的报表。",
        ),
        (
            "unknown_layout",
            "unknown_layout",
            None,
            None,
            "无法识别的报表格式：没有找到资产负债表、利润表或税费汇总表（工作表：Sheet1）。"
            "请从财务软件导出标准格式的报表（带“项目”“行次”和金额列）。",
        ),
    ],
)
def test_a_refused_file_says_why_and_where_and_keeps_nothing(
    env: Path,
    capsys: Any,
    case: str,
    error: str,
    sheet: str | None,
    row: int | None,
    message: str,
) -> None:
    path = file_of(env, case)
    code, out = books_import(env, capsys, path, "--company", COMPANY, "--period", "2026-09")
    assert code == 1
    assert (out["error"], out["sheet"], out["row"], out["message"]) == (error, sheet, row, message)
    assert kept(env) == []
    # Nothing was kept in the database either: the good file still becomes version 1.
    code, out = books_import(env, capsys, file_of(env, "small_xlsx"), "--company", COMPANY)
    assert (code, out["version"]) == (0, 1)


def test_an_oversized_file_is_refused_unread(env: Path, capsys: Any) -> None:
    code, out = books_import(env, capsys, write_oversized(env), "--company", COMPANY)
    assert (code, out["error"], out["file"]) == (1, "too_large", "huge.xlsx")
    assert (
        out["message"] == "文件太大（50.0MB），报表文件不应超过10MB，请只导出资产负债表和利润表。"
    )


def test_unknown_companies_missing_files_and_bad_months(env: Path, capsys: Any) -> None:
    path = file_of(env, "small_xlsx")
    code, out = books_import(env, capsys, path, "--company", "不存在的公司")
    assert (code, out["error"]) == (1, "not_found")
    assert out["message"] == "没有名为“不存在的公司”的客户公司，请先用 yunkuaiji client add 添加。"
    code, out = books_import(env, capsys, env / "nowhere.xlsx", "--company", COMPANY)
    assert (code, out["error"]) == (1, "unreadable_file")
    code, out = books_import(env, capsys, path, "--company", COMPANY, "--period", "2026-9")
    assert (code, out["error"]) == (1, "bad_period")
    assert out["message"] == "月份“2026-9”的格式不对，请写成 YYYY-MM，例如 2026-09。"
