"""Records -> text, JSON, JSON Lines, CSV: one place for every command's output.

Text is for reading (highlights in colour only when asked, i.e. on a terminal); JSON and CSV are
contracts other tools read. CSV cells that a spreadsheet would run as a formula are neutralised;
JSON is always valid: strict (no NaN), UTF-8 (no lone surrogates), whatever YAML type a front
matter value has (bytes, sets, dates become text or lists).

Nothing a document, a file name or an option holds can drive the terminal: every text rendering
strips control characters as its last step (``textclean``), our own colours going in only around
text already cleaned; JSON writes them as \\u escapes and CSV drops them.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import __version__
from .model import Clause, Document, Hit, SearchResult
from .textclean import UNSAFE, strip_controls

if TYPE_CHECKING:
    from .archive import ClauseView, DocumentView, RecordView
    from .engine import Explanation

BOLD_YELLOW, BOLD, DIM, RESET = "\x1b[1;33m", "\x1b[1m", "\x1b[2m", "\x1b[0m"
_OWN_CODES = re.compile(r"(\x1b\[(?:1;33|1|2|0)m)")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _cjk(ch: str) -> bool:
    """Whether one character is Han or CJK punctuation: range tests rather than a character
    class, which costs every start-up milliseconds to compile."""
    return "\u3000" <= ch <= "\u303f" or "\u3400" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


HIT_COLUMNS = ["clause_id", "doc_id", "doc_title", "date", "label", "role", "lang", "score",
               "text"]


def to_json(data: Any) -> str:
    return _dumps(data, indent=2)


def _dumps(data: Any, indent: int | None = None) -> str:
    """Strict JSON of any record; characters a terminal would act on are written as \\u
    escapes (the data is unchanged, the terminal is safe)."""
    text = json.dumps(json_safe(data), ensure_ascii=False, indent=indent, allow_nan=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_safe(value: Any) -> Any:
    """A value JSON can hold: YAML's bytes, sets and dates as text or lists, NaN and infinity as
    null, lone surrogates (undecodable command-line bytes) as U+FFFD, keys as strings. The
    common types are told by their exact type first: a search's hits are thousands of them."""
    kind = type(value)
    if kind is str:  # (most are ASCII, which holds no surrogate: not scanned)
        return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)
    if kind is dict:
        return {k if type(k) is str and k.isascii() else _key(k): json_safe(v)
                for k, v in value.items()}
    if kind is list:
        return [json_safe(v) for v in value]
    if kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    return _json_safe_other(value)


def _json_safe_other(value: Any) -> Any:
    """``json_safe`` of the rarer types, and of subclasses of the common ones."""
    if isinstance(value, str):
        return json_safe(str.__str__(value))
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return json_safe(dict(value))
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((json_safe(v) for v in value), key=str)
    if isinstance(value, bytes | bytearray):
        return _bytes_text(bytes(value))
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return json_safe(str(value))


def _key(key: Any) -> str:
    safe = json_safe(key)
    return safe if isinstance(safe, str) else json.dumps(safe)


def _bytes_text(data: bytes) -> str:
    """``!!binary`` values: their text when it is UTF-8, else base64."""
    try:
        return json_safe(data.decode("utf-8"))
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii")


def finish(text: str, color: bool = False) -> str:
    """The last step of every text rendering: control characters out. With colour on, our own
    colour codes stay (the text inside them was cleaned before they went around it)."""
    if not color:
        return strip_controls(text)
    return "".join(part if i % 2 else strip_controls(part)
                   for i, part in enumerate(_OWN_CODES.split(text)))


def to_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(row.get(k)) for k in columns})
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """A leading =, +, -, @ (or tab, CR) makes spreadsheets run a cell: quote it with '."""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        value = strip_controls(json_safe(value))
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def width(text: str) -> int:
    """Columns a string takes on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def mark(text: str, spans: Iterable[tuple[int, int]], color: bool) -> str:
    """Highlights in colour; each piece is cleaned before a code goes around it, so the spans
    still fall where the index found them."""
    if not color:
        return strip_controls(text)
    out, last = [], 0
    for start, end in spans:
        out.append(strip_controls(text[last:start]) + BOLD_YELLOW
                   + strip_controls(text[start:end]) + RESET)
        last = end
    return "".join(out) + strip_controls(text[last:])


# -- search --------------------------------------------------------------------------------

def search_json(result: SearchResult, group_by: str | None = None,
                explanation: dict[str, Any] | None = None) -> str:
    data = result.to_dict()
    data["archive_version"] = __version__
    if explanation is not None:
        data["explain"] = explanation
    if group_by == "doc":
        data["groups"] = [{"doc_id": d, "doc_title": hits[0].doc_title,
                           "clause_ids": [h.clause.id for h in hits]}
                          for d, hits in _group(result.hits)]
    return to_json(data)


def json_line(data: Any) -> str:
    return _dumps(data) + "\n"


def search_jsonl(result: SearchResult) -> str:
    lines = [_dumps({"query": result.query, **h.to_dict()}) for h in result.hits]
    return "\n".join(lines) + ("\n" if lines else "")


def search_csv(result: SearchResult) -> str:
    return to_csv((h.to_dict() for h in result.hits), HIT_COLUMNS)


def saved_search_part(result: SearchResult, fmt: str, color: bool = False) -> Any:
    """One result's part of the output of several searches (``search --queries``), made
    apart from the others: each process renders the results it found, side by side, and
    ``joined_searches`` joins them."""
    if fmt == "json":
        return json_safe({**result.to_dict(), "archive_version": __version__})
    if fmt == "jsonl":
        return search_jsonl(result)
    if fmt == "csv":
        return [{"query": result.query, **h.to_dict()} for h in result.hits]
    return search_text(result, color)


def joined_searches(parts: list[Any], fmt: str) -> str:
    """Several searches' results from their parts, in order: JSON a list of results, JSON
    Lines and CSV one hit per line with its query, text one result after another."""
    if fmt == "json":
        return to_json(parts) + "\n"
    if fmt == "jsonl":
        return "".join(parts)
    if fmt == "csv":
        return to_csv((row for part in parts for row in part), ["query", *HIT_COLUMNS])
    return "\n".join(parts)


def search_data(result: SearchResult, fmt: str, group_by: str | None = None,
                explanation: dict | None = None) -> str:
    """A search's hits for another program: ``json`` (one document), ``jsonl`` (a hit a
    line) or ``csv``."""
    if fmt == "json":
        return search_json(result, group_by, explanation) + "\n"
    return search_jsonl(result) if fmt == "jsonl" else search_csv(result)


def search_text(result: SearchResult, color: bool = False, group_by: str | None = None) -> str:
    if not result.hits:
        text = f"No clause matches {quoted(result.query)}."
        if result.suggestion:
            text += f" Did you mean: {result.suggestion}"
        return finish(text + "\n")
    shown = len(result.hits)
    one = result.total == 1
    lines = [f"{result.total} clause{'' if one else 's'} match{'es' if one else ''} "
             f"{quoted(result.query)}"
             + (f"; showing {shown}" if shown < result.total else "") + "."]
    if group_by == "doc":
        n = 0
        for _, hits in _group(result.hits):
            lines += ["", _style(f"{hits[0].doc_title} ({hits[0].date or 'n.d.'})", BOLD, color)]
            for hit in hits:
                n += 1
                lines += _hit_lines(n, hit, color, with_title=False)
    else:
        for n, hit in enumerate(result.hits, 1):
            lines += _hit_lines(n, hit, color, with_title=True)
    return finish("\n".join(lines) + "\n", color)


def similar_text(clause_id: str, hits: list[Hit], color: bool = False) -> str:
    """``similar``: the clauses worded most like one, best first."""
    if not hits:
        return finish(f"No other clause shares the words of {clause_id}.\n")
    lines = [f"Clauses worded most like {clause_id} (shared words; 'recur' judges meaning):"]
    for n, hit in enumerate(hits, 1):
        lines += _hit_lines(n, hit, color, with_title=True)
    return finish("\n".join(lines) + "\n", color)


def quoted(query: str) -> str:
    """The query as typed, quoted; cleaned first, so repr() shows no escaped control character
    and no undecodable byte."""
    return repr(strip_controls(json_safe(query)))


def _hit_lines(n: int, hit: Hit, color: bool, with_title: bool) -> list[str]:
    c = hit.clause
    where = f"{hit.doc_title} ({hit.date or 'n.d.'}), " if with_title else ""
    via = f" (via {hit.via})" if hit.via else ""  # found through the query's concepts
    head = strip_controls(f"[{n}] {where}{describe_label(c)}{via}  ") + _style(c.id, DIM, color)
    return ["", head, *("    " + line for line in mark(c.text, hit.highlights, color).split("\n"))]


def describe_label(clause: Clause) -> str:
    """How a reader names the clause: its pinpoint (``art. 33, para. 2``, ``第三十条``)."""
    return clause.locator or clause.label or clause.role


def _group(hits: list[Hit]) -> list[tuple[str, list[Hit]]]:
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.clause.doc_id, []).append(hit)
    return list(groups.items())


def _style(text: str, code: str, color: bool) -> str:
    text = strip_controls(text)
    return f"{code}{text}{RESET}" if color else text


def explanation_text(ex: Explanation) -> str:
    return finish("\n".join([
        f"query:           {ex.query}",
        f"folded:          {ex.folded}",
        f"segmented:       {' | '.join(ex.segmented)}",
        f"ranked terms:    {' '.join(ex.index_terms)}",
        f"exact terms:     {' '.join(ex.phrase_terms)}",
        f"runs as:         {ex.parsed}",
    ]) + "\n")


# -- documents and clauses -------------------------------------------------------------------

def document_summary(doc: Document, clauses: list[Clause]) -> dict[str, Any]:
    return {"doc_id": doc.id, "title": doc.title, "date": doc.date, "kind": doc.kind,
            "lang": doc.lang, "issuer": doc.issuer, "aliases": doc.aliases,
            "clauses": len(clauses)}


def docs_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No documents.\n"
    width = max(len(r["doc_id"]) for r in rows)
    lines = [f"{r['doc_id']:<{width}}  {r['date'] or 'n.d.':<10}  {r['kind']:<12} "
             f"{r['lang']:<7} {_clause_count(r)}  {r['title']}" for r in rows]
    missing = sum(1 for r in rows if r.get("fetched") is False)
    if missing:
        lines.append(f"({missing} not fetched yet: run 'initiative-archive fetch' to add "
                     f"{'it' if missing == 1 else 'them'})")
    return finish("\n".join(lines) + "\n")


def _clause_count(row: dict[str, Any]) -> str:
    return "not fetched " if row.get("fetched") is False else f"{row['clauses']:>4} clauses"


def document_dict(doc: Document, clauses: list[Clause],
                  related: dict[str, list[str]] | None = None) -> dict[str, Any]:
    data = {"doc_id": doc.id, **doc.front_matter()}
    data.pop("id", None)
    data["related"] = related or {}
    data["archive_version"] = __version__
    data["clauses"] = [c.to_dict() for c in clauses]
    return data


def document_text(doc: Document, clauses: list[Clause],
                  related: dict[str, list[str]] | None = None) -> str:
    lines = [f"{doc.title}", f"{doc.id} · {doc.kind} · {doc.date or 'n.d.'} · {doc.lang}"]
    if doc.issuer:
        lines.append(f"issued by {doc.issuer}")
    if doc.aliases:
        lines.append("also called: " + "; ".join(doc.aliases))
    lines += provenance_lines(doc.source)
    for relation, ids in (related or {}).items():
        lines.append(f"{relation.replace('_', ' ')}: {', '.join(ids)}")
    lines.append("")
    for c in clauses:
        own = _own_text(doc, c)
        indent = "  " * c.depth
        label = f"{c.label} " if c.label else ""
        lines.append(f"{indent}{label}{own}  [{c.path}]" if own else f"{indent}{label}[{c.path}]")
    return finish("\n".join(lines) + "\n")


def provenance_lines(source: dict[str, Any]) -> list[str]:
    """Where a document's text comes from, in a few lines: the work, its author and date,
    the file and the place in it, the address, the rights."""
    work = ", ".join(str(source[k]) for k in ("title", "author", "date") if source.get(k))
    where = ", ".join(str(source[k]) for k in ("file", "locator") if source.get(k))
    lines = [f"source: {work}"] if work else []
    lines += [f"  {label}: {value}" for label, value in (
        ("in", where), ("address", source.get("url")),
        ("official page", source.get("official_page")), ("SHA-256", source.get("sha256")),
        ("rights", source.get("rights"))) if value]
    return lines


def _own_text(doc: Document, clause: Clause) -> str:
    """A clause's own words in a listing (its children follow on their own lines)."""
    from .clauses import own_words

    return own_words(doc.body, clause)


def clause_pages(view: ClauseView) -> list[int]:
    """The pages of its source a clause is on (a PDF's), or none."""
    from .readers import pages_of

    pages = view.document.source.get("pages")
    return pages_of(pages, view.clause.span) if pages else []


def _pages_text(pages: list[int]) -> str:
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    return f"pp. {min(pages)}–{max(pages)}"


def clause_view_dict(view: ClauseView) -> dict[str, Any]:
    doc = view.document
    return {**view.clause.to_dict(), "doc_title": doc.title, "date": doc.date,
            "kind": doc.kind, "lead_in": view.lead_in, "pages": clause_pages(view),
            "ancestors": [a.to_dict() for a in view.ancestors],
            "children": [c.id for c in view.children], "archive_version": __version__}


def clause_view_text(view: ClauseView) -> str:
    doc, c = view.document, view.clause
    context = " › ".join(describe_label(a) for a in view.ancestors)
    pages = _pages_text(clause_pages(view))
    lines = [f"{doc.title} ({doc.date or 'n.d.'})",
             f"{c.id} · {describe_label(c)} · {c.role}" + (f" · in {context}" if context else "")
             + (f" · {pages}" if pages else ""),
             ""]
    if view.lead_in:  # the words that introduce the list this item belongs to
        label = f"{c.label} " if c.label and not _cjk(c.label[-1]) else c.label
        lines += [view.lead_in, f"  {label}{c.text}"]
    else:
        lines.append(c.text)
    return finish("\n".join(lines) + "\n")


# -- meetings --------------------------------------------------------------------------------

MEETING_COLUMNS = ["id", "series", "number", "date", "end_date", "place", "host", "theme",
                   "adopted"]


def meeting_row(record) -> dict[str, Any]:
    return {k: record.data.get(k, "") for k in MEETING_COLUMNS} | {"id": record.id}


def meetings_text(records: list) -> str:
    if not records:
        return "No meetings.\n"
    lines = []
    for r in records:
        d = r.data
        when = r.date or "date unknown"
        if d.get("end_date"):
            when += f" to {d['end_date']}"
        where = ", ".join(str(x) for x in (d.get("place"), d.get("host")) if x)
        adopted = f"  adopted: {', '.join(r.adopted)}" if r.adopted else ""
        lines.append(f"{r.id:<36} {when:<26} {r.title}" + (f" — {where}" if where else "")
                     + adopted)
    return finish("\n".join(lines) + "\n")


def record_dict(record, titles: dict[str, str]) -> dict[str, Any]:
    data = record.to_dict()
    if record.adopted:
        data["adopted_documents"] = [{"doc_id": d, "title": titles.get(d, "")}
                                     for d in record.adopted]
    return data


def record_text(record, titles: dict[str, str]) -> str:
    d = record.data
    lines = [record.title, f"{record.id}" + (f" · {record.series}" if record.series else "")]
    for key in ("title_zh", "name_zh", "date", "end_date", "founded", "place", "host", "theme"):
        if d.get(key):
            lines.append(f"{key.replace('_', ' ')}: {d[key]}")
    if d.get("participants"):
        lines.append(f"participants: {_flat(d['participants'])}")
    for doc_id in record.adopted:
        lines.append(f"adopted: {doc_id} — {titles.get(doc_id, '(not in the archive)')}")
    statements = d.get("statements") or []
    if statements:
        lines += ["", "What the sources say:"]
        for s in statements:
            flag = " (unconfirmed)" if s.get("confirmed") is False else ""
            lines.append(f"  {s.get('about')}: {s.get('says')}{flag}\n    — {s.get('source')}")
    return finish("\n".join(lines) + "\n")


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_flat(v) for v in value)
    return str(value)


# -- quotations ------------------------------------------------------------------------------

def verdict_text(verdict, citations: dict[str, str]) -> str:
    c = verdict.clause
    if c is None:
        return f"not-found: no clause of the archive holds this quotation " \
               f"(best similarity {verdict.similarity:.2f}).\n"
    lines = [f"{verdict.status}: {c.id} ({verdict.similarity:.2f})", citations.get(c.id, ""),
             "", c.text]
    if verdict.diff:
        lines += ["", "diff ([-source-]{+quotation+}, normalised):", verdict.diff]
    return finish("\n".join(lines) + "\n")


def verdict_table(verdicts: list, citations: dict[str, str]) -> str:
    if not verdicts:
        return "No quotations of 8 words or 8 characters found.\n"
    rows = []
    for v in verdicts:
        quote = strip_controls(v.quotation)
        quote = quote if len(quote) <= 60 else quote[:57] + "..."
        cid = v.clause.id if v.clause else "-"
        rows.append((quote, v.status, cid, citations.get(cid, "-")))
    header = ("quotation", "status", "clause id", "citation")
    widths = [max(width(r[i]) for r in (header, *rows)) for i in range(3)]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(row[:3], widths, strict=True))
             + "  " + row[3] for row in (header, *rows)]
    exact = sum(v.status == "exact" for v in verdicts)
    lines.append(f"{exact} of {len(verdicts)} quotations exact.")
    return finish("\n".join(lines) + "\n")


def view_json(view: ClauseView | DocumentView | RecordView) -> str:
    """``show``'s JSON for whatever the id named."""
    from .archive import ClauseView, DocumentView

    if isinstance(view, ClauseView):
        return to_json(clause_view_dict(view))
    if isinstance(view, DocumentView):
        return to_json(document_dict(view.document, view.clauses, view.related))
    return to_json(record_dict(view.record, view.titles))


def view_text(view: ClauseView | DocumentView | RecordView) -> str:
    from .archive import ClauseView, DocumentView

    if isinstance(view, ClauseView):
        return clause_view_text(view)
    if isinstance(view, DocumentView):
        return document_text(view.document, view.clauses, view.related)
    return record_text(view.record, view.titles)
