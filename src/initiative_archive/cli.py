"""The ``initiative-archive`` command: parse options, call the library once, render the result.

Exit status: 0 success (a search with no hits included), 1 a failure the user can act on
(bad input, not found, busy), 2 a usage error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .cite_styles import PARTS, STYLES
from .config import CORPUS_ENV, INDEX_ENV, corpus_path, index_path
from .errors import ArchiveError, NotFoundError
from .limits import Limits
from .model import ISO_DATE, KINDS
from .query_limits import QueryLimits
from .textclean import strip_controls

# Every command imports what it uses: `--version` and `--help` load none of it, a search loads
# neither the citation styles, nor quotation checks, nor the meeting records.
if TYPE_CHECKING:  # the archive loads Whoosh: only commands that use it import it
    from .archive import Archive
    from .ingest import Outcome

FORMATS = ("text", "json", "jsonl", "csv")


def _check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not ISO_DATE.match(value):
        raise click.BadParameter(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def _check_range(date_from: str | None, date_to: str | None) -> None:
    if date_from and date_to and date_from[:len(date_to)] > date_to:
        raise click.UsageError(f"--from {date_from} is after --to {date_to}")


def archive_options(func: Callable) -> Callable:
    """--corpus and --index on every command (they may also come before the command)."""

    @click.option("--corpus", "corpus_dir", metavar="DIR",
                  help=f"Corpus folder [env {CORPUS_ENV}; default ./corpus].")
    @click.option("--index", "index_dir", metavar="DIR",
                  help=f"Index folder [env {INDEX_ENV}; default index/ beside the corpus].")
    @functools.wraps(func)
    def wrapper(*args: Any, corpus_dir: str | None, index_dir: str | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        parent = ctx.find_root().params
        corpus = corpus_path(corpus_dir or parent.get("corpus_dir"))
        index = index_path(index_dir or parent.get("index_dir"), corpus)
        if ctx.info_name != "ingest" and not corpus.is_dir():  # ingest may start a corpus
            raise NotFoundError(f"no corpus folder at {corpus}",
                                f"give --corpus DIR or set {CORPUS_ENV}")
        from .archive import Archive

        return func(*args, archive=Archive(corpus, index), **kwargs)

    return wrapper


_QUERY_LIMITS = QueryLimits()


def query_limit_options(func: Callable) -> Callable:
    """Every query's budget, adjustable: a query that would ask for more is refused in one
    line, within seconds, whatever the size of the archive."""
    options = [
        ("--max-query-chars", "max_chars", int, "Refuse a query longer than N characters."),
        ("--max-terms", "max_terms", int,
         "Refuse a query of more than N terms once wildcards are expanded."),
        ("--max-expansions", "max_expansions", int,
         "Refuse wildcards, prefixes and ranges that together match more than N index words."),
        ("--min-wildcard-chars", "min_literal", int,
         "A wildcard needs N characters besides * and ? ('**' and '??' are refused)."),
        ("--max-postings", "max_postings", int,
         "Refuse a query that would read more than N index postings (long phrases)."),
        ("--query-timeout", "seconds", float, "Stop a search after this many seconds."),
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {field: kwargs.pop(field) for _, field, _, _ in options}
        return func(*args, limits=QueryLimits(**given), **kwargs)

    for flag, field, kind, text in reversed(options):
        low = 0 if field == "min_literal" else (0.1 if kind is float else 1)
        wrapper = click.option(
            flag, field, type=click.FloatRange(min=low) if kind is float
            else click.IntRange(min=low), default=getattr(_QUERY_LIMITS, field),
            show_default=True, metavar="S" if kind is float else "N", help=text)(wrapper)
    return wrapper


def format_option(choices: tuple[str, ...] = ("text", "json", "csv")) -> Callable:
    return click.option("--format", "fmt", type=click.Choice(choices), default="text",
                        show_default=True, help="Output format.")


def echo(text: str, color: bool | None = None) -> None:
    """Print; ``color=True`` keeps colour codes even through a pipe (``--color``). Without
    colour nothing a terminal would obey gets out, whatever a document or file name holds."""
    click.echo(text if color else strip_controls(text), nl=False, color=color)


def note(message: str) -> None:
    click.echo(strip_controls(message), err=True)


def progress_printer() -> Callable[[str], None]:
    """Progress lines on stderr, only when someone is watching it."""
    if sys.stderr.isatty():
        return lambda message: click.echo(f"  {message}", err=True)
    return lambda message: None


def use_color(option: bool | None) -> bool:
    if option is not None:
        return option
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class ArchiveFailure(click.ClickException):
    """An ArchiveError at the edge: ``Error: message (hint)`` on stderr, exit 1."""

    exit_code = 1

    def __init__(self, error: ArchiveError) -> None:
        hint = f" ({error.hint})" if error.hint else ""
        super().__init__(strip_controls(f"{_ERROR_PREFIX.sub('', error.message)}{hint}"))
        self.exit_code = error.exit_code


class ArchiveGroup(click.Group):
    """Turns the library's errors into one line and exit status 1, for every command."""

    answered: str | None = None  # the command that ran to its end in this process

    def invoke(self, ctx: click.Context) -> Any:
        try:
            value = super().invoke(ctx)
            ArchiveGroup.answered = ctx.invoked_subcommand
            return value
        except ArchiveError as exc:
            raise ArchiveFailure(exc) from None
        except BrokenPipeError:
            raise
        except OSError as exc:  # a folder that is a file, a disk that is full, no permission
            where = f": {exc.filename}" if exc.filename else ""
            raise ArchiveFailure(ArchiveError(f"{exc.strerror or exc}{where}",
                                              "check the paths given")) from None


_ERROR_PREFIX = re.compile(r"^Error:\s*")


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", "corpus_dir", metavar="DIR", envvar=None,
              help=f"Corpus folder [env {CORPUS_ENV}; default ./corpus].")
@click.option("--index", "index_dir", metavar="DIR",
              help=f"Index folder [env {INDEX_ENV}; default index/ beside the corpus].")
@click.version_option(__version__, prog_name="initiative-archive")
def cli(corpus_dir: str | None, index_dir: str | None) -> None:
    """Search, read and cite the clauses of library cooperation texts.

    \b
    Example:
        initiative-archive search "inter-library loan"
    """


@cli.command()
@click.argument("query", nargs=-1)
@click.option("--queries", "queries_file", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path),
              help="Run every query in FILE (one per line; blank and #-lines skipped) over one "
                   "open index, instead of QUERY: saved searches, reproducible.")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="With --queries: share the queries among N processes (the answers are the "
                   "same) [default: one for each usable core, up to 4].")
@click.option("--doc", "docs", multiple=True, metavar="ID",
              help="Only this document (id, title or alias); repeatable.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice((*KINDS, "meeting")),
              help="Only documents of this kind; repeatable. 'meeting' searches the meeting "
                   "records (names, themes, places, hosts, participants).")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Only clauses in this language: en, zh (both scripts), zh-Hans, zh-Hant.")
@click.option("--role", "roles", multiple=True,
              type=click.Choice(["preamble", "note", "operative", "heading", "closing"]),
              help="Only clauses of this role; repeatable.")
@click.option("--from", "date_from", metavar="DATE", callback=_check_date,
              help="Only documents dated on or after DATE (YYYY[-MM[-DD]]).")
@click.option("--to", "date_to", metavar="DATE", callback=_check_date,
              help="Only documents dated on or before DATE.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many hits to show.")
@click.option("--match", type=click.Choice(["any", "all"]), default="any", show_default=True,
              help="any: rank clauses by how many words match; all: every word must match.")
@click.option("--group-by", type=click.Choice(["doc"]), help="Group the hits by document.")
@click.option("--nested", is_flag=True,
              help="Show every matching unit, not only the smallest of each article.")
@click.option("--explain", is_flag=True, help="Show how the query is analysed, then search.")
@click.option("--no-expand", "no_expand", is_flag=True,
              help="Search the words as given only, not their glossary concepts in both "
                   "languages.")
@click.option("--cite", "cite_style", type=click.Choice(STYLES),
              help="Print a citation of every hit in this style instead of the hits.")
@format_option(FORMATS)
@click.option("--color/--no-color", default=None,
              help="Highlight matches [default: on a terminal].")
@query_limit_options
@archive_options
def search(query: tuple[str, ...], queries_file: Path | None, jobs: int | None,
           docs: tuple[str, ...],
           kinds: tuple[str, ...],
           langs: tuple[str, ...], roles: tuple[str, ...], date_from: str | None,
           date_to: str | None, limit: int, match: str, group_by: str | None, nested: bool,
           explain: bool, no_expand: bool, cite_style: str | None, fmt: str,
           color: bool | None, limits: QueryLimits, archive: Archive) -> None:
    """Find the clauses that state a commitment.

    QUERY uses Whoosh's query language: words, "exact phrases", AND, OR, NOT,
    field:value (title:, doc:, label:, kind:, lang:, role:), wildcards (digit*).
    Chinese may be simplified or traditional; English is stemmed and
    British/American spellings meet.

    \b
    Examples:
        initiative-archive search "inter-library loan"
        initiative-archive search 资源共享 --lang zh --format json --limit 5
        initiative-archive search '"union catalogue"' --doc kunming-2013
        initiative-archive search --queries saved.txt --format jsonl
    """
    text = " ".join(query)
    _check_range(date_from, date_to)
    if bool(text.strip()) == bool(queries_file):
        raise click.UsageError("give a QUERY or --queries FILE (one of them)")
    if queries_file and (cite_style or explain or group_by):
        raise click.UsageError("--cite, --explain and --group-by take one QUERY, not --queries")
    if jobs and not queries_file:
        raise click.UsageError("--jobs shares the queries of --queries FILE: give one")
    from . import render
    from .engine import Filters

    filters = Filters(docs=list(docs), kinds=list(kinds), langs=list(langs), roles=list(roles),
                      date_from=date_from, date_to=date_to)
    if queries_file:
        texts = read_queries(queries_file)
        colored = use_color(color)
        answers, failed = archive.search_many(  # each rendered where it was found
            texts, filters, jobs, lambda r: (r.notices, render.saved_search_part(r, fmt, colored)),
            limit=limit, match=match, nested=nested, limits=limits, expand=not no_expand)
        for message in dict.fromkeys(n for notices, _ in answers for n in notices):
            note(message)
        if not texts:
            note(f"warning: {queries_file} holds no query")
        for query_text, error in failed:
            note(f"error: {render.quoted(query_text)}: {error.message}")
        echo(render.joined_searches([part for _, part in answers], fmt), color=colored)
        if failed:
            sys.exit(1)
        return
    if explain:
        ex = archive.explain(text, match, limits)
        if fmt == "text":
            echo(render.explanation_text(ex) + "\n")
    result = archive.search(text, filters, limit=limit, match=match, nested=nested,
                            progress=progress_printer(), limits=limits, expand=not no_expand)
    for message in result.notices:
        note(message)
    if cite_style:
        from .cite import cite

        echo(cite([archive.citable(h.clause.id) for h in result.hits], cite_style))
        return
    if fmt == "text":
        echo(render.search_text(result, use_color(color), group_by), color=use_color(color))
    else:
        echo(render.search_data(result, fmt, group_by, ex.to_dict() if explain else None))


def read_queries(path: Path) -> list[str]:
    """The queries of a saved-search file, one per line, decoded as the project decodes."""
    from .readers.decode import decode_bytes

    text, _, _ = decode_bytes(path.read_bytes(), path.name, None)
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@cli.command()
@click.argument("item_id", metavar="ID")
@format_option(("text", "json"))
@archive_options
def show(item_id: str, fmt: str, archive: Archive) -> None:
    """Show a document (its clauses in order) or one clause with its context.

    ID is a document id, title or alias, a clause id (DOC/PATH), or a meeting
    or series id (or name).

    \b
    Examples:
        initiative-archive show kunming-2013
        initiative-archive show prc-public-library-law-2018/art_33/para_2/item_1 --format json
        initiative-archive show cdnlao-04
    """
    from . import render

    view = archive.lookup(item_id)
    for message in getattr(view, "notices", []):
        note(f"note: {message}")
    echo(render.view_json(view) + "\n" if fmt == "json" else render.view_text(view))


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only documents of this kind.")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language.")
@click.option("--participant", metavar="NAME",
              help="Only documents whose participants include NAME (a nation, a library).")
@format_option()
@archive_options
def docs(names: tuple[str, ...], kinds: tuple[str, ...], langs: tuple[str, ...],
         participant: str | None, fmt: str, archive: Archive) -> None:
    """List the archived documents: id, date, kind, language, clause count, title.

    NAMES, if given, are ids, titles or aliases of the documents to list.
    Catalogued texts that are not fetched yet are listed too, marked as such.

    \b
    Examples:
        initiative-archive docs --format json
        initiative-archive docs 东亚图书馆南宁倡议
        initiative-archive docs --participant Cambodia
    """
    from . import render

    rows = archive.listing(list(names), list(kinds), list(langs), participant)
    if fmt == "json":
        echo(render.to_json({"archive_version": __version__, "documents": rows}) + "\n")
    elif fmt == "csv":
        echo(render.to_csv(rows, ["doc_id", "date", "kind", "lang", "clauses", "title",
                                  "issuer", "aliases", "fetched"]))
    else:
        echo(render.docs_text(rows))


_LIMITS = Limits()
INGEST_HELP = f"""Archive files, or folders of them: Markdown with front matter, plain text,
HTML, PDF (its text layer) and Word (.docx).

Each file is archived into the corpus or rejected with a one-line reason; the index
is then updated. Exit 0 when every file was archived (or unchanged), 1 otherwise.
Text in UTF-8, UTF-16, GBK/GB18030, Big5 or Latin-1 is decoded and the encoding is
recorded in the document's source; so are a PDF's pages (each page's range in the
text, for citations). Word has no fixed pages: only its paragraphs are counted. The
same text under another name is refused as a duplicate; an archived document
changes only with --replace.

Limits: a file of at most --max-bytes ({_LIMITS.max_bytes:,} bytes by default);
per document at most {_LIMITS.max_lines:,} non-blank lines, {_LIMITS.max_clauses:,}
clauses and {_LIMITS.max_line_chars:,} characters on one line. Readers work to a
budget counted as they go: a PDF of at most --max-pages pages and
--max-pdf-operations content-stream operations (content bytes count one per 32); a
Word document of at most --max-paragraphs paragraphs (empty ones and table cells
included) and --max-styles styles and list definitions. A file over a limit is
refused in seconds, naming it. Scanned PDFs (no text layer) are refused: OCR is not
done here.

\b
Examples:
    initiative-archive ingest regulation.txt --id beijing-2002 \\
        --title 北京市图书馆条例 --date 2002-07-18 --kind regulation
    initiative-archive ingest inbox/
"""


@cli.command(help=INGEST_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--id", "doc_id", metavar="ID", help="Document id (one file only).")
@click.option("--title", help="Title [default: from the file].")
@click.option("--date", callback=_check_date, help="Date, YYYY[-MM[-DD]].")
@click.option("--lang", help="Language (en, zh-Hans, zh-Hant) [default: detected].")
@click.option("--kind", type=click.Choice(KINDS), help="Kind of document [default: other].")
@click.option("--replace", is_flag=True, help="Revise a document already archived under the id.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=_LIMITS.max_bytes,
              show_default=True, metavar="N", help="Refuse files larger than N bytes.")
@click.option("--max-pages", type=click.IntRange(min=1), default=_LIMITS.max_pages,
              show_default=True, metavar="N", help="Refuse PDFs of more than N pages.")
@click.option("--max-pdf-operations", type=click.IntRange(min=1),
              default=_LIMITS.max_pdf_operations, show_default=True, metavar="N",
              help="Refuse PDFs of more than N content-stream operations.")
@click.option("--max-paragraphs", type=click.IntRange(min=1), default=_LIMITS.max_paragraphs,
              show_default=True, metavar="N", help="Refuse Word files of more than N paragraphs.")
@click.option("--max-styles", type=click.IntRange(min=1), default=_LIMITS.max_styles,
              show_default=True, metavar="N",
              help="Refuse Word files of more than N styles and list definitions.")
@format_option(("text", "json"))
@archive_options
def ingest(paths: tuple[Path, ...], doc_id: str | None, title: str | None, date: str | None,
           lang: str | None, kind: str | None, replace: bool, max_bytes: int, max_pages: int,
           max_pdf_operations: int, max_paragraphs: int, max_styles: int, fmt: str,
           archive: Archive) -> None:
    missing = [str(p) for p in paths if not (p.exists() or p.is_symlink())]
    if missing:
        raise click.BadParameter(f"no such file: {', '.join(missing)}", param_hint="PATHS")
    from . import render
    from .ingest import Overrides, ingest_files

    overrides = Overrides(id=doc_id, title=title, date=date, lang=lang, kind=kind)
    limits = dataclasses.replace(_LIMITS, max_bytes=max_bytes, max_pages=max_pages,
                                 max_pdf_operations=max_pdf_operations,
                                 max_paragraphs=max_paragraphs, max_styles=max_styles)
    outcomes = ingest_files(archive.corpus, list(paths), overrides, replace, limits,
                            indexed=archive.engine.indexed_files)
    counts = {s: sum(1 for o in outcomes if o.status == s)
              for s in ("archived", "replaced", "unchanged", "skipped", "rejected")}
    if fmt == "json":
        echo(render.to_json({"files": [o.to_dict() for o in outcomes], "summary": counts}) + "\n")
    else:
        for o in outcomes:
            echo(_outcome_line(o) + "\n")
        echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) + "\n")
    if any(o.status in ("archived", "replaced") for o in outcomes):
        report = archive.index(progress=progress_printer())
        for problem in report.problems:
            note(f"warning: {problem.message}")
    if counts["rejected"]:
        sys.exit(1)


def _outcome_line(o: Outcome) -> str:
    """One line per file: what became of it, and why or what was cleaned on the way in."""
    if o.status in ("rejected", "skipped"):
        return f"{o.status:<9} {o.path}: {o.reason}" + (f" ({o.hint})" if o.hint else "")
    details = [f"{o.clauses} clause{'s' if o.clauses != 1 else ''}"]
    if o.encoding and o.encoding != "utf-8":
        details.append(o.encoding)
    notes = f"; note: {'; '.join(o.notes)}" if o.notes else ""
    return f"{o.status:<9} {o.path} -> {o.doc_id} ({', '.join(details)}){notes}"


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Build a new index from scratch and swap it in.")
@archive_options
def index_command(rebuild: bool, archive: Archive) -> None:
    """Bring the index up to date with the corpus (only changed documents are re-indexed).

    \b
    Example:
        initiative-archive index --rebuild
    """
    report = archive.index(rebuild=rebuild, progress=progress_printer())
    for message in report.notices:
        note(message)
    for problem in report.problems:
        note(f"warning: {problem.message}")
    if report.rebuilt:
        echo(f"Rebuilt the index in {archive.engine.location}: {len(report.added)} documents.\n")
    else:
        echo(f"Index up to date in {archive.engine.location}: {len(report.added)} added, "
             f"{len(report.changed)} changed, {len(report.removed)} removed, "
             f"{report.unchanged} unchanged.\n")
    if report.problems:
        sys.exit(1)


@cli.command("fetch")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--mirror", metavar="DIR|URL",
              help="Read the files from a copy instead of their download addresses: a folder, "
                   "or an http(s) base address, holding the catalogued file names flat.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=_LIMITS.max_bytes,
              show_default=True, metavar="N", help="Refuse files larger than N bytes.")
@format_option(("text", "json"))
@archive_options
def fetch_command(ids: tuple[str, ...], mirror: str | None, max_bytes: int, fmt: str,
                  archive: Archive) -> None:
    """Download the catalogued third-party texts (Chinese laws and regulations) into the corpus.

    These texts are not in the repository: corpus/catalog.yaml names each one
    with its download address (at a pinned commit of LawRefBook/Laws, which
    takes them from flk.npc.gov.cn) and its SHA-256. Each file is checked
    against its SHA-256 and layout, kept in corpus/external/ (git-ignored),
    transcribed into a corpus document, and indexed. No ID means every
    catalogued text. A text already fetched is not downloaded again.

    Exit 0 when every text named is present; 1 when one was refused (a wrong
    SHA-256, a broken download, a file missing from the mirror) or the network
    cannot be reached; 2 for an id not in the catalogue.

    \b
    Examples:
        initiative-archive fetch
        initiative-archive fetch --mirror ../shared/sources
        initiative-archive fetch prc-public-library-law-2018 --mirror https://example.org/laws/
    """
    from . import render
    from .fetch import UnknownIdsError, fetch_entries, select

    catalog = archive.corpus.catalog()
    if mirror is not None and not mirror.strip():
        raise click.BadParameter("an empty mirror names nothing", param_hint="--mirror")
    try:
        entries = select(catalog, list(ids))
    except UnknownIdsError as exc:
        raise click.BadParameter(exc.message, param_hint="ID") from None
    limits = dataclasses.replace(_LIMITS, max_bytes=max_bytes)
    with byte_progress(sum(int(e.get("bytes") or 0) for e in entries)) as progress:
        outcomes = fetch_entries(catalog, entries, mirror, limits, progress)
    if fmt == "json":
        echo(render.to_json({"texts": [o.to_dict() for o in outcomes]}) + "\n")
    else:
        for o in outcomes:
            echo(_fetch_line(o) + "\n")
    if any(o.status in ("fetched", "updated") for o in outcomes):
        report = archive.index(progress=progress_printer())
        for problem in report.problems:
            note(f"warning: {problem.message}")
    if any(o.status == "refused" for o in outcomes):
        sys.exit(1)


def _fetch_line(o: Any) -> str:
    return {
        "fetched": f"fetched    {o.doc_id}: {o.size:,} bytes from {o.origin}, SHA-256 checked",
        "updated": f"updated    {o.doc_id}: already fetched; transcription renewed from the "
                   "catalogue",
        "unchanged": f"unchanged  {o.doc_id}: already fetched, SHA-256 checked",
        "refused": f"refused    {o.doc_id}: {o.reason}",
    }[o.status]


@contextlib.contextmanager
def byte_progress(total: int) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr while bytes arrive, only on a terminal."""
    if not sys.stderr.isatty() or not total:
        yield lambda _id, _done, _total: None
        return
    done: dict[str, int] = {}
    with click.progressbar(length=total, label="fetching", file=sys.stderr) as bar:
        def advance(doc_id: str, size: int, _expected: int) -> None:
            bar.update(size - done.get(doc_id, 0))
            done[doc_id] = size

        yield advance


@cli.command("cite")
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--style", type=click.Choice(STYLES), default="chicago", show_default=True,
              help="chicago (notes and bibliography), chicago-author-date, apa, mla, or data "
                   "for reference managers: bibtex, ris, csl-json.")
@click.option("--part", type=click.Choice(PARTS), default="both", show_default=True,
              help="For chicago, chicago-author-date, apa and mla: the note or in-text "
                   "citation, the bibliography (reference-list, works-cited) entry, or both, "
                   "each labelled.")
@archive_options
def cite_command(ids: tuple[str, ...], style: str, part: str, archive: Archive) -> None:
    """Cite documents or clauses: the document as the work, the clause as the pinpoint.

    ID is a clause id (DOC/PATH), a document id, title or alias, or the id of a source a
    document was read in (nlc-2017-regional-cooperation, the NLC slides). A text read in
    another source is cited "quoted in" it; a clause of a PDF by its page; a Chinese law by
    its Chinese and English titles, issuer, dates, article and official page.

    \b
    Examples:
        initiative-archive cite kunming-2013/op_4
        initiative-archive cite prc-public-library-law-2018/art_30 --style apa --part note
        initiative-archive cite prc-public-library-law-2018/art_30 --style bibtex
    """
    from .cite import cite

    targets = [archive.citable(item) for item in ids]
    for target in targets:
        for notice in target.notices:
            note(notice)
    echo(cite(targets, style, part))


@cli.command()
@click.argument("quotation", required=False)
@click.option("--file", "draft", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check every quotation in a draft (text in “…”, \"…\", 「…」 or 『…』 of at "
                   "least 8 words or 8 Chinese characters; shorter ones are listed as skipped). "
                   "Read in any encoding ingest reads.")
@format_option(("text", "json"))
@archive_options
def verify(quotation: str | None, draft: Path | None, fmt: str, archive: Archive) -> None:
    """Check that a quotation is the source's exact words.

    Answers exact (whitespace, quotation marks, full/half-width punctuation and a leading
    label such as "1." or "第三十三条" aside; a quotation may run on from one clause into the
    next, and names them all), differs (a misquotation: the clause and a diff), or
    not-found. An ellipsis (... or ……) stands for omitted words. Exit 0 when every
    quotation is exact, 1 otherwise (and for a draft with no quotation to check).

    \b
    Examples:
        initiative-archive verify "actively promote inter-library loan"
        initiative-archive verify --file draft.md --format json
    """
    from . import render
    from .cite import cite
    from .verify import is_empty

    if (quotation is None) == (draft is None):
        raise click.UsageError("give a QUOTATION or --file DRAFT, not both or neither")
    skipped: list[tuple[str, str]] = []
    if draft is not None:
        quotes, skipped = _draft_quotations(draft)
        for quote, why in skipped:
            note(f"skipped “{_clip(quote)}”: {why}")
        if not quotes:
            raise NotFoundError(f"{draft.name}: no quotation to check"
                                + (f" ({len(skipped)} skipped)" if skipped else ""),
                                "put each quotation in “…”, \"…\", 「…」 or 『…』")
    else:
        if is_empty(quotation or ""):
            raise click.UsageError("the quotation is empty: give the words to check")
        quotes = [quotation or ""]
    verdicts = archive.verify_all(quotes)
    citations = {v.clause.id: cite([archive.citable(v.clause.id)], "chicago", "note").strip()
                 for v in verdicts if v.clause is not None}
    if fmt == "json":
        rows = [{**v.to_dict(), "citation": citations.get(v.clause.id) if v.clause else None}
                for v in verdicts]
        data = rows[0] if quotation is not None else {
            "quotations": rows, "skipped": [{"quotation": q, "reason": r} for q, r in skipped]}
        echo(render.to_json(data) + "\n")
    elif quotation is not None:
        echo(render.verdict_text(verdicts[0], citations) + _spans(verdicts))
    else:
        echo(render.verdict_table(verdicts, citations) + _spans(verdicts))
    if any(v.status != "exact" for v in verdicts):
        sys.exit(1)


def _draft_quotations(draft: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """A draft's quotations to check and those skipped, the draft decoded as ingest decodes
    files (UTF-8, UTF-16, GBK/GB18030, Big5, Latin-1)."""
    from .errors import IngestError
    from .readers.decode import decode_bytes
    from .verify import scan_quotations

    try:
        text, _encoding, _notes = decode_bytes(draft.read_bytes(), draft.name)
    except IngestError as exc:
        raise NotFoundError(exc.message, "save the draft as text") from None
    return scan_quotations(text)


def _clip(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def _spans(verdicts: list) -> str:
    """A line for each quotation that runs across clauses, naming them all."""
    from . import render

    return "".join(render.finish(f"“{_clip(v.quotation)}” runs across "
                                 f"{', '.join(c.id for c in v.clauses)}\n")
                   for v in verdicts if len(v.clauses) > 1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="Output format.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@archive_options
def export(fmt: str, output: Path | None, archive: Archive) -> None:
    """Export the whole archive (documents, clauses, meetings) stamped with its version.

    Every record carries the archive version and a digest of the dataset, so a study
    can cite the exact data it used.

    \b
    Example:
        initiative-archive export --format csv --output archive.csv
    """
    from . import render
    from .export import CSV_COLUMNS, export_records

    records = list(export_records(archive.corpus))
    if fmt == "csv":
        text = render.to_csv(records, CSV_COLUMNS)
    else:
        text = "".join(render.json_line(r) for r in records)
    if output is None:
        echo(text)
    else:
        from .atomic import write_atomic

        write_atomic(Path(os.path.abspath(output)), text.encode("utf-8"))
        note(f"wrote {len(records)} records to {output}")


@cli.command()
@click.option("--series", metavar="NAME", help="Only this series (CDNLAO, CJKDLI, ...).")
@click.option("--from", "date_from", metavar="DATE", callback=_check_date,
              help="Only meetings on or after DATE.")
@click.option("--to", "date_to", metavar="DATE", callback=_check_date,
              help="Only meetings on or before DATE.")
@click.option("--participant", metavar="NAME", help="Only meetings NAME took part in or hosted.")
@format_option()
@archive_options
def meetings(series: str | None, date_from: str | None, date_to: str | None,
             participant: str | None, fmt: str, archive: Archive) -> None:
    """List meeting records: series, number, date, place, host, documents adopted.

    \b
    Examples:
        initiative-archive meetings --series CDNLAO
        initiative-archive meetings --from 2010 --to 2014 --format json
    """
    from . import render
    from .meetings import filter_meetings, load_records

    _check_range(date_from, date_to)
    records = load_records(archive.corpus.root)
    for problem in records.problems:
        note(f"warning: {problem.message}")
    rows = filter_meetings(records, series, date_from, date_to, participant)
    if fmt == "json":
        echo(render.to_json({"archive_version": __version__,
                             "meetings": [r.to_dict() for r in rows]}) + "\n")
    elif fmt == "csv":
        echo(render.to_csv((render.meeting_row(r) for r in rows), render.MEETING_COLUMNS))
    else:
        echo(render.meetings_text(rows))


@cli.command()
@archive_options
def check(archive: Archive) -> None:
    """Validate the corpus: front matter, ids, clauses, links, sources.

    Prints one line per problem and exits 1 if there is any.

    \b
    Example:
        initiative-archive check --corpus corpus
    """
    from .check import audit_corpus

    report = audit_corpus(archive.corpus.root)
    problems = report.problems
    for problem in problems:
        echo(f"{problem}\n")
    if problems:
        note(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
             f"{archive.corpus.root}")
        sys.exit(1)
    echo(f"{archive.corpus.root}: {report.documents} documents, "
         f"{report.meetings} meetings: no problems.\n")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: 127.0.0.1 is this machine only.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@archive_options
def serve(host: str, port: int, archive: Archive) -> None:
    """Search, read, compare and cite in a web browser, on this machine.

    Starts a local web server over the archive and prints its address; Ctrl-C stops it.

    \b
    Example:
        initiative-archive serve --port 8000
    """
    from .web import serve as serve_web  # Flask loads only for this command

    serve_web(archive, host, port, note)


#: Commands that write nothing of their own (an index one brings up to date is committed and
#: closed before it answers): once one has answered, the console script leaves without
#: tearing the interpreter down (``run``).
LEAVE_QUICKLY = frozenset({"search", "show", "docs", "cite", "verify", "meetings"})


def run() -> None:
    """The console script and ``python -m initiative_archive``: ``main`` on the command line.
    After a command of ``LEAVE_QUICKLY`` has answered, in a process with no other thread, the
    output is flushed and the process ends at once: freeing every object of an open index,
    its caches and the modules took a search about 45 ms, a sixth of a cold one, for nothing
    (no handler registered at exit has work left after such a command)."""
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if ArchiveGroup.answered in LEAVE_QUICKLY and threading.active_count() == 1:
        _leave_now(code)
    sys.exit(code)


def _leave_now(code: int | str | None) -> NoReturn:
    status = code if isinstance(code, int) else (0 if code is None else 1)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader gone (head), or stderr closed on a broken pipe
        status = status or 1
    os._exit(status)


def main(argv: list[str] | None = None) -> None:
    """Entry point: click handles usage errors (2) and the archive's errors (1); anything
    else is a bug, reported in one line rather than a traceback."""
    try:
        cli.main(args=argv, prog_name="initiative-archive")
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        sys.exit(1)
    except Exception as exc:  # a bug: one line, not a traceback, unless debugging
        if os.environ.get("INITIATIVE_ARCHIVE_DEBUG"):
            raise
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc} (set "
                   "INITIATIVE_ARCHIVE_DEBUG=1 for the traceback, and please report it)", err=True)
        sys.exit(1)


# The recurrence commands live in their own module; importing it registers them on `cli`.
from . import cli_recurrence  # noqa: E402, F401
