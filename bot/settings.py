"""Settings: read from the environment (and an optional `.env`) once, in `main()`, into a frozen
object that is passed down. Nothing reads the environment at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

# Used only when no real Official Account is configured: the sandbox signs and encrypts with these.
SANDBOX_APPID = "wx5a6d0b0c0ffee001"
SANDBOX_TOKEN = "yunkuaiji-sandbox-token"
SANDBOX_AES_KEY = "c2FuZGJveGtleWZvcnl1bmt1YWlqaTAxMjM0NTY3ODk"  # 43 chars, base64 without '='
SANDBOX_SECRET = "sandbox-secret-0000000000000000"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a minimal `.env`: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


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
    sandbox: bool = True
    nlu_backend: str = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    redis_url: str = ""
    admin_password: str = "admin"
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
    timezone: str = "Asia/Shanghai"
    scheduler: bool = True
    # Invoice reading processes (OCR); 0 switches reading off on this instance.
    invoice_workers: int = 1
    scheduler_interval_s: float = 60.0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def api_base(self) -> str:
        """Where WeChat's API lives: the real one, or this server's sandbox emulator."""
        if self.wechat_api_base:
            return self.wechat_api_base.rstrip("/")
        if self.sandbox:
            return f"http://{self.host}:{self.port}/sandbox"
        return "https://api.weixin.qq.com"

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
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/yunkuaiji.db",
            data_dir=data_dir,
            host=env.get("HOST", d.host),
            port=int(env.get("PORT", d.port)),
            wechat_token=env.get("WECHAT_TOKEN") or d.wechat_token,
            wechat_appid=appid or d.wechat_appid,
            wechat_secret=env.get("WECHAT_SECRET") or d.wechat_secret,
            wechat_aes_key=env.get("WECHAT_AES_KEY") or d.wechat_aes_key,
            wechat_aes_key_previous=env.get("WECHAT_AES_KEY_PREVIOUS", ""),
            wechat_api_base=env.get("WECHAT_API_BASE", ""),
            sandbox=sandbox,
            nlu_backend=env.get("NLU_BACKEND", d.nlu_backend),
            rasa_url=env.get("RASA_URL", d.rasa_url),
            redis_url=env.get("REDIS_URL", ""),
            admin_password=env.get("ADMIN_PASSWORD", d.admin_password),
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
            scheduler_interval_s=float(env.get("SCHEDULER_INTERVAL_S", d.scheduler_interval_s)),
            scheduler=_bool(env.get("SCHEDULER"), default=True),
            invoice_workers=int(env.get("INVOICE_WORKERS", d.invoice_workers)),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
