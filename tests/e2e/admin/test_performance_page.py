"""绩效 over real HTTP: periods in the URL, the median times, one click from a figure to the
requests behind it on the board, the twelve-month trend, the CSV and XLSX exports (no formula
injection, names escaped), and an accountant who sees only their own figures."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta

from openpyxl import load_workbook

from domain.clock import local
from domain.requests import Status
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Browser, Panel
from tests.support.panel_seed import staff_id

QINGHE, MINGYUAN = "杭州青禾餐饮管理有限公司", "杭州明远贸易有限公司"
TRICKY = "=HYPERLINK(1)<b>"


def row_of(body: str, staff: int) -> str:
    match = re.search(rf'<tr data-staff="{staff}">.*?</tr>', body, re.S)
    assert match, staff
    return match.group(0)


def charts(body: str) -> dict[str, dict[str, object]]:
    found = re.findall(r'id="([a-z-]+)"[^>]*data-chart=\'([^\']+)\'', body)
    return {name: json.loads(html.unescape(data)) for name, data in found}


async def add_staff(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        staff = await uow.identities.add_staff(firm.id, name, "13900000000", False)
        await uow.commit()
        return staff.id


async def download(browser: Browser, path: str) -> tuple[int, bytes, str]:
    async with browser.http.get(browser.url(path), allow_redirects=False) as r:
        return r.status, await r.read(), r.headers.get("Content-Disposition", "")


async def test_figures_link_to_the_requests_behind_them(panel: Panel) -> None:
    now = panel.now()
    recent = await panel.seed(QINGHE, status=Status.CLAIMED, handler=WANG)
    old = await panel.seed(
        MINGYUAN, status=Status.CLAIMED, handler=WANG, at=now - timedelta(days=200)
    )
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    wang = await staff_id(panel, WANG)
    status, body, _ = await admin.get("/performance")  # this month by default
    assert status == 200
    row = row_of(body, wang)
    link = re.search(r'class="claimed"><a href="([^"]+)">1<', row)
    assert link, row
    target = html.unescape(link.group(1))
    assert "on=claimed" in target and f"accountant={wang}" in target
    status, board, _ = await admin.get(target.removeprefix("/admin"))
    assert status == 200
    # The board's counts are narrowed to the one request claimed this month.
    status, board, _ = await admin.get(target.removeprefix("/admin") + "&status=claimed")
    assert recent.number in board and old.number not in board
    # The trend covers twelve months ending this one, both claims in it.
    trend = charts(body)["trend-chart"]
    assert isinstance(trend["names"], list) and len(trend["names"]) == 12
    assert trend["names"][-1] == local(now).strftime("%Y-%m")
    series = trend["series"]
    assert isinstance(series, list)
    assert sum(series[0]["data"]) >= 1 and series[0]["data"][-1] >= 1
    # One person's trend.
    _, body, _ = await admin.get(f"/performance?period=month&month={local(now):%Y-%m}&staff={wang}")
    assert f"近 12 个月趋势 · {WANG}" in body


async def test_month_quarter_and_bad_periods(panel: Panel) -> None:
    now = panel.now()
    day = local(now - timedelta(days=200))
    await panel.seed(QINGHE, status=Status.CLAIMED, handler=WANG, at=now - timedelta(days=200))
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    wang = await staff_id(panel, WANG)
    _, body, _ = await admin.get(f"/performance?period=month&month={day:%Y-%m}")
    assert re.search(r'class="claimed"><a[^>]*>1<', row_of(body, wang))
    quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    _, body, _ = await admin.get(f"/performance?period=quarter&quarter={quarter}")
    assert re.search(r'class="claimed"><a[^>]*>1<', row_of(body, wang))
    assert "季度" in body
    status, body, _ = await admin.get("/performance?period=month&month=2026-13")
    assert status == 422 and "月份写法不对" in body
    status, body, _ = await admin.get("/performance?period=quarter&quarter=<script>")
    assert status == 422 and "<script>" not in body
    status, _, _ = await admin.get("/performance.csv?period=month&month=nope")
    assert status == 422


async def test_exports_escape_formulas_and_keep_numbers(panel: Panel) -> None:
    tricky = await add_staff(panel, TRICKY)
    await panel.seed(QINGHE, status=Status.CLAIMED, handler=WANG)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/performance")
    assert TRICKY not in body and "=HYPERLINK(1)&lt;b&gt;" in body  # escaped in the table
    team = charts(body)["team-chart"]
    assert TRICKY in team["names"]  # type: ignore[operator]  # the chart's data, as text
    assert "<b>" not in body.split("team-chart")[1].split("</div>")[0]  # not markup in the page

    status, data, disposition = await download(admin, "/performance.csv")
    assert status == 200 and "filename*=UTF-8''" in disposition
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "会计" and rows[0][2] == "接单"
    by_name = {r[0]: r for r in rows[1:]}
    assert "'" + TRICKY in by_name and TRICKY not in by_name
    assert by_name[WANG][2] == "1"

    status, data, _ = await download(admin, "/performance.xlsx")
    assert status == 200
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "'" + TRICKY in cells
    assert cells[WANG][2] == 1  # a number, not text
    assert tricky  # the staff member exists in the firm


async def test_an_accountant_sees_only_their_own_figures(panel: Panel) -> None:
    await panel.seed(QINGHE, status=Status.CLAIMED, handler=WANG)
    wang_id, li_id = await staff_id(panel, WANG), await staff_id(panel, LI)
    li = await panel.logged_in(LI, STAFF_PASSWORD)
    status, body, _ = await li.get(f"/performance?staff={wang_id}")
    assert status == 200
    assert f'data-staff="{li_id}"' in body and f'data-staff="{wang_id}"' not in body
    assert WANG not in body and "team-chart" not in body
    assert f"近 12 个月趋势 · {LI}" in body
    trend = charts(body)["trend-chart"]
    assert sum(trend["series"][0]["data"]) == 0  # type: ignore[index]  # 王会计's claim is not shown
    status, data, _ = await download(li, "/performance.csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [LI]
