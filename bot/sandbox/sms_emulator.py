"""A stand-in for Tencent Cloud SMS (`sms.tencentcloudapi.com`, action `SendSms`, version
2021-01-11), mounted at `POST /sandbox/sms/`. Like Tencent it checks the TC3-HMAC-SHA256
signature with the secret key of the `Credential`'s SecretId (AuthFailure.SignatureFailure,
AuthFailure.SecretIdNotFound), a timestamp more than five minutes off
(AuthFailure.SignatureExpire), the action and version, the SDK app id, a known template id
(FailedOperation.TemplateIncorrectOrUnapproved) and each phone number (+86 and 11 digits, else
InvalidParameterValue.IncorrectPhoneNumber in its SendStatusSet), and answers in its
`{"Response": {...}}` shape.

What was sent can be read back at `GET /sandbox/api/sms?phone=` (oldest first), with the
template's text filled in as the phone would show it."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.wechat.tencent_sms import ACTION, VERSION, tc3_authorization
from domain.clock import Clock

PHONE = re.compile(r"^\+861[3-9]\d{9}$")
TOLERANCE_S = 300
MAX_KEPT = 2000


@dataclass(frozen=True)
class SentSms:
    phone: str
    template_id: str
    params: list[str]
    text: str
    sent_at: datetime


def _answer(data: dict[str, Any]) -> web.Response:
    data.setdefault("RequestId", secrets.token_hex(16))
    return web.json_response({"Response": data})


def _error(code: str, message: str) -> web.Response:
    return _answer({"Error": {"Code": code, "Message": message}})


class SmsEmulator:
    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        templates: dict[str, str],
        clock: Clock,
    ) -> None:
        self.keys = {secret_id: secret_key}
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.templates = templates  # template id -> text with {1}, {2}, ...
        self.clock = clock
        self.sent: list[SentSms] = []

    async def send_sms(self, request: web.Request) -> web.Response:
        body = await request.read()
        auth = request.headers.get("Authorization", "")
        m = re.match(r"TC3-HMAC-SHA256 Credential=([^/]+)/", auth)
        if m is None:
            return _error("AuthFailure.InvalidAuthorization", "Authorization 格式不正确")
        secret_key = self.keys.get(m.group(1))
        if secret_key is None:
            return _error("AuthFailure.SecretIdNotFound", "SecretId 不存在")
        try:
            timestamp = int(request.headers.get("X-TC-Timestamp", ""))
        except ValueError:
            return _error("MissingParameter", "缺少 X-TC-Timestamp")
        if abs(timestamp - self.clock.now().timestamp()) > TOLERANCE_S:
            return _error("AuthFailure.SignatureExpire", "签名过期")
        host = request.headers.get("Host", request.host)
        path = urlsplit(str(request.url)).path
        expected = tc3_authorization(m.group(1), secret_key, host, path, body, timestamp)
        if not hmac.compare_digest(expected, auth):
            return _error("AuthFailure.SignatureFailure", "签名验证失败")
        if request.headers.get("X-TC-Action") != ACTION:
            return _error("InvalidAction", "接口不存在")
        if request.headers.get("X-TC-Version") != VERSION:
            return _error("NoSuchVersion", "接口版本不存在")
        try:
            data = json.loads(body)
        except ValueError:
            return _error("InvalidParameter", "请求体不是 JSON")
        if str(data.get("SmsSdkAppId")) != self.sdk_app_id:
            return _error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId 校验失败")
        if data.get("SignName") != self.sign_name:
            return _error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批")
        template = self.templates.get(str(data.get("TemplateId")))
        if template is None:
            return _error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或不存在")
        params = [str(p) for p in data.get("TemplateParamSet") or []]
        text = f"【{self.sign_name}】" + re.sub(
            r"\{(\d+)\}",
            lambda g: params[int(g.group(1)) - 1] if int(g.group(1)) <= len(params) else "",
            template,
        )
        statuses = []
        for phone in data.get("PhoneNumberSet") or []:
            if not PHONE.match(str(phone)):
                statuses.append(
                    {
                        "PhoneNumber": phone,
                        "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                        "Message": "手机号格式错误",
                        "SerialNo": "",
                        "Fee": 0,
                        "IsoCode": "CN",
                    }
                )
                continue
            self.sent.append(
                SentSms(str(phone), str(data["TemplateId"]), params, text, self.clock.now())
            )
            statuses.append(
                {
                    "PhoneNumber": phone,
                    "Code": "Ok",
                    "Message": "send success",
                    "SerialNo": secrets.token_hex(12),
                    "Fee": 1,
                    "IsoCode": "CN",
                    "SessionContext": "",
                }
            )
        del self.sent[:-MAX_KEPT]
        return _answer({"SendStatusSet": statuses})

    async def list_sent(self, request: web.Request) -> web.Response:
        phone = request.query.get("phone", "")
        return web.json_response(
            [
                {
                    "phone": s.phone,
                    "template_id": s.template_id,
                    "params": s.params,
                    "text": s.text,
                    "sent_at": s.sent_at.isoformat(),
                }
                for s in self.sent
                if not phone or s.phone.endswith(phone)
            ],
            dumps=lambda d: json.dumps(d, ensure_ascii=False),
        )

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/sandbox/sms/", self.send_sms)
        app.router.add_get("/sandbox/api/sms", self.list_sent)
