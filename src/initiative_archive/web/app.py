"""The Flask application: one Archive per process, pages from reading.py and citing.py, and
errors as messages on a page (never a traceback)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

from .. import __version__
from ..archive import Archive
from ..errors import AmbiguousNameError, ArchiveBusyError, ArchiveError, NotFoundError, QueryError
from .forms import lang_of
from .state import State

log = logging.getLogger(__name__)
MAX_DRAFT_BYTES = 1_000_000  # a pasted draft for verify; more is refused with a message

#: Scripts, styles and images come from this server only; no inline script runs.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(archive: Archive, trusted_hosts: list[str] | None = None) -> Flask:
    """The web application over ``archive`` (opened once, kept for the process).
    ``trusted_hosts``: the Host names accepted (a guard against DNS rebinding when the
    server listens on this machine only)."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_DRAFT_BYTES, JSON_AS_ASCII=False,
                      TRUSTED_HOSTS=trusted_hosts)
    app.extensions["initiative_archive"] = State(archive)
    app.jinja_env.filters["langof"] = lang_of
    app.jinja_env.globals.update(version=__version__)

    from . import citing, reading

    app.register_blueprint(reading.pages)
    app.register_blueprint(citing.pages)
    app.jinja_env.globals.update(reading.template_helpers())

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.errorhandler(ArchiveError)
    def archive_error(exc: ArchiveError) -> Any:
        status = (400 if isinstance(exc, (QueryError, AmbiguousNameError)) else
                  404 if isinstance(exc, NotFoundError) else
                  503 if isinstance(exc, ArchiveBusyError) else 500)
        return error_page(status, exc.message, exc.hint)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if isinstance(exc, SecurityError):  # an untrusted Host: no page, no links to build
            return Response("This server answers only to the addresses it listens on.\n",
                            400, mimetype="text/plain")
        if exc.code == 413:
            return error_page(413, "the text is too long to check here",
                              f"paste at most {MAX_DRAFT_BYTES // 1000} kB at a time")
        return error_page(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unexpected error on %s", request.path)
        return error_page(500, f"unexpected {type(exc).__name__}: this is a bug in "
                          "initiative-archive", "please report it with the address of the page")

    return app


def error_page(status: int, message: str, hint: str = "") -> Any:
    return render_template("error.html", status=status, message=message, hint=hint,
                           title="Error" if status >= 500 else "Not found" if status == 404
                           else "Cannot do that"), status


def state() -> State:
    from flask import current_app

    return current_app.extensions["initiative_archive"]


def archive() -> Archive:
    return state().archive

