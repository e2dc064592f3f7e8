"""`yunkuaiji serve --workers N`: N web worker processes on one port (PostgreSQL only).

The parent starts N copies of `yunkuaiji serve --worker-slot K` (fresh interpreters, so each
loads its own NLU model from the disk cache and opens its own connection pool). Each listens
with SO_REUSEPORT on the same host and port; the kernel spreads connections over them. Slot K
names its instance `<instance>/w<K>`, stable across restarts, so a restarted worker frees only
its own previous run's leases (storage.leases) and never a live sibling's.

The parent restarts a worker that exits unexpectedly (at most once a second), forwards
SIGTERM/SIGINT to all of them and waits for their graceful shutdown. With several processes
`/metrics` sums every worker's counters: the parent points `PROMETHEUS_MULTIPROC_DIR` at an
empty directory under the data directory before starting them.

SQLite is refused: it has one writer at a time, and the conversation and identity caches of a
single process (bot.webhook.pipeline) are only right when that process is the only one.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.runtime.metrics import MULTIPROC_ENV, worker_exited
from bot.settings import Settings
from storage.engine import is_sqlite

RESTART_PAUSE_S = 1.0
STOP_GRACE_S = 30.0


def refuse_reason(settings: Settings, workers: int, port: int) -> str | None:
    if workers < 1:
        return "--workers must be at least 1"
    if workers > 1 and is_sqlite(settings.database_url):
        return (
            f"--workers {workers} needs PostgreSQL: SQLite has a single writer and this "
            "service keeps per-process caches on it. Set DATABASE_URL to a "
            "postgresql+asyncpg:// URL, or run one worker."
        )
    if workers > 1 and port == 0:
        return "--workers needs a fixed --port (the workers share it)"
    return None


def metrics_dir(settings: Settings) -> Path:
    path = Path(settings.data_dir) / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def supervise(worker_argv: list[list[str]], env: dict[str, str]) -> int:
    """Run one process per argv until SIGTERM/SIGINT; restart those that die meanwhile."""
    stopping = False

    def stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    procs: dict[int, subprocess.Popen[bytes]] = {}
    started: dict[int, float] = {}

    def start(slot: int) -> None:
        procs[slot] = subprocess.Popen(worker_argv[slot], env=env)
        started[slot] = time.monotonic()

    for slot in range(len(worker_argv)):
        start(slot)
    print(f"云会计 supervising {len(procs)} web workers", flush=True)
    while not stopping:
        time.sleep(0.2)
        for slot, proc in list(procs.items()):
            code = proc.poll()
            if code is None or stopping:
                continue
            worker_exited(proc.pid)
            print(f"web worker {slot} (pid {proc.pid}) exited with {code}; restarting", flush=True)
            if time.monotonic() - started[slot] < RESTART_PAUSE_S:
                time.sleep(RESTART_PAUSE_S)
            start(slot)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    worst = 0
    for proc in procs.values():
        try:
            code = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        worst = worst or (code if code not in (0, -signal.SIGTERM) else 0)
    return worst


def run_workers(
    settings: Settings, workers: int, env_file: str, serve_args: list[str], verbose: bool
) -> int:
    env = dict(os.environ)
    env[MULTIPROC_ENV] = str(metrics_dir(settings))
    head = [sys.executable, "-m", "bot.cli", "--env-file", env_file]
    if verbose:
        head.append("-v")
    argv = [[*head, "serve", *serve_args, "--worker-slot", str(k)] for k in range(workers)]
    return supervise(argv, env)
