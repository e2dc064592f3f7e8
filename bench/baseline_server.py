"""The benchmark's yardstick: a bare aiohttp + wechatpy server that verifies, decrypts, parses
and answers an encrypted echo, with nothing else (no storage, no dedup, no conversation).

    python -m bench.baseline_server PORT TOKEN APPID AES_KEY
"""

from __future__ import annotations

import sys

from aiohttp import web
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply


def make_app(token: str, appid: str, aes_key: str) -> web.Application:
    crypto = WeChatCrypto(token, aes_key, appid)

    async def receive(request: web.Request) -> web.Response:
        q = request.query
        body = await request.read()
        plain = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
        msg = parse_message(plain)
        reply = TextReply(content=f"echo: {msg.content}", message=msg).render()
        return web.Response(
            text=crypto.encrypt_message(reply, q["nonce"], q["timestamp"]),
            content_type="application/xml",
        )

    app = web.Application()
    app.router.add_post("/wechat", receive)
    return app


if __name__ == "__main__":
    port, token, appid, key = sys.argv[1:5]
    web.run_app(
        make_app(token, appid, key), host="127.0.0.1", port=int(port), print=None, access_log=None
    )
