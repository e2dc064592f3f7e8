"""Importing clients from a spreadsheet: the preview shows every row and what is wrong with
it, nothing is written until the admin confirms, and then every row is imported or none (a
problem anywhere, a row forged into the confirmation, a name taken meanwhile). CSV in UTF-8
or GB18030, .xlsx; empty, foreign, damaged files get a clear answer; admin-only, CSRF."""

from __future__ import annotations

import html
import io
import json
import re

import aiohttp
import openpyxl

from tests.e2e.admin.test_clients_page import QINGHE, define, listed
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Browser, Panel

GOOD_CSV = (
    "客户名称,联系人,电话,专属会计,标签\n"
    "杭州新禾科技有限公司,周先生,13800001111,王会计,小规模、电子专票\n"
    "杭州远山贸易有限公司,,,,\n"
)


async def upload(browser: Browser, data: bytes, filename: str, **kw: str) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("_csrf", kw.get("csrf", browser.csrf))
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    async with browser.http.post(browser.url("/clients/import/preview"), data=form) as r:
        return r.status, await r.text()


def payload(body: str) -> str:
    found = re.search(r'name="rows" value="([^"]*)"', body)
    assert found, body[-2000:]
    return html.unescape(found.group(1))


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_preview_then_import_every_row(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    await define(admin, "小规模")
    await define(admin, "电子专票")
    status, body = await upload(admin, GOOD_CSV.encode("gb18030"), "客户.csv")
    assert status == 200 and body.count("可以导入") == 2 and "确认导入 2 家客户" in body
    _, before, _ = await admin.get("/clients?q=杭州新禾")
    assert listed(before) == set()  # a preview writes nothing

    status, _, headers = await admin.post(
        "/clients/import", {"_csrf": admin.csrf, "rows": payload(body)}
    )
    assert (status, headers["Location"]) == (303, "/admin/clients?imported=2")
    _, body, _ = await admin.get("/clients?imported=2&q=杭州")
    assert "已导入 2 家客户" in body and {"杭州新禾科技有限公司", "杭州远山贸易有限公司"} <= listed(
        body
    )
    client = re.search(r'href="/admin/clients/(\d+)">杭州新禾科技有限公司<', body)
    assert client
    _, body, _ = await admin.get(f"/clients/{client.group(1)}")
    for words in ("周先生", "13800001111", "王会计", "小规模", "电子专票", "未绑定"):
        assert words in body, words
    _, body, _ = await admin.get("/audit")
    assert "导入客户" in body and "杭州远山贸易有限公司" in body

    # The same sheet again: both names are taken now.
    status, body = await upload(admin, GOOD_CSV.encode(), "again.csv")
    assert status == 200 and body.count("已有客户") == 2 and "确认导入" not in body


async def test_every_rows_problem_is_shown_and_nothing_is_imported(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    await define(admin, "小规模")
    sheet = xlsx([
        ["公司名称", "联系人", "手机", "会计", "标签"],
        ["<script>alert(1)</script>有限公司", "=cmd|' /C calc'!A0", 13900002222, "", "小规模"],
        ["", "孤儿", "", "", ""],
        [QINGHE, "", "", "", ""],
        ["杭州重复有限公司", "", "", "", ""],
        ["杭州重复有限公司", "", "", "", ""],
        ["杭州甲有限公司", "钱", "abc", "不存在的会计", "没有的标签"],
    ])  # fmt: skip
    status, body = await upload(admin, sheet, "clients.xlsx")
    assert status == 200 and "6 行" in body and "5 行需要修改" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    for words in ("缺少客户名称", f"已有客户“{QINGHE}”", "与第 5 行的客户名称重复",
                  "电话“abc”格式不对", "没有在职员工“不存在的会计”", "没有标签“没有的标签”"):  # fmt: skip
        assert words in body, words
    assert "确认导入" not in body and "没有导入任何客户" in body

    # Rows forged into the confirmation are checked again: nothing is written.
    forged = json.dumps([
        {"line": 2, "name": "杭州伪造有限公司", "contact": "", "phone": "", "accountant": "",
         "tags": []},
        {"line": 3, "name": QINGHE, "contact": "", "phone": "", "accountant": "", "tags": []},
    ], ensure_ascii=False)  # fmt: skip
    status, body, _ = await admin.post("/clients/import", {"_csrf": admin.csrf, "rows": forged})
    assert status == 422 and "有 1 行需要修改，没有导入任何客户" in body
    # The same line twice, a bad row hidden behind a good one: still refused.
    twice = json.dumps([
        {"line": 2, "name": "杭州甲有限公司", "contact": "", "phone": "", "accountant": "",
         "tags": ["没有的标签"]},
        {"line": 2, "name": "杭州乙有限公司", "contact": "", "phone": "", "accountant": "",
         "tags": []},
    ], ensure_ascii=False)  # fmt: skip
    status, body, _ = await admin.post("/clients/import", {"_csrf": admin.csrf, "rows": twice})
    assert status == 422 and "没有导入任何客户" in body
    for junk in ("not json", "[]", '[{"line": "x"}]', '{"a": 1}', "[" * 5000):
        status, body, _ = await admin.post("/clients/import", {"_csrf": admin.csrf, "rows": junk})
        assert status == 422 and "重新上传" in body, junk
    for name in ("杭州伪造", "杭州甲", "杭州乙"):
        _, body, _ = await admin.get(f"/clients?q={name}")
        assert listed(body) == set(), name


async def test_files_that_cannot_be_read_get_a_clear_answer(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    for data, name, words in (
        (b"", "a.csv", "文件是空的"),
        (b"hello", "a.txt", "请上传 .xlsx"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "文件打不开"),
        ("联系人,电话\n张三,1\n".encode(), "a.csv", "没有找到“客户名称”列"),
        ("客户名称\n".encode(), "a.csv", "表格里没有客户"),
        (("客户名称\n" + "公司\n" * 1001).encode(), "a.csv", "一次最多导入 1000 家客户"),
        (b"\xff\xfe\x00\x00\x81", "a.csv", "文件"),
    ):
        status, body = await upload(admin, data, name)
        assert status == 422 and words in body, (name, words)
    status, _ = await upload(admin, GOOD_CSV.encode(), "a.csv", csrf="forged")
    assert status == 403
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _ = await upload(wang, GOOD_CSV.encode(), "a.csv")
    assert status == 403
    status, _, _ = await wang.get("/clients/import")
    assert status == 403
