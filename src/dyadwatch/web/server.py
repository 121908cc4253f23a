"""Running the dashboard: open the database read-only and serve it with uvicorn."""

from __future__ import annotations

import socket

import uvicorn

from dyadwatch.errors import UserError
from dyadwatch.web.app import create_app

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _check_port(host: str, port: int) -> None:
    """Fail early, in one line, when the address cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"--host {host!r} is not an address ({exc.strerror})",
                        hint="use 127.0.0.1, or an address of this machine") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port} ({exc.strerror})",
                            hint="pick another --port, or stop the program using it") from None


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info"
          ) -> None:
    """Serve ``db`` on ``host:port`` until interrupted. A host other than the loopback one
    accepts any Host header (the user chose to expose it)."""
    allowed = None if host in LOCAL_HOSTS else ["*"]
    app = create_app(db, allowed_hosts=allowed)
    _check_port(host, port)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
