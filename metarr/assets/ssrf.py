"""SSRF guard: decide whether a URL's destination may be contacted.

Artwork URLs come from provider responses (and from users), so they are untrusted. The guard
resolves a host ONCE and returns the address to connect to; the downloader connects to exactly
that address, so a DNS answer cannot change between the check and the connection (rebinding).
Decisions are pure functions over `ipaddress` objects; only `resolve_target` touches DNS.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from metarr.assets.errors import BadScheme, BlockedAddress, DownloadError

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges Python's flags miss or that changed between versions; checked explicitly so the
# decision does not depend on the interpreter's ipaddress tables.
_EXTRA_BLOCKED: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8",        # "this network"
    "100.64.0.0/10",    # CGNAT (RFC 6598)
    "192.0.0.0/24",     # IETF protocol assignments
    "198.18.0.0/15",    # benchmarking
    "224.0.0.0/4",      # multicast
    "240.0.0.0/4",      # reserved, incl. broadcast
    "fc00::/7",         # IPv6 unique local
    "fe80::/10",        # IPv6 link-local
    "ff00::/8",         # IPv6 multicast
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class AllowList:
    """Hosts/IPs/CIDRs that may be contacted even though they are not public.

    Built from `METARR_ALLOW_HOSTS` (e.g. "127.0.0.1"); tests and provider emulators use it.
    A host name matches literally (case-insensitive); an IP or CIDR entry matches the resolved
    address, so `127.0.0.1` also admits names that resolve to loopback.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: str | Iterable[str] | None) -> AllowList:
        if entries is None:
            return cls()
        items = entries.split(",") if isinstance(entries, str) else list(entries)
        hosts: set[str] = set()
        nets: list[Network] = []
        for raw in items:
            item = raw.strip().lower().strip("[]")
            if not item:
                continue
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(frozenset(hosts), tuple(nets))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_ip(self, ip: IP) -> bool:
        return any(ip in net for net in self.networks if net.version == ip.version)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """IPv4 hidden inside an IPv6 address (mapped ::ffff:a.b.c.d, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_ip(ip: IP) -> bool:
    """True only for globally routable unicast addresses (pure)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id or ip.ipv4_mapped is not None:
            # v4-mapped never comes from a sane AAAA answer; refusing it outright closes the
            # "::ffff:10.0.0.1" bypass whatever the interpreter's tables say
            return False
        inner = _embedded_v4(ip)
        if inner is not None and not is_public_ip(inner):
            return False
    if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global):
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


_LAN: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def is_lan_ip(ip: IP) -> bool:
    """A private LAN address (where players and notification targets legitimately live); loopback,
    link-local (cloud metadata at 169.254.169.254), unspecified and the rest are not."""
    return any(ip in net for net in _LAN if net.version == ip.version)


def ip_allowed(host: str, ip: IP, allow: AllowList, lan: bool = False) -> bool:
    return is_public_ip(ip) or (lan and is_lan_ip(ip)) or allow.allows_host(host) or allow.allows_ip(ip)


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to `ip`, but speak to `host` (Host header, SNI)."""

    scheme: str
    host: str       # IDNA-encoded ASCII host name (or IP literal), as sent in Host/SNI
    port: int
    ip: str         # the one resolved address the connection must use
    path: str       # request target: path + query
    url: str

    @property
    def host_header(self) -> str:
        h = f"[{self.host}]" if ":" in self.host else self.host
        return h if self.port == DEFAULT_PORTS[self.scheme] else f"{h}:{self.port}"


def parse_url(url: str) -> SplitResult:
    """Split and validate scheme/host (pure). Raises BadScheme / DownloadError(bad_url)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise DownloadError("bad_url", str(exc), url=url) from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BadScheme(detail=f"scheme {parts.scheme!r} not allowed", url=url)
    if not parts.hostname:
        raise DownloadError("bad_url", "no host", url=url)
    if port == 0:
        raise DownloadError("bad_url", "port 0", url=url)
    return parts


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _ascii_host(host: str, url: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise DownloadError("bad_url", f"bad host name {host!r}", url=url) from exc


def resolve_target(url: str, allow: AllowList, resolver: Resolver = system_resolver, lan: bool = False) -> Target:
    """Validate `url`, resolve its host once, refuse non-public addresses not allow-listed.

    If ANY resolved address is refused the whole URL is refused: a name that mixes public and
    private answers is either misconfigured or an attack, and picking "the good one" would let
    an attacker race the choice.
    """
    parts = parse_url(url)
    scheme = parts.scheme.lower()
    host = _ascii_host(parts.hostname or "", url)
    port = parts.port or DEFAULT_PORTS[scheme]
    try:
        literal: IP | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise DownloadError("connection", f"cannot resolve {host}: {exc}", url=url) from exc
        if not addresses:
            raise DownloadError("connection", f"no address for {host}", url=url)
    checked: list[IP] = []
    for a in addresses:
        ip = ipaddress.ip_address(a.split("%", 1)[0])
        if not ip_allowed(host, ip, allow, lan):
            raise BlockedAddress(detail=f"{host} resolves to {'a non-LAN' if lan else 'a non-public'} address {ip} "
                                        "(METARR_ALLOW_HOSTS can admit it)", url=url)
        checked.append(ip)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, ip=str(checked[0]), path=path, url=url)
