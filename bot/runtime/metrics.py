"""Prometheus metrics of this process (prometheus-client), served at `/metrics`.

Counters and histograms live here, one set per process. With several worker processes
(`yunkuaiji serve --workers N`) the parent sets `PROMETHEUS_MULTIPROC_DIR` before it starts
them: each process then writes its samples to files there, and whichever worker answers a
scrape sums them all (prometheus-client's multiprocess mode). Queue depths and ages are read
from the database at scrape time instead (see `bot.webhook.metrics_view`): they are the same
whichever process looks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# No `*_created` series beside each counter: nobody watches when a counter was born.
disable_created_metrics()  # type: ignore[no-untyped-call]

MESSAGES_IN = Counter(
    "yunkuaiji_messages_in_total", "Messages received on /wechat (first deliveries)", ["msgtype"]
)
REPLIES = Counter(
    "yunkuaiji_replies_total",
    "Messages answered: passively within the reply budget, or late (through the outbox)",
    ["timing"],
)
# The webhook's per-message series, labelled once: `labels()` takes a lock and builds a key on
# every call, a noticeable share of a first delivery's cost.
REPLIED_IN_BUDGET = REPLIES.labels("in_budget")
REPLIED_LATE = REPLIES.labels("late")
_MESSAGES_IN_BY_TYPE: dict[str, Counter] = {}


def count_message_in(msgtype: str) -> None:
    """One more message of `msgtype` (WeChat's few kinds; anything else shares one series)."""
    child = _MESSAGES_IN_BY_TYPE.get(msgtype)
    if child is None:
        if len(_MESSAGES_IN_BY_TYPE) < 32:
            child = _MESSAGES_IN_BY_TYPE[msgtype] = MESSAGES_IN.labels(msgtype[:16])
        else:
            child = MESSAGES_IN.labels("other")
    child.inc()


HANDLER_ERRORS = Counter(
    "yunkuaiji_handler_errors_total", "Turns that failed with an unexpected exception"
)
NLU_SECONDS = Histogram(
    "yunkuaiji_nlu_seconds",
    "Time to understand one message",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
DELIVERIES = Counter(
    "yunkuaiji_outbox_deliveries_total",
    "Notice delivery attempts by outcome and WeChat errcode (0: delivered)",
    ["outcome", "errcode"],
)
INVOICE_READ_SECONDS = Histogram(
    "yunkuaiji_invoice_read_seconds",
    "Time to read one invoice photo (full OCR, or the QR code only)",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0),
)
JOB_RUNS = Counter(
    "yunkuaiji_job_runs_total",
    "Scheduled job runs by outcome (ran, failed, or skipped: another process held the job)",
    ["job", "outcome"],
)


@contextmanager
def timed(histogram: Histogram, *labels: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        target = histogram.labels(*labels) if labels else histogram
        target.observe(time.perf_counter() - start)


def process_metrics() -> bytes:
    """The text exposition of the counters above: this process's, or every worker's."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY)


def worker_exited(pid: int) -> None:
    """The parent's note that a worker is gone (multiprocess mode keeps its counters)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
