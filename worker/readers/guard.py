"""SSRF guard: which addresses a fetch may reach.

``check_url`` resolves the host once and returns the addresses it approved; the fetcher
connects to exactly those (``worker.readers.pinning``), never to a second DNS answer: a
name that answers a public address to the guard and 127.0.0.1 to the connection (DNS
rebinding) would otherwise reach inside.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from worker.core.errors import PermanentError, Reason

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# Python calls these global, yet no public site lives there: deprecated site-local
# (RFC 3879, routed inside a site like fc00::/7) and IPv4-translated ::ffff:0:a.b.c.d
# (RFC 2765, SIIT), which a translator turns into whatever IPv4 address it carries.
_NEVER_PUBLIC = (ipaddress.ip_network("fec0::/10"), ipaddress.ip_network("::ffff:0:0:0/96"))


def forbidden(address: IPAddress) -> bool:
    """Loopback, private, link-local (incl. 169.254.169.254 metadata), reserved, multicast."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in _NEVER_PUBLIC):
            return True
        if inner := embedded_ipv4(address):
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


def check_url(url: str, allow_private: bool) -> list[IPAddress]:
    """The addresses ``url`` may be fetched from: every one the host resolves to, all public.

    Raises ``PermanentError(reason=Reason.FORBIDDEN_ADDRESS)`` if any is not public. With
    ``allow_private`` nothing is resolved and the list is empty: any address will do.
    """
    parts = urlsplit(url)
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise PermanentError(f"bad port in URL: {url[:200]}", reason=Reason.BAD_URL) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(f"not an http(s) URL: {url[:200]}", reason=Reason.BAD_URL)
    if allow_private:
        return []
    addresses = resolve(parts.hostname, port)
    for address in addresses:
        if forbidden(address):
            raise PermanentError(
                f"{parts.hostname} resolves to non-public address {address}",
                reason=Reason.FORBIDDEN_ADDRESS,
            )
    return addresses


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host``, without duplicates, in the resolver's order."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise PermanentError(f"cannot resolve {host}: {exc}", reason=Reason.DNS_FAILURE) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:  # nothing approved means nothing to connect to
        raise PermanentError(f"{host} has no address", reason=Reason.DNS_FAILURE)
    return list(dict.fromkeys(addresses))
