"""Serving the explorer: a local web server on a free loopback port by default."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ..scenario import Scenario

DEFAULT_HOST = "127.0.0.1"
"""Loopback only: the page has no log-in, so by default nobody else can reach it."""


def make_server(scenario: str | Path | Scenario | None = None, host: str = DEFAULT_HOST,
                port: int | None = None):
    """Build the app and bind a threaded WSGI server to ``host:port``.

    Parameters
    ----------
    scenario : path or Scenario, optional
        Shown first (default: the registry defaults).
    host : str
        Interface to listen on (default loopback only).
    port : int, optional
        Port; ``None`` or 0 lets the system choose a free one.

    Returns
    -------
    werkzeug.serving.BaseWSGIServer
        Call ``serve_forever()`` to serve and ``shutdown()`` to stop; ``server_port``
        is the port bound.
    """
    from werkzeug.serving import make_server as _make

    from .app import build_app, warm_up

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = build_app(scenario)
    warm_up(app)
    return _make(host, int(port or 0), app.server, threaded=True)


def url_of(server, host: str) -> str:
    """The address to open in a browser."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{server.server_port}/"


def serve(scenario: str | Path | Scenario | None = None, host: str = DEFAULT_HOST,
          port: int | None = None) -> None:
    """Serve the explorer until interrupted, printing its address first."""
    server = make_server(scenario, host, port)
    print(f"iocdyn explore: open {url_of(server, host)} in a browser (Ctrl+C to stop)",
          flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"iocdyn explore: listening on {host}: anyone who can reach this machine's "
              f"port {server.server_port} can use the page (there is no log-in).",
              file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
