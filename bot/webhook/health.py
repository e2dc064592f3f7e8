"""`GET /healthz/ready`: can this instance do its work right now?

`/healthz` (in bot.app) is liveness: the process answers, nothing more, so a supervisor restarts
only a process that is truly stuck. Readiness asks the database for `SELECT 1` (with a short
timeout: an unreachable server must not hold the probe) and looks at the batch writer, which
holds the conversation's writes: if writes have waited for a commit for too long, the database
is wedged even when a fresh connection still answers. 503 with a JSON reason tells a load
balancer to send traffic elsewhere during an outage; the details go to the log, not to the
probe's caller (it may be outside the private network).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.keys import ENGINE, WRITER
from bot.runtime.log_throttle import Throttle

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_S = 2.0
# Writes waiting longer than this for a commit make the instance unready.
WRITER_STALL_S = 10.0

_throttle = Throttle()


async def database_problem(
    engine: AsyncEngine, timeout_s: float = DATABASE_TIMEOUT_S
) -> str | None:
    """None when the database answers `SELECT 1` within `timeout_s`, else why not."""
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return f"database did not answer within {timeout_s:g} s"
    except Exception as exc:
        if _throttle.hit(("database", type(exc))) is not None:
            log.warning("readiness: database unreachable: %r", exc)
        return "database unreachable"
    return None


async def readiness(request: web.Request) -> web.Response:
    app = request.app
    reasons: list[str] = []
    problem = await database_problem(app[ENGINE], DATABASE_TIMEOUT_S)
    if problem is not None:
        reasons.append(problem)
    writer = app[WRITER]
    stalled = writer.stalled_for()
    if stalled > WRITER_STALL_S:
        reasons.append(f"{writer.pending} writes waiting {stalled:.0f} s for a commit")
    body: dict[str, Any] = {
        "status": "unavailable" if reasons else "ready",
        "database": "ok" if problem is None else "failing",
        "writes_pending": writer.pending,
        "writes_waiting_s": round(stalled, 1),
    }
    if reasons:
        body["reason"] = "; ".join(reasons)
    return web.json_response(body, status=503 if reasons else 200)
