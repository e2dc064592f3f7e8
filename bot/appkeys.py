"""Typed application keys: what the app factory puts on the aiohttp application."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.wechat_protocol import MessageCrypto
from domain.clock import Clock
from storage.batch_writer import BatchWriter

if TYPE_CHECKING:
    from bot.pipeline import Pipeline

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
CRYPTO = web.AppKey("crypto", MessageCrypto)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
WRITER = web.AppKey("writer", BatchWriter)
PIPELINE: web.AppKey[Pipeline] = web.AppKey("pipeline")
# Services other areas hang on the app (outbox sender, API client, OCR pool, scheduler...).
SERVICES = web.AppKey("services", dict[str, Any])
