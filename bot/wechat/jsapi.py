"""The JSAPI bridge: the parameters the /m/ checkout page hands to WeChat's
`WeixinJSBridge.invoke("getBrandWCPayRequest", ...)` for a prepay_id, with `paySign` made by
the merchant's key over appId, timeStamp, nonceStr and package (signType RSA is not signed)."""

from __future__ import annotations

from bot.wechat.pay_protocol import MerchantSigner, nonce_str


def bridge_request(
    appid: str, prepay_id: str, signer: MerchantSigner, timestamp: int, nonce: str | None = None
) -> dict[str, str]:
    nonce = nonce or nonce_str()
    package = f"prepay_id={prepay_id}"
    return {
        "appId": appid,
        "timeStamp": str(timestamp),
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": signer.sign(appid, str(timestamp), nonce, package),
    }
