"""Bytes -> text: decoding, then the format's own reader (Markdown, plain text, HTML).

``read_source`` returns the text of a file as Markdown-ish body text plus whatever metadata the
file itself carries (front matter, an HTML title), and the encoding it was decoded with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus import split_front_matter
from ..errors import CorpusError, IngestError
from .decode import decode_bytes
from .html import html_to_text, looks_like_html

MARKDOWN = (".md", ".markdown")
PLAIN = (".txt", ".text", "")
HTML = (".html", ".htm", ".xhtml")
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class SourceText:
    """A file read as text: its body, the metadata it gives itself, how it was decoded."""

    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    encoding: str = "utf-8"
    format: str = "text"
    notes: list[str] = field(default_factory=list)


def read_source(path: Path, max_bytes: int = MAX_BYTES) -> SourceText:
    where = path.name
    if not path.is_file():
        raise IngestError(f"{where}: not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(f"{where}: {size} bytes is over the limit of {max_bytes}",
                          "raise it with --max-bytes")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix not in MARKDOWN + PLAIN + HTML:
        raise IngestError(f"{where}: {suffix} files are not read",
                          "give Markdown (.md), plain text (.txt) or HTML (.html)")
    text, encoding, notes = decode_bytes(data, where)
    if suffix in HTML or (suffix in PLAIN and looks_like_html(text)):
        body, meta = html_to_text(text)
        return SourceText(body, meta, encoding, "html", notes)
    if suffix in MARKDOWN:
        try:
            meta, body, _ = split_front_matter(text, where)
        except CorpusError as exc:
            raise IngestError(exc.message, exc.hint) from None
        return SourceText(body, meta, encoding, "markdown", notes)
    return SourceText(text, {}, encoding, "text", notes)
