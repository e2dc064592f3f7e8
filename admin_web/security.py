"""What every response and every state-changing request of the panel goes through: security
headers, CSRF tokens, the Origin check, and who the client is behind the proxy."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from domain.staff_access import new_token

# Scripts and styles only from the panel's own files (htmx included): no inline script, no
# eval, nothing from elsewhere, never inside a frame.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # https images: the home page's slides may be hosted elsewhere (images only).
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Password links carry their token in the path: no Referer ever leaves for another site.
    # ("no-referrer" would also make browsers send `Origin: null` on the panel's own forms.)
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"

CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
# Before login there is no session to hold a token: the login and password forms use a
# double-submitted cookie instead (the form must echo it, and another site cannot read it).
PRE_COOKIE = "yk_admin_pre"


def served_over_https(request: web.Request, trusted: tuple[str, ...]) -> bool:
    if request.secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and _is_trusted(request.remote, trusted)


def security_headers(
    trusted: tuple[str, ...],
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """For `on_response_prepare`: every response of the panel, errors included."""

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if "Cache-Control" not in response.headers:
            # Pages show clients' business: never kept by a browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        if served_over_https(request, trusted):
            response.headers["Strict-Transport-Security"] = HSTS

    return add


def _is_trusted(remote: str | None, trusted: tuple[str, ...]) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(request: web.Request, trusted: tuple[str, ...]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the right-most
    address in X-Forwarded-For that is not one (what the proxy saw; anything left of it the
    client could have written)."""
    peer = request.remote or "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed header: believe only the peer
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def same_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site. Without an Origin
    to compare, the CSRF token decides."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        # No origin to compare (older browsers; "null" from privacy settings or sandboxed
        # frames, which cannot read a token either): the site-fetch hint, then the token.
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    return urlsplit(origin).netloc.lower() == request.host.lower()


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


async def submitted_token(request: web.Request) -> str | None:
    """The CSRF token a request carries: the header htmx sends, or the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def pre_login_token(request: web.Request) -> str:
    """The double-submit token for the login and password forms: the browser's, or new."""
    token = request.cookies.get(PRE_COOKIE, "")
    return token if 20 <= len(token) <= 64 else new_token()


def set_pre_login_cookie(
    response: web.StreamResponse, token: str, *, path: str, secure: bool
) -> None:
    response.set_cookie(
        PRE_COOKIE, token, path=path, secure=secure, httponly=True, samesite="Strict"
    )
