"""Whole request stories, played through anything that can `say` as a WeChat user: the e2e
tests' `Chat`, or the benchmark's courier. Also a keyword NLU that knows the lifecycle's
intents and entities, and seeding of many bound clients and staff for load.

The bench calls, per simulated pair of people:

    people = await seed_story_people(database_url, appid, clients=50, staff=10)
    result = await request_story(chat, people.clients[i], people.staff[i % 10 : i % 10 + 2])

`chat` needs only `async say(openid, text, *, menu_id=None) -> str | None` (the passive reply):
the e2e `Chat` fits, and `CourierSayer(session, url, courier)` drives a server in another process.
`mixed_load(chat, people, stories=200, concurrency=50)` plays many stories and reports turns/s,
p50 and p99 (`LoadReport.to_json()`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import aiohttp

from bot.sandbox.courier import Courier, text_xml
from domain.catalogue import SEED_REQUEST_TYPES as REQUEST_TYPES
from domain.identity import InviteKind
from domain.service_catalogue import ensure_catalogue
from nlu.types import Entity, ParseResult
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

NUMBER = re.compile(r"R\d{4,}")


class Sayer(Protocol):
    async def say(self, openid: str, text: str, *, menu_id: str | None = None) -> str | None: ...


class CourierSayer:
    """A `Sayer` for a server in another process (the bench): signed, encrypted XML to `url`."""

    def __init__(self, session: aiohttp.ClientSession, url: str, courier: Courier) -> None:
        self.session, self.url, self.courier = session, url, courier

    async def say(self, openid: str, text: str, *, menu_id: str | None = None) -> str | None:
        xml = text_xml(self.courier.account, openid, text, menu_id=menu_id)
        status, reply, body = await self.courier.post(self.session, self.url, xml, openid)
        if status != 200:
            raise StoryFailed(f"HTTP {status}: {body[:200]}")
        return reply.get("Content") if reply else None


# --- a deterministic NLU for the lifecycle's words --------------------------------------------

_INTENTS: list[tuple[str, str]] = [
    ("取消", "cancel"),
    ("投诉", "complain"),
    ("查进度", "check_progress"),
    ("进度怎么样", "check_progress"),
    ("到哪一步", "check_progress"),
    ("评价", "rate_accountant"),
    ("好评", "rate_accountant"),
    ("差评", "rate_accountant"),
    ("打分", "rate_accountant"),
    ("态度", "rate_accountant"),
    ("速度", "rate_accountant"),
    ("我的会计", "contact_accountant"),
    ("联系会计", "contact_accountant"),
    ("我的任务", "my_tasks"),
    ("我的统计", "my_stats"),
    ("抢单", "claim_task"),
    ("帮助", "help"),
    ("你好", "greet"),
    ("是的", "affirm"),
    ("不是", "deny"),
]
_URGENT = ("加急", "紧急", "很急")
_RATINGS = {"好评": "5", "中评": "3", "差评": "1"}


class LifecycleNLU:
    """Keywords in, intent and normalised entities out: instant and predictable."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        self.calls.append(text)
        ents: list[Entity] = []
        for name in REQUEST_TYPES:
            i = text.find(name)
            if i >= 0:
                ents.append(Entity("request_type", name, i, i + len(name)))
                break
        for word in _URGENT:
            i = text.find(word)
            if i >= 0:
                ents.append(Entity("urgency", "urgent", i, i + len(word)))
                break
        m = NUMBER.search(text)
        if m:
            ents.append(Entity("task_ref", m.group(0), m.start(), m.end()))
        for word, value in _RATINGS.items():
            i = text.find(word)
            if i >= 0:
                ents.append(Entity("rating", value, i, i + len(word)))
        m = re.search(r"([1-5])分", text)
        if m:
            ents.append(Entity("rating", m.group(1), m.start(), m.end()))
        intent = "nlu_fallback"
        for word, name in _INTENTS:
            if word in text:
                intent = name
                break
        else:
            if any(e.entity == "request_type" for e in ents):
                intent = "raise_request"
        conf = 0.2 if intent == "nlu_fallback" else 0.95
        ents.sort(key=lambda e: e.start)
        return ParseResult(text, intent, conf, tuple(ents), ((intent, conf),))


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class StoryPeople:
    clients: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    admins: list[str] = field(default_factory=list)
    staff_names: dict[str, str] = field(default_factory=dict)  # openid -> name


async def seed_story_people(
    database_url: str,
    appid: str,
    clients: int = 3,
    staff: int = 2,
    admins: int = 1,
    prefix: str = "o_story",
    firm_name: str = "云会计示范代账公司",
) -> StoryPeople:
    """Bound staff, admins and client contacts (one company each) with predictable openids
    (`{prefix}_client_1`, `{prefix}_staff_1`, `{prefix}_admin_1`). Names are unique per firm:
    seed a fresh database, or pass another `prefix`."""
    engine = create_engine(database_url)
    people = StoryPeople()
    now = datetime.now(UTC)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            ids = uow.identities
            firm = await ids.firm_by_appid(appid) or await ids.add_firm(firm_name, appid)
            # Its catalogue, as the app gives every firm at start: it says what may be raised.
            await ensure_catalogue(uow, firm.id)

            async def bind(kind: InviteKind, target: int, openid: str) -> None:
                from domain.actors import Actor
                from domain.binding import create_invite

                invite = await create_invite(uow, Actor.system(firm.id), kind, target, now)
                await ids.use_invite(firm.id, invite.code, openid, now)
                await ids.bind_openid(invite, openid)

            staff_ids: list[int] = []
            for i in range(admins):
                s = await ids.add_staff(firm.id, f"{prefix}主管{i + 1}", f"1380000{i:04d}", True)
                openid = f"{prefix}_admin_{i + 1}"
                await bind(InviteKind.STAFF, s.id, openid)
                people.admins.append(openid)
                people.staff_names[openid] = s.name
            for i in range(staff):
                s = await ids.add_staff(firm.id, f"{prefix}会计{i + 1}", f"1381000{i:04d}")
                openid = f"{prefix}_staff_{i + 1}"
                await bind(InviteKind.STAFF, s.id, openid)
                staff_ids.append(s.id)
                people.staff.append(openid)
                people.staff_names[openid] = s.name
            for i in range(clients):
                accountant = staff_ids[i % len(staff_ids)] if staff_ids else None
                company = await ids.add_company(firm.id, f"{prefix}客户公司{i + 1}", accountant)
                contact = await ids.add_contact(company.id, f"客户{i + 1}", f"1390000{i:04d}")
                openid = f"{prefix}_client_{i + 1}"
                await bind(InviteKind.CONTACT, contact.id, openid)
                people.clients.append(openid)
            await uow.commit()
    finally:
        await engine.dispose()
    return people


# --- the story ------------------------------------------------------------------------------


@dataclass
class StoryResult:
    number: str
    winner: str  # openid of the staff member who got the claim
    turns: int
    latencies: list[float]  # seconds per turn, for p99
    replies: dict[str, str | None] = field(default_factory=dict)


class StoryFailed(AssertionError):
    pass


def _expect(reply: str | None, *needles: str, step: str) -> str:
    if reply is None or not all(n in reply for n in needles):
        raise StoryFailed(f"{step}: expected {needles!r} in {reply!r}")
    return reply


async def request_story(
    chat: Sayer,
    client: str,
    staff: Sequence[str],
    request_type: str = "营业执照",
    rate: tuple[str, str] = ("5", "4"),
    on_claimed: Callable[[str], Awaitable[None]] | None = None,
) -> StoryResult:
    """A client raises a request in free text over several turns and confirms; the staff race
    to claim it; the winner adds progress; the client checks; the winner completes; the client
    rates both aspects by tap. Raises StoryFailed when a reply is not what a person expects."""
    latencies: list[float] = []
    replies: dict[str, str | None] = {}

    async def say(openid: str, text: str, menu_id: str | None = None) -> str | None:
        started = time.perf_counter()
        reply = await chat.say(openid, text, menu_id=menu_id)
        latencies.append(time.perf_counter() - started)
        return reply

    replies["open"] = _expect(
        await say(client, f"我想办个{request_type}"), "具体要办什么", step="open"
    )
    replies["description"] = _expect(
        await say(client, "新公司注册，名称已经核准，地址在西湖区"), "加急", step="description"
    )
    replies["urgency"] = _expect(
        await say(client, "普通", menu_id="answer:normal"), "请确认", step="urgency"
    )
    confirmed = _expect(await say(client, "确认", menu_id="answer:yes"), "单号", step="confirm")
    replies["confirm"] = confirmed
    m = NUMBER.search(confirmed)
    if m is None:
        raise StoryFailed(f"confirm: no request number in {confirmed!r}")
    number = m.group(0)

    claims = await asyncio.gather(
        *(say(s, f"抢单 {number}", menu_id=f"claim_task:{number}") for s in staff)
    )
    winners = [s for s, r in zip(staff, claims, strict=True) if r and "抢单成功" in r]
    if len(winners) != 1:
        raise StoryFailed(f"claim: expected one winner, got {claims!r}")
    winner = winners[0]
    replies["claims"] = "\n".join(r or "" for r in claims)
    if on_claimed is not None:
        await on_claimed(number)

    _expect(await say(winner, f"进度 {number} 已提交工商局"), "已记录", step="progress")
    replies["check"] = _expect(await say(client, "查进度"), number, step="check")
    _expect(await say(winner, f"完成 {number}"), "已办结", step="complete")
    attitude, speed = rate
    replies["rate"] = _expect(
        await say(client, f"{attitude}分", menu_id=f"rate_accountant:{number}:{attitude}"),
        "办理速度",
        step="rate attitude",
    )
    _expect(await say(client, speed, menu_id=f"answer:{speed}"), "还有什么", step="rate speed")
    replies["thanks"] = _expect(
        await say(client, "跳过", menu_id="answer:跳过"), "评价", step="rate comment"
    )
    return StoryResult(number, winner, len(latencies), latencies, replies)


# --- a mixed load of whole stories ----------------------------------------------------------


@dataclass
class LoadReport:
    stories: int
    failures: int
    turns: int
    seconds: float
    latencies: list[float] = field(repr=False, default_factory=list)

    @property
    def turns_per_s(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def to_json(self) -> dict[str, Any]:
        return {
            "stories": self.stories,
            "failures": self.failures,
            "turns": self.turns,
            "seconds": round(self.seconds, 3),
            "turns_per_s": round(self.turns_per_s, 1),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
        }


async def mixed_load(
    chat: Sayer, people: StoryPeople, stories: int, concurrency: int = 8
) -> LoadReport:
    """Play `stories` whole stories, `concurrency` at a time: clients raising over several
    turns, pairs of staff racing to claim, progress, completion, rating. A client plays one
    story at a time (a conversation is sequential); staff are shared across stories."""
    if not people.clients or len(people.staff) < 2:
        raise ValueError("need at least one client and two staff")
    client_locks = {c: asyncio.Lock() for c in people.clients}
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0
    turns = 0

    async def one(i: int) -> None:
        nonlocal failures, turns
        client = people.clients[i % len(people.clients)]
        first = i % len(people.staff)
        pair = [people.staff[first], people.staff[(first + 1) % len(people.staff)]]
        request_type = REQUEST_TYPES[i % 6]
        async with gate, client_locks[client]:
            try:
                result = await request_story(chat, client, pair, request_type=request_type)
            except StoryFailed:
                failures += 1
                return
        latencies.extend(result.latencies)
        turns += result.turns

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(stories)))
    return LoadReport(stories, failures, turns, time.perf_counter() - started, latencies)
