"""Plays blind chat stories (`blind_*.yml`) against the real app, the way WeChat would.

A story is a list of steps. Each step is one person doing one thing (`say`, `tap` a quick reply,
send a `photo` or a `voice` message) and checks on what people received during that step:
`expect` for the person acting, `push` for anyone else. A check holds `any` / `all` / `none`
(substrings), `silent: true` (received nothing) and `max_messages`. `{R}`, `{R1}`, `{R2}` stand
for the request numbers that appeared in messages so far: R1 the first, R2 the second, R the
latest.

What a person "received" is everything WeChat would have shown them: the passive reply to their
own message, plus whatever the app sent them through the WeChat API (read back from the sandbox
emulator's outbox JSON, `GET /sandbox/api/outbox?openid=`). The outbox sender delivers
asynchronously, so after each step the player waits until nothing is on its way (no outbox row
or invoice photo still pending, no turn in flight) and the emulator's outboxes have been still
for `quiet_s`, then attributes to each person the messages that arrived since the previous step.

A `tap: LABEL` answers the quick reply labelled LABEL in the last message that person received
(or the only one whose label starts with LABEL: "抢单" taps "抢单 R1001") the way WeChat posts
a tap: a text message with Content=label and `bizmsgmenuid`. With no such button the step fails.

The world per story: a fresh SQLite database with `bot.sandbox.demo.load_demo` (a firm, 赵主管 the
admin, 王会计 and 李会计, three client companies), each demo person bound by sending
"绑定 <code>" in the chat (see `story_world`), the sandbox's signing and encryption, the tests'
fast outbox policy, and the NLU given (the tests pass the real embedded parser, trained once per
session).
"""

from __future__ import annotations

import asyncio
import io
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, func, or_, select

from bot.keys import CLOCK, READER
from bot.sandbox.courier import message_xml, next_msg_id
from bot.sandbox.demo import DEMO_PEOPLE, load_demo
from bot.sandbox.emulator import StoredMedia
from bot.sandbox.web import reply_view
from domain.invoice_uploads import UploadStatus
from storage.tables.identity import InviteRow
from storage.tables.invoices import InvoiceUploadRow
from storage.tables.messaging import OutboxRow
from tests.support.harness import create_schema, make_settings
from tests.support.outbound import SandboxChat, running_sandbox

NUMBER = re.compile(r"R\d{4,}")
PLACEHOLDER = re.compile(r"\{(R\d*)\}")
QUICK_LINK = re.compile(
    r'<a href="weixin://bizmsgmenu\?msgmenucontent=([^&"]*)&(?:amp;)?msgmenuid=([^"]*)">([^<]*)</a>'
)

# Story person -> openid. `stranger` gets a fresh, unbound openid per story.
CAST: dict[str, str] = {
    str(p["openid"]).removeprefix("o_demo_"): str(p["openid"]) for p in DEMO_PEOPLE
}
STRANGER = "stranger"
ACTIONS = ("say", "tap", "photo", "voice")
CHECK_KEYS = {"any", "all", "none", "silent", "max_messages"}
PHOTO_KINDS = ("invoice", "id_card", "business_licence", "other")
# A notice whose retry falls due within this long is still "on its way" (the tests' outbox
# policy retries within a fraction of a second); one scheduled later is not waited for.
RETRY_HORIZON = timedelta(seconds=5)


class StoryFormatError(ValueError):
    """The stories file does not follow the format the runner knows."""


# --- the stories file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    silent: bool | None = None
    max_messages: int | None = None

    @classmethod
    def parse(cls, raw: Any, where: str) -> Check:
        if not isinstance(raw, dict) or not set(raw) <= CHECK_KEYS:
            raise StoryFormatError(f"{where}: a check takes {sorted(CHECK_KEYS)}, got {raw!r}")

        def words(key: str) -> tuple[str, ...]:
            value = raw.get(key, [])
            if not isinstance(value, list):
                raise StoryFormatError(f"{where}: `{key}` must be a list")
            return tuple(str(v) for v in value)

        silent = raw.get("silent")
        limit = raw.get("max_messages")
        return cls(
            words("any"),
            words("all"),
            words("none"),
            None if silent is None else bool(silent),
            None if limit is None else int(limit),
        )


@dataclass(frozen=True)
class Step:
    person: str
    action: str  # say | tap | photo | voice
    value: str
    expect: Check | None
    push: dict[str, Check]

    def describe(self) -> str:
        return f"{self.person} {self.action} {self.value!r}"


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    why: str
    steps: tuple[Step, ...]


def load_stories(path: Path) -> list[Story]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    stories = [_story(raw) for raw in data["stories"]]
    ids = [s.id for s in stories]
    if len(set(ids)) != len(ids):
        raise StoryFormatError("story ids repeat")
    return stories


def _story(raw: dict[str, Any]) -> Story:
    sid = str(raw["id"])
    steps = []
    for i, s in enumerate(raw["steps"], 1):
        where = f"{sid} step {i}"
        person = str(s.get("as", ""))
        if person not in CAST and person != STRANGER:
            raise StoryFormatError(f"{where}: unknown person {person!r}")
        actions = [a for a in ACTIONS if a in s]
        if len(actions) != 1:
            raise StoryFormatError(f"{where}: exactly one of {ACTIONS} expected")
        action = actions[0]
        if action == "photo" and s["photo"] not in PHOTO_KINDS:
            raise StoryFormatError(f"{where}: photo must be one of {PHOTO_KINDS}")
        unknown = set(s) - {"as", "expect", "push", *ACTIONS}
        if unknown:
            raise StoryFormatError(f"{where}: unknown keys {sorted(unknown)}")
        push = {}
        for name, check in (s.get("push") or {}).items():
            if name not in CAST and name != STRANGER:
                raise StoryFormatError(f"{where}: push to unknown person {name!r}")
            push[str(name)] = Check.parse(check, f"{where} push {name}")
        expect = Check.parse(s["expect"], f"{where} expect") if "expect" in s else None
        steps.append(Step(person, action, str(s[action]), expect, push))
    return Story(sid, str(raw.get("title", "")), str(raw.get("why", "")), tuple(steps))


# --- what people received -------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One message as the person saw it: where it came from, its kind, its visible text and the
    quick replies (id, label) it offered."""

    source: str  # reply (passive) | outbox (sent through the WeChat API)
    kind: str  # text | msgmenu | template | news | image | ...
    text: str
    quick: tuple[tuple[str, str], ...] = ()

    def shown(self) -> str:
        """The text with its buttons, as the user sees it (what checks match against)."""
        if not self.quick:
            return self.text
        return self.text + "\n" + " ".join(f"[{label}]" for _id, label in self.quick)

    def brief(self) -> str:
        tag = self.kind if self.source == "outbox" else "passive"
        return f"({tag}) {self.shown()}"


def received_from_view(view: dict[str, Any], source: str) -> Received:
    """A message from a passive reply view (`reply_view`) or an emulator outbox entry."""
    kind = str(view.get("kind", ""))
    if kind == "text":
        raw = str(view.get("text", ""))
        quick = tuple((m.group(2), m.group(3)) for m in QUICK_LINK.finditer(raw))
        return Received(source, kind, QUICK_LINK.sub("", raw).rstrip("\n"), quick)
    if kind == "msgmenu":
        quick = tuple((str(i["id"]), str(i["content"])) for i in view.get("menu", []))
        text = "\n".join(t for t in (str(view.get("text", "")), str(view.get("tail", ""))) if t)
        return Received(source, kind, text, quick)
    if kind == "news":
        parts = []
        for a in view.get("articles", []):
            parts += [str(a.get("title", "")), str(a.get("description", ""))]
        return Received(source, kind, "\n".join(p for p in parts if p))
    if kind == "template":
        return Received(source, kind, str(view.get("text", "")))
    return Received(source, kind, str(view.get("text", "")))


# --- results --------------------------------------------------------------------------------


@dataclass
class StepRecord:
    n: int
    step: str
    said: str  # what was sent (placeholders filled in), or the tapped label
    received: dict[str, list[str]]  # person -> messages in this step
    seconds: float
    problems: list[str] = field(default_factory=list)
    unsettled: bool = False  # the outbox was still busy when the wait gave up


@dataclass
class StoryResult:
    id: str
    title: str
    passed: bool
    seconds: float
    failed_step: int | None = None
    reason: str = ""
    numbers: list[str] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    error: str = ""  # a crash in the runner or the app (not a failed check)

    def transcript(self, only_failed_step: bool = False) -> str:
        """Each step, what was sent and what everyone received; or just the failing step."""
        lines = [] if only_failed_step else [f"{self.id} {self.title}"]
        for rec in self.steps:
            if only_failed_step and not rec.problems:
                continue
            mark = "FAIL" if rec.problems else "ok"
            lines.append(f"  step {rec.n} [{mark}] {rec.step}  -> sent {rec.said!r}")
            for person, msgs in rec.received.items():
                for m in msgs:
                    lines.append(f"      {person} <- {_one_line(m)}")
            if not any(rec.received.values()):
                lines.append("      (nobody received anything)")
            for p in rec.problems:
                lines.append(f"      !! {p}")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _one_line(text: str, limit: int = 400) -> str:
    flat = text.replace("\n", " ⏎ ")
    return flat if len(flat) <= limit else flat[:limit] + "…"


class StepFailed(AssertionError):
    """A step could not be played as written (no button to tap, an unknown `{R2}`, HTTP error)."""


# --- media ----------------------------------------------------------------------------------


def generated_png(label: str, size: tuple[int, int] = (480, 300)) -> bytes:
    """A small picture standing in for a photo of a card or a document (not an invoice)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (236, 240, 246))
    draw = ImageDraw.Draw(img)
    draw.rectangle((12, 12, size[0] - 12, size[1] - 12), outline=(40, 60, 120), width=4)
    draw.rectangle((30, 40, 150, 190), fill=(190, 200, 215))
    for i, line in enumerate((label.upper(), "SAMPLE 0000 1111 2222", "NOT A REAL DOCUMENT")):
        draw.text((170, 50 + 40 * i), line, fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# --- the player -----------------------------------------------------------------------------


@dataclass
class Timing:
    quiet_s: float = 0.3  # the outbox counts as quiet after this long without a new message
    poll_s: float = 0.03
    bound_s: float = 30.0  # give up waiting (an invoice photo's first reading warms OCR up)


class Player:
    """One story's world: the running app, who is who, what each person has received."""

    def __init__(
        self, chat: SandboxChat, story: Story, invoice_image: bytes, timing: Timing
    ) -> None:
        self.chat = chat
        self.story = story
        self.invoice_image = invoice_image
        self.timing = timing
        self.openids = dict(CAST)
        self.openids[STRANGER] = f"o_story_{story.id.lower()}_{uuid.uuid4().hex[:8]}"
        self.seen: dict[str, int] = {p: 0 for p in self.openids}  # outbox entries attributed
        self.last: dict[str, Received | None] = {p: None for p in self.openids}
        self.numbers: list[str] = []

    # -- sending ------------------------------------------------------------------------

    async def _post(self, openid: str, xml: str) -> Received | None:
        courier, session = self.chat.courier, self.chat.session
        req = courier.sign(xml, openid=openid)
        async with session.post(self.chat.url, params=req.query, data=req.body.encode()) as resp:
            body = await resp.text()
            if resp.status != 200:
                raise StepFailed(f"/wechat answered HTTP {resp.status}: {body[:200]}")
        view = reply_view(courier.open_reply_xml(body))
        return received_from_view(view, "reply") if view is not None else None

    def _store(self, content: bytes, ctype: str, name: str, kind: str) -> str:
        emulator = self.chat.emulator
        return emulator.store_media(StoredMedia(content, ctype, name, kind, emulator.clock.now()))

    def _xml(self, openid: str, msg_type: str, **fields: Any) -> str:
        account = self.chat.courier.account
        return message_xml(account, openid, msg_type, int(time.time()), **fields)

    async def act(self, step: Step) -> tuple[str, Received | None]:
        """Do the step's action; (what was sent, the passive reply)."""
        openid = self.openids[step.person]
        if step.action == "say":
            text = self.fill(step.value)
            xml = self._xml(openid, "text", Content=text, MsgId=next_msg_id())
            return text, await self._post(openid, xml)
        if step.action == "tap":
            menu_id, label = self.find_quick(step.person, step.value)
            xml = self._xml(
                openid, "text", Content=label, MsgId=next_msg_id(), bizmsgmenuid=menu_id
            )
            return f"{label} (tap {menu_id})", await self._post(openid, xml)
        if step.action == "photo":
            if step.value == "invoice":
                media = self._store(self.invoice_image, "image/png", "invoice.png", "image")
            else:
                media = self._store(generated_png(step.value), "image/png", "photo.png", "image")
            xml = self._xml(
                openid,
                "image",
                PicUrl=f"http://mmbiz.qpic.cn/sandbox/{media}",
                MediaId=media,
                MsgId=next_msg_id(),
            )
            return f"[photo: {step.value}]", await self._post(openid, xml)
        if step.action == "voice":
            transcript = self.fill(step.value)
            media = self._store(b"#!AMR\n" + bytes(64), "audio/amr", "voice.amr", "voice")
            xml = self._xml(
                openid,
                "voice",
                MediaId=media,
                Format="amr",
                Recognition=transcript,
                MsgId=next_msg_id(),
            )
            return f"[voice: {transcript}]", await self._post(openid, xml)
        raise StoryFormatError(f"unknown action {step.action}")

    def find_quick(self, person: str, label: str) -> tuple[str, str]:
        """The quick reply a person taps: in the last message they received, the one labelled
        `label`, or else the only one whose label starts with it ("抢单" taps "抢单 R1001")."""
        last = self.last[person]
        if last is None:
            raise StepFailed(f"tap {label!r}: {person} has received nothing to tap")
        exact = [q for q in last.quick if q[1] == label]
        starts = [q for q in last.quick if q[1].startswith(label)]
        for found in (exact, starts):
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise StepFailed(f"tap {label!r}: several buttons match in {last.brief()!r}")
        raise StepFailed(
            f"tap {label!r}: no such quick reply in {person}'s last message {_one_line(last.brief())!r}"
        )

    # -- placeholders -------------------------------------------------------------------

    def fill(self, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "R":
                if not self.numbers:
                    raise StepFailed("{R} used before any request number appeared")
                return self.numbers[-1]
            index = int(name[1:])
            if index < 1 or index > len(self.numbers):
                raise StepFailed(
                    f"{{{name}}} used but only {len(self.numbers)} request number(s) appeared"
                )
            return self.numbers[index - 1]

        return PLACEHOLDER.sub(one, text)

    # -- waiting and reading ------------------------------------------------------------

    async def _outbox(self, openid: str) -> list[dict[str, Any]]:
        return await self.chat.outbox_json(openid)

    async def _counts(self) -> dict[str, int]:
        lists = await asyncio.gather(*(self._outbox(o) for o in self.openids.values()))
        return {p: len(v) for p, v in zip(self.openids, lists, strict=True)}

    async def _busy(self) -> bool:
        """Something is still on its way: a notice due now (or a retry due shortly) not yet
        sent, a photo not yet read, a turn still being handled (a late answer)."""
        if getattr(self.chat.pipeline, "_inflight", None):
            return True
        soon = self.chat.app[CLOCK].now() + RETRY_HORIZON
        async with self.chat.sessions() as s:
            outbox = await s.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    or_(
                        OutboxRow.status == "sending",
                        and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= soon),
                    )
                )
            )
            uploads = await s.scalar(
                select(func.count())
                .select_from(InvoiceUploadRow)
                .where(
                    InvoiceUploadRow.status.in_(
                        (UploadStatus.PENDING.value, UploadStatus.WORKING.value)
                    )
                )
            )
        return bool(outbox or uploads)

    async def settle(self, quiet_s: float | None = None) -> bool:
        """Wait until the outbox is quiet; False when the wait gave up with work pending."""
        t = self.timing
        quiet = t.quiet_s if quiet_s is None else quiet_s
        loop = asyncio.get_running_loop()
        start = loop.time()
        counts = await self._counts()
        still_since = start
        while True:
            await asyncio.sleep(t.poll_s)
            now = loop.time()
            busy = await self._busy()
            latest = await self._counts()
            if latest != counts or busy:
                counts, still_since = latest, now
            elif now - still_since >= quiet:
                return True
            if now - start > t.bound_s:
                return not busy

    async def collect(self, actor: str, passive: Received | None) -> dict[str, list[Received]]:
        """What each person received since the previous step, oldest first."""
        got: dict[str, list[Received]] = {p: [] for p in self.openids}
        if passive is not None:
            got[actor].append(passive)
        timeline: list[tuple[str, str, Received]] = []
        for person, openid in self.openids.items():
            entries = await self._outbox(openid)
            for e in entries[self.seen[person] :]:
                msg = received_from_view(e, "outbox")
                got[person].append(msg)
                timeline.append((str(e.get("time", "")), person, msg))
            self.seen[person] = len(entries)
        for person, msgs in got.items():
            if msgs:
                self.last[person] = msgs[-1]
        # Request numbers in order of first appearance: the passive reply, then by send time.
        ordered = ([passive] if passive is not None else []) + [
            m for _t, _p, m in sorted(timeline, key=lambda x: x[0])
        ]
        for msg in ordered:
            for number in NUMBER.findall(msg.shown()):
                if number not in self.numbers:
                    self.numbers.append(number)
        return got

    # -- checks -------------------------------------------------------------------------

    def judge(self, who: str, check: Check, msgs: list[Received]) -> list[str]:
        text = "\n".join(m.shown() for m in msgs)
        problems: list[str] = []
        label = f"{who} received {len(msgs)} message(s)"
        if check.any:
            wanted = [self.fill(w) for w in check.any]
            if not any(w in text for w in wanted):
                problems.append(f"{label}, none of {wanted}")
        if check.all:
            wanted = [self.fill(w) for w in check.all]
            missing = [w for w in wanted if w not in text]
            if missing:
                problems.append(f"{label}, missing {missing}")
        if check.none:
            wanted = [self.fill(w) for w in check.none]
            present = [w for w in wanted if w in text]
            if present:
                problems.append(f"{label}, must not contain {present}")
        if check.silent is True and msgs:
            problems.append(f"{who} should have received nothing, got {len(msgs)} message(s)")
        if check.silent is False and not msgs:
            problems.append(f"{who} should have received something")
        if check.max_messages is not None and len(msgs) > check.max_messages:
            problems.append(f"{label}, at most {check.max_messages} allowed")
        return problems

    # -- a whole story ------------------------------------------------------------------

    async def play(self) -> StoryResult:
        started = time.perf_counter()
        result = StoryResult(self.story.id, self.story.title, passed=True, seconds=0.0)
        # What the setup sent (the bindings' welcomes) is not part of step 1: once nothing is
        # pending it has all been delivered, so a short quiet suffices here.
        if not await self.settle(quiet_s=0.05):
            result.error = "the app never went quiet after start-up"
        await self.collect(STRANGER, None)
        for n, step in enumerate(self.story.steps, 1):
            t0 = time.perf_counter()
            record = StepRecord(n, step.describe(), f"({step.action} not sent)", {}, 0.0)
            result.steps.append(record)
            try:
                record.said, passive = await self.act(step)
                record.unsettled = not await self.settle()
                got = await self.collect(step.person, passive)
                record.received = {p: [m.brief() for m in msgs] for p, msgs in got.items() if msgs}
                if step.expect is not None:
                    record.problems += self.judge(step.person, step.expect, got[step.person])
                for person, check in step.push.items():
                    record.problems += self.judge(person, check, got[person])
            except StepFailed as exc:
                record.problems.append(str(exc))
            record.seconds = round(time.perf_counter() - t0, 3)
            if record.unsettled:
                record.problems.append("the outbox was still busy when the wait gave up")
            if record.problems:
                result.passed = False
                result.failed_step = n
                result.reason = f"step {n} ({step.describe()}): " + "; ".join(record.problems)
                break
        result.numbers = list(self.numbers)
        result.seconds = round(time.perf_counter() - started, 3)
        return result


@asynccontextmanager
async def story_world(
    tmp_path: Path, nlu: Any, reader: Any = None, bind_in_chat: bool = True
) -> AsyncIterator[SandboxChat]:
    """A fresh SQLite database with the demo people, and the app serving it with its sandbox.

    `bot.sandbox.demo.load_demo` in sandbox mode binds the demo openids straight in the database, so
    to WeChat they are followers who never wrote: no 48-hour window, and every push to them
    becomes a template message (no buttons). The stories assume people who use the account,
    as they do once they have bound the way real people bind: by sending "绑定 + code" in the
    chat. With `bind_in_chat` the demo data is loaded unbound and each person binds that way
    before the story starts (their windows open; what the binding sent is not attributed to
    any step).
    """
    url = f"sqlite+aiosqlite:///{tmp_path}/story.db"
    await create_schema(url)
    settings = make_settings(url, tmp_path)
    await load_demo(settings.with_(sandbox=not bind_in_chat))

    def configure(app: Any) -> None:
        if reader is not None:
            app[READER] = reader

    async with running_sandbox(settings, nlu=nlu, configure=configure) as chat:
        if bind_in_chat:
            await bind_cast(chat)
        yield chat


async def bind_cast(chat: SandboxChat) -> None:
    """Each demo person sends "绑定 <their invite code>" through `/wechat`, one at a time (a
    binding may notify the accountant; order keeps the setup the same every run)."""
    async with chat.sessions() as s:
        codes = list((await s.scalars(select(InviteRow.code).order_by(InviteRow.id))).all())
    if len(codes) != len(DEMO_PEOPLE):
        raise RuntimeError(f"expected {len(DEMO_PEOPLE)} demo invites, found {len(codes)}")
    for person, code in zip(DEMO_PEOPLE, codes, strict=True):
        reply = await chat.say(str(person["openid"]), f"绑定 {code}")
        if not reply or "绑定成功" not in reply:
            raise RuntimeError(f"{person['name']} could not bind with {code}: {reply!r}")


async def play_story(
    story: Story,
    tmp_path: Path,
    nlu: Any,
    invoice_image: bytes,
    reader: Any = None,
    timing: Timing | None = None,
    bind_in_chat: bool = True,
) -> StoryResult:
    async with story_world(tmp_path, nlu, reader, bind_in_chat) as chat:
        return await Player(chat, story, invoice_image, timing or Timing()).play()


# --- the floor: stories that passed must keep passing --------------------------------------


@dataclass
class Floor:
    min_pass: int
    passing: frozenset[str]

    @classmethod
    def read(cls, path: Path) -> Floor:
        import json

        if not path.exists():
            return cls(0, frozenset())
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(int(data.get("min_pass", 0)), frozenset(data.get("passing", [])))

    def write(self, path: Path) -> None:
        import json

        data = {"min_pass": self.min_pass, "passing": sorted(self.passing)}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def regressions(self, passed: set[str], ran: set[str]) -> list[str]:
        """Stories on the floor that ran and failed (a `-k` run plays only a few)."""
        return sorted((self.passing & ran) - passed)


def summary_line(results: dict[str, StoryResult], total: int) -> str:
    passed = sum(r.passed for r in results.values())
    return f"blind stories: {passed}/{total} passed"


def report_json(
    results: dict[str, StoryResult], total: int, source: str, seconds: float
) -> dict[str, Any]:
    ordered = sorted(results.values(), key=lambda r: r.id)
    return {
        "suite": source,
        "summary": summary_line(results, total),
        "total": total,
        "ran": len(results),
        "passed": sorted(r.id for r in ordered if r.passed),
        "failed": {r.id: r.reason or r.error for r in ordered if not r.passed},
        "seconds": round(seconds, 1),
        "stories": [r.to_json() for r in ordered],
    }
