"""The production layout in deploy/: Debian's nginx accepts the site (`nginx -t`), the site
keeps WeChat's timeouts and hides /metrics, the units start what the docs say, and the example
.env names every setting the service refuses to start without."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bot.example.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "fullchain.pem", folder / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


def nginx_config(tmp_path: Path, site: str) -> Path:
    crt, pem = self_signed(tmp_path)
    proxy = tmp_path / "yunkuaiji-proxy.conf"
    shutil.copy(DEPLOY / "yunkuaiji-proxy.conf", proxy)
    site = (
        site.replace("/etc/nginx/yunkuaiji-proxy.conf", str(proxy))
        .replace("/etc/ssl/yunkuaiji/fullchain.pem", str(crt))
        .replace("/etc/ssl/yunkuaiji/privkey.pem", str(pem))
    )
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n"
        "}\n"
    )
    return conf


def nginx_t(tmp_path: Path, site: str) -> subprocess.CompletedProcess[str]:
    conf = nginx_config(tmp_path, site)
    return subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )


needs_nginx = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="needs Debian's nginx (make nginx-deps)"
)


@needs_nginx
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    result = nginx_t(tmp_path, (DEPLOY / "nginx-yunkuaiji.conf").read_text())
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@needs_nginx
def test_nginx_t_would_catch_a_broken_site(tmp_path: Path) -> None:
    broken = (DEPLOY / "nginx-yunkuaiji.conf").read_text().replace("keepalive 64;", "keepalive;")
    assert nginx_t(tmp_path, broken).returncode != 0


def _seconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(ms|s)?", value)
    assert match, value
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number


def test_timeouts_towards_the_app_stay_below_wechats_five_seconds() -> None:
    site = (DEPLOY / "nginx-yunkuaiji.conf").read_text()
    servers = site.split("\nserver {")[1:]
    assert len(servers) == 2  # port 80 (for /wechat) and 443
    for server in servers:
        for name in ("proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
            # Server-level (four spaces in): what /wechat inherits.
            (value,) = re.findall(rf"^    {name}\s+(\S+);", server, re.M)
            assert _seconds(value) < 5, name
        for name in ("client_header_timeout", "client_body_timeout"):
            (value,) = re.findall(rf"^    {name}\s+(\S+);", server, re.M)
            assert _seconds(value) < 5, name
    wechat = site.split("location = /wechat", 1)[1].split("}", 1)[0]
    assert "yunkuaiji-proxy.conf" in wechat
    assert re.search(r"location = /metrics \{\s*return 404;", site)
    # WeChat's pushes are small: both servers cap bodies (only /admin/ allows uploads).
    assert re.findall(r"^    client_max_body_size (\S+);", site, re.M) == ["256k", "256k"]


def test_example_env_starts_a_safe_production_service(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    for line in (DEPLOY / "example.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    assert env["SANDBOX"] == "0" and env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    settings = Settings.from_mapping(env)
    assert settings.invoice_workers == 0 and not settings.sandbox
    # Every key is one the service reads (a typo would be silently ignored).
    sources = (ROOT / "bot" / "settings.py").read_text() + (
        ROOT / "bot" / "cli" / "__init__.py"
    ).read_text()
    unread = {k for k in env if f'"{k}"' not in sources}
    assert not unread, unread


def test_units_run_the_commands_the_docs_name() -> None:
    web = (DEPLOY / "systemd" / "yunkuaiji-web.service").read_text()
    reader = (DEPLOY / "systemd" / "yunkuaiji-invoices.service").read_text()
    assert re.search(r"^ExecStartPre=.*yunkuaiji .*migrate$", web, re.M)
    assert re.search(r"^ExecStart=.*serve .*--workers \d+", web, re.M)
    assert re.search(r"^ExecStart=.*worker invoices", reader, re.M)
    assert re.search(r"^Nice=\d+", reader, re.M)
    ops = (ROOT / "docs" / "operations.md").read_text()
    for unit in ("yunkuaiji-web.service", "yunkuaiji-invoices.service"):
        assert unit in ops
