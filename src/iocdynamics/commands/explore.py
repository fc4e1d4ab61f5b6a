"""``iocdyn explore [SCENARIO] [--port N] [--host ADDRESS]``: the live explorer."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("explore", help="serve a live explorer page: move a lever, see the "
                                       "partnership change")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario TOML file to show first (default: the registry defaults)")
    p.add_argument("--port", type=int, default=None,
                   help="port to listen on (default: a free port chosen by the system)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; "
                        "0.0.0.0 shares the page with your network, with no log-in)")
    p.set_defaults(func=_explore)


def _explore(args) -> int:
    from ..explore.server import serve

    if args.port is not None and not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port} is not a port number; use 1 to 65535, or "
                         "leave it out for a free port")
    serve(args.scenario, host=args.host, port=args.port)
    return 0
