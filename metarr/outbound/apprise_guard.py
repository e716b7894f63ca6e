"""Apprise notifications through the same address guard as players and plain webhooks.

Apprise's plugins make their own connections (requests, smtplib), so the guard sits where every one
of them asks for an address: `socket.getaddrinfo`. While a notification is sent on this thread,
every address a name resolves to is checked (LAN yes; loopback, link-local, unspecified and other
special addresses only when METARR_ALLOW_HOSTS names them), and the connection can only use the
addresses that were checked, so a DNS answer cannot change between check and connect. Redirects
are resolved again, so they are checked too. Other threads are not affected: the hook passes their
look-ups through untouched. Plugins that do not connect through that path (desktop notifications,
syslog, MQTT, XMPP, IRC…) are refused: they could not be guarded."""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading

from metarr.assets.ssrf import AllowList, ip_allowed
from metarr.outbound.http import OutboundError

_here = threading.local()      # .allow: the policy while this thread sends; .refused: what it refused
_install_lock = threading.Lock()
_real_getaddrinfo = socket.getaddrinfo
# modules whose plugins connect through socket.getaddrinfo without using requests
_GUARDED_MODULES = ("apprise.plugins.email",)


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    infos = _real_getaddrinfo(host, port, *args, **kwargs)
    allow = getattr(_here, "allow", None)
    if allow is None:
        return infos
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not ip_allowed(name, ip, allow, lan=True):
            _here.refused = (f"not sent: {name} resolves to a non-LAN address {ip} "
                             "(METARR_ALLOW_HOSTS can admit it)")
            raise socket.gaierror(socket.EAI_NONAME, _here.refused)
    return infos


def _install() -> None:
    """Put the hook in place once per process (idempotent)."""
    with _install_lock:
        if socket.getaddrinfo is not _guarded_getaddrinfo:
            socket.getaddrinfo = _guarded_getaddrinfo


def guardable(plugin_class: type) -> bool:
    """Does this plugin connect through requests or smtplib (both resolve with socket.getaddrinfo)?"""
    for cls in plugin_class.__mro__:
        module = sys.modules.get(cls.__module__)
        if module is not None and (hasattr(module, "requests") or cls.__module__.startswith(_GUARDED_MODULES)):
            return True
    return False


def _plugin(url: str):
    """The apprise plugin for a URL, or OutboundError(refused=True) saying why there is none."""
    try:
        import apprise  # optional: Discord, Telegram, Pushover, Slack, email … by URL
    except ImportError:
        raise OutboundError("only http(s) webhooks are available; install apprise for other services",
                            refused=True) from None
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise OutboundError("apprise does not understand this URL", refused=True)
    if not guardable(type(plugin)):
        scheme = url.split(":", 1)[0]
        raise OutboundError(f"{scheme}:// notifications cannot go through Metarr's address guard; "
                            "use an http(s) webhook or another apprise service", refused=True)
    return plugin


def problem(url: str) -> str | None:
    """Why a notification URL cannot be used (None: it can), for the channel form."""
    if url.startswith(("http://", "https://")):
        return None
    try:
        _plugin(url)
    except OutboundError as e:
        return str(e)
    return None


def send(url: str, title: str, body: str, allow: AllowList, timeout: float) -> None:
    """Deliver one apprise notification on this thread; OutboundError(refused=True) when the guard
    (or the scheme) refuses it, OutboundError when it could not be delivered."""
    plugin = _plugin(url)
    for attr in ("socket_connect_timeout", "socket_read_timeout"):
        if isinstance(getattr(plugin, attr, None), int | float):
            setattr(plugin, attr, min(getattr(plugin, attr), timeout))
    _install()
    _here.allow, _here.refused = allow, None
    try:
        delivered = plugin.notify(body=body, title=title)
    finally:
        refused, _here.allow, _here.refused = _here.refused, None, None
    if refused:
        raise OutboundError(refused, refused=True)
    if not delivered:
        raise OutboundError("apprise could not deliver the notification")
