"""Logging in and out of the panel: the first admin's bootstrap password, lock-outs, a session
rotated at login and ended on the server at logout, idle and absolute timeouts, cookies."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from yarl import URL

from bot.settings import Settings
from domain.clock import FixedClock
from tests.support.panel import (
    ADMIN,
    ADMIN_PASSWORD,
    LI,
    STAFF_PASSWORD,
    WANG,
    Browser,
    Panel,
    running_panel,
    set_password,
)


async def test_the_first_admin_logs_in_with_admin_password_and_sees_the_board(
    panel: Panel,
) -> None:
    admin = await panel.browser()
    status, _, headers = await admin.try_login(ADMIN, ADMIN_PASSWORD)
    assert (status, headers["Location"]) == (303, "/admin/")
    status, body, _ = await admin.get("/")
    assert status == 200
    assert "赵主管" in body and "管理员" in body and "待接单" in body


async def test_phone_number_logs_in_and_next_is_honoured_only_inside_the_panel(
    panel: Panel,
) -> None:
    wang = await panel.browser()
    pre = await wang.login_page()
    form = {"login": "13800000002", "password": STAFF_PASSWORD, "_csrf": pre}
    status, _, headers = await wang.post("/login", {**form, "next": "/admin/?status=overdue"})
    assert (status, headers["Location"]) == (303, "/admin/?status=overdue")
    li = await panel.browser()
    pre = await li.login_page()
    form = {"login": LI, "password": STAFF_PASSWORD, "_csrf": pre, "next": "https://evil.cn/"}
    status, _, headers = await li.post("/login", form)
    assert (status, headers["Location"]) == (303, "/admin/")
    _, body, _ = await li.get("/")
    assert "李会计" in body and "会计" in body


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    panel: Panel,
) -> None:
    b = await panel.browser()
    wrong_password = await b.try_login(WANG, "not the password at all")
    no_such_person = await b.try_login("钱会计", "not the password at all")
    assert wrong_password[0] == no_such_person[0] == 401
    assert "账号或密码不正确" in wrong_password[1] and "账号或密码不正确" in no_such_person[1]
    assert b.session_cookie() == ""


async def test_five_failures_lock_the_account_even_for_the_right_password(panel: Panel) -> None:
    attacker = await panel.browser(**{"X-Forwarded-For": "203.0.113.7"})
    for _ in range(5):
        assert (await attacker.try_login(WANG, "guess guess guess"))[0] == 401
    owner = await panel.browser(**{"X-Forwarded-For": "198.51.100.2"})
    status, body, _ = await owner.try_login(WANG, STAFF_PASSWORD)
    assert status == 429 and "暂时锁定" in body
    # Another account from the owner's address is not affected.
    assert (await owner.try_login(LI, STAFF_PASSWORD))[0] == 303


async def test_an_address_spraying_passwords_is_locked_out(panel: Panel) -> None:
    sprayer = await panel.browser(**{"X-Forwarded-For": "203.0.113.8"})
    for i in range(20):
        assert (await sprayer.try_login(f"员工{i}", "Password123!"))[0] == 401
    status, _, _ = await sprayer.try_login(LI, STAFF_PASSWORD)
    assert status == 429
    elsewhere = await panel.browser(**{"X-Forwarded-For": "198.51.100.3"})
    assert (await elsewhere.try_login(LI, STAFF_PASSWORD))[0] == 303


async def test_a_login_form_without_its_token_is_refused(panel: Panel) -> None:
    b = await panel.browser()
    await b.login_page()
    status, _, _ = await b.post("/login", {"login": ADMIN, "password": ADMIN_PASSWORD})
    assert status == 403
    forged = {"login": ADMIN, "password": ADMIN_PASSWORD, "_csrf": "A" * 43}
    assert (await b.post("/login", forged))[0] == 403
    # Logging someone in from another site (login CSRF) fails even with a real token.
    pre = await b.login_page()
    real = {"login": ADMIN, "password": ADMIN_PASSWORD, "_csrf": pre}
    assert (await b.post("/login", real, headers={"Origin": "https://evil.example"}))[0] == 403
    assert b.session_cookie() == ""


def panel_url(b: Browser) -> URL:
    return URL(b.base + "/admin/")


async def test_a_cookie_planted_before_login_is_worth_nothing_after(panel: Panel) -> None:
    b = await panel.browser()
    b.http.cookie_jar.update_cookies({"yk_admin": "chosen-by-an-attacker"}, panel_url(b))
    await b.login(ADMIN, ADMIN_PASSWORD)
    assert b.session_cookie() not in ("", "chosen-by-an-attacker")


async def test_the_session_is_rotated_at_each_login(panel: Panel) -> None:
    b = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    before = b.session_cookie()
    # Logging in again from the same browser (the login form posted once more).
    b.http.cookie_jar.update_cookies({"yk_admin_pre": "p" * 43}, panel_url(b))
    form = {"login": ADMIN, "password": ADMIN_PASSWORD, "_csrf": "p" * 43}
    assert (await b.post("/login", form))[0] == 303
    after = b.session_cookie()
    assert before and after and before != after
    # The session from before is gone on the server, whoever holds a copy of its cookie.
    copy = await panel.browser()
    copy.http.cookie_jar.update_cookies({"yk_admin": before}, panel_url(copy))
    assert (await copy.get("/"))[0] == 303
    assert (await b.get("/"))[0] == 200


async def test_a_cookie_reused_after_logout_is_refused(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    stolen = admin.session_cookie()
    status, _, headers = await admin.post("/logout", {"_csrf": admin.csrf})
    assert (status, headers["Location"]) == (303, "/admin/login")
    assert admin.session_cookie() == ""
    thief = await panel.browser()
    thief.http.cookie_jar.update_cookies({"yk_admin": stolen}, panel_url(thief))
    status, body, headers = await thief.get("/")
    assert status == 303 and headers["Location"].startswith("/admin/login")
    assert "赵主管" not in body


async def test_logout_needs_the_csrf_token(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    assert (await admin.post("/logout", {}))[0] == 403
    assert (await admin.get("/"))[0] == 200


async def test_session_cookie_is_httponly_lax_and_scoped_to_the_panel(panel: Panel) -> None:
    b = await panel.browser()
    pre = await b.login_page()
    async with b.http.post(
        b.url("/login"),
        data={"login": ADMIN, "password": ADMIN_PASSWORD, "_csrf": pre},
        allow_redirects=False,
    ) as r:
        cookie = r.cookies["yk_admin"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/admin"
    assert not cookie["secure"]  # plain http on loopback in the sandbox
    assert not cookie["max-age"]  # ends with the browser; the server ends it sooner


async def test_cookies_are_secure_outside_plain_http_loopback(tmp_path: Path) -> None:
    from tests.support.panel import panel_settings

    settings = (await panel_settings(tmp_path)).with_(host="0.0.0.0")
    async with running_panel(settings) as panel:
        b = await panel.browser()
        async with b.http.get(b.url("/login")) as r:
            assert r.cookies["yk_admin_pre"]["secure"]
        pre = r.cookies["yk_admin_pre"].value
        async with b.http.post(
            b.url("/login"),
            data={"login": ADMIN, "password": ADMIN_PASSWORD, "_csrf": pre},
            cookies={"yk_admin_pre": pre},
            allow_redirects=False,
        ) as r:
            assert r.status == 303
            assert r.cookies["yk_admin"]["secure"]


async def test_idle_and_absolute_timeouts(settings: Settings) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    async with running_panel(settings, clock=clock) as panel:
        idle = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
        clock.advance(minutes=29)
        assert (await idle.get("/"))[0] == 200
        clock.advance(minutes=31)  # 31 minutes since the last request
        assert (await idle.get("/"))[0] == 303
        # Working every 20 minutes keeps a session, but never past 12 hours from login.
        busy = await panel.logged_in(WANG, STAFF_PASSWORD)
        for _ in range(35):
            assert (await busy.get("/"))[0] == 200
            clock.advance(minutes=20)
        assert (await busy.get("/"))[0] == 200  # 11 h 40 min after login
        clock.advance(minutes=21)
        assert (await busy.get("/"))[0] == 303


async def test_a_new_password_ends_the_older_sessions(panel: Panel, settings: Settings) -> None:
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    await set_password(settings, WANG, "秋水共长天一色落霞与孤鹜齐飞")
    assert (await wang.get("/"))[0] == 303
    await wang.login(WANG, "秋水共长天一色落霞与孤鹜齐飞")
    assert (await wang.get("/"))[0] == 200


async def test_with_redis_url_sessions_live_in_redis_and_end_at_logout(tmp_path: Path) -> None:
    import redis.asyncio as aioredis

    from tests.support.panel import panel_settings

    url = "redis://127.0.0.1:6379/0"
    client = aioredis.from_url(url)
    try:
        await client.ping()
    except Exception:  # pragma: no cover - depends on the machine
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings = (await panel_settings(tmp_path)).with_(redis_url=url)
    try:
        async with running_panel(settings) as panel:
            admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
            token = admin.session_cookie()
            key = "yk:panel-session:" + hashlib.sha256(token.encode()).hexdigest()
            assert await client.exists(key)
            assert 0 < await client.pttl(key) <= 30 * 60 * 1000
            assert (await admin.post("/logout", {"_csrf": admin.csrf}))[0] == 303
            assert not await client.exists(key)
            thief = await panel.browser()
            thief.http.cookie_jar.update_cookies({"yk_admin": token}, panel_url(thief))
            assert (await thief.get("/"))[0] == 303
    finally:
        await client.aclose()
