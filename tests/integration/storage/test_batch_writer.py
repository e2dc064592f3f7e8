"""The batch writer's fast SQLite path stores exactly what the ORM would, and falls back to
the exact path when a message was recorded before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from domain.conversation import Conversation
from domain.notices import ChatReply, Notice, NoticeKind
from storage.batch_writer import WriteSet, write_in_session
from storage.engine import create_engine, session_factory
from storage.tables.messaging import ConversationRow, InboundRow, OutboxRow
from tests.support.notices import rendered

NOW = datetime(2026, 11, 23, 4, 5, 6, 789012, tzinfo=UTC)


def write_set(key: str, **kw: Any) -> WriteSet:
    payload = {"FromUserName": "o1", "MsgType": "text", "Content": 'say "你好" ]]>', "MsgId": key}
    return WriteSet(
        "wx1",
        "o1",
        key,
        "text",
        payload,
        "answered",
        NOW,
        reply_xml="<xml/>",
        answered_at=NOW,
        **kw,
    )


async def test_rows_round_trip_and_duplicates_leave_no_trace(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        conv = Conversation("wx1", "o1", "bind", {"code": "1"}, "code", NOW)
        first = write_set(
            "m:o1:1", conversation=conv, notices=[Notice("o1", NoticeKind.REPLY, ChatReply("好的"))]
        )
        async with sessions() as s:
            assert await write_in_session(s, [first], fresh=True) == {"m:o1:1"}
            await s.commit()
        again = write_set("m:o1:1", notices=[Notice("o1", NoticeKind.REPLY, ChatReply("不该出现"))])
        other = write_set("m:o1:2")
        async with sessions() as s:
            assert await write_in_session(s, [again, other], fresh=True) == {"m:o1:2"}
            await s.commit()
        async with sessions() as s:
            rows = (await s.scalars(select(InboundRow).order_by(InboundRow.id))).all()
            notices = (await s.scalars(select(OutboxRow))).all()
            convs = (await s.scalars(select(ConversationRow))).all()
        assert [r.dedup_key for r in rows] == ["m:o1:1", "m:o1:2"]
        assert rows[0].received_at == NOW and rows[0].answered_at == NOW
        assert rows[0].payload == first.payload and rows[0].reply_xml == "<xml/>"
        assert [rendered(n)["text"] for n in notices] == ["好的"]
        assert [(c.flow, c.slots) for c in convs] == [("bind", {"code": "1"})]
    finally:
        await engine.dispose()


async def test_late_answers_finish_accepted_rows_in_one_batch(db_url: str) -> None:
    """Turns past the 5-second budget were accepted ("processing") and finish later, several
    in one batch; a row another worker already finished is left as it is."""
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        accepted = []
        for k in (1, 2, 3):
            item = write_set(f"m:o1:{k}", mode="accept")
            item.status, item.reply_xml, item.answered_at = "processing", None, None
            accepted.append(item)
        async with sessions() as s:
            assert await write_in_session(s, accepted, fresh=True) == {"m:o1:1", "m:o1:2", "m:o1:3"}
            await s.commit()
        async with sessions() as s:  # someone else finished the third already
            row = await s.scalar(select(InboundRow).where(InboundRow.dedup_key == "m:o1:3"))
            assert row is not None
            row.status = "answered_late"
            await s.commit()
        finishing = [write_set(f"m:o1:{k}", mode="finish") for k in (1, 2, 3)]
        async with sessions() as s:
            assert await write_in_session(s, finishing) == {"m:o1:1", "m:o1:2"}
            await s.commit()
        async with sessions() as s:
            rows = (await s.scalars(select(InboundRow).order_by(InboundRow.id))).all()
        assert [(r.dedup_key, r.status) for r in rows] == [
            ("m:o1:1", "answered"),
            ("m:o1:2", "answered"),
            ("m:o1:3", "answered_late"),
        ]
        assert rows[0].reply_xml == "<xml/>" and rows[0].answered_at == NOW
    finally:
        await engine.dispose()
