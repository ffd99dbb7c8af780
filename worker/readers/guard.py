"""SSRF guard: which addresses a fetch may reach."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from worker.core.errors import PermanentError, Reason

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def forbidden(address: IPAddress) -> bool:
    """Loopback, private, link-local (incl. 169.254.169.254 metadata), reserved, multicast."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := embedded_ipv4(address)):
        return forbidden(inner)
    return not address.is_global or address.is_multicast


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4, Teredo).

    Python calls NAT64 and 6to4 addresses global, yet ``64:ff9b::7f00:1`` is 127.0.0.1
    behind a NAT64 gateway: judge such an address by the IPv4 address inside it.
    """
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped or any(address in net for net in _NAT64):
        return low32
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return low32
    if address.sixtofour is not None:
        return address.sixtofour
    return address.teredo[1] if address.teredo else None


def check_url(url: str, allow_private: bool) -> None:
    """Raise ``PermanentError(reason=Reason.FORBIDDEN_ADDRESS)`` unless every address is public."""
    parts = urlsplit(url)
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise PermanentError(f"bad port in URL: {url[:200]}", reason=Reason.BAD_URL) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(f"not an http(s) URL: {url[:200]}", reason=Reason.BAD_URL)
    if allow_private:
        return
    for address in resolve(parts.hostname, port):
        if forbidden(address):
            raise PermanentError(
                f"{parts.hostname} resolves to non-public address {address}",
                reason=Reason.FORBIDDEN_ADDRESS,
            )


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise PermanentError(f"cannot resolve {host}: {exc}", reason=Reason.DNS_FAILURE) from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
