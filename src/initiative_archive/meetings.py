"""Meeting records and meeting series: structured YAML beside the documents.

A meeting has a series, a number, dates, a place, a host, a theme, participants, the documents
it adopted (by id) and ``statements``: each fact with the source that states it. Where sources
disagree, each statement is kept; the top-level field holds the archive's reading and the
statements say who said what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import _plain, expect_types, guard_yaml, normalise_date
from .errors import CorpusError, NotFoundError
from .language import name_key
from .model import Document
from .yaml_text import load_yaml

RECORD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,), "series": (str,), "title": (str,), "title_zh": (str,), "name": (str,),
    "name_zh": (str,), "aliases": (list,), "date": (str, int), "end_date": (str, int),
    "founded": (str, int), "place": (str,), "host": (str,), "theme": (str,), "adopted": (list,),
    "meetings": (list,), "statements": (list,), "number": (int, str),
    "participants": (dict, list, str, int), "organisers": (list, str),
}


@dataclass
class Record:
    """A meeting or a series: its id, its fields as written, and the file it came from."""

    id: str
    data: dict[str, Any]
    path: str

    @property
    def title(self) -> str:
        return str(self.data.get("title") or self.data.get("name") or self.id)

    @property
    def date(self) -> str:
        return normalise_date(self.data.get("date") or self.data.get("founded"))

    @property
    def series(self) -> str:
        return str(self.data.get("series") or "")

    @property
    def adopted(self) -> list[str]:
        return [str(d) for d in self.data.get("adopted") or []]

    def names(self) -> list[str]:
        names = [self.id, self.title, str(self.data.get("title_zh") or ""),
                 str(self.data.get("name_zh") or "")]
        return [n for n in names + [str(a) for a in self.data.get("aliases") or []] if n]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **{k: v for k, v in self.data.items() if k != "id"}}


@dataclass
class Records:
    meetings: list[Record] = field(default_factory=list)
    series: list[Record] = field(default_factory=list)
    problems: list[CorpusError] = field(default_factory=list)
    libraries: list[dict[str, Any]] = field(default_factory=list)  # libraries.yaml

    def names_for(self, wanted: str) -> list[str]:
        """``wanted`` and, when it names a library of libraries.yaml (by name, abbreviation
        or country), every name of that library: NDL = National Diet Library = Japan."""
        key = name_key(wanted)
        out = [wanted]
        for library in self.libraries:
            names = [str(n) for n in [library.get("name"), *(library.get("names") or [])] if n]
            if key in {name_key(n) for n in [*names, str(library.get("country") or "")]}:
                out += names
        return out


def _read_folder(root: Path, folder: str, problems: list[CorpusError]) -> list[Record]:
    out = []
    for path in sorted((root / folder).glob("*.yaml")):
        record = read_record(root, path.relative_to(root).as_posix(), problems)
        if record is not None:
            out.append(record)
    return out


def read_record(root: Path, rel: str, problems: list[CorpusError]) -> Record | None:
    """One meeting or series file; None (and a problem) when it cannot be read."""
    import yaml  # for its errors (load_yaml imports it anyway)

    path = root / rel
    try:
        text = path.read_text(encoding="utf-8")
        guard_yaml(text, rel)
        data = load_yaml(text)
    except CorpusError as exc:
        problems.append(exc)
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problems.append(CorpusError(f"{rel}: not valid YAML{line}"))
        return None
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, an impossible date
        problems.append(CorpusError(f"{rel}: cannot read: {exc}"))
        return None
    if not isinstance(data, dict) or not data.get("id"):
        problems.append(CorpusError(f"{rel}: a record needs an 'id' key"))
        return None
    try:
        expect_types(data, RECORD_TYPES, rel)
    except CorpusError as exc:
        problems.append(exc)
        return None
    return Record(str(data["id"]), _plain(data), rel)


#: What a meeting is searched by: its names, theme, place, hosts and participants.
SEARCHED = ("title", "title_zh", "aliases", "series", "theme", "theme_zh", "place", "host",
            "organisers", "held_during", "participants")


def meeting_document(root: Path, rel: str) -> Document:
    """A meeting record as one searchable unit (kind ``meeting``) for the index; a
    CorpusError when the record cannot be read."""
    problems: list[CorpusError] = []
    record = read_record(root, rel, problems)
    if record is None:
        raise problems[0]
    lines = [f"{key.replace('_', ' ')}: {_flat(record.data.get(key))}" for key in SEARCHED
             if record.data.get(key)]
    return Document(id=record.id, title=record.title, body="\n".join(lines) + "\n",
                    date=record.date, lang="en", kind="meeting",
                    issuer=str(record.data.get("host") or ""), path=rel)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(_flat(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return "; ".join(_flat(v) for v in value)
    return str(value)


def load_records(corpus_root: Path) -> Records:
    """The meeting, series and library records, read once while their files stay as they
    are (a stat of each tells): a timeline asks for them once per document. Treat the
    result as read-only."""
    state = _records_state(corpus_root)
    cached = _LOADED.get(state[0])
    if cached is not None and cached[0] == state:
        return cached[1]
    records = Records()
    records.meetings = _read_folder(corpus_root, "meetings", records.problems)
    records.series = _read_folder(corpus_root, "series", records.problems)
    records.libraries = _read_libraries(corpus_root, records.problems)
    _LOADED[state[0]] = (state, records)
    return records


_LOADED: dict[str, tuple[tuple, Records]] = {}


def _records_state(corpus_root: Path) -> tuple:
    paths = [*sorted((corpus_root / "meetings").glob("*.yaml")),
             *sorted((corpus_root / "series").glob("*.yaml")), corpus_root / "libraries.yaml"]
    stats = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        stats.append((path.name, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return (str(corpus_root.resolve()), tuple(stats))


def _read_libraries(corpus_root: Path, problems: list[CorpusError]) -> list[dict[str, Any]]:
    path = corpus_root / "libraries.yaml"
    if not path.is_file():
        return []
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        guard_yaml(text, path.name)
        data = load_yaml(text) or {}
    except CorpusError as exc:
        problems.append(exc)
        return []
    except (yaml.YAMLError, OSError, ValueError) as exc:
        problems.append(CorpusError(f"{path.name}: cannot read: {str(exc).splitlines()[0]}"))
        return []
    libraries = data.get("libraries") if isinstance(data, dict) else None
    if not isinstance(libraries, list) or not all(isinstance(x, dict) for x in libraries):
        problems.append(CorpusError(f"{path.name}: expected a 'libraries' list of mappings"))
        return []
    return [_plain(x) for x in libraries]


def find_record(records: Records, name: str) -> Record:
    wanted = name_key(name)
    for record in records.meetings + records.series:
        if record.id == name:
            return record
    for record in records.meetings + records.series:
        if any(name_key(n) == wanted for n in record.names()):
            return record
    raise NotFoundError(f"no meeting or series called {name!r}",
                        "run 'initiative-archive meetings' to list them")


def participant_matches(participants: Any, wanted: str | list[str]) -> bool:
    """Whether a participants record (mapping, list or text) names ``wanted`` (or any of
    several names) anywhere: as whole words for Latin names (NDL is not in 'handle')."""
    if isinstance(wanted, list):
        return any(participant_matches(participants, w) for w in wanted)
    if isinstance(participants, dict):
        return any(participant_matches(v, wanted) for v in participants.values())
    if isinstance(participants, list):
        return any(participant_matches(v, wanted) for v in participants)
    if participants is None:
        return False
    needle = re.escape(name_key(wanted))
    return re.search(rf"(?<![a-z0-9]){needle}(?![a-z0-9])", name_key(str(participants))
                     ) is not None


def filter_meetings(records: Records, series: str | None = None, date_from: str | None = None,
                    date_to: str | None = None, participant: str | None = None) -> list[Record]:
    out = []
    for meeting in sorted(records.meetings, key=lambda m: (not m.date, m.date, m.id)):
        if series and not _series_matches(records, meeting, series):
            continue
        if (date_from or date_to) and not meeting.date:
            continue  # a date no source gives is in no date range
        if date_from and meeting.date[:len(date_from)] < date_from:
            continue
        if date_to and meeting.date[:len(date_to)] > date_to:
            continue
        if participant and not participant_matches(
            [meeting.data.get(k) for k in ("participants", "host", "organisers")],
            records.names_for(participant),
        ):
            continue
        out.append(meeting)
    return out


def _series_matches(records: Records, meeting: Record, wanted: str) -> bool:
    key = name_key(wanted)
    if name_key(meeting.series) == key:
        return True
    for series in records.series:
        if any(name_key(n) == key for n in series.names()) and (
            meeting.id in (series.data.get("meetings") or [])
            or name_key(meeting.series) in {name_key(n) for n in series.names()}
        ):
            return True
    return False
