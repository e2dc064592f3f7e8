"""Settings: read from the environment (and an optional `.env`) once, in `main()`, into a frozen
object that is passed down. Nothing reads the environment at import time."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from domain.dispatch_policy import DispatchPolicy, WorkingHours

# Used only when no real Official Account is configured: the sandbox signs and encrypts with these.
SANDBOX_APPID = "wx5a6d0b0c0ffee001"
SANDBOX_TOKEN = "yunkuaiji-sandbox-token"
SANDBOX_AES_KEY = "c2FuZGJveGtleWZvcnl1bmt1YWlqaTAxMjM0NTY3ODk"  # 43 chars, base64 without '='
SANDBOX_SECRET = "sandbox-secret-0000000000000000"
SANDBOX_ADMIN_PASSWORD = "admin"
# WeChat Pay in the sandbox, unless configured: a made-up merchant, and an APIv3 key known to
# all (the emulator's platform key pair is drawn at start, see bot.sandbox.pay_keys).
SANDBOX_PAY_MCHID = "1900000109"
SANDBOX_PAY_APIV3_KEY = "yunkuaiji-sandbox-apiv3-key-0001"
SANDBOX_PAY_CERT_SERIAL = "5A9D0B0C0FFEE0000000000000000000000000001"
WECHAT_PAY_API = "https://api.mch.weixin.qq.com"
WECHAT_OAUTH = "https://open.weixin.qq.com"
# The settings a WeChat Pay merchant needs, all or none (outside the sandbox).
PAY_SETTINGS = (
    "WECHAT_PAY_MCHID",
    "WECHAT_PAY_APIV3_KEY",
    "WECHAT_PAY_PRIVATE_KEY_PATH",
    "WECHAT_PAY_CERT_SERIAL",
    "WECHAT_PAY_PUBLIC_KEY_PATH",
    "WECHAT_PAY_PUBLIC_KEY_ID",
)
# In the sandbox these three make the app verify and decrypt with real-looking keys.
PAY_VERIFY_SETTINGS = (
    "WECHAT_PAY_PUBLIC_KEY_PATH",
    "WECHAT_PAY_PUBLIC_KEY_ID",
    "WECHAT_PAY_APIV3_KEY",
)
# The firm created for an Official Account on first start (`domain.people.ensure_firm`).
DEFAULT_FIRM_NAME = "云会计示范代账公司"

# How POST /wechat bodies are authenticated (see `bot.webhook.routes`):
# safe: 安全模式 only; the msg_signature covers the encrypted body. A plaintext POST is refused.
# compat: 兼容模式; encrypted bodies as in safe mode, a plaintext body only when it carries no
#   encrypted field and its (timestamp, nonce, signature) was never seen with another body.
# plain: 明文模式; the signature covers token, timestamp and nonce only, never the body, so
#   the nonce memory is all that stands between a leaked URL and a forged message.
MSG_MODES = ("safe", "compat", "plain")
# Common choices that must never protect a panel holding every client's books.
_WEAK_PASSWORDS = {
    "admin",
    "password",
    "123456",
    "12345678",
    "123456789",
    "1234567890",
    "admin123",
    "admin888",
    "qwerty",
    "111111",
    "000000",
    "yunkuaiji",
}
MIN_ADMIN_PASSWORD = 12


class UnsafeConfiguration(Exception):
    """The settings would open a way in; `problems` names each variable and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE pairs of a `.env` file (python-dotenv's reading: comments, quotes,
    `export`); keys without a value are left out. A missing file is an empty one."""
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with. Build with `Settings.load()`."""

    database_url: str = "sqlite+aiosqlite:///var/yunkuaiji.db"
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8080
    wechat_token: str = SANDBOX_TOKEN
    wechat_appid: str = SANDBOX_APPID
    wechat_secret: str = SANDBOX_SECRET
    wechat_aes_key: str = SANDBOX_AES_KEY
    # The EncodingAESKey in force before the last rotation; tried when the current one fails.
    wechat_aes_key_previous: str = ""
    wechat_api_base: str = ""  # empty: the sandbox on this server
    # Where WeChat's web authorisation page lives (open.weixin.qq.com); empty: WeChat's own,
    # or in the sandbox the emulator beside the API.
    wechat_oauth_base: str = ""
    wechat_msg_mode: str = "compat"
    sandbox: bool = True
    # SANDBOX=1 beside a real AppID is refused unless this second flag says it is meant; the
    # sandbox is then reachable from loopback only.
    sandbox_real_appid: bool = False
    nlu_backend: str = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    redis_url: str = ""
    admin_password: str = SANDBOX_ADMIN_PASSWORD
    # WeChat waits 5 s for a passive reply; we keep a margin.
    reply_budget_s: float = 4.0
    shutdown_grace_s: float = 10.0
    timestamp_tolerance_s: int = 300
    max_body_bytes: int = 64 * 1024
    conversation_idle_s: int = 30 * 60
    claim_timeout_min: int = 30
    claim_timeout_urgent_min: int = 10
    first_progress_timeout_min: int = 120
    working_hours: str = "09:00-18:00"
    working_days: str = "1-5"  # ISO weekdays on which people get reminders
    # The number strangers are given to call (empty: the first admin's phone).
    firm_phone: str = ""
    timezone: str = "Asia/Shanghai"
    scheduler: bool = True
    # Invoice reading processes (OCR); 0 switches reading off on this instance.
    invoice_workers: int = 1
    scheduler_interval_s: float = 60.0
    # Names this instance in the inbound log; empty: host:port. Keep it stable across restarts.
    instance_id: str = ""
    # `/metrics` asks for `Authorization: Bearer <token>` when set; unset, it answers only
    # requests from this machine that no proxy forwarded.
    metrics_token: str = ""
    # Inbound messages older than this keep their row and dedup key but lose their payload and
    # stored reply (bot.workers.jobs.run_inbound_retention); 0 keeps everything.
    inbound_retention_days: int = 30
    # The address people and WeChat Pay open the service at (https://bot.example.com): links
    # the console prints (`yunkuaiji staff invite-link`) and the payment notification URLs.
    # Empty: http://HOST:PORT (in the sandbox, this very server).
    public_url: str = ""
    # The /admin panel's sessions end after this long idle, and this long after login anyway.
    admin_idle_minutes: int = 30
    admin_session_hours: int = 12
    # Peers (addresses or networks) whose X-Forwarded-For names the client: the reverse proxy.
    trusted_proxies: str = "127.0.0.1,::1"
    # WeChat Pay (API v3). All six, or none (no payments), outside the sandbox.
    wechat_pay_mchid: str = ""
    wechat_pay_apiv3_key: str = ""
    wechat_pay_private_key_path: str = ""
    wechat_pay_cert_serial: str = ""
    wechat_pay_public_key_path: str = ""
    wechat_pay_public_key_id: str = ""
    wechat_pay_api_base: str = ""  # empty: WeChat Pay itself, or the sandbox's emulator
    # The sandbox emulator's platform private key (pairs with WECHAT_PAY_PUBLIC_KEY_PATH);
    # empty: the emulator draws a key of its own.
    sandbox_pay_platform_key_path: str = ""
    # SMS (Tencent Cloud SendSms) for contacts WeChat cannot reach; in the sandbox, its emulator.
    sms_secret_id: str = ""
    sms_secret_key: str = ""
    sms_sdk_app_id: str = ""
    sms_sign_name: str = ""
    sms_template_fee_reminder: str = ""
    sms_api_base: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def api_base(self) -> str:
        """Where WeChat's API lives: the real one, or this server's sandbox emulator."""
        if self.wechat_api_base:
            return self.wechat_api_base.rstrip("/")
        if self.sandbox:
            return f"http://{self.host}:{self.port}/sandbox"
        return "https://api.weixin.qq.com"

    @property
    def sms_config(self) -> tuple[str, str, str, str, str, str] | None:
        """(base, secret id, secret key, SDK app id, sign name, 催费 template id), or None when
        SMS is not set up. The sandbox has made-up values and its own emulator."""
        values = (
            self.sms_secret_id,
            self.sms_secret_key,
            self.sms_sdk_app_id,
            self.sms_sign_name,
            self.sms_template_fee_reminder,
        )
        if self.sandbox and not any(values):
            values = ("AKIDsandbox0000", "sandbox-sms-key", "1400000000", "云会计", "100001")
        if not all(values):
            return None
        base = self.sms_api_base or (
            f"{self.api_base}/sms" if self.sandbox else "https://sms.tencentcloudapi.com"
        )
        return (base.rstrip("/") + "/", *values)

    @property
    def oauth_base(self) -> str:
        """Where the browser is sent for WeChat's web authorisation (网页授权): WeChat's
        open.weixin.qq.com, `WECHAT_OAUTH_BASE`, or in the sandbox the emulator beside the API."""
        if self.wechat_oauth_base:
            return self.wechat_oauth_base.rstrip("/")
        if self.sandbox:
            return self.api_base
        return WECHAT_OAUTH

    @property
    def pay_api_base(self) -> str:
        """Where WeChat Pay's API lives: the real one, `WECHAT_PAY_API_BASE`, or the sandbox
        emulator beside this server's WeChat one."""
        if self.wechat_pay_api_base:
            return self.wechat_pay_api_base.rstrip("/")
        if self.sandbox:
            return f"{self.api_base}/pay"
        return WECHAT_PAY_API

    @property
    def public_origin(self) -> str:
        """This service as the outside world reaches it; in the sandbox, this very server."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.sandbox:
            return urlsplit(self.api_base)._replace(path="", query="", fragment="").geturl()
        return ""

    @property
    def pay_notify_url(self) -> str:
        return f"{self.public_origin}/pay/notify"

    @property
    def pay_refund_notify_url(self) -> str:
        return f"{self.public_origin}/pay/refund-notify"

    def _pay_values(self) -> dict[str, str]:
        return {
            "WECHAT_PAY_MCHID": self.wechat_pay_mchid,
            "WECHAT_PAY_APIV3_KEY": self.wechat_pay_apiv3_key,
            "WECHAT_PAY_PRIVATE_KEY_PATH": self.wechat_pay_private_key_path,
            "WECHAT_PAY_CERT_SERIAL": self.wechat_pay_cert_serial,
            "WECHAT_PAY_PUBLIC_KEY_PATH": self.wechat_pay_public_key_path,
            "WECHAT_PAY_PUBLIC_KEY_ID": self.wechat_pay_public_key_id,
        }

    @property
    def pay_configured(self) -> bool:
        """Every WeChat Pay merchant setting is given."""
        return all(v.strip() for v in self._pay_values().values())

    @property
    def pay_enabled(self) -> bool:
        """Payments are on: always in the sandbox (its emulator), else when configured."""
        return self.sandbox or self.pay_configured

    @property
    def pay_verify_configured(self) -> bool:
        """The sandbox verifies and decrypts with the given public key and APIv3 key."""
        values = self._pay_values()
        return all(values[name].strip() for name in PAY_VERIFY_SETTINGS)

    def _pay_problems(self) -> list[str]:
        values = self._pay_values()
        problems: list[str] = []
        if self.sandbox:
            given = [n for n in PAY_VERIFY_SETTINGS if values[n].strip()]
            if given and len(given) < len(PAY_VERIFY_SETTINGS):
                missing = [n for n in PAY_VERIFY_SETTINGS if n not in given]
                problems.append(
                    f"WeChat Pay half-configured in the sandbox: {', '.join(given)} given "
                    f"without {', '.join(missing)} (all three, or none)"
                )
        else:
            given = [n for n in PAY_SETTINGS if values[n].strip()]
            if not given:
                return problems
            missing = [n for n in PAY_SETTINGS if n not in given]
            if missing:
                problems.append(
                    f"WeChat Pay half-configured: {', '.join(missing)} missing or empty "
                    "(set all WECHAT_PAY_* settings, or none to run without payments)"
                )
                return problems
            if self.wechat_pay_apiv3_key == SANDBOX_PAY_APIV3_KEY:
                problems.append("WECHAT_PAY_APIV3_KEY is the public sandbox value")
            if not self.public_url.startswith("https://"):
                problems.append(
                    "PUBLIC_URL must be this service's https:// address: WeChat Pay sends "
                    "payment notifications to PUBLIC_URL/pay/notify"
                )
            if self.wechat_pay_api_base and not self.wechat_pay_api_base.startswith("https://"):
                problems.append("WECHAT_PAY_API_BASE must be an https:// address")
        key = self.wechat_pay_apiv3_key
        if key and len(key.encode()) != 32:
            problems.append("WECHAT_PAY_APIV3_KEY must be the 32-character APIv3 key")
        for name in ("WECHAT_PAY_PRIVATE_KEY_PATH", "WECHAT_PAY_PUBLIC_KEY_PATH"):
            path = values[name].strip()
            if path and not Path(path).is_file():
                problems.append(f"{name}: no such file: {path}")
        platform = self.sandbox_pay_platform_key_path.strip()
        if platform and not Path(platform).is_file():
            problems.append(
                f"SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH: no such file: {platform}"
            )
        return problems

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        env: dict[str, str] = {}
        if env_file is not None:
            env.update(read_dotenv(env_file))
        env.update(os.environ if environ is None else environ)
        return cls.from_mapping(env)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        d = cls()
        appid = env.get("WECHAT_APPID", "")
        sandbox = _bool(env.get("SANDBOX"), default=not appid)
        data_dir = Path(env.get("DATA_DIR", str(d.data_dir)))

        def secret(name: str, sandbox_value: str) -> str:
            # Outside the sandbox nothing falls back to the public sandbox values: an empty
            # setting stays empty, and `check_safe` refuses to start with it.
            return env.get(name) or (sandbox_value if sandbox else "")

        aes_key = secret("WECHAT_AES_KEY", d.wechat_aes_key)
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/yunkuaiji.db",
            data_dir=data_dir,
            host=env.get("HOST", d.host),
            port=int(env.get("PORT", d.port)),
            wechat_token=secret("WECHAT_TOKEN", d.wechat_token),
            wechat_appid=appid or d.wechat_appid,
            wechat_secret=secret("WECHAT_SECRET", d.wechat_secret),
            wechat_aes_key=aes_key,
            wechat_aes_key_previous=env.get("WECHAT_AES_KEY_PREVIOUS", ""),
            wechat_api_base=env.get("WECHAT_API_BASE", ""),
            wechat_oauth_base=env.get("WECHAT_OAUTH_BASE", "").strip(),
            # The sandbox's simulator and tests speak both; a real account is safe by default.
            wechat_msg_mode=(env.get("WECHAT_MSG_MODE") or ("compat" if sandbox else "safe"))
            .strip()
            .lower(),
            sandbox=sandbox,
            sandbox_real_appid=_bool(env.get("SANDBOX_WITH_REAL_APPID"), default=False),
            nlu_backend=env.get("NLU_BACKEND", d.nlu_backend),
            rasa_url=env.get("RASA_URL", d.rasa_url),
            redis_url=env.get("REDIS_URL", ""),
            admin_password=env.get("ADMIN_PASSWORD") or (d.admin_password if sandbox else ""),
            reply_budget_s=float(env.get("REPLY_BUDGET_S", d.reply_budget_s)),
            conversation_idle_s=int(env.get("CONVERSATION_IDLE_S", d.conversation_idle_s)),
            claim_timeout_min=int(env.get("CLAIM_TIMEOUT", d.claim_timeout_min)),
            claim_timeout_urgent_min=int(
                env.get("CLAIM_TIMEOUT_URGENT", d.claim_timeout_urgent_min)
            ),
            first_progress_timeout_min=int(
                env.get("FIRST_PROGRESS_TIMEOUT", d.first_progress_timeout_min)
            ),
            working_hours=env.get("WORKING_HOURS", d.working_hours),
            working_days=env.get("WORKING_DAYS", d.working_days),
            firm_phone=env.get("FIRM_PHONE", d.firm_phone).strip(),
            scheduler_interval_s=float(env.get("SCHEDULER_INTERVAL_S", d.scheduler_interval_s)),
            scheduler=_bool(env.get("SCHEDULER"), default=True),
            invoice_workers=int(env.get("INVOICE_WORKERS", d.invoice_workers)),
            instance_id=env.get("INSTANCE_ID", ""),
            metrics_token=env.get("METRICS_TOKEN", "").strip(),
            inbound_retention_days=int(env.get("INBOUND_RETENTION_DAYS", d.inbound_retention_days)),
            public_url=env.get("PUBLIC_URL", "").strip(),
            admin_idle_minutes=int(env.get("ADMIN_IDLE_MINUTES", d.admin_idle_minutes)),
            admin_session_hours=int(env.get("ADMIN_SESSION_HOURS", d.admin_session_hours)),
            trusted_proxies=env.get("TRUSTED_PROXIES", d.trusted_proxies),
            wechat_pay_mchid=env.get("WECHAT_PAY_MCHID", "").strip(),
            wechat_pay_apiv3_key=env.get("WECHAT_PAY_APIV3_KEY", ""),
            wechat_pay_private_key_path=env.get("WECHAT_PAY_PRIVATE_KEY_PATH", "").strip(),
            wechat_pay_cert_serial=env.get("WECHAT_PAY_CERT_SERIAL", "").strip(),
            wechat_pay_public_key_path=env.get("WECHAT_PAY_PUBLIC_KEY_PATH", "").strip(),
            wechat_pay_public_key_id=env.get("WECHAT_PAY_PUBLIC_KEY_ID", "").strip(),
            wechat_pay_api_base=env.get("WECHAT_PAY_API_BASE", "").strip(),
            sms_secret_id=env.get("TENCENT_SMS_SECRET_ID", "").strip(),
            sms_secret_key=env.get("TENCENT_SMS_SECRET_KEY", "").strip(),
            sms_sdk_app_id=env.get("TENCENT_SMS_SDK_APP_ID", "").strip(),
            sms_sign_name=env.get("TENCENT_SMS_SIGN_NAME", "").strip(),
            sms_template_fee_reminder=env.get("TENCENT_SMS_TEMPLATE_FEE_REMINDER", "").strip(),
            sms_api_base=env.get("TENCENT_SMS_API_BASE", "").strip(),
            sandbox_pay_platform_key_path=env.get(
                "SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH", ""
            ).strip(),
        )

    @property
    def real_appid(self) -> bool:
        """An AppID WeChat could have issued (wx + 16 hex digits), other than the sandbox's.
        Made-up ones (load tools, tests) cannot reach a real account, so the sandbox may use
        them; a real one beside SANDBOX=1 needs SANDBOX_WITH_REAL_APPID=1."""
        return self.wechat_appid != SANDBOX_APPID and bool(
            re.fullmatch(r"wx[0-9a-f]{16}", self.wechat_appid)
        )

    def unsafe_problems(self) -> list[str]:
        """Every way these settings would let someone in, each naming its variable. Empty
        when the service may start."""
        problems: list[str] = []
        if self.wechat_msg_mode not in MSG_MODES:
            problems.append(f"WECHAT_MSG_MODE must be one of {', '.join(MSG_MODES)}")
        problems.extend(self._pay_problems())
        if self.sandbox:
            if self.real_appid and not self.sandbox_real_appid:
                problems.append(
                    "SANDBOX=1 with a real WECHAT_APPID: the sandbox would sign with the real "
                    "token for anyone and keep every push away from WeChat. Unset SANDBOX, or "
                    "set SANDBOX_WITH_REAL_APPID=1 as well (the sandbox is then loopback-only)"
                )
            return problems
        required = {
            "WECHAT_TOKEN": (self.wechat_token, SANDBOX_TOKEN),
            "WECHAT_SECRET": (self.wechat_secret, SANDBOX_SECRET),
        }
        if self.wechat_msg_mode != "plain":
            required["WECHAT_AES_KEY"] = (self.wechat_aes_key, SANDBOX_AES_KEY)
        for name, (value, public) in required.items():
            if not value.strip():
                problems.append(f"{name} is missing or empty")
            elif value == public:
                problems.append(f"{name} is the public sandbox value")
        if (
            self.wechat_msg_mode != "plain"
            and self.wechat_aes_key
            and len(self.wechat_aes_key) != 43
        ):
            problems.append("WECHAT_AES_KEY must be the 43-character EncodingAESKey")
        password = self.admin_password
        if not password:
            problems.append("ADMIN_PASSWORD is missing")
        elif len(password) < MIN_ADMIN_PASSWORD or password.lower() in _WEAK_PASSWORDS:
            problems.append(
                f"ADMIN_PASSWORD is too weak (at least {MIN_ADMIN_PASSWORD} characters, "
                "not a common password)"
            )
        elif password in (self.wechat_token, self.wechat_secret, self.wechat_appid):
            problems.append("ADMIN_PASSWORD must not repeat another setting")
        return problems

    def check_safe(self) -> None:
        """Raise `UnsafeConfiguration` unless the service may start with these settings."""
        problems = self.unsafe_problems()
        if problems:
            raise UnsafeConfiguration(problems)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def instance_name(settings: Settings) -> str:
    """This instance, stable across its restarts: INSTANCE_ID, else host:port."""
    return settings.instance_id or f"{socket.gethostname()}:{settings.port}"


def dispatch_policy(settings: Settings) -> DispatchPolicy:
    """The claim and escalation timers and working hours, built once at start."""
    return DispatchPolicy(
        claim_timeout_normal=timedelta(minutes=settings.claim_timeout_min),
        claim_timeout_urgent=timedelta(minutes=settings.claim_timeout_urgent_min),
        first_progress_timeout=timedelta(minutes=settings.first_progress_timeout_min),
        hours=WorkingHours.parse(settings.working_hours, settings.working_days),
    )
