"""The staff page (admins only): everyone with their role, WeChat binding and status; add a
staff member (they get a WeChat binding code), send a one-time link to set their panel
password, make or unmake an admin, deactivate someone who left (their claimed work goes back
to the pool). Every change goes through `domain.admin_changes`, which writes the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin_web.forms import as_id, as_text, change, read
from admin_web.guard import USER
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import admin_changes, people
from domain.dispatch_policy import WorkingHours
from domain.requests import Status

STAFF = PREFIX + "/staff"
DAYS = ("1", "2", "3", "4", "5", "6", "7")
DAY_ZH = ("一", "二", "三", "四", "五", "六", "日")


async def _context(request: web.Request, **extra: Any) -> dict[str, Any]:
    user = request[USER]

    firm_hours = request.app[CONFIG].dispatch.hours

    async def load(uow: Any) -> dict[str, Any]:
        members = await people.staff_list(uow, user.actor)
        passwords = {m.id: await uow.staff_access.credential(m.id) is not None for m in members}
        hours = {m.id: WorkingHours.of_staff(m, firm_hours) for m in members}
        return {"members": members, "has_password": passwords, "hours": hours}

    return {
        "notice": "",
        "error": "",
        "link": "",
        "code": "",
        "confirm": None,
        "days": list(zip(range(1, 8), DAY_ZH, strict=True)),
        **await read(request, load),
        **extra,
    }


async def staff_page(request: web.Request) -> web.StreamResponse:
    return render("staff.html", request, await _context(request))


def _staff_id(request: web.Request) -> int:
    staff_id = as_id(request.match_info["id"])
    if staff_id is None:
        raise web.HTTPNotFound(text="没有这位员工。")
    return staff_id


async def add_staff(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    form = await request.post()
    name, phone = as_text(form.get("name"), 20), as_text(form.get("phone"), 20)
    admin = form.get("role") == "admin"
    now = request.app[PORTS].clock.now()
    if not name:
        return render(
            "staff.html", request, await _context(request, error="请填写姓名。"), status=422
        )
    done = await change(
        request, lambda uow: admin_changes.add_staff(uow, user.actor, name, phone, admin, now)
    )
    if not done.ok:
        return render(
            "staff.html", request, await _context(request, error=done.error), status=done.status
        )
    staff, invite = done.value
    notice = f"已添加{staff.name}。请把绑定码发给本人，在公众号里回复即可绑定微信。"
    return render("staff.html", request, await _context(request, notice=notice, code=invite.code))


async def invite(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    staff_id = _staff_id(request)
    now = request.app[PORTS].clock.now()
    policy = request.app[CONFIG].access
    done = await change(
        request, lambda uow: admin_changes.invite_to_panel(uow, user.actor, staff_id, now, policy)
    )
    if not done.ok:
        return render(
            "staff.html", request, await _context(request, error=done.error), status=done.status
        )
    staff, token, _expires = done.value
    link = f"{request.url.origin()}{PREFIX}/password/{token}"
    notice = f"已为{staff.name}生成设置密码的链接（只显示这一次），请发给本人。"
    return render("staff.html", request, await _context(request, notice=notice, link=link))


async def set_role(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    staff_id = _staff_id(request)
    form = await request.post()
    admin = form.get("role") == "admin"
    now = request.app[PORTS].clock.now()
    done = await change(
        request, lambda uow: admin_changes.set_role(uow, user.actor, staff_id, admin, now)
    )
    if not done.ok:
        return render(
            "staff.html", request, await _context(request, error=done.error), status=done.status
        )
    raise web.HTTPSeeOther(STAFF)


async def set_hours(request: web.Request) -> web.StreamResponse:
    """Working hours and days from the row's form: two times and the ticked weekdays."""
    user = request[USER]
    staff_id = _staff_id(request)
    form = await request.post()
    start, end = as_text(form.get("start"), 5), as_text(form.get("end"), 5)
    days = ",".join(d for d in form.getall("day", []) if isinstance(d, str) and d in DAYS)
    now = request.app[PORTS].clock.now()
    policy = request.app[CONFIG].dispatch
    done = await change(
        request,
        lambda uow: admin_changes.set_working_hours(
            uow, user.actor, staff_id, start, end, days, now, policy
        ),
    )
    if not done.ok:
        return render(
            "staff.html", request, await _context(request, error=done.error), status=done.status
        )
    notice = f"已更新{done.value.name}的工作时间。"
    return render("staff.html", request, await _context(request, notice=notice))


async def deactivate(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    staff_id = _staff_id(request)
    now = request.app[PORTS].clock.now()
    policy = request.app[CONFIG].dispatch
    done = await change(
        request, lambda uow: admin_changes.deactivate(uow, user.actor, staff_id, now, policy)
    )
    if not done.ok:
        return render(
            "staff.html", request, await _context(request, error=done.error), status=done.status
        )
    notice = f"已停用。{done.value} 项未开始办理的业务已退回抢单池。"
    return render("staff.html", request, await _context(request, notice=notice))


async def reassign(request: web.Request) -> web.StreamResponse:
    """Move all of one staff member's open work in two steps: the first post shows how many
    requests would move and to whom; the second (`confirm`, with the count shown) moves them
    all through `admin_changes.bulk_reassign`, or none."""
    user = request[USER]
    staff_id = _staff_id(request)
    form = await request.post()
    raw_to = as_text(form.get("to"), 10)
    to_id = None if raw_to == "pool" else as_id(raw_to)
    if to_id is None and raw_to != "pool":
        error = "请选择接手的同事，或退回抢单池。"
        return render("staff.html", request, await _context(request, error=error), status=422)
    now = request.app[PORTS].clock.now()
    policy = request.app[CONFIG].dispatch
    if form.get("confirm") != "1":

        async def preview(uow: Any) -> dict[str, Any]:
            work = await admin_changes.open_work_of(uow, user.actor, staff_id)
            members = {m.id: m for m in await people.staff_list(uow, user.actor)}
            target = members.get(to_id) if to_id is not None else None
            if to_id is not None and (target is None or not target.active):
                raise web.HTTPUnprocessableEntity(text="没有这位在职员工。")
            if to_id == staff_id:
                raise web.HTTPUnprocessableEntity(text="业务已在本人手上，请选另一位同事。")
            if not work:
                name = members[staff_id].name
                raise web.HTTPUnprocessableEntity(text=f"{name} 手上没有未办结的业务，无需转交。")
            return {
                "source": members[staff_id],
                "target": target,
                "count": len(work),
                "in_progress": sum(r.status is Status.IN_PROGRESS for r in work),
            }

        try:
            found = await read(request, preview)
        except web.HTTPUnprocessableEntity as exc:
            return render(
                "staff.html", request, await _context(request, error=exc.text), status=422
            )
        confirm = {**found, "to": raw_to}
        return render("staff.html", request, await _context(request, confirm=confirm))
    expected = as_id(form.get("count")) or 0
    done = await change(
        request,
        lambda uow: admin_changes.bulk_reassign(
            uow, user.actor, staff_id, to_id, now, policy, expected
        ),
    )
    if not done.ok:
        return render(
            "staff.html", request, await _context(request, error=done.error), status=done.status
        )
    where = "退回抢单池" if to_id is None else "转交，已通知接手同事和客户"
    notice = f"已将 {done.value} 项业务{where}。"
    return render("staff.html", request, await _context(request, notice=notice))
