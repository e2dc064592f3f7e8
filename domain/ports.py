"""Ports: what the domain needs from the outside, as Protocols. `storage` implements them;
unit tests use in-memory fakes. A unit of work is one transaction: changes and the notices
they cause commit together or not at all.

The domain is layered: model modules (dataclasses, enums, rules) import nothing but models;
this module imports models; service modules import ports and models. So nothing here may
import a service module (a test walks the imports)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol, Self

from domain.archive_files import ArchivedDocument
from domain.audit import AuditEntry, NewAuditEntry
from domain.billing import (
    Bill,
    BillStatus,
    Contract,
    NewBill,
    NewContract,
    NewOrder,
    NewRefund,
    OrderRequest,
    PaymentOrder,
    Prepay,
    Refund,
    RefundRequest,
    RefundResult,
    RefundStatus,
    Transaction,
)
from domain.binding_policy import BindingFailure
from domain.board import BoardFilter, BoardPage, Column, Viewer
from domain.book_warnings import KeptWarning
from domain.books import BookMonth, NewBookMonth, ParsedBooks
from domain.complaints import Complaint, NewComplaint
from domain.filing import BookViewer, Checklist, NewChecklist, TaxpayerKind, TaxProfile
from domain.identity import ClientCompany, Contact, Firm, Identity, Invite, InviteKind, Staff
from domain.invoice_uploads import InvoiceRecord, InvoiceUpload, NewUpload, UploadStatus
from domain.message_templates import MessageTemplate, SavedTemplate
from domain.notices import Notice, NoticeKind
from domain.ratings import Rating
from domain.reminder_rules import NewReminder, Reminder
from domain.requests import NewRequest, RequestEvent, ServiceRequest, Status
from domain.service_items import CatalogueItem, NewItem, NewServiceOrder, ServiceOrder
from domain.staff_access import Credential


class IdentityRepository(Protocol):
    async def firm_by_appid(self, appid: str) -> Firm | None: ...
    async def add_firm(self, name: str, appid: str) -> Firm: ...
    async def resolve(self, firm: Firm, openid: str) -> Identity: ...

    async def add_staff(
        self, firm_id: int, name: str, phone: str = "", is_admin: bool = False
    ) -> Staff: ...
    async def get_staff(self, staff_id: int) -> Staff | None: ...
    async def staff_by_name(self, firm_id: int, name: str) -> Staff | None: ...
    async def list_staff(self, firm_id: int, active_only: bool = False) -> Sequence[Staff]: ...

    async def add_company(
        self, firm_id: int, name: str, accountant_id: int | None = None
    ) -> ClientCompany: ...
    async def get_company(self, company_id: int) -> ClientCompany | None: ...
    async def list_companies(self, firm_id: int) -> Sequence[ClientCompany]: ...
    async def set_accountant(self, company_id: int, staff_id: int) -> None: ...

    async def add_contact(self, company_id: int, name: str, phone: str = "") -> Contact: ...
    async def get_contact(self, contact_id: int) -> Contact | None: ...
    async def list_contacts(self, company_id: int) -> Sequence[Contact]: ...
    async def set_unfollowed(self, firm_id: int, openid: str, at: datetime | None) -> int:
        """Mark the firm's contacts bound to `openid` as unfollowed since `at` (None: following
        again). Returns how many contacts changed."""
        ...

    async def add_invite(self, invite: Invite) -> bool:
        """False when the code is already taken (the caller draws another)."""
        ...

    async def get_invite(self, firm_id: int, code: str) -> Invite | None: ...

    async def use_invite(self, firm_id: int, code: str, openid: str, now: datetime) -> bool:
        """Mark used, only if still unused and unexpired (one conditional UPDATE)."""
        ...

    async def revoke_invites(
        self, firm_id: int, kind: InviteKind, target_id: int, now: datetime
    ) -> None:
        """End every unused code for this person now (a new one is about to be issued)."""
        ...

    async def bind_openid(self, invite: Invite, openid: str) -> bool:
        """Bind the invite's target to `openid` (releasing the openid's earlier binding of the
        same kind), only if the target is unbound, already `openid`, or still bound to the
        openid the invite may replace (one conditional UPDATE). False: it was not."""
        ...


class BindingAttempts(Protocol):
    """Failed binding attempts, shared by every worker process (they must survive restarts)."""

    async def add_failure(
        self, firm_id: int, failure: BindingFailure, forget_before: datetime
    ) -> None:
        """Record one failure; failures older than `forget_before` may be dropped."""
        ...

    async def failures_since(
        self, firm_id: int, since: datetime, openid: str | None = None
    ) -> Sequence[BindingFailure]:
        """The firm's failures after `since` (only `openid`'s when given), oldest first."""
        ...

    async def note_burst(self, firm_id: int, now: datetime, until: datetime) -> bool:
        """Mark a burst of failures as going on until `until`. True only for the call that
        starts a burst (none was going on at `now`); a later call while it lasts extends it.
        Atomic across processes: of racing callers, one gets True."""
        ...


class RequestRepository(Protocol):
    async def next_number(self, firm_id: int, series: str) -> str:
        """The next number of a firm's series ("R" -> "R1001", "R1002", ...), never reused."""
        ...

    async def add(self, new: NewRequest) -> ServiceRequest: ...
    async def get(self, firm_id: int, number: str) -> ServiceRequest | None: ...
    async def get_by_id(self, request_id: int) -> ServiceRequest | None: ...
    async def list_for_company(
        self, company_id: int, statuses: frozenset[Status]
    ) -> Sequence[ServiceRequest]: ...
    async def list_for_handler(
        self, staff_id: int, statuses: frozenset[Status]
    ) -> Sequence[ServiceRequest]: ...
    async def list_by_status(
        self, firm_id: int, statuses: frozenset[Status], limit: int = 20
    ) -> Sequence[ServiceRequest]: ...

    async def transition(
        self,
        request_id: int,
        from_: frozenset[Status],
        to: Status,
        now: datetime,
        *,
        expect_handler: int | None = None,
        expect_push_count: int | None = None,
        expect_reminded: bool | None = None,
        **changes: object,
    ) -> bool:
        """One conditional UPDATE: move to `to` (and set `changes`) only if the status is in
        `from_` (and the expectations hold). True if this call made the change; never a
        read-then-write, so concurrent callers cannot both win."""
        ...

    async def add_event(self, event: RequestEvent) -> None: ...
    async def events(self, request_id: int) -> Sequence[RequestEvent]: ...
    async def due(self, now: datetime, limit: int = 100) -> Sequence[ServiceRequest]:
        """Requests whose timer (`due_at`) has passed, across firms, oldest first."""
        ...

    async def count_claimed(self, staff_id: int, since: datetime, until: datetime) -> int: ...
    async def count_completed(self, staff_id: int, since: datetime, until: datetime) -> int: ...


class RatingRepository(Protocol):
    async def get(self, request_id: int) -> Rating | None: ...
    async def save(self, rating: Rating) -> None:
        """Insert, or replace the request's earlier rating."""
        ...

    async def for_staff(
        self, staff_id: int, since: datetime, until: datetime
    ) -> Sequence[Rating]: ...


class ComplaintRepository(Protocol):
    async def add(self, new: NewComplaint) -> Complaint: ...
    async def get(self, firm_id: int, number: str) -> Complaint | None: ...
    async def for_request(self, request_id: int) -> Complaint | None: ...
    async def resolve(self, complaint_id: int, resolution: str, by: str, now: datetime) -> bool:
        """Close an open complaint (conditional UPDATE); False if it was already closed."""
        ...

    async def reopen(self, complaint_id: int, note: str, by: str, now: datetime) -> bool:
        """Open a resolved complaint again (conditional UPDATE); False if it was not resolved."""
        ...

    async def count_for_staff(self, staff_id: int, since: datetime, until: datetime) -> int: ...


class InvoiceRepository(Protocol):
    """Invoice photos as a leased work queue, and the invoices read from them."""

    async def duplicate_counts(
        self, company_id: int, invoice_ids: Sequence[int]
    ) -> Mapping[int, int]:
        """How many later uploads of the company were the same invoice again, per invoice
        (only invoices sent again appear)."""
        ...

    async def add_upload(self, new: NewUpload) -> InvoiceUpload: ...
    async def upload_by_media(self, firm_id: int, media_id: str) -> InvoiceUpload | None: ...
    async def get_upload(self, upload_id: int) -> InvoiceUpload | None: ...
    async def uploads(self, ids: Sequence[int]) -> Sequence[InvoiceUpload]: ...
    async def count_uploads_since(self, company_id: int, openid: str, since: datetime) -> int: ...

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta, holder: str = ""
    ) -> Sequence[InvoiceUpload]:
        """Lease due uploads (pending and due, or working with an expired lease); each by a
        conditional UPDATE, so concurrent workers never both get one. The batch shares a
        lease token naming `holder`."""
        ...

    async def renew_leases(self, token: str, until: datetime) -> int:
        """Push on the lease of the uploads still held under `token` (a heartbeat)."""
        ...

    async def unscouted_heads(self, limit: int) -> Sequence[tuple[int, int]]:
        """(upload id, company id) of each company's oldest pending upload the QR scout has
        not taken yet, oldest first, at most `limit` companies."""
        ...

    async def claim_scout(self, upload_id: int, now: datetime) -> InvoiceUpload | None:
        """Take a pending upload for the QR scout by a conditional UPDATE (only if no scout
        has); None when another scout, or the full reader, got there first."""
        ...

    async def keep_blob(self, upload_id: int, sha256: str) -> bool:
        """Record where the scout stored the photo's bytes (while the upload is unsettled)."""
        ...

    async def hold_unsettled(self, upload_id: int) -> bool:
        """True, holding the upload's row until the transaction ends, when it is not settled
        yet (read, duplicate or failed): a notice queued meanwhile cannot overtake its result."""
        ...

    async def settle_upload(
        self,
        upload: InvoiceUpload,
        status: UploadStatus,
        now: datetime,
        *,
        sha256: str | None = None,
        invoice_id: int | None = None,
        error: str | None = None,
        detail: str = "",
        next_attempt_at: datetime | None = None,
    ) -> bool:
        """Record the outcome only while the lease in `upload` still holds."""
        ...

    async def count_duplicates(self, company_id: int, since: datetime, until: datetime) -> int: ...

    async def add_invoice(self, record: InvoiceRecord, firm_id: int) -> InvoiceRecord | None:
        """None when the company already has an invoice with the same key."""
        ...

    async def get_invoice(self, invoice_id: int) -> InvoiceRecord | None: ...
    async def by_key(self, company_id: int, key: str) -> InvoiceRecord | None: ...
    async def by_image(self, company_id: int, sha256: str) -> InvoiceRecord | None: ...
    async def by_number(self, company_id: int, number: str) -> Sequence[InvoiceRecord]: ...
    async def latest(self, company_id: int) -> InvoiceRecord | None: ...
    async def update_invoice(self, record: InvoiceRecord) -> bool:
        """False when the corrected key collides with another invoice of the company."""
        ...

    async def for_period(self, company_id: int, period: str) -> Sequence[InvoiceRecord]: ...


class BooksRepository(Protocol):
    """A client company's books, month by month, every imported version kept."""

    async def add_version(self, new: NewBookMonth) -> BookMonth:
        """Keep `new` as its month's next version (1, 2, ...) and make it the current one; the
        version it replaces stays in the history, marked replaced at `new.imported_at`."""
        ...

    async def current(self, company_id: int, period: str) -> BookMonth | None: ...
    async def history(self, company_id: int, period: str) -> Sequence[BookMonth]:
        """Every version of the month, newest first."""
        ...

    async def months(self, company_id: int, year: int | None = None) -> Sequence[BookMonth]:
        """The current version of each month kept (of `year` only, when given), oldest first."""
        ...

    async def statements(self, month_id: int) -> ParsedBooks:
        """The statements and lines of one version, as they were imported."""
        ...


class FilingRepository(Protocol):
    """The monthly filing checklists, the companies' tax profiles and the warnings that fired."""

    async def ensure_checklist(self, new: NewChecklist, now: datetime) -> Checklist:
        """The company's checklist for the period, made from `new` if there is none yet (two
        workers making it at once end with one)."""
        ...

    async def checklist(self, company_id: int, period: str) -> Checklist | None: ...
    async def checklists(self, firm_id: int, period: str) -> Sequence[Checklist]: ...

    async def checklist_template(
        self, firm_id: int, kind: TaxpayerKind
    ) -> Sequence[Mapping[str, Any]] | None:
        """The items of the firm's own checklist template for `kind` as last saved in the
        panel (`domain.checklist_templates`), or None while the firm has not edited it."""
        ...

    async def tick(
        self, item_id: int, now: datetime, by: str, amount_fen: int | None = None
    ) -> bool:
        """Mark an open item done (one conditional UPDATE); False when it was done already."""
        ...

    async def mark_filed(self, checklist_id: int, now: datetime) -> bool:
        """Mark the checklist filed, once; False when it was already."""
        ...

    async def claim_reminder(self, item_id: int, today: date) -> bool:
        """Take the item's reminder for `today`: True for the one caller that took it."""
        ...

    async def firm_ids(self) -> Sequence[int]:
        """Every firm (the scheduler's jobs walk them one by one)."""
        ...

    async def profile(self, company_id: int) -> TaxProfile: ...
    async def set_profile(self, profile: TaxProfile) -> None: ...

    async def viewers(self, company_id: int) -> Sequence[BookViewer]: ...
    async def set_viewer(self, viewer: BookViewer) -> None:
        """Record a contact's standing; a new owner takes over from the old one."""
        ...

    async def add_warning(self, warning: KeptWarning) -> bool:
        """Keep a warning that fired; False when (company, rule, key) fired before."""
        ...

    async def has_warning(self, company_id: int, rule: str, key: str) -> bool:
        """Whether (company, rule, key) is kept."""
        ...

    async def warnings(self, company_id: int) -> Sequence[KeptWarning]: ...


class ArchiveRepository(Protocol):
    """Documents staff keep in a company's archive (the bytes are in the blob store)."""

    async def add(self, doc: ArchivedDocument) -> ArchivedDocument: ...
    async def documents(self, company_id: int) -> Sequence[ArchivedDocument]:
        """The company's documents, newest month first."""
        ...

    async def document(self, doc_id: int) -> ArchivedDocument | None: ...


class TemplateRepository(Protocol):
    """The firm's own wording of notices, versioned: a save adds a version, the latest wins."""

    async def latest(self, firm_id: int) -> Mapping[NoticeKind, SavedTemplate]:
        """The wording in force for each kind the firm worded."""
        ...

    async def history(self, firm_id: int, kind: NoticeKind) -> Sequence[SavedTemplate]:
        """Every saved version of a kind, newest first."""
        ...

    async def save(
        self, firm_id: int, template: MessageTemplate, saved_by: int | None, now: datetime
    ) -> SavedTemplate:
        """Add the next version (racing saves get consecutive versions)."""
        ...


class CatalogueRepository(Protocol):
    """The firm's service catalogue and the orders placed from it."""

    async def list_items(self, firm_id: int, active_only: bool) -> Sequence[CatalogueItem]: ...
    async def get_item(self, item_id: int) -> CatalogueItem | None: ...
    async def add_item(self, new: NewItem) -> CatalogueItem: ...
    async def set_item_active(self, item_id: int, active: bool) -> bool: ...
    async def update_item(self, item_id: int, price_fen: int | None, active: bool) -> bool: ...
    async def add_order(self, new: NewServiceOrder) -> ServiceOrder: ...
    async def get_order(self, order_id: int) -> ServiceOrder | None: ...
    async def order_by_number(self, firm_id: int, number: str) -> ServiceOrder | None: ...
    async def set_quote(self, order_id: int, amount_fen: int, now: datetime) -> bool:
        """awaiting_quote -> unpaid at this price, only if still awaiting a quote."""
        ...

    async def set_order_bill(self, order_id: int, bill_id: int) -> None: ...
    async def mark_order_paid(self, order_id: int, now: datetime) -> bool:
        """unpaid -> paid, only if still unpaid (a repeated notification changes nothing)."""
        ...

    async def set_order_request(self, order_id: int, request_number: str) -> None: ...


class FeeTitleRepository(Protocol):
    """The 抬头 and 税号 a company's fee invoices carry."""

    async def get(self, company_id: int) -> tuple[str, str] | None: ...
    async def save(self, company_id: int, title: str, tax_id: str, now: datetime) -> None: ...


class ReminderRepository(Protocol):
    """The 催费 log: one row per bill per day, claimed before anyone is told."""

    async def claim_days(self, new: Sequence[NewReminder]) -> Sequence[Reminder]:
        """Log these reminders in one statement; those whose bill has one for that day
        already are dropped (only the logged ones come back)."""
        ...

    async def contacts_of(self, company_ids: Sequence[int]) -> Mapping[int, Sequence[Contact]]:
        """The contacts of these companies, by company (one query for a page of bills)."""
        ...

    async def unpaid_bills(
        self, due_by: date, after_id: int, limit: int
    ) -> Sequence[tuple[Bill, date | None]]:
        """Unpaid bills due on or before `due_by`, across firms, by id after `after_id`, each
        with the day of its latest reminder."""
        ...

    async def recent(
        self, firm_id: int, company_id: int | None, limit: int
    ) -> Sequence[Reminder]: ...

    async def last_days(self, bill_ids: Sequence[int]) -> Mapping[int, date]:
        """The day of each of these bills' latest reminder (bills never reminded are left out)."""
        ...


class BillingRepository(Protocol):
    """Contracts, bills, payment orders and refunds. Every change of state is one conditional
    UPDATE that says whether this call made it (the database decides races)."""

    async def add_contract(self, new: NewContract) -> Contract: ...
    async def get_contract(self, contract_id: int) -> Contract | None: ...
    async def contracts_for_company(self, company_id: int) -> Sequence[Contract]: ...
    async def due_contracts(self, today: date, limit: int) -> Sequence[Contract]:
        """Active contracts whose `next_due_on` is today or earlier, across firms, by id."""
        ...

    async def ending_contracts(
        self, first: date, last: date, after_id: int, limit: int
    ) -> Sequence[Contract]:
        """Contracts (billed to the end or not) whose `ends_on` falls from `first` to `last`,
        across firms, by id after `after_id`."""
        ...

    async def advance_contract(
        self, contract_id: int, expect_due: date, to: date | None, now: datetime
    ) -> bool:
        """Move `next_due_on` from `expect_due` to `to` (None ends the contract's billing),
        only if it still is `expect_due`: of two workers, one wins the period."""
        ...

    async def extend_contract(
        self, contract_id: int, expect_end: date, new_end: date, now: datetime
    ) -> bool:
        """A paid renewal: `ends_on` moves from `expect_end` to `new_end`, only if it still is
        `expect_end` (so a payment applied twice extends once), and periods stay billed only
        up to the old end (`bills_until`, kept if set by an earlier renewal)."""
        ...

    async def next_bill_number(self, firm_id: int) -> str: ...
    async def add_bill(self, new: NewBill) -> Bill | None:
        """None when the company's contract period, or the bill's source, is billed already."""
        ...

    async def get_bill(self, bill_id: int) -> Bill | None: ...
    async def bill_by_number(self, firm_id: int, number: str) -> Bill | None: ...
    async def bill_by_source(self, firm_id: int, source_ref: str) -> Bill | None: ...
    async def list_bills(
        self,
        firm_id: int,
        *,
        company_id: int | None = None,
        statuses: frozenset[BillStatus] | None = None,
        limit: int = 200,
    ) -> Sequence[Bill]: ...

    async def note_attempt(self, bill_id: int, now: datetime) -> int | None:
        """Count one more payment attempt on an unpaid bill; the new count, or None when the
        bill is not unpaid (so a bill being cancelled gets no new order)."""
        ...

    async def mark_bill_paid(
        self, bill_id: int, order_id: int, paid_at: datetime, now: datetime
    ) -> bool:
        """unpaid -> paid by `order_id`; False when the bill was not unpaid."""
        ...

    async def cancel_bill(self, bill_id: int, now: datetime) -> bool:
        """unpaid -> cancelled; False when the bill was not unpaid."""
        ...

    async def add_bill_refund(self, bill_id: int, amount_fen: int, now: datetime) -> None:
        """Add a settled refund to the bill; refunded in full makes it `refunded`."""
        ...

    async def add_order(self, new: NewOrder) -> PaymentOrder: ...
    async def get_order(self, order_id: int) -> PaymentOrder | None: ...
    async def order_by_out_trade_no(self, out_trade_no: str) -> PaymentOrder | None: ...
    async def orders_for_bill(self, bill_id: int) -> Sequence[PaymentOrder]: ...
    async def set_prepay(self, order_id: int, prepay: Prepay) -> None: ...
    async def mark_order_paid(
        self,
        out_trade_no: str,
        *,
        appid: str,
        mchid: str,
        amount_fen: int,
        transaction_id: str,
        payer_openid: str,
        paid_at: datetime,
        now: datetime,
    ) -> PaymentOrder | None:
        """created -> paid, only if the stored order has this appid, mchid and amount (one
        conditional UPDATE). The paid order, or None when this call did not make the change."""
        ...

    async def close_order(self, order_id: int, now: datetime) -> bool:
        """created -> closed; False when it was not created."""
        ...

    async def orders_to_query(self, now: datetime, limit: int) -> Sequence[PaymentOrder]:
        """Created orders whose next look at WeChat Pay is due, oldest due first."""
        ...

    async def lease_query(self, order_id: int, expect: datetime, until: datetime) -> bool:
        """Take the next query of an order: its `next_query_at` moves from `expect` to
        `until`, so a second worker scanning at the same time leaves it alone."""
        ...

    async def reschedule_query(self, order_id: int, at: datetime | None) -> None:
        """Count a query and set the next one (None: no more queries)."""
        ...

    async def reserve_refund(self, order_id: int, amount_fen: int) -> bool:
        """Set `amount_fen` of a paid order aside for a refund, only if that leaves the
        refunds asked for within what was paid."""
        ...

    async def release_refund(self, order_id: int, amount_fen: int) -> None: ...
    async def add_order_refunded(self, order_id: int, amount_fen: int) -> None: ...
    async def add_refund(self, new: NewRefund) -> Refund: ...
    async def add_refund_once(self, new: NewRefund) -> Refund | None:
        """None when the bill has a refund of this `request_key` (or out_refund_no) already."""
        ...

    async def refund_by_key(self, bill_id: int, request_key: str) -> Refund | None: ...
    async def refunds_to_submit(self, limit: int) -> Sequence[Refund]:
        """Refunds recorded but not yet sent to WeChat Pay, oldest first."""
        ...

    async def mark_refund_submitted(self, refund_id: int, at: datetime | None) -> bool:
        """Take a refund to send (`at`: only if not taken yet) or hand it back (None)."""
        ...

    async def count_refunds(self, order_id: int) -> int: ...
    async def refund_by_out_refund_no(self, out_refund_no: str) -> Refund | None: ...
    async def refunds_for_bill(self, bill_id: int) -> Sequence[Refund]: ...
    async def settle_refund(
        self,
        refund_id: int,
        from_: frozenset[RefundStatus],
        to: RefundStatus,
        now: datetime,
        wechat_refund_id: str | None = None,
    ) -> bool:
        """Move a refund from one of `from_` to `to`; True if this call made the change."""
        ...

    async def refunds_to_query(self, before: datetime, limit: int) -> Sequence[Refund]:
        """Refunds still processing that were asked for before `before`."""
        ...


class PayGateway(Protocol):
    """WeChat Pay, as the payment use cases need it. Implementations raise
    `domain.payments.GatewayError` (with a code the use cases understand) on refusals and
    outages; they never return a response they could not verify."""

    @property
    def appid(self) -> str: ...
    @property
    def mchid(self) -> str: ...

    async def create_order(self, req: OrderRequest) -> Prepay: ...
    async def query_order(self, out_trade_no: str) -> Transaction | None:
        """None: WeChat Pay has no order with this number."""
        ...

    async def close_order(self, out_trade_no: str) -> None: ...
    async def refund(self, req: RefundRequest) -> RefundResult: ...
    async def query_refund(self, out_refund_no: str) -> RefundResult | None: ...


class Outbox(Protocol):
    async def add(self, notice: Notice, now: datetime) -> None: ...
    async def add_many(self, notices: Sequence[Notice], now: datetime) -> None: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing (argon2id in `admin_web.passwords`)."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password; with no hash, False after the same work as a real
        check, so that a missing account takes as long as a wrong password."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class StaffAccessRepository(Protocol):
    async def credential(self, staff_id: int) -> Credential | None: ...
    async def set_password(self, staff_id: int, password_hash: str, now: datetime) -> Credential:
        """Store a new password with the next version."""
        ...

    async def rehash(self, staff_id: int, version: int, password_hash: str) -> None:
        """Replace the hash of the same password (stronger parameters); the version stays."""
        ...

    async def admins_with_password(self, firm_id: int) -> int: ...
    async def staff_by_phone(self, firm_id: int, phone: str) -> Sequence[Staff]: ...

    async def add_failure(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> None: ...
    async def failures_since(
        self, since: datetime, *, account: str | None = None, address: str | None = None
    ) -> int: ...
    async def clear_failures(self, account: str) -> None: ...

    async def add_link(
        self, staff_id: int, digest: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new link for the staff member, ending their earlier unused ones."""
        ...

    async def link_staff(self, digest: str, now: datetime) -> int | None:
        """Whose link this is, while it is unused and unexpired (nothing changes)."""
        ...

    async def use_link(self, digest: str, now: datetime) -> int | None:
        """Mark the link used, only if unused and unexpired (one conditional UPDATE); the
        staff id it was for, or None when it was not usable."""
        ...


class Board(Protocol):
    """The read side of the board (`storage.board.SqlBoard`)."""

    async def counts(
        self, viewer: Viewer, wanted: BoardFilter, now: datetime
    ) -> Mapping[Column, int]:
        """Requests per column under the filter (its `column` ignored)."""
        ...

    async def page(
        self,
        viewer: Viewer,
        wanted: BoardFilter,
        column: Column,
        now: datetime,
        page: int,
        per_page: int,
        known_total: int | None = None,  # the column's count, when the caller has it
    ) -> BoardPage: ...

    async def request(self, viewer: Viewer, number: str) -> ServiceRequest | None:
        """One request by number, only if the viewer may see it (None looks the same either
        way: the panel answers 404 and reveals nothing)."""
        ...

    async def overview(
        self, viewer: Viewer, wanted: BoardFilter, now: datetime, per_column: int
    ) -> tuple[Mapping[Column, int], Mapping[Column, BoardPage]]:
        """`counts` and `first_pages` together (the board without a chosen column)."""
        ...

    async def first_pages(
        self,
        viewer: Viewer,
        wanted: BoardFilter,
        now: datetime,
        per_column: int,
        counts: Mapping[Column, int],
    ) -> Mapping[Column, BoardPage]:
        """The first page of every column at once (the board's overview), in its order."""
        ...

    async def timeline(self, request_id: int) -> Sequence[RequestEvent]: ...


class AuditLog(Protocol):
    """Who changed what, when, before and after (`domain.audit`): written by the use cases
    themselves, so a change made in the chat and one made in the panel leave the same entry."""

    async def add(self, entry: NewAuditEntry) -> None: ...
    async def page(
        self, firm_id: int, action: str | None, page: int, per_page: int
    ) -> tuple[Sequence[AuditEntry], int]: ...


class UnitOfWork(Protocol):
    """The repositories are read-only members: an implementation may make them lazily."""

    @property
    def identities(self) -> IdentityRepository: ...
    @property
    def binding_attempts(self) -> BindingAttempts: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def requests(self) -> RequestRepository: ...
    @property
    def ratings(self) -> RatingRepository: ...
    @property
    def complaints(self) -> ComplaintRepository: ...
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def books(self) -> BooksRepository: ...
    @property
    def filing(self) -> FilingRepository: ...
    @property
    def templates(self) -> TemplateRepository: ...
    @property
    def staff_access(self) -> StaffAccessRepository: ...
    @property
    def board(self) -> Board: ...
    @property
    def billing(self) -> BillingRepository: ...
    @property
    def catalogue(self) -> CatalogueRepository: ...
    @property
    def reminders(self) -> ReminderRepository: ...
    @property
    def fee_titles(self) -> FeeTitleRepository: ...
    @property
    def archive(self) -> ArchiveRepository: ...
    @property
    def audit(self) -> AuditLog: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
