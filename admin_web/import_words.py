"""How the panel words what is wrong with a client spreadsheet or one of its rows
(`domain.client_import` and `admin_web.client_sheets` give codes and facts)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.client_import import RowProblem

SHEET_ZH: Mapping[str, str] = {
    "empty": "文件是空的。",
    "too_big": "文件太大了（最多 2 MB、两万个单元格），请分几次导入。",
    "format": "请上传 .xlsx、.xls 或 .csv 文件。",
    "corrupt": "文件打不开，可能已损坏，请另存为 .xlsx 或 .csv 后再试。",
    "encrypted": "文件设置了密码，请去掉密码后再上传。",
    "encoding": "CSV 文件的编码无法识别，请用 Excel 另存为“CSV UTF-8”。",
    "sheet_empty": "表格里没有客户。第一行写列名（客户名称、联系人、电话、专属会计、标签），下面每行一家客户。",
    "sheet_no_name_column": "没有找到“客户名称”列。第一行请写列名：客户名称、联系人、电话、专属会计、标签。",
    "sheet_too_many_rows": "一次最多导入 {limit} 家客户，请分几次导入。",
}  # fmt: skip

ROW_ZH: Mapping[str, str] = {
    "name_missing": "缺少客户名称",
    "name_too_long": "客户名称超过 {limit} 个字",
    "contact_too_long": "联系人姓名超过 {limit} 个字",
    "phone_bad": "电话“{phone}”格式不对",
    "phone_without_contact": "填了电话但没有联系人姓名",
    "client_exists": "已有客户“{name}”",
    "name_repeated": "与第 {line} 行的客户名称重复",
    "accountant_unknown": "没有在职员工“{name}”",
    "tag_unknown": "没有标签“{names}”，请先在客户页新建",
}


def sheet_problem(code: str, facts: Mapping[str, object] | None = None) -> str:
    return SHEET_ZH.get(code, "文件无法读取。").format(**(facts or {}))


def row_problem(problem: RowProblem) -> str:
    facts = dict(problem.facts)
    if isinstance(facts.get("names"), list):
        facts["names"] = "、".join(str(n) for n in facts["names"])
    try:
        return ROW_ZH[problem.code].format(**facts)
    except (KeyError, IndexError):
        return "这一行有问题"
