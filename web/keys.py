"""Typed application keys (aiohttp's 'no singletons' data sharing)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from actors.system import Services
from metarr.service.sessions import SessionBook
from metarr.service.throttle import LoginThrottle

from .bridge import Bridge
from .hub import Hub

services_key = web.AppKey("services", Services)
bridge_key = web.AppKey("bridge", Bridge)
hub_key = web.AppKey("hub", Hub)
api_key_key = web.AppKey("api_key", str)
session_secret_key = web.AppKey("session_secret", bytes)


@dataclass
class LoginGuard:
    """Failed logins per address, and a bound on password hashes computed at once."""
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    hashing: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


login_guard_key = web.AppKey("login_guard", LoginGuard)
session_book_key = web.AppKey("session_book", SessionBook)
