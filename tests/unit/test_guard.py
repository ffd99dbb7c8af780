"""SSRF guard (worker/readers/guard.py). Resolves only literal addresses and localhost."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from worker.core.errors import PermanentError
from worker.readers.guard import check_url, forbidden, resolve

PRIVATE = [
    "http://127.0.0.1/",
    "http://10.0.0.1/feed",
    "https://192.168.1.1:8443/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://172.16.5.4/",
    "http://0.0.0.0/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://localhost:8000/",
    "http://2130706433/",  # 127.0.0.1 written as one number; getaddrinfo reads it locally
]
PUBLIC = ["http://93.184.216.34/", "https://93.184.216.34:8443/x", "http://[2606:2800:220:1::]/"]


def refusal(url: str, allow_private: bool = False) -> str:
    with pytest.raises(PermanentError) as info:
        check_url(url, allow_private=allow_private)
    return info.value.reason


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused(url: str) -> None:
    assert refusal(url) == "forbidden_address"


@pytest.mark.parametrize("url", PRIVATE)
def test_allow_private_lets_them_through(url: str) -> None:
    check_url(url, allow_private=True)


@pytest.mark.parametrize("url", PUBLIC)
def test_public_literals_are_allowed(url: str) -> None:
    check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://93.184.216.34/", "file:///etc/passwd", "http://", "not a url", "gopher://x/"]
)
@pytest.mark.parametrize("allow_private", [False, True])
def test_non_http_urls_are_refused(url: str, allow_private: bool) -> None:
    assert refusal(url, allow_private) == "bad_url"


@pytest.mark.parametrize("url", ["http://93.184.216.34:99999/", "http://93.184.216.34:http/"])
def test_bad_port_is_a_bad_url(url: str) -> None:
    assert refusal(url) == "bad_url"


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("10.0.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),  # carrier-grade NAT
        ("::1", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped: judged by the IPv4 address inside
        ("::ffff:169.254.169.254", True),
        ("fec0::1", True),  # deprecated site-local (Python calls it global)
        ("fec0:1234::5", True),
        ("feff:ffff::1", True),  # the top of fec0::/10
        ("::ffff:0:7f00:1", True),  # IPv4-translated ::ffff:0:127.0.0.1 (Python: global)
        ("::ffff:0:5db8:d822", True),  # translated, even of a public IPv4 address: refused
        ("ff02::1", True),
        ("93.184.216.34", False),
        ("::ffff:93.184.216.34", False),
        ("2606:2800:220:1::", False),
    ],
)
def test_forbidden(address: str, refused: bool) -> None:
    assert forbidden(ipaddress.ip_address(address)) is refused


def test_resolve_literal_does_not_touch_dns() -> None:
    assert resolve("93.184.216.34", 80) == [ipaddress.ip_address("93.184.216.34")]
    assert resolve("::1", 80) == [ipaddress.ip_address("::1")]


def test_localhost_resolves_to_loopback_only() -> None:
    addresses = resolve("localhost", 80)
    assert addresses
    assert all(a.is_loopback for a in addresses)


def fake_dns(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    """Answer getaddrinfo from a list (no network); no addresses means NXDOMAIN."""

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (
                family[ipaddress.ip_address(a.split("%")[0]).version],
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_unresolvable_name_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch)
    assert refusal("https://news.example.org/") == "dns_failure"


def test_one_private_answer_among_public_ones_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, "93.184.216.34", "10.1.2.3")
    assert refusal("https://news.example.org/") == "forbidden_address"


def test_name_with_only_public_answers_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, "93.184.216.34", "2606:2800:220:1::")
    check_url("https://news.example.org/", allow_private=False)


def test_ipv6_zone_index_is_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, "fe80::1%eth0")
    assert refusal("https://news.example.org/") == "forbidden_address"


@pytest.mark.parametrize(
    "url", ["http://[fec0::1]/", "http://[fed0::2]:8080/x", "http://[::ffff:0:7f00:1]/"]
)
def test_site_local_and_translated_literals_are_refused(url: str) -> None:
    assert refusal(url) == "forbidden_address"
    check_url(url, allow_private=True)


def test_check_url_returns_the_approved_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetcher connects to these and only these (no second lookup to rebind)."""
    fake_dns(monkeypatch, "93.184.216.34", "2606:2800:220:1::", "93.184.216.34")
    assert check_url("https://news.example.org/", allow_private=False) == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800:220:1::"),
    ]
    assert check_url("http://93.184.216.34/", allow_private=False) == [
        ipaddress.ip_address("93.184.216.34")
    ]
    assert check_url("https://news.example.org/", allow_private=True) == []  # not resolved


def test_a_name_without_addresses_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [])
    assert refusal("https://news.example.org/") == "dns_failure"


def test_a_site_local_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, "2606:2800:220:1::", "fec0::10")
    assert refusal("https://news.example.org/") == "forbidden_address"
