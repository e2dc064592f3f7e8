"""Who the client is: the peer, or what a trusted proxy says in X-Forwarded-For."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from admin_web.security import client_address, same_origin

PROXY = ("127.0.0.1", "::1", "10.0.0.0/8")


def with_peer(peer: str, headers: dict[str, str]) -> str:
    req = make_mocked_request("POST", "/admin/login", headers=headers).clone(remote=peer)
    return client_address(req, PROXY)


def test_the_peer_when_no_proxy_is_trusted() -> None:
    assert with_peer("203.0.113.5", {"X-Forwarded-For": "198.51.100.1"}) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_last_untrusted_hop() -> None:
    assert with_peer("127.0.0.1", {"X-Forwarded-For": "198.51.100.1"}) == "198.51.100.1"
    # A client writing its own X-Forwarded-For gains nothing: the proxy appends the real one.
    spoofed = {"X-Forwarded-For": "1.2.3.4, 198.51.100.1"}
    assert with_peer("127.0.0.1", spoofed) == "198.51.100.1"
    through_two = {"X-Forwarded-For": "198.51.100.1, 10.1.2.3"}
    assert with_peer("127.0.0.1", through_two) == "198.51.100.1"


def test_a_malformed_header_means_the_peer() -> None:
    assert with_peer("127.0.0.1", {"X-Forwarded-For": "<script>"}) == "127.0.0.1"
    assert with_peer("127.0.0.1", {}) == "127.0.0.1"


def test_another_sites_origin_is_not_the_same_origin() -> None:
    def check(**headers: str) -> bool:
        return same_origin(make_mocked_request("POST", "/", headers={"Host": "a.cn", **headers}))

    assert check(Origin="https://a.cn")
    assert not check(Origin="https://evil.example")
    assert check(Origin="null")  # no origin to compare: the token decides
    assert not check(Origin="null", **{"Sec-Fetch-Site": "cross-site"})
    assert not check(**{"Sec-Fetch-Site": "cross-site"})
    assert check()
