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
    timeout, http_status, too_many_redirects, connection, incomplete, not_image, error_page (a web
    page sent instead of the image: the host's error or maintenance page)."""

    reason = "download_error"

    def __init__(self, reason: str | None = None, detail: str = "", url: str | None = None,
                 status: int | None = None, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after   # seconds, from a 429/503's Retry-After
        super().__init__(reason, detail, url)


# answers that say "not now" rather than "no": the host is busy, down or slow, the network dropped
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
TRANSIENT_REASONS = frozenset({"timeout", "connection", "incomplete", "tls", "error_page"})


def is_transient(e: AssetError) -> bool:
    """A failure worth trying again later. Everything else (404/410, not an image, too large, a
    blocked address) is a permanent refusal of that candidate."""
    if isinstance(e, DownloadError) and e.reason == "http_status":
        return e.status in TRANSIENT_STATUSES
    return e.reason in TRANSIENT_REASONS


def reason_code(e: AssetError) -> str:
    """What the candidate records: `http_404`, `timeout`, `not_image`…"""
    if isinstance(e, DownloadError) and e.reason == "http_status" and e.status:
        return f"http_{e.status}"
    return e.reason


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


CANDIDATE_REASONS = {
    "lower_score": "a better-scored image is used", "user_rejected": "you rejected it",
    "not_image": "not an image", "too_large": "too large", "too_many_pixels": "too many pixels",
    "truncated": "the image is truncated", "corrupt": "the image is corrupt", "blocked_address":
    "its address is not allowed", "bad_scheme": "not an http(s) address", "too_many_redirects":
    "too many redirects", "timeout": "the host did not answer in time", "connection": "could not connect",
    "incomplete": "the download broke off", "error_page": "the host sent a web page instead of the image",
}


def describe_candidate_reason(code: str | None) -> str | None:
    """A candidate's reason code in words for the picker (None: it is the slot's image)."""
    if not code:
        return None
    if code.startswith("retrying:"):
        return f"download failed for now ({describe_candidate_reason(code.split(':', 1)[1])}); Metarr tries again"
    if code.startswith("http_"):
        status = code[5:]
        return {"404": "the host no longer has it (404)", "410": "the host no longer has it (410)",
                "429": "the host was busy (429)", "503": "the host was unavailable (503)"}.get(
                    status, f"the host answered HTTP {status}")
    return CANDIDATE_REASONS.get(code, code)
