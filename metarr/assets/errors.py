"""Typed refusals of the asset pipeline. `.reason` is a stable machine code the DB/UI can store."""
from __future__ import annotations


class AssetError(Exception):
    """Base class: every refusal carries a short stable `reason` and a human `detail`."""

    reason: str = "asset_error"

    def __init__(self, reason: str | None = None, detail: str = "", url: str | None = None) -> None:
        self.reason = reason or type(self).reason
        self.detail = detail
        self.url = url
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)


class DownloadError(AssetError):
    """Download refused or failed. Reasons: blocked_address, bad_scheme, bad_url, too_large,
    timeout, http_status, too_many_redirects, connection, incomplete, not_image."""

    reason = "download_error"

    def __init__(self, reason: str | None = None, detail: str = "", url: str | None = None,
                 status: int | None = None) -> None:
        self.status = status
        super().__init__(reason, detail, url)


class BlockedAddress(DownloadError):
    reason = "blocked_address"


class BadScheme(DownloadError):
    reason = "bad_scheme"


class TooLarge(DownloadError):
    reason = "too_large"


class DownloadTimeout(DownloadError):
    reason = "timeout"


class HTTPStatusError(DownloadError):
    reason = "http_status"


class TooManyRedirects(DownloadError):
    reason = "too_many_redirects"


class ImageRejected(AssetError):
    """Content is not an acceptable image. Reasons: not_image, unsupported_format,
    too_many_pixels, too_large, truncated, corrupt."""

    reason = "image_rejected"
