"""Notices are facts until they are sent: every kind renders, its facts survive the outbox's JSON,
its built-in wording uses exactly the placeholders the domain promises, a firm's own wording
replaces it, and rows queued before notices were typed still go out as they were."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.outbox.render import RENDERERS, render, render_notice
from domain.billing import BillKind
from domain.invoice_checks import CheckResult
from domain.message_templates import PLACEHOLDERS, MessageTemplate, validate_template
from domain.notices import (
    AccountantChanged,
    AnnualReportReminder,
    Article,
    BillIssued,
    BillRef,
    BindingPaused,
    BooksWarned,
    Bound,
    CallbackRequested,
    ChatReply,
    ClaimReminder,
    ComplaintFollowup,
    ComplaintOpened,
    ComplaintResolved,
    DocumentForwarded,
    Escalated,
    Facts,
    FeeReminder,
    FilingComplete,
    FilingItemDone,
    FilingItemRef,
    FilingReminder,
    InvoiceDuplicate,
    InvoiceFailed,
    InvoiceKeyFields,
    InvoiceRead,
    InvoiceShown,
    Lead,
    Notice,
    NoticeKind,
    PaymentReceived,
    PaymentReview,
    PhoneChanged,
    Photo,
    ProgressAdded,
    QuickReply,
    RateInvitation,
    RatingFigures,
    RefundSettled,
    RequestCancelled,
    RequestCompleted,
    RequestRaised,
    RequestRef,
    ServiceQuoted,
    StaffChoice,
    TaskAssigned,
    TaskClaimed,
    TaskReassigned,
    TaskReleased,
    TaxAmount,
    ThanksRelayed,
    facts_from_json,
    facts_to_json,
)
from domain.requests import Status, Urgency

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
REF = RequestRef("R1001", "营业执照", "云帆科技", Urgency.URGENT, Status.SUBMITTED, "新公司注册")
SHOWN = InvoiceShown(
    "33207675",
    invoice_type="增值税电子普通发票",
    issue_date=date(2024, 3, 15),
    amount_total_fen=5270,
    checks=(CheckResult("sum", True, "金额 + 税额 = 价税合计"),),
    unsure=("seller_name",),
)

BILL = BillRef(
    "B1001",
    "云帆科技",
    BillKind.CONTRACT,
    90000,
    period_start=date(2026, 1, 1),
    period_end=date(2026, 3, 31),
)

SAMPLES: dict[NoticeKind, Facts] = {
    NoticeKind.REPLY: ChatReply("好的", (QuickReply("answer:是", "是"),)),
    NoticeKind.LATE_REPLY: ChatReply(articles=(Article("代理记账", "每月记账", "https://x"),)),
    NoticeKind.REQUEST_RAISED: RequestRaised(REF, again=True),
    NoticeKind.REQUEST_CANCELLED: RequestCancelled(REF),
    NoticeKind.TASK_CLAIMED: TaskClaimed(REF, "王会计", "139", assigned=True),
    NoticeKind.TASK_ASSIGNED: TaskAssigned(REF, "李会计", "赵主管"),
    NoticeKind.TASK_REASSIGNED: TaskReassigned(REF, "李会计", "赵主管"),
    NoticeKind.CLAIM_REMINDER: ClaimReminder(REF, "王会计"),
    NoticeKind.ESCALATED: Escalated(REF, (StaffChoice(2, "王会计"), StaffChoice(3, "李会计"))),
    NoticeKind.TASK_RELEASED: TaskReleased(REF, "王会计"),
    NoticeKind.TASK_TAKEN_BACK: TaskReleased(REF, "王会计"),
    NoticeKind.PROGRESS_ADDED: ProgressAdded(REF, "王会计", ""),
    NoticeKind.PROGRESS_PHOTO: Photo("media-1"),
    NoticeKind.REQUEST_PHOTO: Photo("media-4"),
    NoticeKind.REQUEST_COMPLETED: RequestCompleted(REF, "王会计", "执照已寄出"),
    NoticeKind.RATE_REQUEST: RateInvitation(REF, "王会计"),
    NoticeKind.CALLBACK_REQUESTED: CallbackRequested("云帆科技", "刘先生", "135", "回个电话"),
    NoticeKind.COMPLAINT_OPENED: ComplaintOpened(
        "C1001", "云帆科技 刘先生", "太慢了", REF, "王会计", rating=RatingFigures(1, 2, "太慢了")
    ),
    NoticeKind.COMPLAINT_PHOTO: Photo("media-2"),
    NoticeKind.COMPLAINT_FOLLOWUP: ComplaintFollowup("C1001", "云帆科技 刘先生", "尽快给个说法"),
    NoticeKind.DOCUMENT_FORWARDED: DocumentForwarded("青禾餐饮", "陈女士", "法人变更用", 2),
    NoticeKind.DOCUMENT_PHOTO: Photo("media-3"),
    NoticeKind.THANKS_RELAYED: ThanksRelayed("青禾餐饮", "陈女士", "谢谢王会计"),
    NoticeKind.PHONE_CHANGED: PhoneChanged("青禾餐饮", "陈女士", "13700001234", "我手机号换了"),
    NoticeKind.LEAD: Lead("13800138000", "代账多少钱"),
    NoticeKind.COMPLAINT_RESOLVED: ComplaintResolved("C1001", "已电话回访"),
    NoticeKind.CLIENT_BOUND: Bound("刘先生", "云帆科技", True, "abc123", moved=True),
    NoticeKind.IDENTITY_BOUND: Bound("李会计", "", False, "abc123"),
    NoticeKind.BINDING_REPLACED: Bound("刘先生", "云帆科技", True, "abc123", moved=True),
    NoticeKind.BINDING_PAUSED: BindingPaused(30, 12, 10, datetime(2026, 11, 23, 2, 10, tzinfo=UTC)),
    NoticeKind.INVOICE_KEY_FIELDS: InvoiceKeyFields(2, "33207675", "2024-03-15", 5270),
    NoticeKind.INVOICE_READ: InvoiceRead(3, SHOWN),
    NoticeKind.INVOICE_DUPLICATE: InvoiceDuplicate(4, "33207675", AT, "陈女士", same_image=True),
    NoticeKind.INVOICE_FAILED: InvoiceFailed(5, "not_invoice", 7),
    NoticeKind.PAYMENT_RECEIVED: PaymentReceived(BILL, 90000, AT),
    NoticeKind.BILL_ISSUED: BillIssued(BILL, date(2026, 2, 1), "王会计", "https://x/m/pay/B1001"),
    NoticeKind.SERVICE_QUOTED: ServiceQuoted(
        "S1001", "税务筹划", BILL, "王会计", "https://b.example/m/pay/B1001"
    ),
    NoticeKind.FEE_REMINDER: FeeReminder(
        BILL, date(2026, 1, 16), 3, "https://b.example/m/pay/B1001"
    ),
    NoticeKind.REFUND_SETTLED: RefundSettled(BILL, 30000),
    NoticeKind.PAYMENT_REVIEW: PaymentReview("bill_not_payable", "F1B1001N2AB12CD34", 90000, BILL),
    NoticeKind.FILING_REMINDER: FilingReminder(
        "青禾餐饮",
        "2026-10",
        date(2026, 11, 16),
        3,
        (FilingItemRef("payroll", "确认工资表", date(2026, 11, 11)),),
    ),
    NoticeKind.FILING_ITEM_DONE: FilingItemDone(
        "青禾餐饮",
        "2026-10",
        FilingItemRef("payroll", "确认工资表", date(2026, 11, 11)),
        "陈女士",
        1,
    ),
    NoticeKind.FILING_COMPLETE: FilingComplete(
        "青禾餐饮",
        "2026-10",
        (TaxAmount("vat", "申报增值税", 123456), TaxAmount("iit", "申报个税", None)),
    ),
    NoticeKind.BOOKS_WARNING: BooksWarned(
        "青禾餐饮",
        "quarter_near",
        "2026-Q3",
        {"sales": 24600000, "line": 30000000, "left": 5400000},
        "王会计",
    ),
    NoticeKind.ANNUAL_REPORT: AnnualReportReminder("青禾餐饮", 2027, date(2027, 6, 30), 10),
    NoticeKind.ACCOUNTANT_CHANGED: AccountantChanged(
        "青禾餐饮", "李会计", "139", "王会计", "赵主管"
    ),
    NoticeKind.CLIENT_HANDED_OVER: AccountantChanged("青禾餐饮", "李会计", "139", "", "赵主管"),
}


def test_every_kind_has_a_renderer_a_sample_and_placeholders() -> None:
    assert set(RENDERERS) == set(NoticeKind) == set(SAMPLES) == set(PLACEHOLDERS)


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_facts_survive_the_outbox_json(kind: NoticeKind) -> None:
    facts = SAMPLES[kind]
    assert facts_from_json(kind, facts_to_json(facts)) == facts


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_each_kind_fills_exactly_the_placeholders_the_domain_promises(kind: NoticeKind) -> None:
    renderer = RENDERERS[kind]
    assert set(renderer.values(SAMPLES[kind], AT)) == PLACEHOLDERS[kind]
    assert validate_template(MessageTemplate(kind, renderer.text)) == ()


def test_a_row_renders_as_the_notice_it_was() -> None:
    notice = Notice("o_chen", NoticeKind.TASK_CLAIMED, SAMPLES[NoticeKind.TASK_CLAIMED])
    row = render("task_claimed", {"facts": facts_to_json(notice.facts)}, AT)
    assert row == render_notice(notice, AT)
    assert (
        row.text == "您的R1001【加急】营业执照已安排王会计办理，电话 139。有进展会第一时间告诉您。"
    )
    assert row.template_fields == {
        "number": "R1001",
        "type": "营业执照",
        "company": "云帆科技",
        "urgency": "加急",
        "status": "待接单",
        "time": "11-23 10:00",
        "handler": "王会计",
    }


def test_the_rich_parts_come_from_the_facts() -> None:
    raised = render_notice(Notice("o", NoticeKind.ESCALATED, SAMPLES[NoticeKind.ESCALATED]), AT)
    assert [q.id for q in raised.quick_replies] == ["assign_task:R1001:2", "assign_task:R1001:3"]
    photo = render_notice(Notice("o", NoticeKind.PROGRESS_PHOTO, Photo("m1")), AT)
    assert (photo.text, photo.payload) == ("[图片]", {"msgtype": "image", "media_id": "m1"})
    news = render_notice(Notice("o", NoticeKind.LATE_REPLY, SAMPLES[NoticeKind.LATE_REPLY]), AT)
    assert news.text == "代理记账" and news.payload is not None
    assert news.payload["articles"][0]["url"] == "https://x"


def test_the_firms_own_wording_replaces_the_built_in_one() -> None:
    notice = Notice("o_chen", NoticeKind.TASK_CLAIMED, SAMPLES[NoticeKind.TASK_CLAIMED])
    own = MessageTemplate(
        NoticeKind.TASK_CLAIMED, "{handler}老师接手了您的{type}（{number}）", "业务受理", "谢谢"
    )
    message = render_notice(notice, AT, {NoticeKind.TASK_CLAIMED: own})
    assert message.text == "王会计老师接手了您的营业执照（R1001）"
    assert (message.title, message.remark) == ("业务受理", "谢谢")
    # Only the heading set: the built-in text stays.
    heading = MessageTemplate(NoticeKind.TASK_CLAIMED, title="已受理")
    kept = render_notice(notice, AT, {NoticeKind.TASK_CLAIMED: heading})
    assert kept.text == render_notice(notice, AT).text and kept.title == "已受理"


def test_wording_that_does_not_render_falls_back_to_the_built_in_one() -> None:
    notice = Notice("o_chen", NoticeKind.TASK_CLAIMED, SAMPLES[NoticeKind.TASK_CLAIMED])
    broken = MessageTemplate(NoticeKind.TASK_CLAIMED, "您的{title", "{handler.name}")
    message = render_notice(notice, AT, {NoticeKind.TASK_CLAIMED: broken})
    assert message.text == render_notice(notice, AT).text and message.title == ""


def test_rows_queued_before_notices_were_typed_go_out_as_they_were() -> None:
    legacy = {
        "recipient": "o_chen",
        "kind": "progress_added",
        "text": "您的工商变更已提交",
        "quick_replies": [["check_progress:R1", "查看全部进度"]],
        "template_fields": {"keyword2": "今天"},
        "payload": None,
    }
    message = render("progress_added", legacy, AT)
    assert message.text == "您的工商变更已提交"
    assert message.quick_replies == (QuickReply("check_progress:R1", "查看全部进度"),)
    assert message.template_fields == {"keyword2": "今天"}


def test_facts_of_the_wrong_kind_are_refused() -> None:
    with pytest.raises(TypeError):
        Notice("o", NoticeKind.TASK_CLAIMED, Photo("m1"))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        facts_from_json(NoticeKind.TASK_CLAIMED, {"handler": "王会计"})


def test_the_template_messages_heading_is_the_firms_else_the_accounts_else_built_in() -> None:
    from bot.outbox.templates import Template, template_data

    notice = Notice("o_chen", NoticeKind.TASK_CLAIMED, SAMPLES[NoticeKind.TASK_CLAIMED])
    built_in = render_notice(notice, AT)
    plain = Template("TM_1")
    data = template_data(built_in, plain, AT)
    assert (data["keyword1"], data["remark"]) == ("业务已受理", "回复任意消息即可继续与我们对话。")
    account = Template("TM_1", "受理通知", remark="详情请问我")
    assert template_data(built_in, account, AT)["keyword1"] == "受理通知"
    own = MessageTemplate(NoticeKind.TASK_CLAIMED, title="{number}已受理", remark="谢谢")
    firms = render_notice(notice, AT, {NoticeKind.TASK_CLAIMED: own})
    data = template_data(firms, account, AT)
    assert (data["keyword1"], data["remark"]) == ("R1001已受理", "谢谢")


def test_what_is_handed_to_people_reads_as_the_chat_worded_it() -> None:
    """Papers, thanks, leads, a complaint's follow-up and a call-back asked in words: the
    wording the conversation rework gave them, now rendered from facts."""

    def text(kind: NoticeKind, facts: Facts) -> str:
        return render_notice(Notice("o", kind, facts), AT).text

    papers = DocumentForwarded("青禾餐饮", "陈女士", "身份证正反面", 2)
    assert text(NoticeKind.DOCUMENT_FORWARDED, papers) == (
        "青禾餐饮的陈女士发来资料：身份证正反面（2张照片，见下）"
    )
    bare = DocumentForwarded("青禾餐饮", "陈女士", "", 1)
    assert text(NoticeKind.DOCUMENT_FORWARDED, bare) == "青禾餐饮的陈女士发来资料（1张照片，见下）"
    thanks = ThanksRelayed("青禾餐饮", "陈女士", "谢谢王会计，辛苦啦")
    assert text(NoticeKind.THANKS_RELAYED, thanks) == "青禾餐饮的陈女士说：谢谢王会计，辛苦啦"
    lead = Lead("13800138000", "代账多少钱")
    assert text(NoticeKind.LEAD, lead) == (
        "【新咨询】有位访客留了电话 13800138000，请尽快回电。\n留言：代账多少钱"
    )
    more = ComplaintFollowup("C1001", "云帆科技 刘先生", "尽快给个说法")
    assert text(NoticeKind.COMPLAINT_FOLLOWUP, more) == (
        "【投诉 C1001 客户补充】云帆科技 刘先生：尽快给个说法"
    )
    call = CallbackRequested("云帆科技", "刘先生", "135", "让王会计回个电话")
    assert text(NoticeKind.CALLBACK_REQUESTED, call) == (
        "云帆科技的刘先生请您回电：135。\n客户说：让王会计回个电话"
    )
    photo = render_notice(Notice("o", NoticeKind.REQUEST_PHOTO, Photo("m9")), AT)
    assert photo.payload == {"msgtype": "image", "media_id": "m9"}


def test_a_photo_that_is_no_invoice_offers_to_go_to_the_accountant() -> None:
    failed = render_notice(
        Notice("o", NoticeKind.INVOICE_FAILED, InvoiceFailed(5, "not_invoice", 7)), AT
    )
    assert [(q.id, q.label) for q in failed.quick_replies] == [("forward_upload:7", "是，转给会计")]
    other = render_notice(
        Notice("o", NoticeKind.INVOICE_FAILED, InvoiceFailed(5, "truncated", 7)), AT
    )
    assert other.quick_replies == ()


def test_pushes_and_assignments_say_how_many_photos_came() -> None:
    raised = render_notice(Notice("o", NoticeKind.REQUEST_RAISED, RequestRaised(REF, photos=2)), AT)
    assert raised.text == (
        "【新业务】R1001【加急】营业执照\n客户：云帆科技\n需求：新公司注册\n"
        "附件：2张照片（接单后发给您）\n回复“抢单 R1001”即可接单。"
    )
    assigned = TaskAssigned(REF, "李会计", "赵主管", photos=2)
    assert render_notice(Notice("o", NoticeKind.TASK_ASSIGNED, assigned), AT).text == (
        "赵主管把R1001【加急】营业执照（云帆科技）分配给您了：\n新公司注册\n"
        "附件：客户附了2张照片，见下。\n有进展请回复“进度 R1001 内容”。"
    )
    cancelled = render_notice(Notice("o", NoticeKind.REQUEST_CANCELLED, RequestCancelled(REF)), AT)
    assert cancelled.text == "R1001【加急】营业执照（云帆科技）客户已撤销，不用接了。"


def test_money_notices_say_what_the_bill_was_for() -> None:
    received = render_notice(
        Notice("o_chen", NoticeKind.PAYMENT_RECEIVED, SAMPLES[NoticeKind.PAYMENT_RECEIVED]), AT
    )
    assert received.text.startswith(
        "已收到云帆科技的付款 ¥900.00，谢谢！\n【收据】2026年1月—3月代理记账服务费\n账单：B1001\n"
        "支付时间："
    )
    facts = SAMPLES[NoticeKind.PAYMENT_RECEIVED]
    assert isinstance(facts, PaymentReceived)
    with_trade = replace(facts, transaction_id="4200000000202601010000000001")
    receipt = render_notice(Notice("o_chen", NoticeKind.PAYMENT_RECEIVED, with_trade), AT).text
    assert receipt.endswith("交易单号：4200000000202601010000000001")
    review = render_notice(
        Notice("o_boss", NoticeKind.PAYMENT_REVIEW, SAMPLES[NoticeKind.PAYMENT_REVIEW]), AT
    )
    assert "F1B1001N2AB12CD34" in review.text and "可能需要退款" in review.text


def test_a_fee_reminder_says_how_late_and_links_the_checkout() -> None:
    facts = SAMPLES[NoticeKind.FEE_REMINDER]
    text = render_notice(Notice("o_chen", NoticeKind.FEE_REMINDER, facts), AT).text
    assert "已逾期 3 天" in text and "¥900.00" in text and "账单 B1001" in text
    assert '<a href="https://b.example/m/pay/B1001">点此付款</a>' in text
    assert isinstance(facts, FeeReminder)
    early = replace(facts, days_overdue=0, due_on=date(2027, 1, 1), pay_url="")
    text = render_notice(Notice("o_chen", NoticeKind.FEE_REMINDER, early), AT).text
    assert "将于2027年1月1日到期" in text and "回复“交费”即可付款" in text


@pytest.mark.parametrize(
    ("offline", "renewed_until", "lines", "absent"),
    [
        (False, None, ["交易单号：4200001"], ["线下收款", "续期"]),
        (True, None, ["收款方式：线下收款"], ["交易单号", "续期"]),
        (False, date(2027, 6, 30), ["交易单号：4200001", "服务已续期至2027年6月30日"], ["线下"]),
        (
            True,
            date(2027, 6, 30),
            ["收款方式：线下收款", "服务已续期至2027年6月30日"],
            ["交易单号"],
        ),
    ],
)
def test_a_receipt_says_how_it_was_paid_and_how_long_a_renewal_runs(
    offline: bool, renewed_until: date | None, lines: list[str], absent: list[str]
) -> None:
    transaction = "" if offline else "4200001"
    facts = PaymentReceived(BILL, 90000, AT, transaction, renewed_until, offline)
    assert facts_from_json(NoticeKind.PAYMENT_RECEIVED, facts_to_json(facts)) == facts
    text = render_notice(Notice("o_chen", NoticeKind.PAYMENT_RECEIVED, facts), AT).text
    for line in lines:
        assert line in text
    for word in absent:
        assert word not in text


def test_a_review_of_a_bill_settled_offline_names_no_payment_order() -> None:
    facts = PaymentReview("renewal_not_applied", "", 360000, BILL)
    text = render_notice(Notice("o_admin", NoticeKind.PAYMENT_REVIEW, facts), AT).text
    assert "线下收款" in text and "未能自动续期" in text
