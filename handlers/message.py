"""The inbound message as handlers see it: already verified, decrypted, parsed and de-duplicated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Inbound:
    openid: str
    msg_type: str  # text | image | voice | video | location | link | event | ...
    created_at: datetime
    text: str = ""
    event: str = ""  # subscribe | unsubscribe | CLICK | VIEW | SCAN ... (lower-cased)
    event_key: str = ""
    media_id: str = ""
    pic_url: str = ""
    menu_id: str = ""  # the bizmsgmenuid of a tapped quick reply
    msg_id: str = ""
    # Voice: `text` holds what was heard, from WeChat's own recognition (the `Recognition`
    # field) or from its speech-to-text API when the account has recognition off.
    voice_format: str = ""  # amr | speex ...
    transcribed: bool = False  # text came from the speech-to-text API, not `Recognition`

    @property
    def is_event(self) -> bool:
        return self.msg_type == "event"

    @property
    def clean_text(self) -> str:
        return self.text.strip()

    @property
    def has_text(self) -> bool:
        """Typed text, or a voice message whose words are known: both are read as text."""
        return self.msg_type == "text" or (self.msg_type == "voice" and bool(self.clean_text))
