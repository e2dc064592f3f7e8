"""`GET /metrics`: the Prometheus text format.

The process counters (`bot.runtime.metrics`: every worker's, in multiprocess mode) and, read
from the database at scrape time, what the queues hold: notices pending and the age of the
oldest, invoice photos waiting and being read, and each scheduled job's holder and runs.

Access: with `METRICS_TOKEN` set, a request must carry `Authorization: Bearer <token>`.
Without it, only a request from this machine that no proxy forwarded is answered (a request
through the nginx site carries `X-Forwarded-For`, and the site refuses /metrics anyway).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from bot.keys import CLOCK, SESSIONS, SETTINGS
from bot.runtime.metrics import process_metrics
from storage.tables.invoices import InvoiceUploadRow
from storage.tables.messaging import JobLeaseRow, OutboxRow

_FORWARDED = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def allowed(request: web.Request) -> bool:
    token = request.app[SETTINGS].metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if any(h in request.headers for h in _FORWARDED):
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


async def metrics(request: web.Request) -> web.Response:
    if not allowed(request):
        raise web.HTTPForbidden(text="metrics: a token or a local request is needed\n")
    body = process_metrics() + (await queue_metrics(request.app)).encode()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


async def queue_metrics(app: web.Application) -> str:
    now = app[CLOCK].now()
    outbox = OutboxRow.__table__.c
    uploads = InvoiceUploadRow.__table__.c
    jobs = JobLeaseRow.__table__.c
    async with app[SESSIONS]() as s:
        pending = (
            await s.execute(
                select(outbox.status, func.count(), func.min(outbox.created_at))
                .where(outbox.status.in_(("pending", "sending")))
                .group_by(outbox.status)
            )
        ).all()
        invoice = (
            await s.execute(
                select(uploads.status, func.count(), func.min(uploads.created_at))
                .where(uploads.status.in_(("pending", "working")))
                .group_by(uploads.status)
            )
        ).all()
        job_rows = (await s.execute(select(jobs.name, jobs.runs, jobs.lease_until))).all()
    lines = _queue_lines(
        now,
        pending,
        ("pending", "sending"),
        ("yunkuaiji_outbox_depth", "Notices not yet delivered, by status"),
        ("yunkuaiji_outbox_oldest_pending_seconds", "Age of the oldest undelivered notice"),
    )
    lines += _queue_lines(
        now,
        invoice,
        ("pending", "working"),
        ("yunkuaiji_invoice_queue_depth", "Invoice photos waiting or being read, by status"),
        ("yunkuaiji_invoice_oldest_waiting_seconds", "Age of the oldest unread photo"),
    )
    lines += [
        "# HELP yunkuaiji_job_completed_runs Completed runs of each scheduled job (all processes)",
        "# TYPE yunkuaiji_job_completed_runs gauge",
    ]
    lines += [f'yunkuaiji_job_completed_runs{{job="{name}"}} {runs}' for name, runs, _ in job_rows]
    lines += [
        "# HELP yunkuaiji_job_running Whether a process holds the job's lease now",
        "# TYPE yunkuaiji_job_running gauge",
    ]
    lines += [
        f'yunkuaiji_job_running{{job="{name}"}} {int(until >= now)}' for name, _, until in job_rows
    ]
    return "\n".join(lines) + "\n"


def _queue_lines(
    now: datetime,
    rows: Sequence[Any],  # (status, count, oldest) rows
    statuses: tuple[str, ...],
    depth: tuple[str, str],
    oldest: tuple[str, str],
) -> list[str]:
    """A queue's depth by status and the age of its oldest row, from (status, count, oldest)."""
    by_status = {row[0]: row[1] for row in rows}
    first = min((row[2] for row in rows if row[2] is not None), default=None)
    return [
        f"# HELP {depth[0]} {depth[1]}",
        f"# TYPE {depth[0]} gauge",
        *(f'{depth[0]}{{status="{status}"}} {by_status.get(status, 0)}' for status in statuses),
        f"# HELP {oldest[0]} {oldest[1]}",
        f"# TYPE {oldest[0]} gauge",
        f"{oldest[0]} {_age(now, first):.3f}",
    ]
