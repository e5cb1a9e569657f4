"""``fetch``: bring the catalogued third-party texts into the corpus at run time.

For each catalogued text: read its bytes from the pinned download address, or from a mirror (a
folder, or an http(s) base address, holding the same file names flat); stream them into a
temporary file beside their place while hashing and counting; refuse them unless the SHA-256 is
the catalogue's, they are UTF-8, within the ingest limits and laid out as catalogued; only then
rename them into ``corpus/external/sources/`` and write their transcription into
``corpus/external/documents/``. An interrupted or refused download is never used. A text already
present with the right hash is not downloaded again; its transcription is renewed only when the
catalogue changed.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from . import __version__
from .atomic import ensure_folder, publish, temporary_beside, write_atomic
from .catalog import Catalog, Entry, load_catalog
from .clauses import NOTES_END, split_clauses
from .corpus import render_document
from .errors import ArchiveError, IngestError, NotFoundError
from .ingest import Limits, check_shape, corpus_lock
from .model import Document

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0

Progress = Callable[[str, int, int], None]  # (text id, bytes so far, bytes expected)


class FetchError(ArchiveError):
    """Nothing can be fetched at all (no network and no mirror, say)."""


class _Refused(Exception):
    """One text cannot be fetched; the others go on."""


@dataclass
class FetchOutcome:
    """What happened to one catalogued text."""

    doc_id: str
    status: str  # fetched, updated, unchanged, refused
    reason: str = ""
    origin: str = ""
    size: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"doc_id": self.doc_id, "status": self.status, "reason": self.reason,
                "origin": self.origin, "bytes": self.size}


def _quiet(_id: str, _done: int, _total: int) -> None:
    pass


class UnknownIdsError(NotFoundError):
    """Ids that name no catalogued text."""

    def __init__(self, unknown: list[str], catalogued: list[str]) -> None:
        super().__init__(f"not in the catalogue: {', '.join(unknown)}; catalogued: "
                         f"{', '.join(catalogued) or 'none'}")
        self.unknown = unknown
        self.catalogued = catalogued


def select(catalog: Catalog, ids: list[str]) -> list[Entry]:
    """The entries named (all of them when none is), in catalogue order. Raises
    UnknownIdsError when an id is not catalogued, NotFoundError when nothing is."""
    unknown = [i for i in ids if catalog.find(i) is None]
    if unknown:
        raise UnknownIdsError(unknown, [e.id for e in catalog.entries])
    if not catalog.entries:
        raise NotFoundError(f"no catalogued texts in {catalog.root}",
                            "the catalogue is corpus/catalog.yaml")
    return [e for e in catalog.entries if not ids or e.id in ids]


def fetch(corpus_root: Path, ids: list[str] | None = None, mirror: str | None = None,
          limits: Limits | None = None, progress: Progress = _quiet) -> list[FetchOutcome]:
    """Fetch the named catalogued texts (all when none is named); the caller updates the
    index. Raises FetchError when the network cannot be reached and no mirror is given."""
    catalog = load_catalog(corpus_root)
    return fetch_entries(catalog, select(catalog, list(ids or [])), mirror, limits, progress)


def fetch_entries(catalog: Catalog, entries: list[Entry], mirror: str | None = None,
                  limits: Limits | None = None, progress: Progress = _quiet
                  ) -> list[FetchOutcome]:
    """Fetch these entries of an already loaded catalogue (``select`` names them), as
    ``fetch`` does."""
    limits = limits or Limits()
    outcomes: list[FetchOutcome] = []
    with corpus_lock(catalog.root):
        for n, entry in enumerate(entries):
            try:
                outcomes.append(_fetch_one(catalog, entry, mirror, limits, progress))
            except FetchError as exc:
                if all(o.status == "refused" for o in outcomes):
                    raise  # nothing could be had at all: one line, nothing written
                outcomes += [FetchOutcome(e.id, "refused", reason=f"{exc.message} ({exc.hint})")
                             for e in entries[n:]]
                break
    return outcomes


def _fetch_one(catalog: Catalog, entry: Entry, mirror: str | None, limits: Limits,
               progress: Progress) -> FetchOutcome:
    target = catalog.source_path(entry)
    try:
        if target.is_file():  # fetched before: read once, to hash and then to transcribe
            kept = target.read_bytes()
            if hashlib.sha256(kept).hexdigest() == entry.sha256:
                return _renew(catalog, entry, _decode(kept, entry))
        origin = _origin(entry, mirror)
        with _download(origin, entry, catalog, limits, progress) as (handle, tmp, data):
            text = _accept(data, entry, limits)
            document = transcribe(entry, text, catalog)
            publish(handle, tmp, target)
        _write_document(catalog, entry, document)
        return FetchOutcome(entry.id, "fetched", origin=origin, size=len(data))
    except _Refused as exc:
        return FetchOutcome(entry.id, "refused", reason=str(exc))


def _origin(entry: Entry, mirror: str | None) -> str:
    if mirror is None:
        return entry.url
    if mirror.startswith(("http://", "https://")):
        return f"{mirror.rstrip('/')}/{urllib.parse.quote(entry.file)}"
    return str(Path(mirror) / entry.file)


@contextmanager
def _download(origin: str, entry: Entry, catalog: Catalog, limits: Limits,
              progress: Progress) -> Iterator[tuple[IO, Path, bytes]]:
    """The bytes of ``origin``, written aside beside their place as they arrive."""
    target = catalog.source_path(entry)
    with _open_origin(origin, entry) as (stream, expected):
        ensure_folder(target.parent, catalog.root)
        with temporary_beside(target) as (handle, tmp):
            data = _copy(stream, handle, entry, expected, limits, progress)
            yield handle, tmp, data


@contextmanager
def _open_origin(origin: str, entry: Entry) -> Iterator[tuple[IO, int | None]]:
    if not origin.startswith(("http://", "https://")):
        path = Path(origin)
        if not path.is_file():
            raise _Refused(f"the mirror has no {entry.file} ({path.parent})")
        with open(path, "rb") as stream:
            yield stream, path.stat().st_size
        return
    try:
        response = urllib.request.urlopen(origin, timeout=TIMEOUT_SECONDS)  # noqa: S310
    except urllib.error.HTTPError as exc:
        raise _Refused(f"{_host(origin)} answered {exc.code} {exc.reason} for {entry.file}"
                       ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot reach {_host(origin)}: {reason}",
                         "no network? fetch from a copy of the files: --mirror DIR|URL") from None
    with response:
        length = response.headers.get("Content-Length")
        yield response, int(length) if length and length.isdigit() else None


def _copy(stream: IO, handle: IO, entry: Entry, expected: int | None, limits: Limits,
          progress: Progress) -> bytes:
    chunks, size = [], 0
    while True:
        try:
            chunk = stream.read(CHUNK)
        except (http.client.IncompleteRead, OSError) as exc:
            raise _Refused(f"the download of {entry.file} broke off after {size:,} bytes "
                           f"({type(exc).__name__})") from None
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_bytes:
            raise _Refused(f"{entry.file} is larger than the limit of {limits.max_bytes:,} "
                           "bytes")
        handle.write(chunk)
        chunks.append(chunk)
        progress(entry.id, size, expected or entry.get("bytes") or 0)
    if expected is not None and size != expected:
        raise _Refused(f"the download of {entry.file} broke off: {size:,} of {expected:,} bytes")
    return b"".join(chunks)


def _accept(data: bytes, entry: Entry, limits: Limits) -> str:
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise _Refused(f"{entry.file}: SHA-256 {digest} is not the catalogue's {entry.sha256}")
    text = _decode(data, entry)
    try:
        check_shape(text, entry.file, limits)
    except IngestError as exc:
        raise _Refused(exc.message) from None
    return text


def _decode(data: bytes, entry: Entry) -> str:
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise _Refused(f"{entry.file} is not UTF-8 (byte {exc.start})") from None


def _renew(catalog: Catalog, entry: Entry, text: str) -> FetchOutcome:
    """A text fetched before: its transcription rewritten only if the catalogue changed."""
    changed = _write_document(catalog, entry, transcribe(entry, text, catalog))
    return FetchOutcome(entry.id, "updated" if changed else "unchanged")


def _write_document(catalog: Catalog, entry: Entry, document: Document) -> bool:
    """Write the transcription if it differs from what is there; whether it did."""
    path = catalog.document_path(entry)
    rendered = render_document(document).encode("utf-8")
    if path.is_file() and path.read_bytes() == rendered:
        return False
    ensure_folder(path.parent, catalog.root)
    write_atomic(path, rendered)
    return True


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


# -- transcription -------------------------------------------------------------------------------


def transcribe(entry: Entry, text: str, catalog: Catalog) -> Document:
    """The corpus document of a catalogued file: the catalogue's metadata, then the file's text
    unchanged. Refused (``_Refused``) when the file is not laid out as catalogued."""
    _check_layout(entry, text)
    data = entry.data
    meta = {key: data[key] for key in ("title_en", "adopted", "promulgated", "amended",
                                       "in_force", "issuer_en", "official_page") if data.get(key)}
    if catalog.title_en_note:
        meta["title_en_note"] = catalog.title_en_note
    meta["catalogued"] = True
    upstream = catalog.upstream
    source = {
        "file": catalog.source_path(entry).relative_to(catalog.root).as_posix(),
        "title": entry.title,
        "author": data.get("issuer"),
        "date": data.get("date"),
        "url": entry.url,
        "official_page": data.get("official_page"),
        "repository": upstream.get("repository"),
        "commit": upstream.get("commit"),
        "upstream_path": data.get("path"),
        "upstream_origin": upstream.get("origin"),
        "sha256": entry.sha256,
        "rights": " ".join(str(data.get("rights") or "").split()),
        "notes": [" ".join(str(n).split()) for n in data.get("notes") or []] + [
            f"Transcribed by initiative-archive {__version__} fetch from the catalogue "
            "(corpus/catalog.yaml): the body is the downloaded file, unchanged; its title notes "
            f"(题注) end at '{NOTES_END}'."],
    }
    return Document(
        id=entry.id, title=entry.title, body=text, date=str(data.get("date") or ""),
        lang=str(data.get("lang")), kind=str(data.get("kind")), issuer=str(data.get("issuer")),
        aliases=[str(a) for a in data.get("aliases") or []],
        source={k: v for k, v in source.items() if v}, meta=meta,
    )


def _check_layout(entry: Entry, text: str) -> None:
    layout = entry.layout
    lines = text.split("\n")
    problems = []
    if lines[0].rstrip() != layout.title_line:
        problems.append(f"its first line is not {layout.title_line!r}")
    if layout.notes_end not in (line.strip() for line in lines):
        problems.append(f"it has no {layout.notes_end!r} line")
    chapters = sum(1 for line in lines if line.startswith("## "))
    if chapters != layout.chapters:
        problems.append(f"{chapters} chapter headings, not {layout.chapters}")
    clauses = split_clauses(text, entry.id, str(entry.get("lang")))
    notes = sum(1 for c in clauses if c.role == "note")
    if notes != layout.notes:
        problems.append(f"{notes} title notes, not {layout.notes}")
    articles = [c.id for c in clauses if c.unit == "article"]
    wanted = [f"{entry.id}/art_{n}" for n in range(1, layout.articles + 1)]
    if articles != wanted:
        problems.append(f"articles {_span(articles)}, not 1-{layout.articles} without gaps")
    if problems:
        raise _Refused(f"{entry.file} is not laid out as catalogued: {'; '.join(problems)}")


def _span(article_ids: list[str]) -> str:
    if not article_ids:
        return "none"
    first, last = (i.rsplit("art_", 1)[1] for i in (article_ids[0], article_ids[-1]))
    return f"{first}-{last} ({len(article_ids)})"
