"""Download + verify + store in one call, with the guarantee that a refusal leaves nothing."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from metarr.assets.download import DownloadPolicy, download
from metarr.assets.store import AssetStore, StoredAsset


@dataclass(frozen=True)
class FetchedAsset:
    asset: StoredAsset
    url: str                  # as requested (the candidate's URL)
    final_url: str            # after redirects (e.g. CAA -> archive.org)
    content_type: str | None  # as served; informational only, the sniffed format decides


def fetch_to_store(store: AssetStore, url: str, policy: DownloadPolicy, kind: str = "assets") -> FetchedAsset:
    """Raises DownloadError or ImageRejected (both AssetError with `.reason`); stores nothing then."""
    d = download(url, store.staging_dir, policy)
    try:
        asset = store.ingest_file(d.temp_path, kind, move=True, expected_sha256=d.sha256)
    finally:
        with contextlib.suppress(FileNotFoundError):
            d.temp_path.unlink()
    return FetchedAsset(asset=asset, url=url, final_url=d.final_url, content_type=d.content_type)
