"""What the panel is given by whoever mounts it: plain values (`PanelConfig`) and the few live
things it shares with the rest of the service (`PanelPorts`). The panel reads no settings and
imports nothing from `bot`; `bot.app` builds both from its Settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.books import ParsedBooks
from domain.clock import Clock
from domain.dispatch_policy import DispatchPolicy
from domain.ports import PasswordHasher
from domain.staff_access import AccessPolicy
from storage.blobs import BlobStore

LOOPBACK = ("127.0.0.1", "::1")

# Posts a menu to WeChat's menu/create: None when accepted, else WeChat's (errcode, errmsg).
MenuPublisher = Callable[[dict[str, Any]], Awaitable[tuple[int, str] | None]]


@dataclass(frozen=True)
class PanelConfig:
    # The firm behind this Official Account: the panel is that firm's.
    firm_appid: str
    # ADMIN_PASSWORD: the first admin's password while no admin has one.
    bootstrap_password: str
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)
    # Cookies are `Secure` unless the panel is served over plain http on loopback (the
    # sandbox and the tests); HSTS then follows the request's scheme.
    secure_cookies: bool = True
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    # Peers whose X-Forwarded-For is believed (the reverse proxy in front).
    trusted_proxies: tuple[str, ...] = LOOPBACK
    access: AccessPolicy = field(default_factory=AccessPolicy)
    # Sessions in Redis when set, else in the `panel_sessions` table.
    redis_url: str = ""
    per_page: int = 20
    # The client pages' base ("https://example.com/m"), for the pay link in a 催费 sent from
    # the panel; empty: the reminder goes without a link.
    pay_url_base: str = ""
    per_column: int = 6


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class BookIntake:
    """How the panel reads uploaded statement files: the same reader and mapping as the chat's
    and the command line's (`bot.workers.book_files`), given by whoever mounts the panel.
    `read` takes (file name, bytes) pairs and raises `nlu.statements.StatementRejected` for a
    file it cannot read; `word` words the books' refusals as the chat does; `files` keeps the
    originals (the store `/m/books` serves them from)."""

    read: Callable[[Sequence[tuple[str, bytes]]], ParsedBooks]
    word: Callable[[Any], str]
    files: BlobStore


@dataclass(frozen=True)
class TemplateMessage:
    """The Official Account's template message a notice kind goes as outside WeChat's 48-hour
    客服 window (the outbox's template book: `{DATA_DIR}/templates.json`, or the sandbox's)."""

    template_id: str
    # The template's own keys, each a format string over the notice's values; empty: the
    # default keys (first / keyword1 / keyword2 / remark and the notice's own fields).
    fields: Mapping[str, str] = field(default_factory=dict)


def _no_template(kind: str) -> TemplateMessage | None:
    return None


@dataclass(frozen=True)
class PanelPorts:
    # The database sessions, made when the parent app starts (hence a function).
    sessions: Callable[[], async_sessionmaker[AsyncSession]]
    clock: Clock
    # Wakes the outbox sender after the panel queued notices (as a chat turn does).
    queued_notices: Callable[[], None] = lambda: None
    # The service catalogue was edited: the chat's NLU takes the new request types before the
    # panel answers (the bot's `CatalogueVocabulary.refresh`).
    catalogue_changed: Callable[[], Awaitable[None]] = _nothing
    # argon2id with its recommended cost unless given (tests pass a cheap one).
    hasher: PasswordHasher | None = None
    # The Official Account menu: how to publish one (none: the panel cannot publish), the
    # menu in force before the panel first published one, and the click keys the bot answers.
    publish_menu: MenuPublisher | None = None
    default_menu: Mapping[str, Any] = field(default_factory=dict)
    menu_keys: tuple[str, ...] = ()
    # Where the invoice worker keeps the photos it read (by SHA-256); None: no previews.
    invoice_images: BlobStore | None = None
    # The books upload; None: the panel cannot import books.
    books: BookIntake | None = None
    # The template message a notice kind (its value) goes as outside the 48-hour window;
    # None: no template configured, so the kind reaches people only inside the window.
    template_message: Callable[[str], TemplateMessage | None] = _no_template
