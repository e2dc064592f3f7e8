"""A client's invoices and books in the panel, and the firm's checklist templates, over HTTP on
the real app: the invoice list flags what was sent again and what failed its checks; the photo
is served only to staff who may see the client, with its content type; a correction is the
chat's rule, audited; the books upload previews (keeping nothing), then imports through the
same import as the command line, refusing bad files with their sheet and row; admins edit the
checklist template, versioned, and accountants cannot."""

from __future__ import annotations

import io
import re
from datetime import date

import aiohttp
from sqlalchemy import func, select

from domain.invoice_uploads import InvoiceRecord
from domain.invoices import Invoice, InvoiceKind
from storage.blobs import BlobStore
from storage.tables.books import BookVersionRow
from storage.tables.panel import AuditRow, PanelDocumentRow
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Browser, Panel
from tests.support.statement_files import FAILURES, LAYOUTS

QINGHE = "杭州青禾餐饮管理有限公司"  # 王会计's
YUNFAN = "杭州云帆科技有限公司"  # 李会计's (the statement fixtures are its September)
SCRIPT = "<script>alert(1)</script>"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


async def company_id(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        return next(c.id for c in await uow.identities.list_companies(firm.id) if c.name == name)


async def seed_invoice(
    panel: Panel, company: int, number: str, total_fen: int, image: bytes = PNG
) -> int:
    sha = BlobStore(panel.chat.settings.data_dir / "media").put(image)
    inv = Invoice(
        company_id=company,
        number=number,
        code="012001800311",
        kind=InvoiceKind.VAT_COMMON,
        invoice_type="增值税电子普通发票",
        issue_date=date(2026, 9, 8),
        amount_excl_tax_fen=4662,
        tax_fen=608,
        amount_total_fen=total_fen,
        buyer_name=None,
        buyer_tax_id=None,
        seller_name="天津瑞佳讯贸易有限公司",
        seller_tax_id="91120222079642398Y",
        check_code=None,
        image_sha256=sha,
        uploaded_by=0,
        uploaded_at=panel.now(),
    )
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        stored = await uow.invoices.add_invoice(
            InvoiceRecord(inv, "陈女士").rechecked(panel.now()), firm.id
        )
        await uow.commit()
    assert stored is not None and stored.id is not None
    return stored.id


async def audit(panel: Panel, action: str) -> list[AuditRow]:
    async with panel.sessions() as s:
        return list(await s.scalars(select(AuditRow).where(AuditRow.action == action)))


async def test_invoices_are_listed_flagged_previewed_and_corrected(panel: Panel) -> None:
    qinghe, yunfan = await company_id(panel, QINGHE), await company_id(panel, YUNFAN)
    good = await seed_invoice(panel, qinghe, "33207675", 5270)
    bad = await seed_invoice(panel, qinghe, "33207676", 9999, image=b"not really an image")
    theirs = await seed_invoice(panel, yunfan, "33207677", 5270)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    base = f"/clients/{qinghe}/invoices"

    status, body, _ = await wang.get(f"{base}?period=2026-09")
    assert status == 200, body
    assert "33207675" in body and "33207676" in body and "33207677" not in body
    assert body.count("金额 + 税额 ≠ 价税合计") == 1 and "校验通过" in body

    async with wang.http.get(wang.url(f"{base}/{good}/image")) as r:
        assert r.status == 200 and r.content_type == "image/png" and await r.read() == PNG
    async with wang.http.get(wang.url(f"{base}/{bad}/image")) as r:
        # Not an image: handed over as a download, never drawn as a page.
        assert r.content_type == "application/octet-stream"
        assert r.headers["Content-Disposition"].startswith("attachment")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    # Another client's invoice under this client's address, an unknown one, another accountant.
    for path in (f"{base}/{theirs}/image", f"{base}/99999/image", f"/clients/{yunfan}/invoices"):
        status, body, _ = await wang.get(path)
        assert status == 404, path
        assert "33207677" not in body
    li = await panel.logged_in(LI, STAFF_PASSWORD)
    for path in (f"{base}?period=2026-09", f"{base}/{good}/image"):
        status, body, _ = await li.get(path)
        assert status == 404 and "33207675" not in body

    # A correction: nonsense is refused in words and changes nothing; a forged post neither.
    status, body, _ = await wang.post(
        f"{base}/{bad}/correct",
        {"_csrf": wang.csrf, "field": "amount_total", "value": SCRIPT, "period": "2026-09"},
    )
    assert status == 422 and "金额请写成 46.62 的样子" in body and SCRIPT not in body
    status, _, _ = await wang.post(
        f"{base}/{bad}/correct", {"_csrf": "forged", "field": "amount_total", "value": "52.70"}
    )
    assert status == 403
    status, _, _ = await li.post(
        f"{base}/{bad}/correct", {"_csrf": li.csrf, "field": "amount_total", "value": "52.70"}
    )
    assert status == 404
    assert await audit(panel, "invoice_corrected") == []
    status, body, headers = await wang.post(
        f"{base}/{bad}/correct",
        {"_csrf": wang.csrf, "field": "amount_total", "value": "52.70", "period": "2026-09"},
    )
    assert status == 303, body
    status, body, _ = await wang.get(headers["Location"].removeprefix("/admin"))
    assert "已更正价税合计" in body and "金额 + 税额 ≠ 价税合计" not in body
    [row] = await audit(panel, "invoice_corrected")
    assert (row.before, row.after, row.actor) == (
        {"amount_total": "¥99.99"},
        {"amount_total": "¥52.70"},
        WANG,
    )


async def upload(
    b: Browser, company: int, files: list[tuple[str, bytes]], **fields: str
) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("_csrf", b.csrf)
    form.add_field("action", "preview")
    for k, v in fields.items():
        form.add_field(k, v)
    for name, data in files:
        form.add_field(
            "file", io.BytesIO(data), filename=name, content_type="application/octet-stream"
        )
    async with b.http.post(
        b.url(f"/clients/{company}/books"), data=form, allow_redirects=False
    ) as r:
        return r.status, await r.text()


async def versions(panel: Panel, company: int, period: str) -> int:
    async with panel.sessions() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(BookVersionRow)
            .where(BookVersionRow.company_id == company, BookVersionRow.period == period)
        )
    return int(n or 0)


def hidden(body: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]*)"', body)


async def test_books_upload_previews_then_imports_with_its_history(panel: Panel) -> None:
    yunfan = await company_id(panel, YUNFAN)
    li = await panel.logged_in(LI, STAFF_PASSWORD)
    before = await versions(panel, yunfan, "2026-09")
    spec = LAYOUTS["small_xlsx"]
    status, body = await upload(li, yunfan, [(spec.name, spec.make())], period="2026-09")
    assert status == 200, body
    assert "这是预览，还没有导入" in body and "¥128,500.00" in body  # 营业收入, month
    assert await versions(panel, yunfan, "2026-09") == before  # the preview kept nothing
    assert await audit(panel, "books_imported") == []

    # Confirm: the files previewed, named by digest, imported through the same import.
    form = {"_csrf": li.csrf, "action": "commit", "period": "2026-09"}
    data = aiohttp.FormData()
    for k, v in form.items():
        data.add_field(k, v)
    for sha, name in zip(hidden(body, "sha"), hidden(body, "name"), strict=True):
        data.add_field("sha", sha)
        data.add_field("name", name)
    async with li.http.post(
        li.url(f"/clients/{yunfan}/books"), data=data, allow_redirects=False
    ) as r:
        assert r.status == 303, await r.text()
        location = r.headers["Location"]
    assert await versions(panel, yunfan, "2026-09") == before + 1
    status, body, _ = await li.get(location.removeprefix("/admin"))
    assert status == 200 and f"已导入（第 {before + 1} 版）" in body
    assert "2026-09 的历史版本" in body and spec.name in body and "当前" in body
    [row] = await audit(panel, "books_imported")
    assert row.actor == LI and row.after is not None and row.after["revenue"] == 12_850_000

    # A digest that is not a kept file is refused, nothing imported.
    status, body, _ = await li.post(
        f"/clients/{yunfan}/books",
        {"_csrf": li.csrf, "action": "commit", "sha": "0" * 64, "name": "x.xlsx"},
    )
    assert status == 422 and await versions(panel, yunfan, "2026-09") == before + 1


async def test_bad_books_are_refused_with_where_and_nothing_kept(panel: Panel) -> None:
    yunfan, qinghe = await company_id(panel, YUNFAN), await company_id(panel, QINGHE)
    li = await panel.logged_in(LI, STAFF_PASSWORD)
    before = await versions(panel, yunfan, "2026-09")
    unbalanced = FAILURES["unbalanced"]
    status, body = await upload(li, yunfan, [(unbalanced.name, unbalanced.make())])
    assert status == 422 and "没有导入" in body
    where = re.search(r"<li>文件“unbalanced.xlsx” 工作表“[^”]+” 第 \d+ 行：[^<]+</li>", body)
    assert where, body
    other = FAILURES["wrong_company"]
    status, body = await upload(li, yunfan, [(other.name, other.make())])
    assert status == 422 and "没有导入" in body
    bomb = FAILURES["zip_bomb"]
    status, body = await upload(li, yunfan, [(bomb.name, bomb.make())])
    assert status == 422
    status, body = await upload(li, yunfan, [("notes.txt", b"hello")])
    assert status == 422 and "不是 .xlsx 或 .xls 文件" in body
    status, body = await upload(li, yunfan, [("big.xlsx", b"x" * (10 * 1024 * 1024 + 1))])
    assert status == 422 and "太大了" in body
    status, body = await upload(li, yunfan, [(f"{SCRIPT}.xlsx", b"x")], period="2026-13")
    assert status == 422 and SCRIPT not in body
    assert await versions(panel, yunfan, "2026-09") == before
    # Another accountant's client, and a client that does not exist.
    spec = LAYOUTS["small_xlsx"]
    for company in (qinghe, 99999):
        status, body = await upload(li, company, [(spec.name, spec.make())])
        assert status == 404, body
    status, _, _ = await li.get(f"/clients/{qinghe}/books")
    assert status == 404
    assert await audit(panel, "books_imported") == []


async def test_admins_edit_the_checklist_template_in_versions(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/checklists/small")
    assert status == 200 and "确认工资表" in body and "当前用的是系统默认清单" in body
    assert hidden(body, "rows") == ["10"]  # seven items and three blank rows
    keys = hidden(body, r"key\d+")
    labels = hidden(body, r"label\d+")
    days = hidden(body, r"days\d+")
    form: dict[str, str] = {"_csrf": admin.csrf, "rows": "10"}
    for i, (key, label, day) in enumerate(zip(keys, labels, days, strict=False), 1):
        form |= {f"key{i}": key, f"label{i}": label, f"days{i}": day, f"order{i}": str(i)}
        form[f"party{i}"] = "staff" if i > 3 else "client"
        if key in ("vat", "iit"):
            form[f"files{i}"] = "1"
        if key == "bookkeeping":
            form[f"books{i}"] = "1"
    form |= {"remove3": "1", "order4": "0"}  # 确认工资表 out; 记账 first
    form |= {"label8": f"提供社保单{SCRIPT}"[:20], "party8": "client", "days8": "6"}

    # Invalid first: a deadline that is not a number; nothing saved.
    status, body, _ = await admin.post("/checklists/small", {**form, "days1": "七"})
    assert status == 422 and "截止天数请填整数" in body and SCRIPT not in body
    no_return = {k: v for k, v in form.items() if not k.startswith("files")}
    status, body, _ = await admin.post("/checklists/small", no_return)
    assert status == 422 and "至少保留一项“申报”事项" in body
    async with panel.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(PanelDocumentRow)) == 0

    status, body, headers = await admin.post("/checklists/small", form)
    assert status == 303, body
    status, body, _ = await admin.get(headers["Location"].removeprefix("/admin"))
    assert "已保存（第 1 版）" in body and "当前是第 1 版" in body
    labels = hidden(body, r"label\d+")
    assert labels[0] == "记账" and "确认工资表" not in labels
    assert any(label.startswith("提供社保单") for label in labels)
    assert "&lt;script&gt;" in body and SCRIPT not in body
    [row] = await audit(panel, "checklist_saved")
    assert row.target == "small v1"

    # 一般纳税人 is its own template, still the shipped one; an unknown kind is not a page.
    status, body, _ = await admin.get("/checklists/general")
    assert status == 200 and "进项发票勾选确认" in body and "系统默认清单" in body
    status, _, _ = await admin.get("/checklists/huge")
    assert status == 404

    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _, _ = await wang.get("/checklists/small")
    assert status == 403
    status, _, _ = await wang.post("/checklists/small", {**form, "_csrf": wang.csrf})
    assert status == 403
    assert len(await audit(panel, "checklist_saved")) == 1


async def test_the_client_page_links_to_invoices_and_books(panel: Panel) -> None:
    qinghe = await company_id(panel, QINGHE)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, body, _ = await wang.get(f"/clients/{qinghe}")
    assert status == 200
    assert f"/admin/clients/{qinghe}/invoices" in body and f"/admin/clients/{qinghe}/books" in body
