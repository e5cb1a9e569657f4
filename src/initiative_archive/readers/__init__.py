"""Bytes -> text: decoding, then the format's own reader (Markdown, plain text, HTML, PDF, Word).

``read_source`` returns the text of a file as Markdown-ish body text plus whatever metadata the
file itself carries (front matter, an HTML or PDF title), how it was decoded, and provenance the
reader adds (a PDF's ``pages``: each page's character range in the body). A file is judged by
its bytes, not only its name: a ``.pdf`` that is not a PDF, or a ``.txt`` that is a PNG, is
refused with what it is.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus import split_front_matter
from ..errors import CorpusError, IngestError
from ..textclean import clean_value, has_controls, strip_controls
from .budget import DEFAULT_BUDGET, Budget
from .decode import decode_bytes, sniff_declared, tidy_body
from .html import html_to_text, looks_like_html
from .pdf import pages_of

MARKDOWN = (".md", ".markdown")
PLAIN = (".txt", ".text", "")
HTML = (".html", ".htm", ".xhtml")
PDF = (".pdf",)
WORD = (".docx",)
SUPPORTED = MARKDOWN + PLAIN + HTML + PDF + WORD
from ..limits import MAX_BYTES  # noqa: E402 (one limit, one place)

_OTHER_FORMATS = {".doc": "save it as .docx", ".rtf": "save it as .docx or plain text",
                  ".odt": "save it as .docx", ".wps": "save it as .docx"}

__all__ = ["HTML", "MARKDOWN", "MAX_BYTES", "PDF", "PLAIN", "SUPPORTED", "WORD", "Budget",
           "SourceText", "pages_of", "read_source", "tidy_body", "unsupported"]


@dataclass
class SourceText:
    """A file read as text: its body, the metadata it gives itself, how it was decoded
    (``encoding`` is None for PDF and Word, which carry their own), what was cleaned, and the
    provenance the reader adds (``pages`` for a PDF, ``paragraphs`` for Word)."""

    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = "utf-8"
    format: str = "text"
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    raw: bytes = b""  # the file's bytes, read once: ingest keeps a copy of exactly these


def unsupported(path: Path) -> IngestError | None:
    """Why a file of this name is not read, or None when it may be."""
    suffix = path.suffix.lower()
    if suffix in SUPPORTED:
        return None
    hint = _OTHER_FORMATS.get(suffix, "give Markdown (.md), plain text (.txt), HTML (.html), "
                              "PDF (.pdf) or Word (.docx)")
    return IngestError(f"{path.name}: {suffix} files are not read", hint)


def read_source(path: Path, max_bytes: int = MAX_BYTES,
                budget: Budget = DEFAULT_BUDGET) -> SourceText:
    """A file's text; ``budget`` bounds the work its reader may do (pages, paragraphs...)."""
    refusal = unsupported(path)
    if refusal is not None:
        raise refusal
    data = read_bytes(path, max_bytes)
    source = _as_text(data, path.name, path.suffix.lower(), budget)
    source.raw = data
    return source


def _as_text(data: bytes, where: str, suffix: str, budget: Budget) -> SourceText:
    if suffix in PDF:
        from .pdf import pdf_to_text

        body, meta, provenance, notes = pdf_to_text(data, where, budget)
        return SourceText(body, meta, None, "pdf", notes, provenance)
    if suffix in WORD:
        from .docx import docx_to_text

        body, meta, provenance, notes = docx_to_text(data, where, budget)
        return SourceText(body, meta, None, "docx", notes, provenance)
    declared = sniff_declared(data) if suffix in HTML + PLAIN else None
    text, encoding, notes = decode_bytes(data, where, declared)
    if suffix in HTML or (suffix in PLAIN and looks_like_html(text)):
        body, meta = html_to_text(text)  # character references are decoded only now
        if has_controls(body):
            notes = [*notes, "removed control characters written as character references"]
        return SourceText(strip_controls(body), clean_value(meta), encoding, "html", notes)
    if suffix in MARKDOWN:
        try:
            meta, body, _ = split_front_matter(text, where)
        except CorpusError as exc:
            raise IngestError(exc.message, exc.hint) from None
        except ValueError as exc:  # PyYAML's own dates: 'date: 2020-02-30'
            raise IngestError(f"{where}: broken front matter: {exc}",
                              "fix the value between the '---' lines") from None
        return SourceText(body, meta, encoding, "markdown", notes)
    return SourceText(text, {}, encoding, "text", notes)


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, refusing one over ``max_bytes`` (never reading more). The file
    is opened once, without following a link (paths are resolved when listed, so a file
    swapped for a link since is refused), and checked on the open handle."""
    where = path.name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError(f"{where}: is a link (a file swapped for a link is not read)"
                              ) from None
        raise IngestError(f"{where}: cannot read it ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise IngestError(f"{where}: not a regular file")
        if info.st_size > max_bytes:
            raise _too_large(where, info.st_size, max_bytes)
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise IngestError(f"{where}: cannot read it ({exc.strerror})") from None
    if len(data) > max_bytes:  # it grew since it was measured
        raise _too_large(where, len(data), max_bytes)
    return data


def _too_large(where: str, size: int, max_bytes: int) -> IngestError:
    return IngestError(f"{where}: {size:,} bytes is over the limit of {max_bytes:,} bytes",
                       "raise it with --max-bytes")
