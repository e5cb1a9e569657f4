"""The catalogue of third-party texts: what the archive knows of a text it may not carry.

``corpus/catalog.yaml`` names each text (id, titles, dates, issuer, where to download it at a
pinned commit, its SHA-256, how its file is laid out, which clause ids it once had). The text
itself arrives only at run time, through ``fetch``, into ``corpus/external/`` (git-ignored):

    corpus/external/sources/<file>      the downloaded bytes, exactly as catalogued
    corpus/external/documents/<id>.md   their transcription into a corpus document

The catalogue is metadata the project wrote; it holds no words of the texts beyond titles.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .yaml_text import load_yaml

CATALOG_FILE = "catalog.yaml"
EXTERNAL_DIR = "external"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PATH_SEGMENT = re.compile(r"^[a-z]+_\d+(/[a-z]+_\d+)*$")
REQUIRED = ("id", "file", "title", "title_en", "date", "lang", "kind", "issuer", "url", "sha256",
            "rights", "layout")
DATE_KEYS = ("date", "adopted", "promulgated", "amended", "in_force")
LAYOUT_KEYS = ("title_line", "notes", "notes_end", "chapters", "articles")


@dataclass(frozen=True)
class Layout:
    """How a catalogued file is laid out; a file laid out otherwise is refused."""

    title_line: str
    notes: int
    notes_end: str
    chapters: int
    articles: int


@dataclass(frozen=True)
class Entry:
    """One catalogued text."""

    id: str
    file: str
    title: str
    url: str
    sha256: str
    layout: Layout
    data: dict[str, Any] = field(default_factory=dict, compare=False)  # every key, as written

    @property
    def retired_ids(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.data.get("retired_ids") or {}).items()}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass
class Catalog:
    """The catalogue of a corpus; empty when the corpus has none."""

    root: Path
    entries: list[Entry] = field(default_factory=list)
    upstream: dict[str, Any] = field(default_factory=dict)
    title_en_note: str = ""

    @property
    def external(self) -> Path:
        return self.root / EXTERNAL_DIR

    def source_path(self, entry: Entry) -> Path:
        return self.external / "sources" / entry.file

    def document_path(self, entry: Entry) -> Path:
        return self.external / "documents" / f"{entry.id}.md"

    def find(self, doc_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == doc_id), None)

    def missing(self) -> list[Entry]:
        """Catalogued texts with no transcription in the corpus yet: not fetched."""
        return [e for e in self.entries if not self.document_path(e).is_file()]

    def renamed(self, clause_id: str) -> str | None:
        """The id that holds a retired clause id's words now, if the catalogue says."""
        doc_id, _, path = clause_id.partition("/")
        entry = self.find(doc_id)
        target = entry.retired_ids.get(path) if entry else None
        return f"{doc_id}/{target}" if target else None


def load_catalog(root: Path | str, skip_broken: bool = False) -> Catalog:
    """The corpus's catalogue. A broken catalogue is a CorpusError naming the file and line;
    ``skip_broken`` leaves out broken entries instead (``check`` names them)."""
    root = Path(root)
    path = root / CATALOG_FILE
    if not path.is_file():
        return Catalog(root)
    return _build(root, _parse(path), skip_broken)


def _parse(path: Path) -> Any:
    """The YAML of the catalogue file; a CorpusError naming the line when it is broken."""
    import yaml  # for its errors; load_yaml imports it anyway

    try:
        return load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise CorpusError(f"{CATALOG_FILE}: not valid YAML{line}",
                          "fix the catalogue or restore it from git") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{CATALOG_FILE}: cannot read: {exc}") from None


def _build(root: Path, data: Any, skip_broken: bool) -> Catalog:
    if not isinstance(data, dict) or not isinstance(data.get("texts") or [], list):
        raise CorpusError(f"{CATALOG_FILE}: expected a mapping with a 'texts' list")
    catalog = Catalog(root)
    catalog.upstream = data.get("upstream") or {}
    catalog.title_en_note = " ".join(str(data.get("title_en_note") or "").split())
    for n, item in enumerate(data.get("texts") or [], 1):
        problems = entry_problems(item)
        if problems and skip_broken:
            continue
        if problems:
            raise CorpusError(f"{CATALOG_FILE}: text {n}: {problems[0]}",
                              "run 'initiative-archive check' for every problem")
        catalog.entries.append(_entry(item))
    return catalog


def _entry(item: dict[str, Any]) -> Entry:
    layout = item["layout"]
    return Entry(id=item["id"], file=item["file"], title=item["title"], url=item["url"],
                 sha256=item["sha256"], data=item,
                 layout=Layout(**{k: layout[k] for k in LAYOUT_KEYS}))


def entry_problems(item: Any) -> list[str]:
    """What is wrong with one catalogue entry, one phrase each; empty when it is sound."""
    from .corpus import ISO_DATE, KINDS, LANG_TAG, valid_doc_id

    if not isinstance(item, dict):
        return ["is not a mapping of keys"]
    name = item.get("id") or "?"
    out = [f"{name}: lacks {key!r}" for key in REQUIRED if not item.get(key)]
    if out:
        return out
    for key in ("id", "file", "title", "title_en", "lang", "kind", "issuer", "url", "sha256"):
        if not isinstance(item[key], str):
            out.append(f"{name}: {key!r} should be text")
    if out:
        return out
    if not valid_doc_id(item["id"]):
        out.append(f"{name}: invalid id")
    if item["file"] != f"{item['id']}-zh.md" or "/" in item["file"]:
        out.append(f"{name}: file should be {item['id']}-zh.md")
    if not _SHA256.match(item["sha256"]):
        out.append(f"{name}: sha256 is not 64 lower-case hex digits")
    if not item["url"].startswith("https://"):
        out.append(f"{name}: url should be an https address")
    out += [f"{name}: {key} {item[key]!r} is not YYYY[-MM[-DD]]" for key in DATE_KEYS
            if item.get(key) is not None and not ISO_DATE.match(str(item[key]))]
    if not LANG_TAG.match(item["lang"]):
        out.append(f"{name}: lang {item['lang']!r} is not a language tag")
    if item["kind"] not in KINDS:
        out.append(f"{name}: kind {item['kind']!r} is not one of {', '.join(KINDS)}")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        out.append(f"{name}: aliases should be a list of names")
    out += _layout_problems(name, item["layout"])
    out += _retired_problems(name, item.get("retired_ids"))
    return out


def _layout_problems(name: str, layout: Any) -> list[str]:
    if not isinstance(layout, dict):
        return [f"{name}: layout should be a mapping"]
    out = [f"{name}: layout lacks {key!r}" for key in LAYOUT_KEYS if key not in layout]
    for key in ("notes", "chapters", "articles"):
        if key in layout and (not isinstance(layout[key], int) or layout[key] < 0):
            out.append(f"{name}: layout {key} should be a count")
    for key in ("title_line", "notes_end"):
        if key in layout and not isinstance(layout[key], str):
            out.append(f"{name}: layout {key} should be text")
    return out


def _retired_problems(name: str, retired: Any) -> list[str]:
    if retired is None:
        return []
    if not isinstance(retired, dict):
        return [f"{name}: retired_ids should map old clause paths to new ones"]
    return [f"{name}: retired_ids {k!r}: {v!r} is not a clause path" for k, v in retired.items()
            if not (_PATH_SEGMENT.match(str(k)) and _PATH_SEGMENT.match(str(v)))]


def audit_catalog(root: Path | str) -> tuple[list[str], Catalog]:
    """Every problem of the catalogue, for ``check`` (schema, unique ids and files, and ids
    that clash with a document committed to the corpus), and the catalogue of its sound
    entries, from one reading of the file."""
    root = Path(root)
    path = root / CATALOG_FILE
    if not path.is_file():
        return [], Catalog(root)
    try:
        data = _parse(path)
    except CorpusError as exc:
        return [exc.message], Catalog(root)
    items = data.get("texts") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [f"{CATALOG_FILE}: expected a mapping with a 'texts' list"], Catalog(root)
    out = [f"{CATALOG_FILE}: {p}" for item in items for p in entry_problems(item)]
    seen: dict[str, set[object]] = {"id": set(), "file": set()}
    for item in items:
        for key, values in seen.items():
            value = item.get(key) if isinstance(item, dict) else None
            if value is None or not isinstance(value, Hashable):
                continue  # absent, or a list or mapping that entry_problems names
            if value in values:
                out.append(f"{CATALOG_FILE}: {key} {value!r} is catalogued twice")
            values.add(value)
        doc_id = item.get("id") if isinstance(item, dict) else None
        if doc_id and (root / "documents" / f"{doc_id}.md").exists():
            out.append(f"{CATALOG_FILE}: {doc_id!r} is also a document in documents/ "
                       "(a catalogued text is fetched, not committed)")
    return out, _build(root, data, skip_broken=True)
