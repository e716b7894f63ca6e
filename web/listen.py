"""The listening socket of `metarr serve` and `metarr demo`, bound before anything starts: a port
in use is one clear line, not "listening" and "actors started" followed by a traceback."""
from __future__ import annotations

import errno
import socket
import sys


def bind(host: str, port: int, hint: str) -> socket.socket | None:
    """The bound, listening socket, or None after one line on stderr saying why not (`hint`: how
    to choose another port)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        why = f"address already in use (another service on that port? {hint})" \
            if e.errno == errno.EADDRINUSE else (e.strerror or str(e))
        print(f"metarr: cannot listen on {host}:{port}: {why}", file=sys.stderr)
        return None
    return sock
