"""PDF -> body text with page numbers, using pypdf's text layer.

The body is each page's text, tidied, joined by a line break, so a sentence running on to the
next page is joined again by the clause splitter. ``pages`` maps each page with text to its
character range in the body, ``[[page, start, end], ...]`` (pages numbered from 1, ``end``
exclusive), and ``pages_of`` turns a clause's span into the pages a citation gives.

A PDF whose pages have no text at all (a scan) is refused: OCR is not done here. Encrypted
PDFs open only when they need no password. The work is budgeted (``budget.Budget``): pages are
counted in the page tree before any is read (a tree may share one node many times over, so the
count is summed per node, never by walking every path), and every content-stream operation the
text extraction visits is charged, with the content's bytes, as it goes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import IngestError
from .budget import DEFAULT_BUDGET, Budget, Meter
from .decode import clean_text, tidy_body, what_it_is

HEADER_WINDOW = 1024  # the PDF header may follow a little junk (the spec allows 1,024 bytes)
BYTES_PER_OPERATION = 32  # content bytes charged as one operation, before pypdf parses them
PAGE_SHARE = 10  # one page may use a tenth of the budget: pypdf slows down on long pages


def pdf_to_text(data: bytes, where: str, budget: Budget = DEFAULT_BUDGET
                ) -> tuple[str, dict[str, Any], dict[str, Any], list[str]]:
    """(body, metadata such as the title, provenance with ``pages``, notes)."""
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise IngestError(f"{where}: not a PDF, {what_it_is(data)}",
                          "give the file the suffix of what it is")
    with _pypdf_quiet():
        try:
            texts, title = _read(data, where, budget)
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


def _read(data: bytes, where: str, budget: Budget) -> tuple[list[str], str]:
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
    _count_pages(reader, budget.meter("pages", where))
    operations = budget.meter("operations", where)
    texts = []
    for n, page in enumerate(reader.pages, 1):
        operations.charge(_content_bytes(page) // BYTES_PER_OPERATION)
        on_page = Meter(max(1, operations.limit // PAGE_SHARE),
                        f"content-stream operations on page {n}", operations.option, where)

        def visit(*_: object, on_page: Meter = on_page) -> None:
            on_page.charge()
            operations.charge()
        texts.append(page.extract_text(visitor_operand_before=visit) or "")
    return texts, _title(reader)


def _count_pages(reader, pages: Meter) -> None:
    """Charge the pages of the page tree without listing them: each node's page count is
    summed once, however often other nodes share it (300 x 300 references are 90,000 pages
    in a few kilobytes). A node that contains itself is refused."""
    from pypdf.generic import IndirectObject

    def key(ref: Any) -> Any:
        return (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(ref)

    root = reader.trailer["/Root"].get_object()["/Pages"]
    counts: dict[Any, int] = {}
    open_nodes: set[Any] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        ref, done = stack.pop()
        node, k = ref.get_object(), key(ref)
        kids = node.get("/Kids") if hasattr(node, "get") else None
        kids = list(kids.get_object()) if kids is not None else []
        if done:
            open_nodes.discard(k)
            counts[k] = sum(counts.get(key(kid), 0) for kid in kids) if kids else 1
            if counts[k] > pages.limit:
                pages.charge(counts[k])
            continue
        if k in counts:
            continue
        if k in open_nodes:
            raise IngestError(f"{pages.where}: a damaged PDF whose page tree contains itself",
                              "open and save it again, or export its text")
        open_nodes.add(k)
        stack.append((ref, True))
        stack.extend((kid, False) for kid in kids if key(kid) not in counts)
    pages.charge(counts[key(root)])


def _content_bytes(page) -> int:
    """The decoded size of a page's content streams (pypdf decodes a shared stream once, but
    parses it again for every page that uses it)."""
    from pypdf.generic import ArrayObject

    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    total = 0
    for stream in streams:
        stream = stream.get_object()
        if hasattr(stream, "get_data"):
            total += len(stream.get_data())
    return total


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
