"""Recurrences, comparisons and themes as text, JSON and CSV (``recur``, ``compare``,
``themes``): renderings of the records recur.py makes, beside render.py's."""

from __future__ import annotations

import re
import shutil
from typing import Any

from . import __version__
from .archive import ClauseView
from .recur import Comparison, Profile, Recurrence, Theme
from .render import finish, pad, to_csv, to_json
from .render import width as columns_of

RECUR_COLUMNS = ["clause_id", "doc_id", "doc_title", "date", "label", "lang", "score", "by",
                 "shared", "text"]


def _where(p: Profile) -> str:
    c, d = p.clause, p.document
    return f"{d.title} ({d.date or 'n.d.'}), {c.locator or c.label or c.id}"


# -- recur --------------------------------------------------------------------------------------


def recur_dict(view: ClauseView, found: list[Recurrence]) -> dict[str, Any]:
    c, d = view.clause, view.document
    return {"clause": {"clause_id": c.id, "doc_id": d.id, "doc_title": d.title, "date": d.date,
                       "label": c.label, "locator": c.locator, "lang": c.lang, "text": c.text},
            "recurrences": [r.to_dict() for r in found], "archive_version": __version__}


def recur_json(view: ClauseView, found: list[Recurrence]) -> str:
    return to_json(recur_dict(view, found)) + "\n"


def recur_csv(found: list[Recurrence]) -> str:
    return to_csv((r.to_dict() for r in found), RECUR_COLUMNS)


def recur_text(view: ClauseView, found: list[Recurrence]) -> str:
    c, d = view.clause, view.document
    lines = [f"{d.title} ({d.date or 'n.d.'}), {c.locator or c.label}  {c.id}",
             f"    {c.text}", ""]
    if not found:
        lines.append("No other document states this (at the threshold used).")
    else:
        n = len(found)
        lines.append(f"Stated again in {n} clause{'s' if n != 1 else ''} of other documents:")
    for i, r in enumerate(found, 1):
        lines += ["", f"[{i}] {_where(r.profile)}  {r.profile.clause.id}",
                  f"    score {r.score:.2f} by {r.by}"
                  + (f"; shared: {', '.join(r.shared)}" if r.shared else ""),
                  f"    {r.profile.clause.text}"]
    return finish("\n".join(lines) + "\n")


# -- compare ------------------------------------------------------------------------------------


def compare_dict(cmp: Comparison) -> dict[str, Any]:
    first = cmp.documents[0].id

    def side(p: Profile) -> dict[str, Any]:
        return {"clause_id": p.clause.id, "locator": p.clause.locator, "text": p.clause.text}

    return {
        "documents": [{"doc_id": d.id, "title": d.title, "date": d.date} for d in cmp.documents],
        "rows": [{first: side(row.profile),
                  **{doc: ({**side(m.profile), "score": round(m.score, 4), "by": m.by,
                            "shared": m.shared} if m else "new")
                     for doc, m in row.matches.items()}} for row in cmp.rows],
        "unmatched": {doc: [side(p) for p in ps] for doc, ps in cmp.unmatched.items()},
        "archive_version": __version__,
    }


def compare_json(cmp: Comparison) -> str:
    return to_json(compare_dict(cmp)) + "\n"


def compare_csv(cmp: Comparison) -> str:
    first = cmp.documents[0].id
    rows = []
    for row in cmp.rows:
        for doc, m in row.matches.items():
            rows.append({"clause_id": row.profile.clause.id, "doc_id": first, "other_doc": doc,
                         "match_id": m.profile.clause.id if m else "", "status":
                         "matched" if m else "new", "score": round(m.score, 4) if m else "",
                         "shared": m.shared if m else ""})
    for doc, ps in cmp.unmatched.items():
        rows += [{"clause_id": p.clause.id, "doc_id": doc, "other_doc": first, "match_id": "",
                  "status": "unmatched", "score": "", "shared": ""} for p in ps]
    return to_csv(rows, ["clause_id", "doc_id", "other_doc", "match_id", "status", "score",
                         "shared"])


def compare_text(cmp: Comparison, width: int | None = None) -> str:
    """Two columns on a terminal wide enough, one above the other elsewhere."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    first = cmp.documents[0]
    lines = [" ⇄ ".join(f"{d.title} ({d.date or 'n.d.'})" for d in cmp.documents), ""]
    for row in cmp.rows:
        for doc, m in row.matches.items():
            right = (f"{m.profile.clause.locator or m.profile.clause.id} ({m.score:.2f}): "
                     f"{m.profile.clause.text}" if m else "new")
            left = f"{row.profile.clause.locator or row.profile.clause.id}: " \
                   f"{row.profile.clause.text}"
            lines += _columns(left, f"{doc}: {right}" if len(row.matches) > 1 else right, width)
            lines.append("")
    for doc, ps in cmp.unmatched.items():
        lines.append(f"In {doc} and not in {first.id}:" if ps else
                     f"Everything in {doc} is in {first.id}.")
        lines += [f"  {p.clause.locator or p.clause.id}: {p.clause.text}" for p in ps]
        lines.append("")
    return finish("\n".join(lines).rstrip("\n") + "\n")


def _columns(left: str, right: str, columns: int) -> list[str]:
    if columns < 100:
        return [left, f"  ⇄ {right}"]
    half = (columns - 5) // 2
    a, b = _wrap(left, half), _wrap(right, half)
    rows = max(len(a), len(b))
    a += [""] * (rows - len(a))
    b += [""] * (rows - len(b))
    return [f"{pad(x, half)}  │  {y}" for x, y in zip(a, b, strict=True)]


_CHAR = re.compile(r"(\s*)(\S)")  # each visible character, with the space before it


def _wrap(text: str, columns: int) -> list[str]:
    """Lines of at most ``columns`` terminal columns (a Chinese character takes two): English
    breaks between words, Chinese between any two characters, as it has no spaces."""
    words: list[tuple[bool, str]] = []  # (a space before it, the word)
    for space, ch in _CHAR.findall(text):
        if words and not space and columns_of(ch) == 1 and columns_of(words[-1][1][-1]) == 1:
            words[-1] = (words[-1][0], words[-1][1] + ch)
        else:
            words.append((bool(space), ch))
    lines, line = [], ""
    for space, word in words:
        joined = f"{line} {word}" if space else line + word
        if line and columns_of(joined) <= columns:
            line = joined
            continue
        if line:
            lines.append(line)
        line = word
        while columns_of(line) > columns:  # a word longer than a line is cut
            cut = _fit(line, columns)
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line] if line else lines or [""]


def _fit(text: str, columns: int) -> int:
    """How many of the first characters of ``text`` fit in ``columns`` (at least one)."""
    used = 0
    for i, ch in enumerate(text):
        used += columns_of(ch)
        if used > columns:
            return max(i, 1)
    return len(text)


# -- themes -------------------------------------------------------------------------------------


def theme_dict(theme: Theme, n: int) -> dict[str, Any]:
    return {"theme": n, "concepts": theme.concepts, "first": theme.first, "last": theme.last,
            "documents": theme.documents,
            "clauses": [{"clause_id": p.clause.id, "doc_id": p.document.id,
                         "date": p.document.date, "locator": p.clause.locator,
                         "text": p.clause.text} for p in theme.members]}


def themes_json(themes: list[Theme]) -> str:
    return to_json({"themes": [theme_dict(t, i) for i, t in enumerate(themes, 1)],
                    "archive_version": __version__}) + "\n"


def themes_csv(themes: list[Theme]) -> str:
    rows = [{"theme": i, "concepts": t.concepts, "first": t.first, "last": t.last,
             "clause_id": p.clause.id, "doc_id": p.document.id, "date": p.document.date}
            for i, t in enumerate(themes, 1) for p in t.members]
    return to_csv(rows, ["theme", "concepts", "first", "last", "clause_id", "doc_id", "date"])


def _clip(text: str, columns: int) -> str:
    """One line of at most ``columns`` terminal columns (a Chinese character takes two, and
    Chinese has no spaces to cut at)."""
    line = " ".join(text.split())
    return line if columns_of(line) <= columns else line[:_fit(line, columns - 1)] + "…"


def themes_text(themes: list[Theme]) -> str:
    if not themes:
        return "No proposal recurs across documents (at the threshold used).\n"
    lines = []
    for i, t in enumerate(themes, 1):
        span = t.first if t.first == t.last else f"{t.first} to {t.last}"
        lines.append(f"[{i}] {', '.join(t.concepts) or 'shared wording'} · "
                     f"{len(t.documents)} documents · {span or 'n.d.'}")
        for p in t.members:
            lines.append(f"    {p.document.date or 'n.d.':<10}  {p.clause.id}  "
                         f"{_clip(p.clause.text, 70)}")
        lines.append("")
    return finish("\n".join(lines))
