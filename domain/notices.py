"""Notices: what someone must be told outside the passive reply, as typed events.

A domain service never sends anything, and never words anything either. It records a
`Notice(recipient, kind, facts)` through the unit of work's outbox in the same transaction as
the change that caused it: who is told, what happened (`NoticeKind`), and the facts behind it
(which request, who, which figures) in a small frozen dataclass per kind. The outbox sender
renders a notice when it sends it (`bot.outbox.render`), with the firm's wording for its kind:
a customer-service (客服) message inside the user's 48-hour window, a template message outside.

Facts travel through the outbox table as JSON (`facts_to_json` / `facts_from_json`), so they
hold plain values: strings, numbers, booleans, enums, aware datetimes, tuples and other facts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from domain.billing import BillKind
from domain.invoice_checks import CheckResult
from domain.invoice_uploads import InvoiceRecord
from domain.requests import ServiceRequest, Status, Urgency


class NoticeKind(StrEnum):
    """What happened; also what the firm configures a wording and a template message for."""

    # Conversation replies that could not go as the passive reply (rendered by the chat).
    REPLY = "reply"
    LATE_REPLY = "late_reply"
    # Requests and their dispatch.
    REQUEST_RAISED = "request_raised"
    REQUEST_CANCELLED = "request_cancelled"
    TASK_CLAIMED = "task_claimed"
    TASK_ASSIGNED = "task_assigned"
    TASK_REASSIGNED = "task_reassigned"
    CLAIM_REMINDER = "claim_reminder"
    ESCALATED = "escalated"
    TASK_RELEASED = "task_released"  # to the admins
    TASK_TAKEN_BACK = "task_taken_back"  # to the staff member it was taken from
    PROGRESS_ADDED = "progress_added"
    PROGRESS_PHOTO = "progress_photo"
    REQUEST_PHOTO = "request_photo"  # the client's photos, to whoever claims or is assigned it
    REQUEST_COMPLETED = "request_completed"
    RATE_REQUEST = "rate_request"
    CALLBACK_REQUESTED = "callback_requested"
    # Complaints.
    COMPLAINT_OPENED = "complaint_opened"
    COMPLAINT_PHOTO = "complaint_photo"
    COMPLAINT_FOLLOWUP = "complaint_followup"  # the client adds to an open case
    COMPLAINT_RESOLVED = "complaint_resolved"
    # Handed to people: a client's papers and thanks, a stranger's phone number.
    DOCUMENT_FORWARDED = "document_forwarded"
    DOCUMENT_PHOTO = "document_photo"
    THANKS_RELAYED = "thanks_relayed"
    PHONE_CHANGED = "phone_changed"
    LEAD = "lead"
    # Binding.
    CLIENT_BOUND = "client_bound"
    IDENTITY_BOUND = "identity_bound"
    BINDING_REPLACED = "binding_replaced"
    BINDING_PAUSED = "binding_paused"
    # Invoice photos.
    INVOICE_KEY_FIELDS = "invoice_key_fields"
    INVOICE_READ = "invoice_read"
    INVOICE_DUPLICATE = "invoice_duplicate"
    INVOICE_FAILED = "invoice_failed"
    # Payments.
    PAYMENT_RECEIVED = "payment_received"  # to the company's contacts and its accountant
    REFUND_SETTLED = "refund_settled"  # to the company's contacts
    PAYMENT_REVIEW = "payment_review"  # to the admins: money no bill could take, a refund stuck
    FEE_REMINDER = "fee_reminder"  # 催费: to the company's contacts (WeChat, or SMS by phone)
    SERVICE_QUOTED = "service_quoted"  # a 面议 order priced by staff: to the contact who ordered
    BILL_ISSUED = "bill_issued"  # a one-off bill staff raised in chat: to the company's contacts
    # The books and the monthly filing.
    FILING_REMINDER = "filing_reminder"  # to the contacts: their open checklist items
    FILING_ITEM_DONE = "filing_item_done"  # to the accountant: the client ticked an item
    FILING_COMPLETE = "filing_complete"  # to the contacts: 本月已申报, with the amounts
    BOOKS_WARNING = "books_warning"  # to the contacts and the accountant: a threshold or anomaly
    ANNUAL_REPORT = "annual_report"  # to the contacts: 工商年报 not yet filed in its window
    # The company's dedicated accountant changed (an admin chose another).
    ACCOUNTANT_CHANGED = "accountant_changed"  # to the company's contacts
    CLIENT_HANDED_OVER = "client_handed_over"  # to the new accountant


@dataclass(frozen=True)
class QuickReply:
    """One tap-to-answer option. `id` routes straight to an intent, e.g. "claim:R1024"."""

    id: str
    label: str


# -- facts shared by several kinds -----------------------------------------------------------


@dataclass(frozen=True)
class RequestRef:
    """Which request, as people know it, at the moment the notice was recorded."""

    number: str
    type: str
    company: str
    urgency: Urgency
    status: Status
    description: str = ""  # the client's words

    @classmethod
    def of(cls, req: ServiceRequest) -> RequestRef:
        return cls(req.number, req.type, req.company_name, req.urgency, req.status, req.description)


@dataclass(frozen=True)
class StaffChoice:
    """Someone a request could go to (a one-tap assignment for the admins)."""

    staff_id: int
    name: str


@dataclass(frozen=True)
class Photo:
    """A photo forwarded as it is (WeChat media ids stay valid for three days)."""

    media_id: str


# -- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRaised:
    request: RequestRef
    again: bool = False  # pushed again: nobody claimed it in time
    photos: int = 0  # the client's photos, sent to whoever claims it


@dataclass(frozen=True)
class RequestCancelled:
    request: RequestRef


@dataclass(frozen=True)
class TaskClaimed:
    request: RequestRef
    handler: str
    phone: str = ""
    assigned: bool = False  # an admin arranged it, rather than the handler claiming it


@dataclass(frozen=True)
class TaskAssigned:
    request: RequestRef
    assignee: str
    by: str
    photos: int = 0  # the client's photos, forwarded right after


@dataclass(frozen=True)
class TaskReassigned:
    request: RequestRef
    assignee: str
    by: str


@dataclass(frozen=True)
class AccountantChanged:
    """A company's dedicated accountant is now `accountant` (was `former`, empty if none)."""

    company: str
    accountant: str
    phone: str = ""  # the new accountant's, for the contacts
    former: str = ""
    by: str = ""  # the admin who changed it


@dataclass(frozen=True)
class ClaimReminder:
    request: RequestRef
    handler: str


@dataclass(frozen=True)
class Escalated:
    request: RequestRef
    assignable: tuple[StaffChoice, ...] = ()


@dataclass(frozen=True)
class TaskReleased:
    request: RequestRef
    handler: str  # who had it and made no progress


@dataclass(frozen=True)
class ProgressAdded:
    request: RequestRef
    handler: str
    note: str  # the accountant's words; empty when only photos came


@dataclass(frozen=True)
class RequestCompleted:
    request: RequestRef
    handler: str
    note: str = ""
    # The rating invitation rides along (one message instead of two).
    rate: bool = False


@dataclass(frozen=True)
class RateInvitation:
    request: RequestRef
    handler: str


@dataclass(frozen=True)
class CallbackRequested:
    company: str
    name: str
    phone: str = ""
    words: str = ""  # what the client said, when they asked in a sentence


# -- complaints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingFigures:
    attitude: int
    speed: int
    comment: str = ""


@dataclass(frozen=True)
class ComplaintOpened:
    number: str
    client: str  # company and person
    description: str  # the client's words (for a low rating: the comment)
    request: RequestRef | None = None
    request_handler: str | None = None
    staff: str | None = None  # an accountant the client named
    rating: RatingFigures | None = None  # opened by a low rating


@dataclass(frozen=True)
class ComplaintFollowup:
    number: str
    client: str  # company and person
    words: str  # what the client added


@dataclass(frozen=True)
class ComplaintResolved:
    number: str
    resolution: str  # the admin's words


# -- handed to people ------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentForwarded:
    """A client's papers for their accountant; the photos follow one by one."""

    company: str
    sender: str  # the contact's name
    note: str  # what the client said of them; empty when nothing
    photos: int


@dataclass(frozen=True)
class ThanksRelayed:
    company: str
    sender: str
    words: str  # the client's thanks as they said it


@dataclass(frozen=True)
class PhoneChanged:
    """A client says their phone number changed: their accountant updates the records."""

    company: str
    sender: str
    phone: str
    words: str  # what the client said


@dataclass(frozen=True)
class Lead:
    """A stranger left a phone number to be called back."""

    phone: str
    words: str  # what they said with it


# -- binding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """Someone bound a WeChat user to a person of the firm (whoever is told about it)."""

    name: str
    company: str  # for a client contact; empty for staff
    as_contact: bool
    wechat_tail: str  # the last characters of the openid, to tell two WeChat users apart
    moved: bool = False  # the binding moved away from another WeChat user


@dataclass(frozen=True)
class BindingPaused:
    failures: int
    people: int  # distinct WeChat users
    window_minutes: int
    until: datetime


# -- invoices --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceShown:
    """An invoice as the chat shows it after reading or correcting."""

    number: str
    invoice_type: str | None = None
    code: str | None = None
    issue_date: date | None = None
    amount_excl_tax_fen: int | None = None
    tax_fen: int | None = None
    amount_total_fen: int | None = None
    seller_name: str | None = None
    checks: tuple[CheckResult, ...] = ()
    unsure: tuple[str, ...] = ()  # fields read with too little confidence to trust

    @classmethod
    def of(cls, record: InvoiceRecord) -> InvoiceShown:
        inv = record.invoice
        return cls(
            number=inv.number,
            invoice_type=inv.invoice_type,
            code=inv.code,
            issue_date=inv.issue_date,
            amount_excl_tax_fen=inv.amount_excl_tax_fen,
            tax_fen=inv.tax_fen,
            amount_total_fen=inv.amount_total_fen,
            seller_name=inv.seller_name,
            checks=record.checks,
            unsure=record.unsure_fields(),
        )

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]


@dataclass(frozen=True)
class InvoiceKeyFields:
    """The quick word from the QR code before the full reading."""

    seq: int
    number: str
    issue_date: str | None = None
    amount_total_fen: int | None = None
    amount_excl_tax_fen: int | None = None


@dataclass(frozen=True)
class InvoiceRead:
    seq: int
    invoice: InvoiceShown


@dataclass(frozen=True)
class InvoiceDuplicate:
    seq: int
    number: str
    uploaded_at: datetime
    uploader: str
    same_image: bool


@dataclass(frozen=True)
class InvoiceFailed:
    seq: int
    reason: str  # a reason code: "not_image", "media_expired", ...
    upload_id: int = 0  # which upload (a photo that is no invoice may be forwarded)


# -- payments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillRef:
    """Which bill, as people know it: its number and what it is for (a contract period, or a
    one-off bill's own title), for how much."""

    number: str
    company: str
    kind: BillKind
    amount_fen: int
    title: str = ""  # a one-off bill's title, as staff or the catalogue gave it
    period_start: date | None = None  # a contract period's first and last day
    period_end: date | None = None


@dataclass(frozen=True)
class FeeReminder:
    """A bill still unpaid: before its due date, on it, or overdue (`days_overdue` > 0)."""

    bill: BillRef
    due_on: date
    days_overdue: int
    pay_url: str = ""  # the bill's checkout page, when the service's address is known


@dataclass(frozen=True)
class ServiceQuoted:
    """Staff priced a 面议 order: its bill is ready to pay."""

    order_number: str
    item_name: str
    bill: BillRef
    quoted_by: str
    pay_url: str = ""


@dataclass(frozen=True)
class BillIssued:
    """Staff raised a one-off bill for the company ("账单 示例科技 工商变更 800元")."""

    bill: BillRef
    due_on: date
    issued_by: str
    pay_url: str = ""


@dataclass(frozen=True)
class PaymentReceived:
    bill: BillRef
    amount_fen: int
    paid_at: datetime
    transaction_id: str = ""  # WeChat Pay's 交易单号, for the receipt
    renewed_until: date | None = None  # a paid renewal: the contract's new end date
    offline: bool = False  # settled outside WeChat Pay (线下收款), recorded by an admin


@dataclass(frozen=True)
class RefundSettled:
    bill: BillRef
    amount_fen: int


@dataclass(frozen=True)
class PaymentReview:
    """Money a person must look at: `reason` is "bill_not_payable" (paid, but the bill was
    paid another way or cancelled), "order_closed" (paid after we closed the attempt),
    "refund_abnormal" (the bank could not take the refund back), "refund_refused" (WeChat Pay
    refused a refund an admin asked for) or "renewal_not_applied" (a renewal paid for a
    contract whose end date had been changed)."""

    reason: str
    out_trade_no: str
    amount_fen: int
    bill: BillRef | None = None
    out_refund_no: str = ""


# -- the books and the monthly filing -------------------------------------------------------


@dataclass(frozen=True)
class FilingItemRef:
    key: str
    label: str
    due: date


@dataclass(frozen=True)
class FilingReminder:
    company: str
    period: str  # the tax period, "YYYY-MM"
    deadline: date  # the month's filing deadline
    days_left: int  # to the filing deadline
    items: tuple[FilingItemRef, ...]


@dataclass(frozen=True)
class FilingItemDone:
    company: str
    period: str
    item: FilingItemRef
    by: str
    client_items_open: int  # the client's items still open


@dataclass(frozen=True)
class TaxAmount:
    key: str  # the checklist item ("vat", "iit")
    label: str
    amount_fen: int | None  # None: filed without an amount recorded


@dataclass(frozen=True)
class FilingComplete:
    company: str
    period: str
    taxes: tuple[TaxAmount, ...]


@dataclass(frozen=True)
class BooksWarned:
    """A rule of `domain.book_warnings` fired: its name, the period it is about, its figures."""

    company: str
    rule: str
    key: str
    figures: Mapping[str, Any]
    accountant: str = ""


@dataclass(frozen=True)
class AnnualReportReminder:
    """工商年报 for the year before is due by `deadline` (30 June of `year`)."""

    company: str
    year: int
    deadline: date
    days_left: int


# -- conversation replies --------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    title: str
    description: str = ""
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class ChatReply:
    """A reply the chat already worded, sent later: text (with quick replies), an image, or
    news articles."""

    text: str = ""
    quick_replies: tuple[QuickReply, ...] = ()
    media_id: str = ""
    articles: tuple[Article, ...] = ()


Facts = (
    RequestRaised
    | RequestCancelled
    | TaskClaimed
    | TaskAssigned
    | TaskReassigned
    | AccountantChanged
    | ClaimReminder
    | Escalated
    | TaskReleased
    | ProgressAdded
    | Photo
    | RequestCompleted
    | RateInvitation
    | CallbackRequested
    | ComplaintOpened
    | ComplaintFollowup
    | ComplaintResolved
    | DocumentForwarded
    | ThanksRelayed
    | PhoneChanged
    | Lead
    | Bound
    | BindingPaused
    | InvoiceKeyFields
    | InvoiceRead
    | InvoiceDuplicate
    | InvoiceFailed
    | PaymentReceived
    | RefundSettled
    | PaymentReview
    | FeeReminder
    | ServiceQuoted
    | BillIssued
    | FilingReminder
    | FilingItemDone
    | FilingComplete
    | BooksWarned
    | AnnualReportReminder
    | ChatReply
)

FACTS: Mapping[NoticeKind, type[Any]] = {
    NoticeKind.REPLY: ChatReply,
    NoticeKind.LATE_REPLY: ChatReply,
    NoticeKind.REQUEST_RAISED: RequestRaised,
    NoticeKind.REQUEST_CANCELLED: RequestCancelled,
    NoticeKind.TASK_CLAIMED: TaskClaimed,
    NoticeKind.TASK_ASSIGNED: TaskAssigned,
    NoticeKind.TASK_REASSIGNED: TaskReassigned,
    NoticeKind.CLAIM_REMINDER: ClaimReminder,
    NoticeKind.ESCALATED: Escalated,
    NoticeKind.TASK_RELEASED: TaskReleased,
    NoticeKind.TASK_TAKEN_BACK: TaskReleased,
    NoticeKind.PROGRESS_ADDED: ProgressAdded,
    NoticeKind.PROGRESS_PHOTO: Photo,
    NoticeKind.REQUEST_PHOTO: Photo,
    NoticeKind.REQUEST_COMPLETED: RequestCompleted,
    NoticeKind.RATE_REQUEST: RateInvitation,
    NoticeKind.CALLBACK_REQUESTED: CallbackRequested,
    NoticeKind.COMPLAINT_OPENED: ComplaintOpened,
    NoticeKind.COMPLAINT_PHOTO: Photo,
    NoticeKind.COMPLAINT_FOLLOWUP: ComplaintFollowup,
    NoticeKind.COMPLAINT_RESOLVED: ComplaintResolved,
    NoticeKind.DOCUMENT_FORWARDED: DocumentForwarded,
    NoticeKind.DOCUMENT_PHOTO: Photo,
    NoticeKind.THANKS_RELAYED: ThanksRelayed,
    NoticeKind.PHONE_CHANGED: PhoneChanged,
    NoticeKind.LEAD: Lead,
    NoticeKind.CLIENT_BOUND: Bound,
    NoticeKind.IDENTITY_BOUND: Bound,
    NoticeKind.BINDING_REPLACED: Bound,
    NoticeKind.BINDING_PAUSED: BindingPaused,
    NoticeKind.INVOICE_KEY_FIELDS: InvoiceKeyFields,
    NoticeKind.INVOICE_READ: InvoiceRead,
    NoticeKind.INVOICE_DUPLICATE: InvoiceDuplicate,
    NoticeKind.INVOICE_FAILED: InvoiceFailed,
    NoticeKind.PAYMENT_RECEIVED: PaymentReceived,
    NoticeKind.REFUND_SETTLED: RefundSettled,
    NoticeKind.PAYMENT_REVIEW: PaymentReview,
    NoticeKind.FEE_REMINDER: FeeReminder,
    NoticeKind.SERVICE_QUOTED: ServiceQuoted,
    NoticeKind.BILL_ISSUED: BillIssued,
    NoticeKind.FILING_REMINDER: FilingReminder,
    NoticeKind.FILING_ITEM_DONE: FilingItemDone,
    NoticeKind.FILING_COMPLETE: FilingComplete,
    NoticeKind.BOOKS_WARNING: BooksWarned,
    NoticeKind.ANNUAL_REPORT: AnnualReportReminder,
    NoticeKind.ACCOUNTANT_CHANGED: AccountantChanged,
    NoticeKind.CLIENT_HANDED_OVER: AccountantChanged,
}


@dataclass(frozen=True)
class Notice:
    recipient: str  # openid
    kind: NoticeKind
    facts: Facts
    dedup_key: str | None = None  # when set, the same key is queued at most once

    def __post_init__(self) -> None:
        expected = FACTS[self.kind]
        if not isinstance(self.facts, expected):
            raise TypeError(f"{self.kind} takes {expected.__name__}, not {type(self.facts)}")


# -- facts as JSON ---------------------------------------------------------------------------


def facts_to_json(facts: Facts) -> dict[str, Any]:
    encoded = _encode(facts)
    assert isinstance(encoded, dict)
    return encoded


def facts_from_json(kind: NoticeKind | str, data: Mapping[str, Any]) -> Facts:
    """The facts of a `kind` notice from their JSON; raises ValueError when they do not fit."""
    cls = FACTS[NoticeKind(kind)]
    try:
        facts: Facts = _decode(cls, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"facts of {kind} do not fit {cls.__name__}: {exc}") from exc
    return facts


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(tp: Any, value: Any) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (real,) = [a for a in args if a is not type(None)]
        return _decode(real, value)
    if origin is tuple:
        return tuple(_decode(args[0], v) for v in value)
    if tp is Any or origin in (dict, Mapping, typing.Mapping):
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        given = {
            f.name: _decode(hints[f.name], value[f.name])
            for f in dataclasses.fields(tp)
            if f.name in value
        }
        return tp(**given)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is date:
        return date.fromisoformat(value)
    if tp in (str, int, bool) and not isinstance(value, tp):
        raise TypeError(f"{value!r} is no {tp.__name__}")
    return value
