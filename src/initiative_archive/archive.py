"""The archive: a corpus folder and its index, behind one object.

``Archive`` is what the CLI and other programs use: it keeps the index in step with the corpus
before a search (building it when missing, updating what changed), resolves document names and
aliases, and reads documents and clauses back for ``show``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog import Entry
from .corpus import Corpus
from .engine import Explanation, Filters, Progress, UpdateReport, open_engine
from .engine import quiet as _quiet
from .errors import (
    AmbiguousNameError,
    ArchiveBusyError,
    ArchiveError,
    IndexMissingError,
    NotFoundError,
    QueryError,
)
from .model import Clause, Document, Hit, SearchResult
from .query_limits import DEFAULT_LIMITS, QueryLimits

if TYPE_CHECKING:  # citations, meetings, recurrence and quotation checks load with the
    # commands that use them: a search needs none of them
    from collections.abc import Callable

    from .cite import Citable
    from .embedding import Progress as Embedded
    from .meetings import Record
    from .recur import Comparison, Meanings, Profile, Recurrence, Theme
    from .verify import Verdict

CANDIDATES = 30  # clauses the index proposes for a quotation check
SEARCH_PROCESSES = 4  # at most, for saved searches (search_many)



@dataclass
class ClauseView:
    """A clause with its document and its neighbours: what ``show CLAUSE_ID`` prints."""

    document: Document
    clause: Clause
    ancestors: list[Clause] = field(default_factory=list)
    children: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    lead_in: str = ""  # for an item: the words of its parent that introduce the list


@dataclass
class DocumentView:
    """A document with its clauses in order and its other versions: ``show DOC``."""

    document: Document
    clauses: list[Clause]
    related: dict[str, list[str]]


@dataclass
class RecordView:
    """A meeting or series record, with the titles of the documents it links to."""

    record: Record
    titles: dict[str, str]


class Archive:
    """A corpus and the index derived from it."""

    def __init__(self, corpus: Path | str, index: Path | str) -> None:
        self.corpus = Corpus(corpus)
        self.engine = open_engine(index)  # one open index, reopened when it changes
        self._profiles: tuple[tuple, dict[str, list[Profile]], dict[str, float]] | None = None
        self._meanings: tuple[dict[str, list[Profile]], Meanings] | None = None

    # -- index -----------------------------------------------------------------------------

    def index(self, rebuild: bool = False, progress: Progress = _quiet) -> UpdateReport:
        if rebuild:
            return self.engine.rebuild(self.corpus, progress)
        return self.engine.refresh(self.corpus, progress)

    def ensure_index(self, progress: Progress = _quiet) -> list[str]:
        """Bring the index up to date before a read. When it cannot be written (another
        process is writing, the folder is read-only, the disk is full), answer from the last
        good index and say so; with no index at all, wait a bounded time for another writer,
        then fail in one line. Returns notices worth telling the reader."""
        if self.engine.is_fresh(self.corpus):
            return []
        wait = 0.0 if self.engine.exists() else self.engine.first_build_wait
        try:
            report = self.engine.refresh(self.corpus, progress, wait=wait)
        except ArchiveBusyError:
            if not self.engine.exists():
                raise ArchiveBusyError(
                    f"there is no index in {self.engine.location} yet, and another process has "
                    f"been writing it for over {wait:.0f} s", "wait for it to finish and try "
                    "again") from None
            return ["another process is writing the index: answering from the last committed "
                    "index"]
        except OSError as exc:
            why = exc.strerror or str(exc)
            if not self.engine.exists():
                raise IndexMissingError(f"cannot build the index in {self.engine.location} ({why})",
                                        "make the folder writable, free some disk space, or "
                                        "give --index another folder") from None
            return [f"cannot update the index in {self.engine.location} ({why}): answering "
                    "from the last good index, which may miss recent changes"]
        return report.notices + [f"warning: {p.message}" for p in report.problems]

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: str, filters: Filters | None = None, limit: int | None = 10,
               match: str = "any", nested: bool = False, progress: Progress = _quiet,
               limits: QueryLimits = DEFAULT_LIMITS, expand: bool = True) -> SearchResult:
        """Clauses that state ``query``; ``expand`` also searches its glossary concepts in
        both languages (marked ``via: glossary``)."""
        notices = self.ensure_index(progress)
        return self._search_fresh(query, filters, (notices, self.unfetched_notice()),
                                  limit=limit, match=match, nested=nested, limits=limits,
                                  expand=expand)

    def _search_fresh(self, query: str, filters: Filters | None,
                      notices: tuple[list[str], list[str]], limit: int | None = 10,
                      match: str = "any", nested: bool = False,
                      limits: QueryLimits = DEFAULT_LIMITS, expand: bool = True
                      ) -> SearchResult:
        """``search`` on an index already brought up to date: the notices of bringing it up
        to date come before the query's own, and the notice of unfetched texts after."""
        from .glossary import load_glossary

        result = self.engine.search(query, self._resolved(filters), limit, match, nested, limits,
                                    load_glossary() if expand else None)
        result.notices = notices[0] + result.notices + notices[1]
        return result

    def unfetched_notice(self) -> list[str]:
        """Catalogued texts not fetched yet are not searched: say so, and how to add them."""
        missing = self.corpus.catalog().missing()
        if not missing:
            return []
        what = "text is" if len(missing) == 1 else "texts are"
        return [f"note: {len(missing)} catalogued {what} not fetched yet and not searched "
                "(run 'initiative-archive fetch')"]

    def search_many(self, queries: list[str], filters: Filters | None = None,
                    processes: int | None = None,
                    then: Callable[[SearchResult], Any] | None = None, **options: Any
                    ) -> tuple[list[Any], list[tuple[str, ArchiveError]]]:
        """Saved searches: every query over one index, brought up to date once, shared among
        ``processes`` (default: a process for each usable core, up to ``SEARCH_PROCESSES``;
        shared_work.py); (results, (query, error) for each query that could not be run), in
        the queries' order, whatever the number of processes. ``then(result)``, where given,
        is what comes back for each result, made in the process that searched (a command
        renders its output there, side by side); it must pickle."""
        from .cores import usable_cores
        from .glossary import load_glossary
        from .language import has_han
        from .shared_work import run_shared

        notices = (self.ensure_index(options.pop("progress", _quiet)), self.unfetched_notice())
        glossary = load_glossary() if options.get("expand", True) else None

        def one(query: str) -> tuple[SearchResult | None, ArchiveError | None]:
            try:
                result = self._search_fresh(query, filters, notices, **options)
            except (QueryError, NotFoundError) as exc:
                return None, exc
            return (result if then is None else then(result)), None

        processes = usable_cores(SEARCH_PROCESSES) if processes is None else processes
        # the English queries to one process and the Chinese to another where they can be:
        # they read other words and other clauses
        answers = run_shared(queries, one, processes - 1, start_copy=self.engine.reopen,
                             kind=has_han, prepare=lambda: self.engine.warm(
                                 self._resolved(filters), glossary))
        results = [result for result, _ in answers if result is not None]
        failed = [(query, error) for query, (_, error) in zip(queries, answers, strict=True)
                  if error is not None]
        return results, failed

    def verify(self, quotation: str) -> Verdict:
        """Whether a quotation is exact, differs from its source, or is not in the archive."""
        return self.verify_all([quotation])[0]

    def verify_all(self, quotations: list[str]) -> list[Verdict]:
        """Each quotation's verdict; the index is brought up to date and opened once."""
        from .verify import Verdict, across, candidate_query, judge

        self.ensure_index()
        verdicts = []
        for quotation in quotations:
            query = candidate_query(quotation)
            if not query:
                verdicts.append(Verdict(quotation, "not-found"))
                continue
            result = self.engine.search(query, Filters(), CANDIDATES, "any", True)
            verdict = judge(quotation, [(h.clause, h.doc_title) for h in result.hits])
            if verdict.status != "exact":  # perhaps it runs on into the next clause
                verdict = across(quotation, self._runs({h.clause.doc_id for h in result.hits})
                                 ) or verdict
            verdicts.append(verdict)
        return verdicts

    def _runs(self, doc_ids: set[str]) -> list[tuple[list[Clause], str]]:
        """Each document's clauses that hold no other clause, in reading order."""
        runs = []
        for doc in self.documents():
            if doc.id in doc_ids:
                clauses = self.clauses(doc)
                parents = {c.parent for c in clauses}
                leaves = [c for c in clauses if c.id not in parents and c.role != "heading"]
                runs.append((sorted(leaves, key=lambda c: c.span[0]), doc.title))
        return runs

    # -- recurrence ------------------------------------------------------------------------

    def profiles(self) -> dict[str, list[Profile]]:
        """Every comparable clause of every document, profiled once per corpus state."""
        return self._profiled()[1]

    def _profiled(self) -> tuple[tuple, dict[str, list[Profile]], dict[str, float]]:
        """(corpus state, profiles by document, inverse frequencies of their wording); the
        local state is returned, as another thread (the web server's) may replace it."""
        from .recur import comparable, inverse_frequencies, profile, script_of, wording

        docs = self.documents()
        key = tuple((d.id, d.lang, d.body) for d in docs)
        state = self._profiles
        if state is None or state[0] != key:
            units = [(doc, c) for doc in docs for c in self.clauses(doc) if comparable(c)]
            idf = inverse_frequencies(wording(c.text, script_of(c.text)) for _, c in units)
            concepts = concept_finder()
            by_doc: dict[str, list[Profile]] = {doc.id: [] for doc in docs}
            for doc, c in units:
                by_doc[doc.id].append(profile(c, doc, concepts, idf))
            state = self._profiles = (key, by_doc, idf)
        return state

    def _meanings_of(self, by_doc: dict[str, list[Profile]], progress: Embedded | None = None
                     ) -> Meanings:
        """The embeddings of every profiled clause, which ``recur``, ``compare`` and
        ``themes`` all judge against, kept while the profiles stay the same. ``progress`` is
        told how many clauses were just embedded (a first run embeds them all)."""
        from .recur import Meanings

        state = self._meanings
        if state is None or state[0] is not by_doc:
            state = self._meanings = (by_doc, Meanings([p for ps in by_doc.values() for p in ps],
                                                       progress=progress))
        return state[1]

    def recur(self, clause_id: str, thresholds: dict[str, float] | None = None,
              progress: Embedded | None = None) -> tuple[ClauseView, list[Recurrence]]:
        """The clauses of other documents that state what ``clause_id`` states."""
        from .recur import comparable, links, profile

        view = self.clause(clause_id)
        if not comparable(view.clause):
            raise NotFoundError(f"{view.clause.id} is a {view.clause.role}, not a proposal "
                                "or provision", "give the id of a clause, article or item")
        _, by_doc, idf = self._profiled()
        target = profile(view.clause, view.document, concept_finder(), idf)
        pool = [p for ps in by_doc.values() for p in ps]
        return view, links(target, pool, thresholds, self._meanings_of(by_doc, progress))

    def similar(self, clause_id: str, limit: int = 10, filters: Filters | None = None
                ) -> tuple[ClauseView, list[Hit]]:
        """The clauses whose words are most like those of ``clause_id`` (the engine's
        more-like-this): a quick, word-based neighbour list, where ``recur`` judges meaning."""
        view = self.clause(clause_id)  # resolves a renamed id, or says why there is none
        # the notices as a reader is told them: the clause's own, then the index's
        view.notices = [f"note: {m}" for m in view.notices] + self.ensure_index()
        return view, self.engine.more_like_this(view.clause.id, limit, self._resolved(filters))

    def _resolved(self, filters: Filters | None) -> Filters:
        """A copy of ``filters`` with document names and aliases resolved to ids: the
        caller's filters stay as given."""
        filters = replace(filters or Filters())
        filters.docs = self.corpus.resolve_ids(filters.docs) if filters.docs else []
        return filters

    def compare(self, names: list[str], thresholds: dict[str, float] | None = None,
                progress: Embedded | None = None) -> Comparison:
        from .recur import compare

        documents = [self.document(n) for n in names]
        if len({d.id for d in documents}) < len(documents) or len(documents) < 2:
            raise NotFoundError("compare needs two documents or more, each once",
                                "give two to four document ids")
        by_doc = self.profiles()
        return compare(by_doc, documents, thresholds,
                       meanings=self._meanings_of(by_doc, progress))

    def themes(self, thresholds: dict[str, float] | None = None, min_documents: int = 2,
               progress: Embedded | None = None) -> list[Theme]:
        from .recur import themes

        by_doc = self.profiles()
        profiles = [p for ps in by_doc.values() for p in ps]
        return themes(profiles, self.timeline_date, thresholds, min_documents,
                      meanings=self._meanings_of(by_doc, progress))

    def timeline_date(self, doc: Document) -> str:
        """Where a document stands on a timeline: the meeting that adopted it, else its
        own date."""
        meeting = doc.meta.get("meeting")
        if meeting:
            from .meetings import find_record, load_records

            try:
                return find_record(load_records(self.corpus.root), str(meeting)).date or doc.date
            except NotFoundError:
                pass
        return doc.date

    def citable(self, item_id: str) -> Citable:
        """A document (by id, title or alias), a clause (by id) or a source a document was
        read in (by the id its ``source.citation`` gives), as something to cite: with the PDF
        pages a clause is on, and the source a text was read in."""
        from .cite import Citable, source_work
        from .readers import pages_of

        clause = None
        notices: tuple[str, ...] = ()
        if "/" in item_id:
            view = self.clause(item_id)
            doc, clause, notices = view.document, view.clause, tuple(view.notices)
        else:
            try:
                doc = self.document(item_id)
            except NotFoundError:
                for other in self.documents():
                    work = source_work(other)
                    if work is not None and work.id == item_id:
                        return Citable(work)
                raise
        pages: tuple[int, ...] = ()
        if clause is not None and doc.source.get("pages"):
            pages = tuple(pages_of(doc.source["pages"], clause.span))
        work = source_work(doc)
        if work is None:
            return Citable(doc, clause, pages, notices=notices)
        data = doc.source["citation"]
        if data.get("part"):  # the document is a part of the work: the work is cited
            return Citable(replace(work, body=doc.body), clause, pages,
                           where=str(data["part"]), notices=notices)
        return Citable(doc, clause, pages, Citable(work, where=str(data.get("locator") or "")),
                       notices=notices)

    def explain(self, query: str, match: str = "any",
                limits: QueryLimits = DEFAULT_LIMITS) -> Explanation:
        return self.engine.explain(query, match, limits)

    def documents(self) -> list[Document]:
        return self.corpus.documents()

    def listing(self, names: list[str] | None = None, kinds: list[str] | None = None,
                langs: list[str] | None = None, participant: str | None = None
                ) -> list[dict[str, Any]]:
        """What ``docs`` lists: a summary of each document that passes the filters, and of
        each catalogued text not fetched yet (``fetched: false``), by date."""
        from .meetings import participant_matches
        from .render import document_summary

        wanted: set[str] | None = None
        if names:
            wanted = set()
            for name in names:
                entry = self.corpus.catalogued(name)
                wanted.add(entry.id if entry else self.corpus.find(name).id)

        def keep(doc_id: str, kind: str, lang: str, participants: Any) -> bool:
            return ((wanted is None or doc_id in wanted) and (not kinds or kind in kinds)
                    and (not langs or any(lang == w or lang.startswith(w + "-") for w in langs))
                    and (not participant or participant_matches(participants, participant)))

        rows = [{**document_summary(doc, self.clauses(doc)), "fetched": True}
                for doc in self.documents()
                if keep(doc.id, doc.kind, doc.lang, doc.meta.get("participants"))]
        rows += [catalogued_summary(entry) for entry in self.corpus.catalog().missing()
                 if keep(entry.id, str(entry.get("kind")), str(entry.get("lang")), None)]
        return sorted(rows, key=lambda r: (r["date"], r["doc_id"]))

    def document(self, name: str) -> Document:
        return self.corpus.find(name)

    def related(self, doc: Document) -> dict[str, list[str]]:
        """Other versions and language versions of a document, both ways: its ``versions`` and
        ``translation_of``, and the documents that name it so."""
        versions = {str(v) for v in doc.meta.get("versions") or []}
        translations: set[str] = set()
        original = doc.meta.get("translation_of")
        for other in self.documents():
            if other.id == doc.id:
                continue
            if doc.id in (other.meta.get("versions") or []):
                versions.add(other.id)
            if other.meta.get("translation_of") == doc.id:
                translations.add(other.id)
            if original and other.meta.get("translation_of") == original:
                translations.add(other.id)
        related = {"versions": sorted(versions), "translations": sorted(translations)}
        if original:
            related["translation_of"] = [str(original)]
        return {k: v for k, v in related.items() if v}

    def clauses(self, doc: Document) -> list[Clause]:
        return self.corpus.clauses(doc)

    def lookup(self, item_id: str) -> ClauseView | DocumentView | RecordView:
        """Whatever an id (or a title or alias) names: a clause, a document, a meeting."""
        if "/" in item_id:
            return self.clause(item_id)
        try:
            doc = self.document(item_id)
        except AmbiguousNameError:
            raise
        except NotFoundError as exc:
            from .meetings import find_record, load_records

            try:
                record = find_record(load_records(self.corpus.root), item_id)
            except NotFoundError:
                if self.corpus.catalogued(item_id) or exc.hint.startswith("near"):
                    raise exc from None  # "catalogued but not fetched yet", or near names
                raise NotFoundError(f"no document, meeting or series called {item_id!r}",
                                    "run 'initiative-archive docs' or 'meetings' to list them"
                                    ) from None
            return RecordView(record, {d.id: d.title for d in self.documents()})
        return DocumentView(doc, self.clauses(doc), self.related(doc))

    def clause(self, clause_id: str) -> ClauseView:
        from .history import retirements

        doc_id, _, path = clause_id.partition("/")
        doc = self.document(doc_id)
        clauses = self.clauses(doc)
        wanted = f"{doc.id}/{path}"
        by_id = {c.id: c for c in clauses}
        retired = retirements(self.corpus.root, wanted)
        renamed = self.corpus.catalog().renamed(wanted)
        if wanted not in by_id and renamed in by_id:
            view = self.clause(renamed)
            view.notices.insert(0, f"{wanted} is a retired id: its words are now at {renamed}")
            return view
        if wanted not in by_id:
            if retired:
                raise NotFoundError(_retired_message(retired[-1], wanted),
                                    "cite the clause where its words are now, if any")
            raise NotFoundError(f"no clause {clause_id!r} in {doc.id}",
                                f"run 'initiative-archive show {doc.id}' to list its clauses")
        clause = by_id[wanted]
        notices = [_retired_message(r, wanted) for r in retired]
        ancestors: list[Clause] = []
        parent = clause.parent
        while parent:
            ancestors.insert(0, by_id[parent])
            parent = by_id[parent].parent
        children = [c for c in clauses if c.parent == clause.id]
        from .clauses import own_words  # its patterns compile in ~10 ms: not for a search

        lead_in = own_words(doc.body, ancestors[-1]) if clause.unit == "item" and ancestors else ""
        return ClauseView(doc, clause, ancestors, children, notices, lead_in)


def concept_finder():
    """The glossary's concept ids of a text (loaded once, on first use)."""
    from .glossary import load_glossary

    glossary = load_glossary()
    return lambda text: [c.id for c in glossary.concepts_in(text)]


def catalogued_summary(entry: Entry) -> dict[str, Any]:
    """A catalogued text not fetched yet, as ``docs`` lists it."""
    return {"doc_id": entry.id, "title": entry.title, "date": str(entry.get("date") or ""),
            "kind": str(entry.get("kind")), "lang": str(entry.get("lang")),
            "issuer": str(entry.get("issuer")), "aliases": list(entry.get("aliases") or []),
            "clauses": None, "fetched": False}


def _retired_message(entry: dict, clause_id: str) -> str:
    what = "removed" if entry.get("status") == "removed" else "given other words"
    text = str(entry.get("text") or "")
    quoted = text if len(text) <= 80 else text[:77] + "..."
    where = f"; those words are now at {entry['now_at']}" if entry.get("now_at") else ""
    return (f"{clause_id} was {what} by the revision of {entry.get('date')}: it read "
            f"\"{quoted}\"{where}")
