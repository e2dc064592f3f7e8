"""The invoice conversation with fakes: photos are queued and acknowledged at once, the upload
flow, corrections, monthly figures for clients and lists for staff, and who may do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.conversation import Conversation
from domain.identity import Firm, Identity, Role, identity_for
from domain.invoice_uploads import InvoiceRecord, UploadStatus
from domain.invoices import Invoice, InvoiceKind
from handlers.app import build_root
from handlers.invoice_texts import render_read
from handlers.message import Inbound
from handlers.replies import Text
from handlers.turn import Ports, Turn
from nlu.types import Entity, ParseResult
from tests.support.fake_nlu import KeywordNLU
from tests.unit.invoice_chat.fakes import InvoiceUnitOfWork

NOW = datetime(2024, 3, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
FIRM = Firm(1, "测试代账", "wx1")
ROOT = build_root()


class World:
    def __init__(self) -> None:
        self.uow = InvoiceUnitOfWork()
        self.now = NOW
        self.media = iter(range(1, 10_000))
        self.nlu: Any = None

    async def client(self, company: str = "杭州云帆科技有限公司", name: str = "陈女士") -> Person:
        ids = self.uow.identities
        existing = [c for c in ids.companies.values() if c.name == company]
        comp = existing[0] if existing else await ids.add_company(FIRM.id, company)
        contact = await ids.add_contact(comp.id, name)
        return Person(self, identity_for(f"o_{contact.id}", FIRM, None, contact, comp))

    async def staff(self, name: str = "王会计") -> Person:
        s = await self.uow.identities.add_staff(FIRM.id, name)
        return Person(self, identity_for(f"o_s{s.id}", FIRM, s, None, None))

    def stranger(self) -> Person:
        return Person(self, Identity("o_x", FIRM, Role.STRANGER))


class Person:
    def __init__(self, world: World, identity: Identity) -> None:
        self.world = world
        self.identity = identity
        self.conv = Conversation("wx1", identity.openid)

    async def _turn(self, msg: Inbound) -> list[str]:
        w = self.world
        nlu = w.nlu or KeywordNLU()
        turn = Turn(msg, self.identity, self.conv, w.uow, Ports(nlu), w.now)  # type: ignore[arg-type]
        replies = await ROOT.handle(turn)
        if self.conv.flow is not None:
            self.conv.updated_at = w.now
        return [r.text for r in replies if isinstance(r, Text)]

    async def say(self, text: str, **kw: Any) -> list[str]:
        return await self._turn(Inbound(self.identity.openid, "text", self.world.now, text, **kw))

    async def photo(self, media_id: str | None = None) -> list[str]:
        mid = media_id or f"media-{next(self.world.media)}"
        msg = Inbound(self.identity.openid, "image", self.world.now, media_id=mid)
        return await self._turn(msg)

    async def click(self, key: str) -> list[str]:
        msg = Inbound(self.identity.openid, "event", self.world.now, event="click", event_key=key)
        return await self._turn(msg)


def stored(company_id: int, number: str, total: int = 5270, **inv: Any) -> InvoiceRecord:
    base = Invoice(
        company_id=company_id,
        number=number,
        code="012001800311",
        kind=InvoiceKind.VAT_COMMON,
        invoice_type="增值税电子普通发票",
        issue_date=date(2024, 3, 8),
        amount_excl_tax_fen=total - 608,
        tax_fen=608,
        amount_total_fen=total,
        buyer_name="个人",
        buyer_tax_id=None,
        seller_name="天津瑞佳讯贸易有限公司",
        seller_tax_id="91120222079642398Y",
        check_code=None,
        image_sha256=number.rjust(64, "0"),
        uploaded_by=1,
        uploaded_at=NOW,
    )
    return InvoiceRecord(replace(base, **inv), "陈女士").rechecked(NOW)


async def keep(world: World, record: InvoiceRecord) -> InvoiceRecord:
    saved = await world.uow.invoices.add_invoice(record, FIRM.id)
    assert saved is not None
    return saved


# -- photos ------------------------------------------------------------------------------------


async def test_a_clients_photo_is_queued_and_acknowledged_with_its_number_of_the_day() -> None:
    w = World()
    chen = await w.client()
    assert await chen.photo() == ["收到第1张，正在识别…"]
    assert await chen.photo() == ["收到第2张，正在识别…"]
    ups = list(w.uow.invoices.uploads_by_id.values())
    assert [(u.seq, u.status, u.uploader_name) for u in ups] == [
        (1, UploadStatus.PENDING, "陈女士"),
        (2, UploadStatus.PENDING, "陈女士"),
    ]
    w.now = NOW + timedelta(days=1)  # a new day in Shanghai starts the count again
    assert await chen.photo() == ["收到第1张，正在识别…"]


async def test_a_replayed_photo_is_not_queued_twice() -> None:
    w = World()
    chen = await w.client()
    await chen.photo("m-1")
    assert await chen.photo("m-1") == ["收到第1张，正在识别…"]
    assert len(w.uow.invoices.uploads_by_id) == 1


async def test_strangers_are_asked_to_bind_and_staff_photos_are_not_invoices() -> None:
    w = World()
    assert "绑定" in (await w.stranger().photo())[0]
    wang = await w.staff()
    assert "不会记为客户发票" in (await wang.photo())[0]
    assert w.uow.invoices.uploads_by_id == {}


async def test_the_upload_flow_counts_its_own_photos_and_sums_up_on_done() -> None:
    w = World()
    chen = await w.client()
    await chen.photo()  # one earlier today, outside the flow
    assert "发完回复“好了”" in (await chen.click("upload_invoice"))[0]
    assert (await chen.photo())[0].startswith("收到第1张，正在识别…")
    assert await chen.photo() == ["收到第2张，正在识别…"]
    assert await chen.say("这张是办公用品") == ["请继续发送发票照片；全部发完后回复“好了”。"]
    first, _ = sorted(chen.conv.slots["uploads"])
    fake = w.uow.invoices
    fake.uploads_by_id[first] = replace(fake.uploads_by_id[first], status=UploadStatus.READ)
    (summary,) = await chen.say("好了")
    assert "本次共收到 2 张" in summary and "已识别 1 张" in summary
    assert "还有 1 张正在识别" in summary
    assert chen.conv.flow is None


async def test_the_upload_flow_can_be_cancelled_and_empty_done_is_polite() -> None:
    w = World()
    chen = await w.client()
    await chen.click("upload_invoice")
    assert "没有收到照片" in (await chen.say("完成"))[0]
    await chen.click("upload_invoice")
    assert "已取消" in (await chen.say("取消"))[0]


async def test_staff_cannot_start_the_upload_flow() -> None:
    w = World()
    wang = await w.staff()
    assert "客户功能" in (await wang.click("upload_invoice"))[0]


# -- corrections -------------------------------------------------------------------------------


async def test_a_correction_changes_the_latest_invoice_marks_it_manual_and_rechecks() -> None:
    w = World()
    chen = await w.client()
    assert chen.identity.company is not None
    await keep(w, stored(chen.identity.company.id, "33207675"))
    (reply,) = await chen.say("更正 金额 46.60")
    assert reply.startswith("已更正金额") and "¥46.60" in reply and "≠" in reply
    (fixed,) = await w.uow.invoices.by_number(chen.identity.company.id, "33207675")
    assert fixed.invoice.amount_excl_tax_fen == 4660
    assert fixed.sources["amount_excl_tax"] == "manual"
    (back,) = await chen.say("更正：金额 ¥46.62")
    assert "✓ 校验通过" in back


async def test_a_numbered_correction_picks_that_invoice() -> None:
    w = World()
    chen = await w.client()
    cid = chen.identity.company.id  # type: ignore[union-attr]
    await keep(w, stored(cid, "11111111"))
    await keep(w, stored(cid, "22222222", uploaded_at=NOW + timedelta(minutes=5)))
    await chen.say("更正 11111111 销售方 天津某某公司")
    (first,) = await w.uow.invoices.by_number(cid, "11111111")
    (second,) = await w.uow.invoices.by_number(cid, "22222222")
    assert first.invoice.seller_name == "天津某某公司"
    assert second.invoice.seller_name == "天津瑞佳讯贸易有限公司"


async def test_the_type_is_corrected_by_its_name_or_the_everyday_shorthand() -> None:
    w = World()
    chen = await w.client()
    cid = chen.identity.company.id  # type: ignore[union-attr]
    await keep(w, stored(cid, "33207675"))
    (reply,) = await chen.say("更正 类型 专票")
    assert reply.startswith("已更正发票类型") and "增值税专用发票" in reply
    (fixed,) = await w.uow.invoices.by_number(cid, "33207675")
    assert fixed.invoice.invoice_type == "增值税专用发票"
    assert fixed.invoice.kind is InvoiceKind.VAT_SPECIAL
    assert fixed.sources["invoice_type"] == "manual"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("更正 类型 报销单", "全称"),
        ("更正 金额 四十六", "数字"),
        ("更正 金额 46.621", "数字"),
        ("更正 日期 2099-01-01", "晚于今天"),
        ("更正 日期 2024-02-30", "不是有效日期"),
        ("更正 号码 123", "8位或20位"),
        ("更正 99999999 金额 1", "没有找到"),
        ("更正 22222222", "更正 字段 正确值"),
        ("更正", "更正 字段 正确值"),
    ],
)
async def test_a_correction_that_makes_no_sense_is_explained(text: str, needle: str) -> None:
    w = World()
    chen = await w.client()
    await keep(w, stored(chen.identity.company.id, "33207675"))  # type: ignore[union-attr]
    (reply,) = await chen.say(text)
    assert needle in reply, reply


async def test_renumbering_onto_another_invoice_is_refused() -> None:
    w = World()
    chen = await w.client()
    cid = chen.identity.company.id  # type: ignore[union-attr]
    await keep(w, stored(cid, "11111111"))
    await keep(w, stored(cid, "22222222", uploaded_at=NOW + timedelta(minutes=5)))
    (reply,) = await chen.say("更正 号码 11111111")
    assert "已经上传过" in reply


async def test_nothing_to_correct_yet() -> None:
    w = World()
    chen = await w.client()
    assert "还没有收到" in (await chen.say("更正 金额 1.00"))[0]


# -- months ------------------------------------------------------------------------------------


async def test_a_client_gets_the_months_count_and_totals() -> None:
    w = World()
    chen = await w.client()
    cid = chen.identity.company.id  # type: ignore[union-attr]
    await keep(w, stored(cid, "11111111", total=5270))
    await keep(w, stored(cid, "22222222", total=10350))
    await keep(w, stored(cid, "33333333", issue_date=date(2024, 2, 10)))
    (march,) = await chen.say("本月发票")
    assert march.startswith("2024-03 发票 2 张")
    assert "税额 ¥12.16" in march and "价税合计 ¥156.20" in march
    (feb,) = await chen.say("上个月的发票")
    assert feb.startswith("2024-02 发票 1 张")
    assert (await chen.say("2024年2月发票")) == [feb]
    assert (await chen.say("发票汇总")) == [march]
    (empty,) = await chen.say("2023-12 发票")
    assert empty == "2023-12 发票 0 张。"


async def test_a_client_cannot_see_another_companys_invoices() -> None:
    w = World()
    chen = await w.client()
    other = await w.client("宁波海风贸易有限公司", "周先生")
    await keep(w, stored(other.identity.company.id, "11111111"))  # type: ignore[union-attr]
    (reply,) = await chen.say("宁波海风 本月发票")
    assert reply.startswith("2024-03 发票 0 张")


async def test_staff_list_a_companys_month_by_name() -> None:
    w = World()
    chen = await w.client()
    await w.client("宁波海风贸易有限公司", "周先生")
    await keep(w, stored(chen.identity.company.id, "11111111"))  # type: ignore[union-attr]
    wang = await w.staff()
    (listing,) = await wang.say("发票 云帆 2024-03")
    assert listing.startswith("【杭州云帆科技有限公司】2024-03 发票 1 张")
    assert "1. 11111111｜2024-03-08｜天津瑞佳讯贸易有限公司｜¥52.70" in listing
    assert (await wang.say("云帆 本月发票")) == [listing]
    assert "没有找到" in (await wang.say("发票 深圳 2024-03"))[0]
    assert "请告诉我查哪家公司" in (await wang.say("本月发票"))[0]


async def test_an_ambiguous_company_name_is_asked_back() -> None:
    w = World()
    await w.client("杭州云帆科技有限公司")
    await w.client("杭州云帆贸易有限公司")
    wang = await w.staff()
    assert "多家公司" in (await wang.say("发票 杭州云帆 2024-03"))[0]


@pytest.mark.parametrize("text", ["上传发票", "这是上个月的发票", "发票申领", "我要开发票"])
async def test_invoice_words_that_are_not_a_month_query_are_left_to_nlu(text: str) -> None:
    w = World()
    chen = await w.client()
    replies = await chen.say(text)
    assert not any("发票 0 张" in r for r in replies)


class InvoiceWordsNLU:
    """Like the trained parser: anything about 发票 is `upload_invoice`, with a period."""

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        if "发票" not in text:
            return ParseResult(text, "nlu_fallback", 0.2)
        ents = (Entity("period", "2024-02", 0, 3),) if "上个月" in text else ()
        return ParseResult(text, "upload_invoice", 0.9, ents)


@pytest.mark.parametrize(
    "text",
    ["本月发票有多少", "查一下这个月的发票", "这个月的发票一共多少张？", "我们公司本月的发票"],
)
async def test_month_questions_in_other_words(text: str) -> None:
    w = World()
    chen = await w.client()
    await keep(w, stored(chen.identity.company.id, "11111111"))  # type: ignore[union-attr]
    (reply,) = await chen.say(text)
    assert reply.startswith("2024-03 发票 1 张"), reply


async def test_a_question_nlu_takes_for_an_upload_is_answered_with_the_month() -> None:
    w = World()
    w.nlu = InvoiceWordsNLU()
    chen = await w.client()
    (reply,) = await chen.say("麻烦统计下上个月那些发票")
    assert reply.startswith("2024-02 发票 0 张")
    assert chen.conv.flow is None
    (start,) = await chen.say("给你发上个月的发票")
    assert "发完回复“好了”" in start and chen.conv.flow == "invoice_upload"


def test_the_result_points_out_fields_read_with_little_confidence() -> None:
    record = replace(
        stored(1, "33207675"),
        sources={"number": "qr", "seller_name": "ocr", "invoice_type": "ocr"},
        confidence={"number": 0.99, "seller_name": 0.42, "invoice_type": 0.53},
    )
    text = render_read(record, 3)
    assert text.startswith("识别结果（第3张）：\n增值税电子普通发票\n发票代码 012001800311")
    assert "⚠ 看不太清，请核对：销售方、发票类型" in text
    assert "金额 ¥46.62 税额 ¥6.08 价税合计 ¥52.70" in text
    assert "✓ 校验通过" in text


def test_a_result_without_amounts_asks_for_the_original_picture() -> None:
    # An invoice inside a compressed screenshot: number and date legible, the figures not.
    record = stored(1, "02995607", amount_excl_tax_fen=None, tax_fen=None, amount_total_fen=None)
    text = render_read(record, 2)
    assert "金额 — 税额 — 价税合计 —" in text
    assert "勾选“原图”" in text and "更正 合计" in text
    assert "如有误请回复更正" not in text  # one request at a time
    complete = render_read(stored(1, "33207675"), 3)
    assert "原图" not in complete and "如有误请回复更正" in complete


async def test_a_seller_name_typed_as_a_correction_reaches_staff_inert() -> None:
    w = World()
    chen = await w.client()
    cid = chen.identity.company.id  # type: ignore[union-attr]
    await keep(w, stored(cid, "11111111"))
    link = '<a href="weixin://bizmsgmenu?msgmenuid=cancel">某某公司</a>'
    (echo,) = await chen.say(f"更正 11111111 销售方 {link}")
    wang = await w.staff()
    (listing,) = await wang.say("发票 云帆 2024-03")
    for text in (echo, listing):
        assert "某某公司" in text
        assert "<" not in text and ">" not in text and "weixin://" not in text
