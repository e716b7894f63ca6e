"""Secrets never leave through text: every secret value this process holds (provider keys from the
environment or the UI, player tokens and passwords, credentials in notification URLs, the API key,
the session secret) is remembered here, and `scrub` takes them out of any text before it becomes an
error message, a log line, an event, a stored job error or an API answer. Also, whatever was
remembered: the value of a URL query parameter named like a credential (`api_key=`, `X-Plex-Token=`)
and the password in a URL's user info.

Process-wide by nature, like logging (a secret is known to the process, whichever part learnt it),
hence one documented module-level `SECRETS`; remember a secret when it is read or set, so that it is
known from the first start and in every process."""
from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

MASK = "***"
MIN_LENGTH = 6   # shorter values are words, not secrets: masking them would mangle ordinary text
# query parameters whose value is a credential, in any URL inside any text
_PARAM = re.compile(r"(?i)([?&;][^=&\s\"'<>]*?(?:key|token|password|passwd|secret|signature)=)"
                    r"([^&\s\"'<>#]+)")   # a name ending so: api_key, apikey, X-Plex-Token, client_secret
_USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@\"'<>]*:)([^@\s/\"'<>]+)(@)")


class Secrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern | None = None

    def remember(self, *values: str | bytes | None) -> None:
        """Values to mask from now on (with their URL-encoded spellings); too-short ones are skipped."""
        new = set()
        for v in values:
            if isinstance(v, bytes):
                v = v.hex()
            if not v or len(v) < MIN_LENGTH:
                continue
            new.update({v, quote(v, safe=""), quote_plus(v)})
        with self._lock:
            if new <= self._values:
                return
            self._values |= new
            # longest first: a secret containing another is masked whole
            alts = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(a) for a in alts))

    def scrub(self, text: str) -> str:
        if not text:
            return text
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if "=" in text:
            text = _PARAM.sub(lambda m: m.group(1) + MASK, text)
        if "@" in text:
            text = _USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
        return text


SECRETS = Secrets()


def remember(*values: str | bytes | None) -> None:
    SECRETS.remember(*values)


def scrub(text: str) -> str:
    return SECRETS.scrub(text)


def describe(exc: BaseException, with_type: bool = False) -> str:
    """An exception as text, secrets masked: what every error message is made of."""
    text = f"{type(exc).__name__}: {exc}" if with_type else str(exc)
    return SECRETS.scrub(text)


def scrub_data(value: Any) -> Any:
    """`value` with every string in it scrubbed (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return SECRETS.scrub(value)
    if isinstance(value, dict):
        return {k: scrub_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_data(v) for v in value)
    return value


def url_secrets(url: str | None) -> list[str]:
    """The parts of a notification URL that are credentials: the user info's password, credential-
    named query values, and token-like parts (a Discord or Slack webhook's token, a Telegram bot
    token), which apprise URLs carry in the host and path."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    out = [m.group(2) for m in _PARAM.finditer("?" + (parts.query or ""))]
    userinfo = parts.netloc.rpartition("@")[0]
    if ":" in userinfo:
        out.append(userinfo.split(":", 1)[1])
    words = re.split(r"[/:@]", ("" if parts.scheme in ("http", "https") else parts.netloc) + "/" + parts.path)
    out += [w for w in words if len(w) >= 16 and "." not in w
            and any(c.isdigit() for c in w) and any(c.isalpha() for c in w)]
    return [s for s in out if s]
