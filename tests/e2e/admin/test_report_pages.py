"""The report pages: performance per accountant for a period (with its chart's data), money
(outstanding, overdue and its ageing, paid this month), and the audit log."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from domain.clock import local
from domain.requests import Status
from tests.support.panel import ADMIN, ADMIN_PASSWORD, WANG, Panel
from tests.support.panel_seed import bill, staff_id

QINGHE, YUNFAN, MINGYUAN = (
    "杭州青禾餐饮管理有限公司",
    "杭州云帆科技有限公司",
    "杭州明远贸易有限公司",
)


def row_of(body: str, staff: int) -> str:
    match = re.search(rf'<tr data-staff="{staff}">.*?</tr>', body, re.S)
    assert match, staff
    return match.group(0)


async def test_performance_counts_each_accountants_work_in_the_period(panel: Panel) -> None:
    now = panel.now()
    await panel.seed(QINGHE, status=Status.CLAIMED, handler=WANG)
    await panel.seed(MINGYUAN, status=Status.CLAIMED, handler=WANG)
    # Claimed long before the period: not counted.
    await panel.seed(QINGHE, status=Status.CLAIMED, handler=WANG, at=now - timedelta(days=90))
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/performance")
    wang = await staff_id(panel, WANG)
    row = row_of(body, wang)
    assert re.search(r'class="claimed"><a[^>]*>2<', row), row
    assert re.search(r'clients\?accountant=\d+">2<', row)  # 2 clients: 青禾 and 明远
    chart = re.search(r"data-chart='([^']+)'", body)
    assert chart
    data = json.loads(html.unescape(chart.group(1)))
    claimed = dict(zip(data["names"], data["series"][0]["data"], strict=True))
    assert claimed[WANG] == 2 and claimed["李会计"] == 0

    day = local(now - timedelta(days=90)).date()
    _, body, _ = await admin.get(f"/performance?from={day}&to={day}")
    assert re.search(r'class="claimed"><a[^>]*>1<', row_of(body, wang))
    status, body, _ = await admin.get(f"/performance?from={day}&to={day - timedelta(days=1)}")
    assert status == 422 and "开始日期不能晚于结束日期" in body


def fen(text: str) -> int:
    return round(float(text.removeprefix("¥").replace(",", "")) * 100)


async def money_page(panel: Panel) -> tuple[dict[str, int], list[int], list[float]]:
    """The money page's figures, its ageing row and its chart's data, in fen (yuan in the
    chart)."""
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/money")
    figures = {}
    for name in ("outstanding", "overdue", "paid"):
        match = re.search(rf'class="figure {name}"><span>[^<]*</span><b>([^<]+)</b>', body)
        assert match, name
        figures[name] = fen(match.group(1))
    ageing = [
        fen(t) for t in re.findall(r"<td>(¥[^<]+)</td>", body.split('class="grid ageing"')[1])
    ]
    chart = re.search(r"data-chart='([^']+)'", body)
    assert chart
    return figures, ageing, json.loads(html.unescape(chart.group(1)))["series"][0]["data"]


async def test_money_shows_outstanding_overdue_and_paid_this_month(panel: Panel) -> None:
    now = panel.now()
    today = local(now).date()
    before, ageing_before, chart_before = await money_page(panel)  # the demo's own bills
    await bill(panel, QINGHE, 30_000, today + timedelta(days=5))  # outstanding, not overdue
    await bill(panel, YUNFAN, 12_345, today - timedelta(days=10))  # overdue 0-30
    await bill(panel, YUNFAN, 50_000, today - timedelta(days=100))  # overdue 90+
    await bill(panel, MINGYUAN, 88_800, today - timedelta(days=1), paid_at=now)
    after, ageing_after, chart_after = await money_page(panel)
    delta = {k: after[k] - before[k] for k in after}
    assert delta == {"outstanding": 92_345, "overdue": 62_345, "paid": 88_800}
    assert [a - b for a, b in zip(ageing_after, ageing_before, strict=True)] == [
        12_345,
        0,
        0,
        50_000,
    ]
    assert round(chart_after[-1] - chart_before[-1], 2) == 888.0
