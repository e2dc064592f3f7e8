"""The NLU's request types follow the catalogue in the database, whoever edits it: the running
service's watcher hands the parser a new vocabulary when `yunkuaiji catalogue add|set` (another
process) adds or withdraws an item, without a restart and without touching any parse."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.runtime.catalogue_vocabulary import CatalogueVocabulary, seed_vocabulary
from bot.settings import DEFAULT_FIRM_NAME, Settings
from domain import people, service_catalogue
from nlu.vocabulary import Vocabulary
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """A parser that only keeps what it was handed."""

    def __init__(self) -> None:
        self.handed: list[Vocabulary] = []
        self.changed = asyncio.Event()

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        self.handed.append(vocabulary)
        self.changed.set()

    async def until(self, check: Callable[[], bool]) -> None:
        """Wait (10 s at most) for the watcher's poll to hand over what `check` wants."""
        async with asyncio.timeout(10):
            while True:
                self.changed.clear()
                if check():
                    return
                await self.changed.wait()


async def cli(url: str, tmp: Path, *args: str) -> list[dict[str, object]]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("WECHAT_APPID", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--env-file",
        str(tmp / "none.env"),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]


async def test_a_change_made_by_another_process_reaches_the_parser(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/v.db"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        appid = Settings.from_mapping({"DATABASE_URL": url}).wechat_appid  # as the CLI's
        firm = await people.ensure_firm(uow, appid, DEFAULT_FIRM_NAME)
        await service_catalogue.ensure_catalogue(uow, firm.id)
        await uow.commit()
    parser = Recorder()
    watcher = CatalogueVocabulary(sessions, firm.id, parser, poll_s=0.1)
    try:
        assert await watcher.refresh() is True
        assert parser.handed == [seed_vocabulary()]
        assert await watcher.refresh() is False  # nothing changed: nothing handed
        watcher.start()

        [item] = await cli(
            url, tmp_path, "catalogue", "add", "--category", "其他服务", "--name", "跨境电商备案"
        )
        assert item["request_type"] == "跨境电商备案" and item["active"] is True
        await parser.until(lambda: "跨境电商备案" in parser.handed[-1].request_types)
        assert parser.handed[-1].canonical("跨境电商备案") == "跨境电商备案"

        await cli(url, tmp_path, "catalogue", "set", str(item["id"]), "--inactive")
        await parser.until(lambda: "跨境电商备案" not in parser.handed[-1].request_types)
        assert parser.handed[-1] == seed_vocabulary()
    finally:
        await watcher.stop()
        await engine.dispose()
