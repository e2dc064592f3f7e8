"""Logs as JSON lines (`LOG_FORMAT=json`), each carrying the id of the message being handled.

`MESSAGE_ID` is a context variable: the webhook sets it to the message's dedup key
(`m:<openid>:<MsgId>`) when a message arrives, and every task started while handling it
inherits it, so each line logged on the message's behalf says which message it was. The
outbox sender sets it to the notice's dedup key, which for an answer names the message it
answers: one message can be followed from the web worker to the process that delivered its
reply.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

MESSAGE_ID: ContextVar[str | None] = ContextVar("message_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        message_id = MESSAGE_ID.get()
        if message_id is not None:
            line["message_id"] = message_id
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: int, fmt: str) -> None:
    """Root logging to stderr: JSON lines when `fmt` is "json", else plain text."""
    handler = logging.StreamHandler()
    if fmt.strip().lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
