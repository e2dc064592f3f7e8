"""The templates page shows, read-only, which WeChat template message each notice kind goes as
outside the 48-hour 客服 window (its ID and field names), from the outbox's own template book:
`{DATA_DIR}/templates.json` when the firm has one, the sandbox's defaults otherwise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.support.panel import (
    ADMIN,
    ADMIN_PASSWORD,
    STAFF_PASSWORD,
    WANG,
    Panel,
    running_panel,
)


def row(body: str, kind: str) -> str:
    match = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', body, re.S)
    assert match, kind
    return match.group(1)


async def test_the_sandbox_book_shows_each_kinds_template_id(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/templates")
    assert status == 200 and "48 小时外" in body
    assert "TM_sandbox_service_0006" in row(body, "accountant_changed")
    assert "TM_sandbox_fee_0004" in row(body, "payment_received")
    assert "默认字段" in row(body, "payment_received")
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    assert (await wang.get("/templates"))[0] == 403


@pytest.fixture
def firm_book(settings: Settings) -> Settings:
    """The firm's own book: two kinds mapped, one with its template's own field names."""
    book = {
        "payment_received": {
            "template_id": "OPENTM_fee_42",
            "fields": {"thing1": "{company}", "amount2": "{amount}"},
        },
        "task_claimed": {"template_id": "OPENTM_claim_7"},
    }
    Path(settings.data_dir, "templates.json").write_text(json.dumps(book), encoding="utf-8")
    return settings


async def test_the_firms_book_names_ids_and_fields_and_what_has_none(firm_book: Settings) -> None:
    async with running_panel(firm_book) as panel:
        admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
        _, body, _ = await admin.get("/templates")
        fee = row(body, "payment_received")
        assert "OPENTM_fee_42" in fee and "thing1 = {company}" in fee and "amount2" in fee
        assert "OPENTM_claim_7" in row(body, "task_claimed")
        assert "未配置，仅 48 小时内可送达" in row(body, "accountant_changed")
        assert "TM_sandbox" not in body
