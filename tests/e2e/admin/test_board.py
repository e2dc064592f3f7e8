"""The work board and one request's page: columns with counts, filters in the URL, pages; an
accountant sees only their own work and clients; unknown and hidden requests are alike 404;
what people typed is shown as text, never as markup."""

from __future__ import annotations

import re
from datetime import timedelta

from domain.requests import Status, Urgency
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel

QINGHE = "杭州青禾餐饮管理有限公司"  # 王会计's client
YUNFAN = "杭州云帆科技有限公司"  # 李会计's client


def count(body: str, column: str) -> int:
    match = re.search(rf'class="count {column}[^"]*"[^>]*>[^<]*<b>(\d+)</b>', body)
    assert match, column
    return int(match.group(1))


def numbers(body: str) -> list[str]:
    return re.findall(r'data-number="(R\d+)"', body)


async def test_the_board_shows_each_column_with_its_count(panel: Panel) -> None:
    await panel.seed(QINGHE)
    await panel.seed(QINGHE, due_in=-timedelta(minutes=5))
    await panel.seed(YUNFAN, status=Status.ESCALATED, due_in=None, urgency=Urgency.URGENT)
    await panel.seed(YUNFAN, status=Status.CLAIMED, handler="李会计")
    await panel.seed(QINGHE, status=Status.IN_PROGRESS, handler=WANG, due_in=None)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/")
    assert [count(body, c) for c in ("unclaimed", "claimed", "in_progress", "overdue")] == [
        1,
        1,
        1,
        1,
    ]
    assert count(body, "escalated") == 1 and count(body, "done") == 0
    escalated = body[body.index('data-column="escalated"') :]
    assert numbers(escalated)[0] == "R1003" and "加急" in escalated


async def test_filters_live_in_the_url_and_pages_split_a_long_column(panel: Panel) -> None:
    for i in range(25):
        await panel.seed(QINGHE, "注销" if i % 5 == 0 else "营业执照")
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/?status=unclaimed")
    assert len(numbers(body)) == 20 and "第 1 / 2 页" in body
    _, body, _ = await admin.get("/?status=unclaimed&page=2")
    assert len(numbers(body)) == 5
    _, body, _ = await admin.get("/?status=unclaimed&type=注销")
    assert len(numbers(body)) == 5 and "第 1 / 2 页" not in body
    _, body, _ = await admin.get("/?type=注销&urgency=urgent")
    assert numbers(body) == []
    # Nonsense in the URL is dropped, not an error.
    status, body, _ = await admin.get("/?status=everything&page=-3&from=soon")
    assert status == 200 and count(body, "unclaimed") == 25


async def test_htmx_gets_the_board_alone(panel: Panel) -> None:
    await panel.seed(QINGHE)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    headers = {"HX-Request": "true", "HX-Target": "board"}
    status, body, _ = await admin.get("/?status=unclaimed", headers=headers)
    assert status == 200 and "<html" not in body and "R1001" in body


async def test_an_accountant_sees_their_own_clients_and_work_only(panel: Panel) -> None:
    mine = await panel.seed(QINGHE)
    claimed = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=WANG)
    theirs = await panel.seed(YUNFAN, description="云帆的机密需求")
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    _, body, _ = await wang.get("/")
    assert sorted(numbers(body)) == sorted([mine.number, claimed.number])
    assert "云帆的机密需求" not in body
    assert YUNFAN not in body.split('name="client"')[1].split("</select>")[0]  # filter choices
    assert 'name="accountant"' not in body
    status, _, _ = await wang.get(f"/requests/{claimed.number}")
    assert status == 200
    # Another accountant's request by URL: the same 404 as a number that does not exist.
    hidden = await wang.get(f"/requests/{theirs.number}")
    unknown = await wang.get("/requests/R999999")
    assert hidden[0] == unknown[0] == 404
    assert theirs.number not in hidden[1] and YUNFAN not in hidden[1]
    assert "云帆的机密需求" not in hidden[1]


async def test_unknown_and_malformed_ids_are_404(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    for path in ("/requests/R999999", "/requests/abc", "/requests/R1", "/requests/R1001x"):
        status, body, _ = await admin.get(path)
        assert status == 404, path
        assert "没有找到" in body
    status, _, _ = await admin.post("/requests/R424242/assign", {"_csrf": admin.csrf, "staff": "2"})
    assert status == 404


async def test_what_people_typed_is_escaped_everywhere(panel: Panel) -> None:
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    req = await panel.seed(QINGHE, description=script)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    for path in ("/", f"/requests/{req.number}", "/?status=unclaimed"):
        _, body, _ = await admin.get(path)
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;alert(" in body, path
    # A name typed on the login form comes back as text too.
    b = await panel.browser()
    _, body, _ = await b.try_login('"><script>alert(1)</script>', "x")
    assert "<script>alert(1)" not in body and "&#34;&gt;&lt;script&gt;" in body


async def test_the_timeline_tells_the_whole_story(panel: Panel) -> None:
    req = await panel.seed(YUNFAN, status=Status.ESCALATED, due_in=None)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get(f"/requests/{req.number}")
    assert status == 200
    assert "待升级指派" in body and "刘先生" in body and "提交" in body
    assert 'name="staff"' in body  # the assign form, for an admin


async def test_security_headers_on_every_page(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    for path in ("/", "/login", "/requests/R404", "/static/admin.css"):
        _, _, headers = await admin.get(path)
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain http
    _, _, headers = await admin.get("/", headers={"X-Forwarded-Proto": "https"})
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Cache-Control"] == "no-store"


async def test_pages_carry_no_inline_script(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    req = await panel.seed(QINGHE)
    for path in ("/", f"/requests/{req.number}", "/login"):
        _, body, _ = await admin.get(path)
        for tag in re.findall(r"<script[^>]*>", body):
            assert "src=" in tag
        assert not re.search(r"<[^>]*\son\w+=", body)  # no onclick= and the like
        assert not re.search(r"<[^>]*\sstyle=", body)


async def test_the_vendored_htmx_is_served_by_the_panel(panel: Panel) -> None:
    b = await panel.browser()
    status, body, headers = await b.get("/static/vendor/htmx/htmx.min.js?v=1")
    assert status == 200 and "htmx" in body
    assert headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in headers["Cache-Control"]
    assert (await b.get("/static/vendor/htmx/LICENSE"))[0] == 200
    assert (await b.get("/static/../app.py"))[0] == 404
    assert (await b.get("/static/vendor/htmx/README.md"))[0] == 404


async def test_cards_carry_sla_marks_from_the_dispatch_policy(panel: Panel) -> None:
    now = panel.now()
    fresh = await panel.seed(QINGHE, at=now - timedelta(minutes=5))
    waiting = await panel.seed(QINGHE, at=now - timedelta(minutes=35))
    working = await panel.seed(QINGHE, status=Status.IN_PROGRESS, handler=WANG, due_in=None)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/")

    def card(number: str) -> str:
        start = body.index(f'data-number="{number}"')
        return body[start : body.index("</article>", start)]

    assert 'class="sla sla-ok"' in card(fresh.number)
    late = card(waiting.number)
    assert 'class="sla sla-late"' in late and "待接单 35 分钟，超过时限" in late
    assert 'class="sla' not in card(working.number)
    assert 'style="' not in late  # strict CSP: colours come from admin.css
