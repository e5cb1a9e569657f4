"""PDF -> body text with page numbers, using pypdf's text layer.

The body is each page's text, tidied, joined by a line break, so a sentence running on to the
next page is joined again by the clause splitter. ``pages`` maps each page with text to its
character range in the body, ``[[page, start, end], ...]`` (pages numbered from 1, ``end``
exclusive), and ``pages_of`` turns a clause's span into the pages a citation gives.

A PDF whose pages have no text at all (a scan) is refused: OCR is not done here. Encrypted
PDFs open only when they need no password.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import IngestError
from .decode import clean_text, tidy_body, what_it_is

HEADER_WINDOW = 1024  # the PDF header may follow a little junk (the spec allows 1,024 bytes)


def pdf_to_text(data: bytes, where: str) -> tuple[str, dict[str, Any], dict[str, Any],
                                                  list[str]]:
    """(body, metadata such as the title, provenance with ``pages``, notes)."""
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise IngestError(f"{where}: not a PDF, {what_it_is(data)}",
                          "give the file the suffix of what it is")
    with _pypdf_quiet():
        try:
            texts, title = _read(data, where)
        except IngestError:
            raise
        except Exception as exc:  # pypdf raises assorted errors on damaged files
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise IngestError(f"{where}: a damaged PDF that cannot be read ({first})",
                              "open and save it again, or export its text") from None
    notes: list[str] = []
    cleaned, dirty = [], []
    for n, text in enumerate(texts, 1):
        text, page_notes = clean_text(text, where, strict=False)
        if page_notes:
            dirty.append(n)
        cleaned.append(tidy_body(text).strip("\n"))
    if dirty:
        notes.append(f"removed control characters (unmapped glyphs?) on page"
                     f"{'s' if len(dirty) > 1 else ''} {_ranges(dirty)}")
    if not any(t.strip() for t in cleaned):
        raise IngestError(f"{where}: no text layer in its {len(texts)} page"
                          f"{'s' if len(texts) != 1 else ''} (a scanned PDF?)",
                          "OCR is not done here: run OCR (e.g. ocrmypdf) and ingest the result")
    body, pages = join_pages(cleaned)
    empty = [n for n, t in enumerate(cleaned, 1) if not t.strip()]
    if empty:
        notes.append(f"no text on page{'s' if len(empty) > 1 else ''} {_ranges(empty)} "
                     "(scanned? OCR is not done here)")
    meta = {"title": title} if title else {}
    return body, meta, {"pages": pages, "page_count": len(texts)}, notes


def join_pages(texts: list[str]) -> tuple[str, list[list[int]]]:
    """The body and each non-empty page's ``[page, start, end]`` in it."""
    parts: list[str] = []
    pages: list[list[int]] = []
    offset = 0
    for n, text in enumerate(texts, 1):
        if not text.strip():
            continue
        if parts:
            offset += 1  # the line break joining it to the page before
        pages.append([n, offset, offset + len(text)])
        parts.append(text)
        offset += len(text)
    return "\n".join(parts) + "\n", pages


def pages_of(pages: list[list[int]], span: tuple[int, int]) -> list[int]:
    """The pages a span of the body falls on (empty when the source has no pages)."""
    start, end = span
    return [n for n, s, e in pages if s < max(end, start + 1) and start < e]


def _read(data: bytes, where: str) -> tuple[list[str], str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # e.g. AES without the cryptography package
            opened = False
        if not opened:
            raise IngestError(f"{where}: an encrypted PDF that needs a password",
                              "save an unencrypted copy and ingest that")
    texts = [page.extract_text() or "" for page in reader.pages]
    return texts, _title(reader)


def _title(reader) -> str:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a damaged Info dictionary costs the title, not the text
        return ""
    if not isinstance(title, str):
        return ""
    title = " ".join(title.split())
    return title if 0 < len(title) <= 200 and title.isprintable() else ""


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


@contextlib.contextmanager
def _pypdf_quiet() -> Iterator[None]:
    """pypdf reports each oddity of a damaged file through logging and warnings; the reader
    judges the file itself, so they are kept off the user's terminal while it reads."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
