"""The /m/ area over real HTTP with the sandbox's WeChat web authorisation: who gets in, as
whom, and what they may see. Another company's page, a stranger, a browser outside WeChat, a
tampered cookie, a replayed code or a forged state: a clear page and no session."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from yarl import URL

from tests.support.mobile import MobileVisitor, mobile_visitor
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

OTHER_CLIENT = "o_story_client_2"
STAFF = "o_story_staff_1"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


@pytest.fixture
async def phone(pay: PayChat) -> AsyncIterator[MobileVisitor]:
    async with mobile_visitor(pay.url("/")) as visitor:
        yield visitor


async def _company_of(pay: PayChat, index: int) -> str:
    async with pay.uow() as uow:
        return (await uow.identities.list_companies(pay.firm.id))[index].name


async def test_a_client_is_authorised_silently_once_and_sees_their_company(
    pay: PayChat, phone: MobileVisitor
) -> None:
    page = await phone.open_as(PAYER, "/m/")
    assert page.status == 200, page.text
    assert any("/sandbox/connect/oauth2/authorize" in hop for hop in page.hops)
    assert any("/m/oauth?" in hop for hop in page.hops)
    assert await _company_of(pay, 0) in page.text
    assert "我的账单" in page.text
    assert phone.cookie("yk_m")
    again = await phone.get("/m/bills")
    assert again.status == 200 and again.hops == []  # the session cookie, no new round trip


async def test_another_companys_bill_reads_as_missing_and_shows_nothing(
    pay: PayChat, phone: MobileVisitor
) -> None:
    bill = await pay.contract_bill(fee_fen=12345, company=0)
    mine = await phone.open_as(PAYER, f"/m/pay/{bill.number}")
    assert mine.status == 200 and "¥123.45" in mine.text
    async with mobile_visitor(pay.url("/")) as other:
        theirs = await other.open_as(OTHER_CLIENT, f"/m/pay/{bill.number}")
        listed = await other.get("/m/bills")
    assert theirs.status == 404
    assert f"没有找到账单 {bill.number}" in theirs.text
    assert "¥123.45" not in theirs.text and await _company_of(pay, 0) not in theirs.text
    assert listed.status == 200 and bill.number not in listed.text
    assert (await pay.bill(bill.number)).attempts == 0  # looking changes nothing


async def test_a_stranger_and_staff_are_kept_to_their_own_pages(
    pay: PayChat, phone: MobileVisitor
) -> None:
    stranger = await phone.open_as("o_never_bound", "/m/bills")
    assert stranger.status == 403 and "绑定码" in stranger.text
    async with mobile_visitor(pay.url("/")) as staff:
        home = await staff.open_as(STAFF, "/m/")
        bills = await staff.get("/m/bills")
    assert home.status == 200 and "我的账单" not in home.text
    assert bills.status == 403 and "不是为您准备的" in bills.text


async def test_outside_wechat_nobody_is_authorised(pay: PayChat, phone: MobileVisitor) -> None:
    page = await phone.get("/m/")
    assert "/sandbox/connect/oauth2/authorize" in page.url
    assert "请在微信客户端打开链接" in page.text
    assert phone.cookie("yk_m") is None


async def test_a_tampered_session_cookie_is_not_believed(
    pay: PayChat, phone: MobileVisitor
) -> None:
    await phone.open_as(PAYER, "/m/")
    value = phone.cookie("yk_m")
    assert value is not None
    payload, signature = value.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["o"] = OTHER_CLIENT
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    phone.session.cookie_jar.clear(lambda morsel: morsel.key == "yk_m")
    phone.session.cookie_jar.update_cookies({"yk_m": f"{forged}.{signature}"}, URL(pay.url("/m/")))
    assert phone.cookie("yk_m") == f"{forged}.{signature}"
    page = await phone.get("/m/")
    # Not believed: sent through authorisation again, which names the phone's real user.
    assert any("/sandbox/connect/oauth2/authorize" in hop for hop in page.hops)
    assert await _company_of(pay, 0) in page.text
    assert await _company_of(pay, 1) not in page.text


async def test_a_code_works_once_and_the_state_must_be_this_browsers(
    pay: PayChat, phone: MobileVisitor
) -> None:
    await phone.get(f"/sandbox/phone?openid={PAYER}&url=/sandbox/")  # hold the phone only
    async with phone.session.get(pay.url("/m/bills"), allow_redirects=False) as resp:
        authorize = resp.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    assert authorize.endswith("#wechat_redirect")
    async with phone.session.get(authorize.split("#")[0], allow_redirects=False) as resp:
        back = resp.headers["Location"]
    code = parse_qs(urlsplit(back).query)["code"][0]

    forged = back.replace("state=", "state=x")
    refused = await phone.get(forged)
    assert refused.status == 400 and phone.cookie("yk_m") is None

    accepted = await phone.get(back)
    assert accepted.status == 200 and "/m/bills" in accepted.url and phone.cookie("yk_m")

    async with mobile_visitor(pay.url("/")) as thief:
        replay = await thief.get(back)  # the same code and state, another browser
    assert replay.status == 400
    async with pay.chat.session.get(
        pay.url("/sandbox/sns/oauth2/access_token"),
        params={
            "appid": pay.chat.settings.wechat_appid,
            "secret": pay.chat.settings.wechat_secret,
            "code": code,
            "grant_type": "authorization_code",
        },
    ) as resp:
        assert (await resp.json())["errcode"] == 40163


async def test_pages_are_mobile_and_carry_security_headers(
    pay: PayChat, phone: MobileVisitor
) -> None:
    page = await phone.open_as(PAYER, "/m/")
    assert "width=device-width" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    css = await phone.get("/m/static/m.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    missing = await phone.get("/m/static/..%2Fapp.py")
    assert missing.status == 404 and "页面不存在" in missing.text
    unknown = await phone.get("/m/nowhere")
    assert unknown.status == 404 and "页面不存在" in unknown.text
