"""The JSAPI bridge's parameters live with WeChat Pay's protocol (`bot.wechat.jsapi`), where
the /m/ checkout can reach them too; kept here for the pay room's callers."""

from __future__ import annotations

from bot.wechat.jsapi import bridge_request

__all__ = ["bridge_request"]
