"""Typed application keys (aiohttp's 'no singletons' data sharing)."""
from __future__ import annotations

from aiohttp import web

from actors.system import Services

from .bridge import Bridge
from .hub import Hub

services_key = web.AppKey("services", Services)
bridge_key = web.AppKey("bridge", Bridge)
hub_key = web.AppKey("hub", Hub)
api_key_key = web.AppKey("api_key", str)
session_secret_key = web.AppKey("session_secret", bytes)
