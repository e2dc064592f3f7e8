"""The async WeChat API client: access tokens shared across processes, the error-code policy,
customer-service (客服) and template messages, media, menus. aiohttp for HTTP; wechatpy is
used elsewhere for crypto and XML, not here (its client is synchronous)."""

from bot.wechat.client import Media, WeChatClient
from bot.wechat.errors import WeChatError, WeChatUnavailable

__all__ = ["Media", "WeChatClient", "WeChatError", "WeChatUnavailable"]
