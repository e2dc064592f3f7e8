"""One turn of a conversation: the message, who sent it, their conversation state, and the
ports a handler may use. Handlers return replies; side effects go through `turn.uow`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from domain.clock import local
from domain.conversation import Conversation
from domain.dispatch_policy import DispatchPolicy
from domain.identity import Identity
from domain.notices import Notice
from domain.ports import UnitOfWork
from handlers.firm_contact import PhoneMemory, ServicesMemory
from handlers.message import Inbound
from nlu.types import ParseResult

if TYPE_CHECKING:
    pass


class Understanding(Protocol):
    """The NLU port: text in, intent and entities out. `today` is the message's date in
    Asia/Shanghai, which relative periods ("上个月") resolve against."""

    async def parse(self, text: str, today: date | None = None) -> ParseResult: ...


@dataclass(frozen=True)
class Ports:
    """What handlers may use besides the unit of work: the NLU, and the knobs the business
    rules need, built once at start from the settings."""

    nlu: Understanding
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)
    idle_limit: timedelta = timedelta(minutes=30)  # an idle conversation flow expires
    firm_phone: str = ""  # given to strangers; empty: the first admin's phone
    # Where the client's mobile pages live ("https://bot.example.com/m"); empty: no links.
    mobile_url: str = ""
    # The first admin's phone, read at most every 30 s (see `handlers.firm_contact`).
    phone_memory: PhoneMemory = field(default_factory=PhoneMemory, compare=False)
    # The services on offer as strangers hear them, likewise.
    services_memory: ServicesMemory = field(default_factory=ServicesMemory, compare=False)


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
    # A line to put on top of the answer, whoever gives it ("we work in Chinese").
    preface: str = ""

    @property
    def today(self) -> date:
        """The turn's date in Asia/Shanghai: what "本月" and "上个月" mean in this message."""
        return local(self.now).date()

    async def understand(self) -> ParseResult:
        """Parse the text once per turn, on demand."""
        if self.parsed is None:
            self.parsed = await self.ports.nlu.parse(self.message.clean_text, today=self.today)
        return self.parsed

    async def entity(self, name: str) -> str | None:
        if not self.message.clean_text:
            return None
        return (await self.understand()).entity(name)

    async def notify(self, notice: Notice) -> None:
        await self.uow.outbox.add(notice, self.now)

    def idle_limit(self) -> timedelta:
        return self.ports.idle_limit
