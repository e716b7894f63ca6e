"""How large a request body each route takes. One place that the app, the body-limit middleware
and the handlers with limits of their own all read (read as `limits.X`, so a test can lower one)."""
from __future__ import annotations

MAX_BODY = 1024 * 1024               # JSON bodies
MAX_UPLOAD = 50 * 1024 * 1024        # an image upload
MAX_WEBHOOK_BODY = 4 * 1024 * 1024   # a Download with many deleted files is still far below this


def body_limit(path: str) -> int:
    """The largest body a route takes: image uploads and *arr webhooks have their own limits."""
    if path.startswith("/api/v1/webhooks/"):
        return MAX_WEBHOOK_BODY
    if "/artwork/" in path:
        return MAX_UPLOAD
    return MAX_BODY
