"""``initiative-archive serve``: bind, warm up, print the address, serve until Ctrl-C."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from ..archive import Archive
from ..errors import ArchiveError

LOCAL_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(archive: Archive, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve ``archive`` on host:port (threads, one Archive) until interrupted. On this
    machine only, unless ``host`` says otherwise: then any Host header is accepted, and a
    warning is printed."""
    from werkzeug.serving import make_server

    from .app import create_app

    local = is_loopback(host)
    app = create_app(archive, trusted_hosts=LOCAL_NAMES if local else None)
    try:  # bound here, so a busy port is one error line (werkzeug would print and exit)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host.strip("[]"), port), family=family)
    except OSError as exc:
        raise ArchiveError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                           "give another --port, or stop the program using it") from None
    with listener:
        server = make_server(host, port, app, threaded=True, fd=listener.fileno())
    if not local:
        say(f"warning: listening on {host}: other machines can reach this archive")
    say("bringing the index up to date...")
    archive.ensure_index()
    archive.search("library", limit=1)  # loads the analyser, so the first search is quick
    app.extensions["initiative_archive"].themes.start()
    shown = f"[{host}]" if ":" in host else host
    say(f"Serving the archive at http://{shown}:{server.socket.getsockname()[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
