"""Running the dashboard: open the database read-only and serve it with uvicorn."""

from __future__ import annotations

import json
import os
import socket

import uvicorn
from fastapi import FastAPI

from dyadwatch.errors import UserError
from dyadwatch.web.app import DEFAULT_CACHE_MB, create_app, open_read_only

_ENV = "DYADWATCH_SERVE"  # how `serve --workers N` hands its settings to the worker processes

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


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info",
          cache_mb: float = DEFAULT_CACHE_MB, workers: int = 1) -> None:
    """Serve ``db`` on ``host:port`` until interrupted. A host other than the loopback one
    accepts any Host header (the user chose to expose it). ``workers`` > 1 runs that many
    uvicorn worker processes, each opening the file read-only with its own aggregate and
    cache."""
    allowed = None if host in LOCAL_HOSTS else ["*"]
    if workers <= 1:
        app = create_app(db, allowed_hosts=allowed, cache_mb=cache_mb)
        _check_port(host, port)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
        return
    open_read_only(db).close()  # a bad file is one clear error here, not one per worker
    _check_port(host, port)
    os.environ[_ENV] = json.dumps({"db": db, "allowed_hosts": allowed, "cache_mb": cache_mb})
    uvicorn.run("dyadwatch.web.server:worker_app", factory=True, host=host, port=port,
                workers=workers, log_level=log_level, access_log=False)


def worker_app() -> FastAPI:
    """The app of one worker process of ``serve(..., workers=N)`` (settings from the
    environment its parent set)."""
    settings = json.loads(os.environ[_ENV])
    return create_app(settings["db"], allowed_hosts=settings["allowed_hosts"],
                      cache_mb=settings["cache_mb"])
