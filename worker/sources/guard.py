"""SSRF guard: which addresses a fetch may reach."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from worker.errors import PermanentError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def forbidden(address: IPAddress) -> bool:
    """Loopback, private, link-local (incl. 169.254.169.254 metadata), reserved, multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return forbidden(address.ipv4_mapped)
    return not address.is_global or address.is_multicast


def check_url(url: str, allow_private: bool) -> None:
    """Raise ``PermanentError(reason="forbidden_address")`` unless every address is public."""
    parts = urlsplit(url)
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise PermanentError(f"bad port in URL: {url[:200]}", reason="bad_url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(f"not an http(s) URL: {url[:200]}", reason="bad_url")
    if allow_private:
        return
    for address in resolve(parts.hostname, port):
        if forbidden(address):
            raise PermanentError(
                f"{parts.hostname} resolves to non-public address {address}",
                reason="forbidden_address",
            )


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise PermanentError(f"cannot resolve {host}: {exc}", reason="dns_failure") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
