"""One turn of a conversation: the message, who sent it, their conversation state, and the
ports a handler may use. Handlers return replies; side effects go through `turn.uow`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from domain.conversation import Conversation
from domain.identity import Identity
from domain.notices import Notice
from domain.ports import UnitOfWork
from handlers.message import Inbound
from nlu.types import ParseResult

if TYPE_CHECKING:
    from handlers.forms import Form


class Understanding(Protocol):
    """The NLU port: text in, intent and entities out."""

    async def parse(self, text: str) -> ParseResult: ...


@dataclass
class Ports:
    """What handlers may call besides the unit of work. Optional ports are None when the
    service runs without them (e.g. no OCR pool in a unit test)."""

    nlu: Understanding
    settings: Any = None  # read-only knobs (timeouts, working hours); a plain object
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    message: Inbound
    identity: Identity
    conversation: Conversation
    uow: UnitOfWork
    ports: Ports
    now: datetime
    # Set by the router: the intent that routed this turn, its argument ("claim_task:R1024"
    # -> "R1024"), and the NLU result when NLU ran.
    intent: str | None = None
    arg: str = ""
    parsed: ParseResult | None = None

    async def understand(self) -> ParseResult:
        """Parse the text once per turn, on demand."""
        if self.parsed is None:
            self.parsed = await self.ports.nlu.parse(self.message.clean_text)
        return self.parsed

    async def entity(self, name: str) -> str | None:
        if not self.message.clean_text:
            return None
        return (await self.understand()).entity(name)

    async def notify(self, notice: Notice) -> None:
        await self.uow.outbox.add(notice, self.now)

    async def start_form(self, form: type[Form], **slots: Any) -> list[Any]:
        from handlers.forms import start_form

        return await start_form(self, form, slots)

    def idle_limit(self) -> timedelta:
        seconds = getattr(self.ports.settings, "conversation_idle_s", 1800)
        return timedelta(seconds=seconds)
