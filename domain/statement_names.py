"""The printed names of the books' statements, kept as data (`statements.json`), not code: the
standards, the statements' titles, the columns' headers and the headline lines' labels, as a
bookkeeper reads them on a 利润表 or 资产负债表. Read once, when the module is first imported.

The domain checks and keeps books by key (`Standard`, `StatementKind`, `Column`, line keys such
as "total_assets"); these are the names the edges use when they tell a person which one."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from domain.books import Column, Standard, StatementKind

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("statements.json").read_text(encoding="utf-8")
)

STANDARD_NAMES: dict[Standard, str] = {Standard(k): v for k, v in _DATA["standards"].items()}
TITLES: dict[StatementKind, str] = {StatementKind(k): v for k, v in _DATA["titles"].items()}
COLUMN_NAMES: dict[Column, str] = {Column(k): v for k, v in _DATA["columns"].items()}
LINE_NAMES: dict[str, str] = dict(_DATA["lines"])
