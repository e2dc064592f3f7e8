"""Working hours on the staff page over real HTTP: an admin sets someone's hours and days,
they show on the page and in the audit log; bad hours are refused with a clear message and
change nothing; an accountant cannot change anyone's hours."""

from __future__ import annotations

import re

from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel
from tests.support.panel_seed import staff_id


def hours_cell(body: str, staff: int) -> str:
    row = re.search(rf'<tr data-staff="{staff}".*?</tr>', body, re.S)
    assert row, staff
    cell = re.search(r'<td class="hours">(.*?)</td>', row.group(0), re.S)
    assert cell
    return cell.group(1)


def shown(cell: str) -> tuple[str, str, list[str]]:
    start = re.search(r'name="start" value="([^"]*)"', cell)
    end = re.search(r'name="end" value="([^"]*)"', cell)
    assert start and end
    return start.group(1), end.group(1), re.findall(r'value="(\d)" checked', cell)


async def test_an_admin_sets_hours_and_days_and_they_are_audited(panel: Panel) -> None:
    li = await staff_id(panel, LI)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/staff")
    assert shown(hours_cell(body, li)) == ("09:00", "18:00", ["1", "2", "3", "4", "5"])
    form = [("_csrf", admin.csrf), ("start", "13:00"), ("end", "21:30")]
    form += [("day", d) for d in ("2", "3", "4", "6")]
    async with admin.http.post(admin.url(f"/staff/{li}/hours"), data=form) as r:
        status, body = r.status, await r.text()
    assert status == 200 and "已更新李会计的工作时间" in body
    assert shown(hours_cell(body, li)) == ("13:00", "21:30", ["2", "3", "4", "6"])
    _, audit, _ = await admin.get("/audit?action=staff_hours")
    assert "修改工作时间" in audit and "13:00-21:30 2-4,6" in audit and "09:00-18:00 1-5" in audit


async def test_bad_hours_are_refused_and_change_nothing(panel: Panel) -> None:
    li = await staff_id(panel, LI)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    url = f"/staff/{li}/hours"
    cases = [
        ({"start": "18:00", "end": "09:00", "day": "1"}, "下班时间要晚于上班时间"),
        ({"start": "09:00", "end": "18:00"}, "请至少选择一个工作日"),
        ({"start": "<script>", "end": "18:00", "day": "1"}, "时间写法不对"),
        ({"start": "09:00", "end": "18:00", "day": "9"}, "请至少选择一个工作日"),
    ]
    for form, message in cases:
        status, body, _ = await admin.post(url, {"_csrf": admin.csrf, **form})
        assert status == 422 and message in body, (form, status)
        assert "<script>" not in body
    status, _, _ = await admin.post(
        "/staff/999999/hours", {"_csrf": admin.csrf, "start": "09:00", "end": "18:00", "day": "1"}
    )
    assert status == 404
    _, body, _ = await admin.get("/staff")
    assert shown(hours_cell(body, li)) == ("09:00", "18:00", ["1", "2", "3", "4", "5"])
    _, audit, _ = await admin.get("/audit?action=staff_hours")
    assert "还没有操作记录" in audit


async def test_an_accountant_cannot_change_hours(panel: Panel) -> None:
    li = await staff_id(panel, LI)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    form = {"_csrf": wang.csrf, "start": "00:00", "end": "23:59", "day": "1"}
    status, _, _ = await wang.post(f"/staff/{li}/hours", form)
    assert status == 403
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/staff")
    assert shown(hours_cell(body, li))[0] == "09:00"
