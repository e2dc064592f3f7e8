"""The app in the sandbox with WeChat Pay: self-made merchant and platform keys (the app
verifies with the platform public key, the emulator signs with its private half), a seeded
firm, a clock the test moves, and helpers to bill, open attempts and post notifications."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.keys import PAY, PAY_EMULATOR, PAY_STATS
from bot.pay.client import WeChatPayClient
from bot.pay.notify import PayStats
from bot.sandbox.pay_emulator import PayEmulator
from bot.settings import SANDBOX_APPID
from domain import payments
from domain.actors import Actor
from domain.billing import Bill, Channel, Cycle, PaymentOrder
from domain.clock import FixedClock
from domain.identity import Firm
from storage.uow import SqlUnitOfWork
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox
from tests.support.pay_keys import KeyFiles, write_keys
from tests.support.stories import StoryPeople, seed_story_people

NEW_YEAR = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PAYER = "o_story_client_1"


@dataclass
class PayChat:
    chat: SandboxChat
    clock: FixedClock
    firm: Firm
    people: StoryPeople
    keys: KeyFiles | None

    @property
    def app(self) -> Any:
        return self.chat.app

    @property
    def client(self) -> WeChatPayClient:
        return self.app[PAY]

    @property
    def emulator(self) -> PayEmulator:
        return self.app[PAY_EMULATOR]

    @property
    def stats(self) -> PayStats:
        return self.app[PAY_STATS]

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.chat.sessions)

    @property
    def system(self) -> Actor:
        return Actor.system(self.firm.id)

    def url(self, path: str) -> str:
        return str(self.chat.server.make_url(path))

    async def contract_bill(self, fee_fen: int = 30000, company: int = 0) -> Bill:
        async with self.uow() as uow:
            companies = await uow.identities.list_companies(self.firm.id)
            await payments.add_contract(
                uow,
                self.system,
                companies[company].id,
                fee_fen,
                Cycle.MONTHLY,
                date(2026, 1, 1),
                self.clock.now(),
            )
            report = await payments.issue_due_bills(uow, self.clock.now())
            await uow.commit()
        (bill,) = report.issued
        return bill

    async def open(self, number: str, channel: Channel = Channel.JSAPI) -> PaymentOrder:
        return await payments.open_order(
            self.uow(),
            self.client,
            self.system,
            number,
            channel,
            self.clock.now(),
            payer_openid=PAYER if channel is Channel.JSAPI else None,
        )

    async def bill(self, number: str) -> Bill:
        async with self.uow() as uow:
            bill = await uow.billing.bill_by_number(self.firm.id, number)
        assert bill is not None
        return bill

    async def order(self, out_trade_no: str) -> PaymentOrder:
        async with self.uow() as uow:
            order = await uow.billing.order_by_out_trade_no(out_trade_no)
        assert order is not None
        return order

    def resource(self, order: PaymentOrder, **changes: Any) -> dict[str, Any]:
        """The decrypted resource of the notification WeChat Pay sends when `order` is paid."""
        data: dict[str, Any] = {
            "appid": order.appid,
            "mchid": order.mchid,
            "out_trade_no": order.out_trade_no,
            "transaction_id": "4200000000202601010000000001",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": "2026-01-01T10:00:05+08:00",
            "payer": {"openid": PAYER},
            "amount": {
                "total": order.amount_fen,
                "payer_total": order.amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        data.update(changes)
        return data

    def now_ts(self) -> int:
        return int(self.clock.now().timestamp())

    async def post(
        self, headers: dict[str, str], body: bytes, path: str = "/pay/notify"
    ) -> tuple[int, str]:
        async with self.chat.session.post(self.url(path), data=body, headers=headers) as resp:
            return resp.status, await resp.text()

    async def api(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.chat.session.request(method, self.url(path), **kwargs) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


@asynccontextmanager
async def running_pay_sandbox(
    db_url: str, tmp_path: Path, *, own_keys: bool = True, **settings: Any
) -> AsyncIterator[PayChat]:
    """`own_keys`: the app verifies with the test's platform key (the emulator signs with
    it); else the sandbox's drawn keys on both sides."""
    people = await seed_story_people(db_url, SANDBOX_APPID, clients=2, staff=2, admins=1)
    keys = write_keys(tmp_path / "pay-keys") if own_keys else None
    overrides = dict(keys.settings_fields if keys else {})
    overrides.update(settings)
    clock = FixedClock(NEW_YEAR)
    async with running_sandbox(make_settings(db_url, tmp_path, **overrides), clock=clock) as chat:
        async with SqlUnitOfWork(chat.sessions) as uow:
            firm = await uow.identities.firm_by_appid(SANDBOX_APPID)
        assert firm is not None
        yield PayChat(chat, clock, firm, people, keys)
