"""`/metrics`: the Prometheus text format with the figures an operator watches, open only to
a token or to an unforwarded local request; JSON log lines carry the message's id."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.json_logs import MESSAGE_ID, JsonFormatter
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat


async def scrape(chat: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with chat.session.get(str(chat.server.make_url("/metrics")), headers=headers) as r:
        return r.status, await r.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_count_messages_and_show_the_queues(db_url: str, tmp_path: Path) -> None:
    async with running_chat(make_settings(db_url, tmp_path), nlu=KeywordNLU()) as chat:
        status, before = await scrape(chat)
        assert status == 200
        start = samples(before).get(("yunkuaiji_messages_in_total", (("msgtype", "text"),)), 0.0)
        for i in range(3):
            assert await chat.say(f"o_metrics_{i}", "你好")
        status, text = await scrape(chat)
        assert status == 200
        got = samples(text)
        assert got[("yunkuaiji_messages_in_total", (("msgtype", "text"),))] == start + 3
        assert got[("yunkuaiji_replies_total", (("timing", "in_budget"),))] >= 3
        for status_ in ("pending", "sending"):
            assert ("yunkuaiji_outbox_depth", (("status", status_),)) in got
            assert (
                "yunkuaiji_invoice_queue_depth",
                (("status", status_.replace("sending", "working")),),
            ) in got
        assert ("yunkuaiji_outbox_oldest_pending_seconds", ()) in got
        assert any(name == "yunkuaiji_nlu_seconds_count" for name, _ in got)


async def test_metrics_refuse_forwarded_requests_and_want_the_token_when_one_is_set(
    db_url: str, tmp_path: Path
) -> None:
    async with running_chat(make_settings(db_url, tmp_path), nlu=KeywordNLU()) as chat:
        # Through a proxy on this machine the peer is loopback, but the request is not local.
        assert (await scrape(chat, {"X-Forwarded-For": "203.0.113.9"}))[0] == 403
    settings = make_settings(db_url, tmp_path, metrics_token="s3cret-metrics-token")
    async with running_chat(settings, nlu=KeywordNLU()) as chat:
        assert (await scrape(chat))[0] == 403
        assert (await scrape(chat, {"Authorization": "Bearer wrong"}))[0] == 403
        status, text = await scrape(chat, {"Authorization": "Bearer s3cret-metrics-token"})
        assert status == 200 and "yunkuaiji_outbox_depth" in text


def test_json_log_lines_carry_the_message_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.json_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        token = MESSAGE_ID.set("m:o_abc:123")
        logger.warning("handling %s", "它")
        MESSAGE_ID.reset(token)
        logger.warning("idle")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message_id"] == "m:o_abc:123" and first["msg"] == "handling 它"
    assert first["level"] == "WARNING" and first["logger"] == "test.json_logs"
    assert "message_id" not in second
