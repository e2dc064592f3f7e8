"""What people call a request's statuses and urgencies, kept as data (`request_names.json`),
not code: the chat, the outbox's renderers and the admin panel all show a status by these
names, so they are written once where every edge may read them. Read once, when the module
is first imported."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from domain.requests import Status, Urgency

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("request_names.json").read_text(encoding="utf-8")
)

STATUS_NAMES: Mapping[Status, str] = {Status(k): v for k, v in _DATA["statuses"].items()}
URGENCY_NAMES: Mapping[Urgency, str] = {Urgency(k): v for k, v in _DATA["urgencies"].items()}
