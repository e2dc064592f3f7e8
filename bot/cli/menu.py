"""`yunkuaiji menu show | publish`: the Official Account's custom menu.

`publish` posts the menu to `{api base}/cgi-bin/menu/create` through the same API client the
service uses (token shared through the database or Redis), so against the sandbox it needs
`yunkuaiji serve` running."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from bot.settings import Settings
from bot.wechat.menu import load_menu


def _menu_path(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.file) if args.file else settings.data_dir / "menu.json"


def cmd_show(args: argparse.Namespace) -> int:
    settings = Settings.load(env_file=Path(args.env_file))
    print(json.dumps(load_menu(_menu_path(args, settings)), ensure_ascii=False, indent=2))
    return 0


async def publish(settings: Settings, menu: dict[str, Any]) -> dict[str, Any]:
    from bot.wechat import WeChatClient, WeChatError
    from domain.clock import SystemClock
    from storage.engine import create_engine, session_factory
    from storage.tokens import RedisTokenStore, SqlTokenStore, TokenStore

    engine = create_engine(settings.database_url)
    redis: Any = None
    store: TokenStore
    if settings.redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(settings.redis_url)
        store = RedisTokenStore(redis)
    else:
        store = SqlTokenStore(session_factory(engine))
    try:
        async with aiohttp.ClientSession() as http:
            client = WeChatClient(
                http,
                settings.api_base,
                settings.wechat_appid,
                settings.wechat_secret,
                store,
                SystemClock(),
                busy_delays=(0.5, 1.0),
            )
            try:
                await client.create_menu(menu)
            except WeChatError as exc:
                return {
                    "published": False,
                    "errcode": exc.errcode,
                    "errmsg": exc.errmsg,
                    "api_base": settings.api_base,
                }
            return {
                "published": True,
                "buttons": len(menu["button"]),
                "api_base": settings.api_base,
            }
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def cmd_publish(args: argparse.Namespace) -> int:
    settings = Settings.load(env_file=Path(args.env_file))
    menu = load_menu(_menu_path(args, settings))
    result = asyncio.run(publish(settings, menu))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["published"] else 1


def register(sub: Any) -> None:
    p = sub.add_parser("menu", help="the Official Account's custom menu (show, publish)")
    msub = p.add_subparsers(dest="menu_command", required=True, metavar="ACTION")
    s = msub.add_parser("show", help="print the menu JSON that `publish` would send")
    s.add_argument(
        "--file", default=None, help="menu JSON (default: DATA_DIR/menu.json or built in)"
    )
    s.set_defaults(func=cmd_show)
    s = msub.add_parser("publish", help="POST the menu to WeChat (or the running sandbox)")
    s.add_argument(
        "--file", default=None, help="menu JSON (default: DATA_DIR/menu.json or built in)"
    )
    s.set_defaults(func=cmd_publish)
