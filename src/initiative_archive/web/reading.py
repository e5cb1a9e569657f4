"""The reading pages: search, a document, a clause in its document, compare, recurrences,
themes, meetings and sources. Each calls the archive once or twice and renders a template."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ..archive import ClauseView, DocumentView, RecordView
from ..clauses import own_words
from ..errors import ArchiveError, NotFoundError
from ..meetings import filter_meetings, load_records
from ..model import Clause, Document
from ..recur import comparable
from ..render import describe_label
from .app import archive, error_page, state
from .forms import (
    KIND_CHOICES,
    LANG_CHOICES,
    MAX_PAGE,
    PER_PAGE,
    ROLE_CHOICES,
    ROLE_NAMES,
    SearchForm,
    marked,
    search_form,
)

pages = Blueprint("reading", __name__)
MAX_COMPARED = 4


def clause_url(clause_id: str) -> str:
    """A clause's permanent address; a meeting found by a search is on the sources page."""
    if "/" not in clause_id:
        return url_for("reading.sources", _anchor=clause_id)
    return url_for("reading.clause", clause_id=clause_id)


def in_document_url(clause_id: str) -> str:
    """The clause's document, at the clause's anchor."""
    if "/" not in clause_id:
        return clause_url(clause_id)
    doc_id, _, path = clause_id.partition("/")
    return url_for("reading.document", doc_id=doc_id, _anchor=path)


def template_helpers() -> dict[str, Any]:
    """Functions the templates (and their imported macros) call."""
    return {"clause_url": clause_url, "in_document_url": in_document_url, "marked": marked,
            "describe_label": describe_label, "comparable": comparable,
            "role_names": ROLE_NAMES}


# -- search --------------------------------------------------------------------------------------

@pages.route("/")
def search() -> Any:
    choices = state().doc_choices()
    context: dict[str, Any] = {"choices": choices, "kinds": KIND_CHOICES,
                               "langs": LANG_CHOICES, "roles": ROLE_CHOICES}
    try:
        form = search_form(request.args)
    except ArchiveError as exc:
        return render_template("search.html", form=SearchForm(q=request.args.get("q", "")),
                               error=exc, **context), 400
    context["form"] = form
    if not form.q:
        return render_template("search.html", result=None, **context)
    try:
        with state().index_lock:
            result = archive().search(form.q, form.filters, limit=form.offset + PER_PAGE,
                                      match=form.match, expand=form.expand)
    except ArchiveError as exc:  # a bad query, an unknown document: said on the page
        return render_template("search.html", error=exc, **context), 400
    hits = result.hits[form.offset:]
    groups: dict[str, list] = {}
    for hit in hits:
        groups.setdefault(hit.clause.doc_id, []).append(hit)
    last = min(result.total, form.offset + PER_PAGE)
    return render_template("search.html", result=result, hits=hits, groups=groups,
                           first=form.offset + 1, last=last,
                           more=result.total > last and form.page < MAX_PAGE, **context)


# -- documents and clauses -----------------------------------------------------------------------

@pages.route("/d/<path:doc_id>")
def document(doc_id: str) -> Any:
    if "/" in doc_id:
        return redirect(url_for("reading.clause", clause_id=doc_id))
    view = archive().lookup(doc_id)
    if isinstance(view, RecordView):
        return redirect(url_for("reading.sources", _anchor=view.record.id))
    assert isinstance(view, DocumentView)
    if view.document.id != doc_id:  # a title or alias: the page lives at the id
        return redirect(url_for("reading.document", doc_id=view.document.id))
    return render_document(view, None, [])


@pages.route("/c/<path:clause_id>")
def clause(clause_id: str) -> Any:
    if "/" not in clause_id:
        return redirect(url_for("reading.document", doc_id=clause_id))
    view = archive().clause(clause_id)
    doc = view.document
    whole = DocumentView(doc, archive().clauses(doc), archive().related(doc))
    return render_document(whole, view, view.notices)


def render_document(view: DocumentView, target: ClauseView | None, notices: list[str]) -> Any:
    doc = view.document
    rows = [{"clause": c, "own": own_words(doc.body, c), "role_start": start}
            for c, start in _role_starts(view.clauses)]
    meeting = _meeting_of(doc)
    return render_template("document.html", doc=doc, rows=rows, target=target,
                           notices=notices, related=view.related, meeting=meeting,
                           source=_source_rows(doc))


def _role_starts(clauses: list[Clause]) -> list[tuple[Clause, str]]:
    """Each clause with the name of the part it begins (Preamble, Operative part...), or ''."""
    out, current = [], None
    for c in clauses:
        start = ""
        if c.parent is None and c.role != "heading" and c.role != current:
            current, start = c.role, ROLE_NAMES.get(c.role, c.role)
        out.append((c, start))
    return out


def _meeting_of(doc: Document) -> Any:
    from ..meetings import find_record

    name = doc.meta.get("meeting")
    if not name:
        return None
    try:
        return find_record(load_records(archive().corpus.root), str(name))
    except NotFoundError:
        return None


_SOURCE_FIELDS = (("title", "Work"), ("author", "Author"), ("date", "Date"), ("file", "File"),
                  ("locator", "Place in the source"), ("url", "Address"),
                  ("official_page", "Official page"), ("sha256", "SHA-256"),
                  ("encoding", "Encoding"), ("retrieved", "Retrieved"), ("rights", "Rights"))


def _source_rows(doc: Document) -> list[tuple[str, Any]]:
    src = doc.source
    rows: list[tuple[str, Any]] = [(label, src[key]) for key, label in _SOURCE_FIELDS
                                   if src.get(key) not in (None, "", [], {})]
    return rows


# -- compare, recurrences, themes ------------------------------------------------------------------

@pages.route("/compare")
def compare() -> Any:
    names = [n.strip() for n in request.args.getlist("doc") if n.strip()]
    choices = state().doc_choices()
    if len(names) < 2:
        return render_template("compare.html", choices=choices, chosen=names, cmp=None,
                               error=None)
    if len(names) > MAX_COMPARED:
        return render_template("compare.html", choices=choices, chosen=names, cmp=None,
                               error=f"compare takes two to four documents, not {len(names)}"
                               ), 400
    try:
        cmp = archive().compare(names)
    except ArchiveError as exc:
        return render_template("compare.html", choices=choices, chosen=names, cmp=None,
                               error=exc.message + (f" ({exc.hint})" if exc.hint else "")), 400
    return render_template("compare.html", choices=choices,
                           chosen=[d.id for d in cmp.documents], cmp=cmp, docs=cmp.documents,
                           error=None)


@pages.route("/recur/<path:clause_id>")
def recur(clause_id: str) -> Any:
    view, found = archive().recur(clause_id)
    return render_template("recur.html", view=view, found=found)


@pages.route("/themes")
def themes() -> Any:
    cache = state().themes
    found = cache.get()
    if cache.error:
        return error_page(500, cache.error)
    return render_template("themes.html", themes=found, dated=archive().timeline_date)


@pages.route("/themes/timeline.<any(svg, png):fmt>")
def timeline(fmt: str) -> Any:
    cache = state().themes
    if cache.get() is None:
        return error_page(503, "the themes are still being computed",
                          "reload in a little while")
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(cache.plot(fmt), mimetype=mime,
                    headers={"Cache-Control": "max-age=3600"})


# -- meetings and sources --------------------------------------------------------------------------

@pages.route("/sources")
def sources() -> Any:
    records = load_records(archive().corpus.root)
    titles = {d.id: d for d in archive().documents()}
    return render_template("sources.html", meetings=filter_meetings(records),
                           series=records.series, problems=records.problems,
                           listing=archive().listing(), titles=titles)
