"""The versioned menu and home page and the home-page images, on SQLite and PostgreSQL: each
save is the next version (per firm and kind), the latest is in force, earlier ones stay; the
same image uploaded twice is kept once; another firm's versions and images are not found."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_versions_per_firm_and_kind(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            firm = await uow.identities.add_firm("示范", "wx1")
            other = await uow.identities.add_firm("别家", "wx2")
            await uow.commit()
        for n in range(3):
            async with SqlUnitOfWork(sessions) as uow:
                saved = await uow.documents.add(
                    firm.id, "menu", {"button": [{"name": f"v{n + 1}"}]}, "赵主管", NOW
                )
                await uow.commit()
            assert saved.version == n + 1
        async with SqlUnitOfWork(sessions) as uow:
            home = await uow.documents.add(firm.id, "home", {"slides": []}, "赵主管", NOW)
            elsewhere = await uow.documents.add(other.id, "menu", {"button": []}, "别人", NOW)
            await uow.commit()
        assert (home.version, elsewhere.version) == (1, 1)

        # Two saves at once both land, as consecutive versions.
        async def save(name: str) -> int:
            async with SqlUnitOfWork(sessions) as uow:
                done = await uow.documents.add(firm.id, "home", {"n": name}, name, NOW)
                await uow.commit()
                return done.version

        assert sorted(await asyncio.gather(save("a"), save("b"))) == [2, 3]

        async with SqlUnitOfWork(sessions) as uow:
            latest = await uow.documents.latest(firm.id, "menu")
            assert latest is not None and latest.version == 3
            assert latest.body == {"button": [{"name": "v3"}]}
            history = await uow.documents.history(firm.id, "menu", 2)
            assert [h.version for h in history] == [3, 2]
            first = await uow.documents.version(firm.id, "menu", 1)
            assert first is not None and first.body["button"][0]["name"] == "v1"
            assert await uow.documents.version(other.id, "menu", 3) is None
            assert await uow.documents.latest(other.id, "home") is None

            png = b"\x89PNG\r\n\x1a\nfake"
            one = await uow.documents.add_image(firm.id, png, "image/png", NOW)
            again = await uow.documents.add_image(
                firm.id, png, "image/png", NOW + timedelta(minutes=1)
            )
            theirs = await uow.documents.add_image(other.id, png, "image/png", NOW)
            await uow.commit()
        assert one.id == again.id != theirs.id
        async with SqlUnitOfWork(sessions) as uow:
            image = await uow.documents.image(firm.id, one.id)
            assert image is not None and image.data == png and image.content_type == "image/png"
            assert await uow.documents.image(other.id, one.id) is None
    finally:
        await engine.dispose()
