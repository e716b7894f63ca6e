"""Downloader + store against a real local HTTP server: every refusal stores nothing."""
from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import replace

import pytest

from metarr.assets import download as dl
from metarr.assets.errors import AssetError, DownloadError, ImageRejected
from metarr.assets.fetch import fetch_to_store
from metarr.assets.ssrf import AllowList
from tests.assets.conftest import CAP, leftovers


@pytest.fixture
def connects(monkeypatch) -> list[tuple[str, int]]:
    """Record every socket the downloader opens; refuse anything that is not loopback."""
    seen: list[tuple[str, int]] = []
    real = dl._open_socket

    def spy(ip: str, port: int, timeout: float):
        seen.append((ip, port))
        if not ipaddress.ip_address(ip).is_loopback:
            raise AssertionError(f"test tried to connect to non-loopback {ip}")
        return real(ip, port, timeout)

    monkeypatch.setattr(dl, "_open_socket", spy)
    return seen


def refused(store, policy, url: str) -> AssetError:
    with pytest.raises(AssetError) as ei:
        fetch_to_store(store, url, policy)
    assert leftovers(store) == [], "a refusal must leave no cache file and no temp file"
    return ei.value


def test_good_jpeg_stored_and_same_bytes_dedup(server, store, policy, connects):
    a = fetch_to_store(store, server.url("/good.jpg"), policy)
    b = fetch_to_store(store, server.url("/same.jpg"), policy)
    assert a.asset.created and not b.asset.created
    assert a.asset.path == b.asset.path
    assert a.asset.sha256 == hashlib.sha256(server.data["good"]).hexdigest()
    assert a.asset.path.read_bytes() == server.data["good"]
    assert a.asset.info.format == "JPEG" and (a.asset.info.width, a.asset.info.height) == (300, 450)
    assert a.content_type == "image/jpeg"
    assert leftovers(store) == [a.asset.path]  # one cache file, no temp files
    rel = a.asset.path.relative_to(store.cache_root).as_posix()
    sha = a.asset.sha256
    assert rel == f"assets/{sha[:2]}/{sha[2:4]}/{sha}.jpg"


def test_truncated_jpeg_refused(server, store, policy):
    err = refused(store, policy, server.url("/truncated.jpg"))
    assert isinstance(err, ImageRejected) and err.reason == "truncated"


def test_png_bomb_refused_before_decoding(server, store, policy):
    err = refused(store, policy, server.url("/bomb.png"))
    assert err.reason == "too_many_pixels"
    assert "pixels" in err.detail


@pytest.mark.parametrize("path, what", [("/html.jpg", "HTML"), ("/svg.jpg", "SVG")])
def test_markup_served_as_jpeg_refused(server, store, policy, path, what):
    err = refused(store, policy, server.url(path))
    assert err.reason == "not_image" and what in err.detail


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/poster.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:10.0.0.1]/x.jpg",
    "http://100.64.0.1/x.jpg",
    "http://0.0.0.0/x.jpg",
])
def test_redirect_to_private_address_refused_before_connecting(server, store, policy, connects, target):
    err = refused(store, policy, server.url(f"/redirect?to={target}"))
    assert err.reason == "blocked_address"
    assert all(ipaddress.ip_address(ip).is_loopback for ip, _ in connects)
    assert len(connects) == 1  # only the first (allow-listed) hop was contacted


def test_redirect_to_name_resolving_private_refused(server, store, policy, connects):
    pol = replace(policy, resolver=lambda host, port: ["10.1.2.3"] if host == "intranet.test" else [])
    err = refused(store, pol, server.url("/redirect?to=http://intranet.test/x.jpg"))
    assert err.reason == "blocked_address" and "10.1.2.3" in err.detail
    assert len(connects) == 1


def test_loopback_refused_without_allow_list(server, store, policy, connects):
    err = refused(store, replace(policy, allow=AllowList()), server.url("/good.jpg"))
    assert err.reason == "blocked_address"
    assert connects == []


def test_cover_art_archive_style_307_followed(server, store, policy):
    got = fetch_to_store(store, server.url("/cover"), policy)
    assert got.final_url == server.url("/good.jpg")
    assert got.url == server.url("/cover")


def test_five_redirects_ok_six_refused(server, store, policy):
    assert fetch_to_store(store, server.url("/chain/5"), policy).asset.created
    store2 = type(store)(store.cache_root.parent / "cache2")
    err = refused(store2, policy, server.url("/chain/6"))
    assert err.reason == "too_many_redirects"


def test_oversized_with_content_length_refused_before_body(server, store, policy):
    err = refused(store, policy, server.url("/big-cl"))
    assert err.reason == "too_large" and "Content-Length" in err.detail


def test_oversized_chunked_refused_while_streaming(server, store, policy):
    err = refused(store, policy, server.url("/big-chunked"))
    assert err.reason == "too_large" and "body exceeds" in err.detail


def test_oversized_without_content_length_refused(server, store, policy):
    err = refused(store, policy, server.raw_base + "/no-cl")
    assert err.reason == "too_large"


def test_content_length_lying_small_never_reads_past_it(server, store, policy):
    # the body beyond the declared length is never read; what was read is garbage -> refused
    err = refused(store, policy, server.raw_base + "/cl-too-small")
    assert isinstance(err, ImageRejected)


def test_content_length_lying_big_is_incomplete(server, store, policy):
    err = refused(store, policy, server.raw_base + "/cl-too-big")
    assert err.reason == "incomplete"


def test_slow_body_hits_total_timeout(server, store, policy):
    t0 = time.monotonic()
    err = refused(store, replace(policy, total_timeout=1.0), server.url("/slow"))
    assert err.reason == "timeout"
    assert time.monotonic() - t0 < 2.5


def test_stalled_body_hits_timeout(server, store, policy):
    t0 = time.monotonic()
    err = refused(store, replace(policy, total_timeout=0.8), server.url("/stall"))
    assert err.reason == "timeout"
    assert time.monotonic() - t0 < 2.0


@pytest.mark.parametrize("code", [404, 500])
def test_http_status_refused(server, store, policy, code):
    err = refused(store, policy, server.url(f"/status/{code}"))
    assert err.reason == "http_status" and isinstance(err, DownloadError) and err.status == code


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x.jpg", "gopher://x/",
                                 "javascript:alert(1)"])
def test_bad_scheme(store, policy, url, connects):
    err = refused(store, policy, url)
    assert err.reason == "bad_scheme"
    assert connects == []


def test_host_header_is_the_name_while_connecting_to_resolved_ip(server, store, policy, connects):
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    pol = replace(policy, resolver=resolver)
    got = fetch_to_store(store, f"http://images.test:{server.port}/host", pol)
    assert got.asset.created
    assert calls == ["images.test"]          # resolved exactly once
    assert connects == [("127.0.0.1", server.port)]


def test_dns_rebinding_cannot_switch_address(server, store, policy, connects):
    """The name is resolved once; a second (rebinding) answer is never asked for."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    pol = replace(policy, resolver=lambda host, port: next(answers))
    fetch_to_store(store, f"http://rebind.test:{server.port}/good.jpg", pol)
    assert connects == [("127.0.0.1", server.port)]


def test_download_alone_returns_hashed_temp(server, tmp_path, policy):
    d = dl.download(server.url("/good.jpg"), tmp_path, policy)
    try:
        assert d.temp_path.parent == tmp_path and d.temp_path.name.startswith(".metarr-tmp-")
        assert d.size == len(server.data["good"]) and d.sha256 == hashlib.sha256(server.data["good"]).hexdigest()
        assert d.final_url == server.url("/good.jpg")
    finally:
        d.temp_path.unlink()


def test_download_of_non_image_leaves_no_temp(server, tmp_path, policy):
    with pytest.raises(DownloadError) as ei:
        dl.download(server.url("/html.jpg"), tmp_path, policy)
    assert ei.value.reason == "not_image"
    assert list(tmp_path.iterdir()) == []


def test_cap_just_above_image_size_ok(server, store, policy):
    pol = replace(policy, max_bytes=len(server.data["good"]))
    assert fetch_to_store(store, server.url("/good.jpg"), pol).asset.size == len(server.data["good"])
    with pytest.raises(DownloadError) as ei:
        fetch_to_store(store, server.url("/good.jpg"), replace(pol, max_bytes=CAP // 1000))
    assert ei.value.reason == "too_large"


def test_https_sni_and_certificate_checked_against_name_not_ip(server, store, policy, connects):
    if not server.tls_port:
        pytest.skip("openssl not available to make a test certificate")
    import ssl
    ctx = ssl.create_default_context(cafile=str(server.tls_ca))
    pol = replace(policy, ssl_context=ctx, resolver=lambda host, port: ["127.0.0.1"])
    got = fetch_to_store(store, f"https://images.test:{server.tls_port}/host", pol)
    assert got.asset.created and connects == [("127.0.0.1", server.tls_port)]
    # same IP, other name: the certificate does not match, so the TLS handshake is refused
    err = refused(type(store)(store.cache_root.parent / "c2"), pol, f"https://other.test:{server.tls_port}/host")
    assert err.reason == "tls"
