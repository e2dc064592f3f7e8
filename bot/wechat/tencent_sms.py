"""SMS for people WeChat cannot reach (a contact who never bound), through Tencent Cloud SMS's
`SendSms` (API 3.0, version 2021-01-11), signed with TC3-HMAC-SHA256 as its public docs say.
SMS goes by pre-approved templates with numbered parameters, so a notice kind that may go by
SMS names its template's values (`Renderer.sms_fields`) and the firm configures the template id.

The base URL is `TENCENT_SMS_API_BASE` (https://sms.tencentcloudapi.com), or in the sandbox
the emulator's `/sandbox/sms`."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from domain.clock import Clock

ACTION = "SendSms"
VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
# Tencent's codes worth trying again later; any other is final.
RETRY_CODES = frozenset(
    {"InternalError", "RequestLimitExceeded", "LimitExceeded.PhoneNumberDailyLimit"}
)


class SmsError(Exception):
    def __init__(self, code: str, message: str, retryable: bool) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class SmsConfig:
    base: str
    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_name: str
    region: str = "ap-guangzhou"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_authorization(
    secret_id: str, secret_key: str, host: str, path: str, body: bytes, timestamp: int
) -> str:
    """The `Authorization` header of a TC3-HMAC-SHA256 POST with a JSON body."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        (
            "POST",
            path or "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            _sha256(body),
        )
    )
    scope = f"{day}/{SERVICE}/tc3_request"
    to_sign = "\n".join((ALGORITHM, str(timestamp), scope, _sha256(canonical.encode())))
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), day), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def e164(phone: str) -> str:
    """A mainland number as Tencent wants it: +86 and 11 digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return f"+86{digits}"


class TencentSms:
    def __init__(
        self, http: aiohttp.ClientSession, config: SmsConfig, clock: Clock, timeout_s: float = 10.0
    ) -> None:
        self._http = http
        self.config = config
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, phone: str, template_id: str, params: Sequence[str]) -> str:
        """Send one SMS; its SerialNo, or `SmsError`."""
        c = self.config
        body = json.dumps(
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": c.sdk_app_id,
                "SignName": c.sign_name,
                "TemplateId": template_id,
                "TemplateParamSet": list(params),
            },
            ensure_ascii=False,
        ).encode()
        url = urlsplit(c.base)
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Authorization": tc3_authorization(
                c.secret_id, c.secret_key, url.netloc, url.path or "/", body, timestamp
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": url.netloc,
            "X-TC-Action": ACTION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": c.region,
        }
        try:
            async with self._http.post(
                c.base, data=body, headers=headers, timeout=self._timeout
            ) as r:
                if r.status >= 500:
                    raise SmsError("InternalError", f"HTTP {r.status}", True)
                data: Any = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SmsError("Unreachable", type(exc).__name__, True) from exc
        response = data.get("Response", {}) if isinstance(data, dict) else {}
        error = response.get("Error")
        if error:
            code = str(error.get("Code", ""))
            raise SmsError(code, str(error.get("Message", "")), code in RETRY_CODES)
        statuses = response.get("SendStatusSet") or []
        status = statuses[0] if statuses else {}
        if status.get("Code") != "Ok":
            code = str(status.get("Code", "Unknown"))
            raise SmsError(code, str(status.get("Message", "")), code in RETRY_CODES)
        return str(status.get("SerialNo", ""))
