"""The client home page (/m/) as admins arrange it in the panel: a preview saves nothing; a save
is checked (no `javascript:` links, known services, dates), kept as a version with its audit
entry, and the client's /m/ page shows it in order, escaped; uploaded slide images are stored
and served; accountants are refused."""

from __future__ import annotations

import io
import re
from typing import Any

import aiohttp

from tests.support.mobile import mobile_visitor
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Browser, Panel

CLIENT = "o_demo_chen"
SCRIPT = "<script>alert(1)</script>"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def first_item(body: str) -> tuple[str, str]:
    """The first catalogue item offered in the editor: its id and name."""
    match = re.search(
        r'name="svc1_item">.*?<option value="(\d+)">[^<·]* · ([^<]+)</option>', body, re.S
    )
    assert match, "no catalogue items offered"
    return match.group(1), match.group(2)


async def save(
    admin: Browser, fields: dict[str, str], action: str = "save"
) -> tuple[int, str, Any]:
    return await admin.post("/home", {"_csrf": admin.csrf, "action": action, **fields})


async def client_home(panel: Panel) -> str:
    async with mobile_visitor(panel.base + "/") as phone:
        page = await phone.open_as(CLIENT, "/m/")
    assert page.status == 200, page.text
    return page.text


async def test_arrange_preview_save_and_the_client_sees_it_escaped(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/home")
    assert status == 200 and "还没有保存过" in body
    item_id, item_name = first_item(body)
    fields = {
        "slide1_image": "https://img.example.com/second.png",
        "slide1_title": "第二张",
        "slide1_order": "20",
        "slide2_image": "https://img.example.com/first.png",
        "slide2_title": f"年终{SCRIPT}",
        "slide2_link": "/m/bills",
        "slide2_order": "10",
        "ann1_text": f"春节放假通知{SCRIPT}",
        "ann1_until": "2099-02-01",
        "svc1_item": item_id,
    }
    status, body, _ = await save(admin, fields, action="preview")
    assert status == 200 and "这是预览" in body
    assert "年终&lt;script&gt;" in body and SCRIPT not in body
    # The phone preview lists the slides by their order numbers.
    assert body.index("first.png") < body.index("second.png", body.index("phone-screen"))
    assert "年终" not in await client_home(panel)  # nothing saved yet

    status, _, headers = await save(admin, fields)
    assert status == 303 and headers["Location"] == "/admin/home?saved=1"
    _, body, _ = await admin.get("/home?saved=1")
    assert "已保存（第 1 版）" in body and "第 1 版（线上）" in body

    home = await client_home(panel)
    assert SCRIPT not in home
    assert "年终&lt;script&gt;alert(1)&lt;/script&gt;" in home
    assert "春节放假通知&lt;script&gt;" in home
    assert home.index("first.png") < home.index("second.png")
    assert 'href="/m/bills"' in home and item_name in home and "推荐服务" in home
    assert "img-src 'self' data: https:" in (await _csp(panel))

    _, body, _ = await admin.get("/audit?action=home_saved")
    assert "v1" in body and "春节放假通知" in body and "&lt;script&gt;" in body


async def _csp(panel: Panel) -> str:
    async with mobile_visitor(panel.base + "/") as phone:
        page = await phone.open_as(CLIENT, "/m/")
    return page.headers["Content-Security-Policy"]


async def test_bad_input_is_refused_and_nothing_changes(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, _, _ = await save(admin, {"ann1_text": "第一版公告"})
    assert status == 303
    cases = [
        (
            {"slide1_image": "https://a.example/x.png", "slide1_link": "javascript:alert(1)"},
            "链接要以",
        ),
        ({"slide1_image": "javascript:alert(1)"}, "图片地址要以 https://"),
        ({"slide1_title": "没有图片"}, "请填写图片地址或上传图片"),
        ({"ann1_text": "x", "ann1_until": "2020-01-01"}, "截止日期已经过了"),
        ({"ann1_text": "x", "ann1_until": "明年"}, "截止日期请写成"),
        ({"ann1_text": "长" * 201}, "公告最多 200 个字"),
        ({"svc1_item": "999999"}, "没有这个服务项目"),
        ({"ann1_text": "x", "ann1_order": "abc"}, "排序号请填"),
    ]
    for fields, message in cases:
        status, body, _ = await save(admin, fields)
        assert status == 422 and message in body and "没有保存" in body, (fields, status)
    assert "第一版公告" in await client_home(panel)
    _, body, _ = await admin.get("/home")
    assert "第 1 版（线上）" in body and "第 2 版" not in body


async def test_an_uploaded_image_is_kept_and_served_on_m(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = aiohttp.FormData()
    form.add_field("_csrf", admin.csrf)
    form.add_field("action", "save")
    form.add_field("slide1_title", "上传的图")
    form.add_field("slide1_upload", PNG, filename="a.png", content_type="image/png")
    async with admin.http.post(admin.url("/home"), data=form, allow_redirects=False) as r:
        assert r.status == 303, await r.text()
    home = await client_home(panel)
    match = re.search(r'src="(/m/home/images/\d+)"', home)
    assert match and "上传的图" in home
    async with aiohttp.ClientSession() as anyone, anyone.get(panel.base + match.group(1)) as r:
        assert r.status == 200 and r.content_type == "image/png" and await r.read() == PNG
    async with (
        aiohttp.ClientSession() as anyone,
        anyone.get(panel.base + "/m/home/images/999") as r,
    ):
        assert r.status == 404

    form = aiohttp.FormData()
    form.add_field("_csrf", admin.csrf)
    form.add_field("action", "save")
    form.add_field(
        "slide1_upload", b"<svg onload=alert(1)>", filename="x.svg", content_type="image/svg+xml"
    )
    async with admin.http.post(admin.url("/home"), data=form, allow_redirects=False) as r:
        body = await r.text()
        assert r.status == 422 and "只能上传 PNG、JPEG 或 GIF 图片" in body


async def test_accountants_and_forged_posts_are_refused(panel: Panel) -> None:
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _, _ = await wang.get("/home")
    assert status == 403
    status, _, _ = await wang.post(
        "/home", {"_csrf": wang.csrf, "action": "save", "ann1_text": "王会计的公告"}
    )
    assert status == 403
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, _, _ = await admin.post(
        "/home", {"_csrf": "forged", "action": "save", "ann1_text": "伪造"}
    )
    assert status == 403
    home = await client_home(panel)
    assert "王会计的公告" not in home and "伪造" not in home


async def upload(admin: Browser, data: bytes) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("_csrf", admin.csrf)
    form.add_field("action", "save")
    form.add_field("slide1_title", "大图")
    # A file object: aiohttp warns about (and this suite refuses) large bytes bodies.
    form.add_field("slide1_upload", io.BytesIO(data), filename="big.png", content_type="image/png")
    async with admin.http.post(admin.url("/home"), data=form, allow_redirects=False) as r:
        return r.status, await r.text()


async def test_uploads_past_the_service_body_limit_and_too_big_ones(panel: Panel) -> None:
    """The service reads at most 64 KB for WeChat's XML; the home page form takes images up to
    1 MB each, and a bigger one, or a bigger body, is refused in Chinese with nothing saved."""
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body = await upload(admin, PNG + b"\x00" * 300_000)
    assert status == 303, body
    status, body = await upload(admin, PNG + b"\x00" * 1_000_000)
    assert status == 422 and "图片太大了，最大 1000 KB" in body
    status, body = await upload(admin, PNG + b"\x00" * 6_000_000)
    assert status == 413 and "提交的内容太大了" in body
    _, body, _ = await admin.get("/home")
    assert "第 1 版（线上）" in body and "第 2 版" not in body
    # Other forms keep the service's limit.
    status, _, _ = await admin.post("/menu", {"_csrf": admin.csrf, "b1_name": "x" * 100_000})
    assert status == 413


async def test_an_earlier_version_can_be_loaded_again(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    await save(admin, {"ann1_text": "第一版公告"})
    await save(admin, {"ann1_text": "第二版公告"})
    status, body, _ = await admin.get("/home?version=1")
    assert status == 200 and "已载入第 1 版" in body and 'value="第一版公告"' in body
    assert "第 2 版（线上）" in body
    status, _, _ = await admin.get("/home?version=7")
    assert status == 404
    assert "第二版公告" in await client_home(panel)
