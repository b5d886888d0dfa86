"""What a failed connection or request says in the header: a short reason a trader can act on
("host name not found", "connection refused"), not a library's exception class.  Never a URL:
some carry an API key."""

from __future__ import annotations

import socket
import ssl

from websockets.exceptions import ConnectionClosed


def describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionClosed):
        return f"server closed the connection (code {exc.rcvd.code})" if exc.rcvd else "connection lost"
    cause = getattr(exc, "os_error", None) or exc  # aiohttp wraps the socket error
    if isinstance(cause, socket.gaierror):
        return "host name not found (DNS)"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, ConnectionResetError):
        return "connection reset"
    if isinstance(cause, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:120] or type(exc).__name__
