"""How one sheet is read, on small grids: headers over two rows, title facts in odd places, units,
the standard without a form code, where the table ends, and sheets that hold no statement."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.statements import Column, SheetKind
from nlu.statements.catalogue import normalise
from nlu.statements.layout import read_sheet
from nlu.statements.money import CellValue

Grid = list[list[CellValue]]


def income(title: Grid, header: Grid | None = None, extra: Grid | None = None) -> Grid:
    header = header or [["项目", "行次", "本月金额", "本年累计金额"]]
    body: Grid = [
        ["一、营业收入", 1, "1,000.00", "9,000.00"],
        ["减：营业成本", 2, "600.00", "5,000.00"],
        ["二、营业利润", 21, "400.00", "4,000.00"],
        ["三、利润总额", 30, "400.00", "4,000.00"],
        ["减：所得税费用", 31, "20.00", "200.00"],
        ["四、净利润", 32, "380.00", "3,800.00"],
    ]
    return [*title, *header, *body, *(extra or [])]


def test_a_two_row_header_with_the_label_merged_down() -> None:
    grid = income(
        [["利润表", "", "", ""]],
        header=[["项目", "行次", "金额", ""], ["", "", "本月金额", "本年累计金额"]],
    )
    merges = [((1, 0), (2, 0)), ((1, 1), (2, 1)), ((1, 2), (1, 3))]
    found = read_sheet("Sheet1", grid, merges)
    assert found is not None
    assert (found.kind, found.columns, found.header_row) == (
        SheetKind.INCOME,
        (Column.MONTH, Column.YTD),
        2,
    )
    assert found.lines[0].row == 4 and found.lines[0].amounts == {
        Column.MONTH: 100_000,
        Column.YTD: 900_000,
    }


@pytest.mark.parametrize(
    ("title", "company", "period"),
    [
        (
            [["编制单位：", "杭州云帆科技有限公司", "2026年9月", "单位：元"]],
            "杭州云帆科技有限公司",
            "2026-09",
        ),
        (
            [["编制单位:杭州云帆科技有限公司  所属期：2026-09-01至2026-09-30"]],
            "杭州云帆科技有限公司",
            "2026-09",
        ),
        ([["编制单位：杭州云帆科技有限公司", "2026年1-9月"]], "杭州云帆科技有限公司", "2026-09"),
        (
            [["编制单位：杭州云帆科技有限公司", datetime(2026, 9, 30)]],
            "杭州云帆科技有限公司",
            "2026-09",
        ),
        (
            [["企业名称：杭州云帆科技（滨江）有限公司", "期间：2026.09"]],
            "杭州云帆科技（滨江）有限公司",
            "2026-09",
        ),
        ([["编制单位：", "", "报送日期：2026-10-15"]], None, None),
    ],
)
def test_the_company_and_period_wherever_the_title_prints_them(
    title: Grid, company: str | None, period: str | None
) -> None:
    found = read_sheet("利润表", income([["利润表"], *title]))
    assert found is not None
    assert (found.company, found.period) == (company, period)
    assert found.period_row == (2 if period else None)


def test_amounts_in_ten_thousands_are_scaled_to_fen() -> None:
    found = read_sheet("利润表", income([["利润表"], ["单位：万元"]]))
    assert found is not None and found.unit == "万元"
    assert found.lines[0].amounts[Column.MONTH] == 1_000 * 1_000_000


@pytest.mark.parametrize(
    ("title", "label", "standard"),
    [
        ("会小企02表", "其他", "small"),
        ("会企02表", "其他", "general"),
        ("", "其中：业务招待费", "small"),
        ("", "研发费用", "general"),
        ("", "其他", None),
    ],
)
def test_the_standard_from_the_form_code_or_else_from_lines_only_one_standard_prints(
    title: str, label: str, standard: str | None
) -> None:
    found = read_sheet("利润表", income([["利润表", title]], extra=[[label, 40, "-", "-"]]))
    assert found is not None and found.standard == standard


def test_signatures_under_the_table_end_it() -> None:
    grid = income([["利润表"]], extra=[["单位负责人：", "", "制表人：张三", "审核：李四"]])
    found = read_sheet("利润表", grid)
    assert found is not None and [x.key for x in found.lines][-1] == "net_profit"


def test_a_sheet_without_a_statement_table_is_none() -> None:
    assert read_sheet("封面", [["杭州云帆科技有限公司"], ["2026年9月 财务报表"]]) is None
    assert read_sheet("Sheet1", [["项目", "说明"], ["a", "b"]]) is None


def test_the_kind_comes_from_the_lines_when_no_title_names_it() -> None:
    found = read_sheet("Sheet1", income([]))
    assert found is not None and found.kind is SheetKind.INCOME


def test_a_header_merged_across_two_columns_is_one_label_column() -> None:
    grid: Grid = [
        ["资产负债表", "", "", ""],
        ["项目", "项目", "期末余额", "年初余额"],
        ["货币资金", "", "1.00", "2.00"],
        ["资产总计", "", "1.00", "2.00"],
    ]
    found = read_sheet("Sheet1", grid, [((1, 0), (1, 1))])
    assert found is not None
    assert [(x.key, dict(x.amounts)) for x in found.lines] == [
        ("cash", {Column.END: 100, Column.BEGIN: 200}),
        ("total_assets", {Column.END: 100, Column.BEGIN: 200}),
    ]


@pytest.mark.parametrize(
    ("label", "normal"),
    [
        ("  四、净利润（净亏损以“－”号填列）", "净利润"),
        ("负债和所有者权益（或股东权益）总计", "负债和所有者权益总计"),
        ("其中：利息费用（收入以“-”号填列）", "利息费用"),
        ("减：累计折旧", "累计折旧"),
        ("（一）持续经营净利润", "持续经营净利润"),
        ("实收资本(或股本)", "实收资本"),
        ("△ 应 收 账 款", "应收账款"),
    ],
)
def test_labels_are_matched_without_what_varies_between_exports(label: str, normal: str) -> None:
    assert normalise(label) == normal
