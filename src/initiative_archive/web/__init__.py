"""The local web interface (``initiative-archive serve``): search, read, compare, follow
recurrences, cite and verify in a browser, on the researcher's own machine.

A client of the library like the CLI: every page calls ``Archive`` (search, lookup, recur,
compare, themes, citable + cite, verify_all, listing) and renders what comes back with Jinja2
templates, autoescaped. Plain HTML forms do the work, so reading and searching need no
JavaScript; a little script adds copy buttons and citations loaded in place. Nothing is fetched
from the internet.

* ``app.py``: the application: one ``Archive`` per process, error pages, security headers.
* ``state.py``: what the process keeps: the index lock, themes computed once in the background.
* ``forms.py``: query strings -> ``Filters`` and paging; highlights and diffs as marked runs.
* ``reading.py``: search, documents, clauses, compare, recurrences, themes, sources.
* ``citing.py``: citations, their download, quotation checks.
* ``server.py``: ``serve``: bind (127.0.0.1 by default), warm up, print the URL, run.
"""

from __future__ import annotations

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
