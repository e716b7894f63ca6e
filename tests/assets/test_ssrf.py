"""Table-driven SSRF decisions with a fake resolver (no DNS, no traffic)."""
from __future__ import annotations

import ipaddress

import pytest

from metarr.assets.errors import BadScheme, BlockedAddress, DownloadError
from metarr.assets.ssrf import AllowList, is_public_ip, resolve_target


@pytest.mark.parametrize("addr", [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
    "198.18.0.1", "192.0.0.8", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
    "2002:a00:1::1", "2001:db8::1",
    "::ffff:93.184.216.34",  # v4-mapped is refused outright, even for a public IPv4
])
def test_non_public_addresses_blocked(addr: str):
    assert not is_public_ip(ipaddress.ip_address(addr))


@pytest.mark.parametrize("addr", ["93.184.216.34", "151.101.1.1", "2606:4700::6810:85e5"])
def test_public_addresses_pass(addr: str):
    assert is_public_ip(ipaddress.ip_address(addr))


def fake(table: dict[str, list[str]]):
    def resolver(host: str, port: int) -> list[str]:
        return table[host]
    return resolver


def test_resolve_once_and_pin():
    t = resolve_target("https://image.tmdb.org/t/p/original/x.jpg?a=1", AllowList(),
                       fake({"image.tmdb.org": ["151.101.1.1"]}))
    assert (t.scheme, t.host, t.port, t.ip, t.path) == ("https", "image.tmdb.org", 443, "151.101.1.1",
                                                         "/t/p/original/x.jpg?a=1")
    assert t.host_header == "image.tmdb.org"


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f000001/", "http://017700000001/",
                                 "http://127.1/"])
def test_numeric_ip_spellings_resolve_to_loopback_and_are_blocked(url):
    # the system resolver (inet_aton semantics) turns these into 127.0.0.1
    with pytest.raises(BlockedAddress):
        resolve_target(url, AllowList())


def test_mixed_answers_refused():
    with pytest.raises(BlockedAddress):
        resolve_target("http://mixed.test/", AllowList(), fake({"mixed.test": ["151.101.1.1", "10.0.0.5"]}))


def test_allow_list_host_ip_and_cidr():
    allow = AllowList.parse("127.0.0.1, emulator.local ,10.8.0.0/16,[::1]")
    assert resolve_target("http://127.0.0.1:8080/x", allow).ip == "127.0.0.1"
    assert resolve_target("http://emulator.local/x", allow, fake({"emulator.local": ["192.168.1.9"]}))
    assert resolve_target("http://vpn.test/x", allow, fake({"vpn.test": ["10.8.3.4"]}))
    assert resolve_target("http://[::1]:9/x", allow).host_header == "[::1]:9"
    with pytest.raises(BlockedAddress):
        resolve_target("http://10.9.0.1/x", allow)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://h/x", "data:image/png;base64,AAAA", "//h/x"])
def test_bad_schemes(url):
    with pytest.raises(BadScheme):
        resolve_target(url, AllowList())


@pytest.mark.parametrize("url", ["http:///x", "http://h:99999/x", "http://h:0/"])
def test_bad_urls(url):
    with pytest.raises(DownloadError) as ei:
        resolve_target(url, AllowList(), fake({"h": ["151.101.1.1"]}))
    assert ei.value.reason == "bad_url"


def test_idna_host():
    t = resolve_target("http://bücher.example/x", AllowList(), fake({"xn--bcher-kva.example": ["151.101.1.1"]}))
    assert t.host == "xn--bcher-kva.example"


def test_unresolvable_is_connection_error():
    def resolver(host, port):
        raise OSError("Name or service not known")
    with pytest.raises(DownloadError) as ei:
        resolve_target("http://nope.invalid/", AllowList(), resolver)
    assert ei.value.reason == "connection"
