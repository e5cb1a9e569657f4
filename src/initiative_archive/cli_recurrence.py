"""``recur``, ``similar``, ``compare`` and ``themes``: where else a proposal is made (see
recur.py, and the engine's more-like-this).

Commands of the ``initiative-archive`` group, kept apart from cli.py by subject; like every
command they only parse options, call the archive once and render what comes back.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import archive_options, cli, echo, format_option, note

if TYPE_CHECKING:
    from .archive import Archive
    from .embedding import Progress


def _threshold_options(func: Callable) -> Callable:
    """--threshold and --cross-threshold: how sure the pair model must be to link two clauses
    (the defaults were chosen on held-out labelled pairs, for precision first)."""
    func = click.option("--cross-threshold", type=click.FloatRange(0, 1), metavar="P",
                        help="The same, for clauses in two languages [default: the model's]."
                        )(func)
    return click.option("--threshold", type=click.FloatRange(0, 1), metavar="P",
                        help="Link clauses of one language from this probability (0-1) "
                             "[default: the model's].")(func)


def _thresholds(same: float | None, cross: float | None) -> dict[str, float]:
    """The model's thresholds (Chinese, English, across), with --threshold standing for both
    languages alone and --cross-threshold for the two together."""
    from .recur import default_thresholds

    chosen = default_thresholds()
    chosen.update({k: v for k, v in (("zh", same), ("en", same), ("cross", cross))
                   if v is not None})
    return chosen


@contextmanager
def _embedding_progress(archive: Archive, wait: bool = True) -> Iterator[Progress | None]:
    """The first run on an archive embeds its clauses (cached afterwards, see embedding.py):
    on a terminal, a progress bar on stderr says what the wait is for. Yields what to give
    the archive as ``progress`` (None: nothing to show)."""
    from .recur import unembedded

    todo = 0
    if wait and sys.stderr.isatty():
        todo = unembedded([p for ps in archive.profiles().values() for p in ps])
    if not todo:
        yield None
        return
    with click.progressbar(length=todo, label=f"Embedding {todo} clauses (once)",
                           file=sys.stderr) as bar:
        yield bar.update


@cli.command()
@click.argument("clause_id", metavar="CLAUSE_ID")
@_threshold_options
@format_option(("text", "json", "csv"))
@archive_options
def recur(clause_id: str, threshold: float | None, cross_threshold: float | None, fmt: str,
          archive: Archive) -> None:
    """Where else a proposal is made: clauses of other documents, in either language,
    that state what CLAUSE_ID states, ranked, each with why it was linked.

    \b
    Examples:
        initiative-archive recur nanning-2012/op_1
        initiative-archive recur prc-public-library-law-2018/art_30 --format json
    """
    from . import render_recur
    from .recur import comparable

    wait = comparable(archive.clause(clause_id).clause)  # a wrong id fails before the wait
    with _embedding_progress(archive, wait) as progress:
        view, found = archive.recur(clause_id, _thresholds(threshold, cross_threshold),
                                    progress)
    for message in view.notices:
        note(f"note: {message}")
    if fmt == "json":
        echo(render_recur.recur_json(view, found))
    elif fmt == "csv":
        echo(render_recur.recur_csv(found))
    else:
        echo(render_recur.recur_text(view, found))


@cli.command()
@click.argument("clause_id", metavar="CLAUSE_ID")
@click.option("--doc", "docs", multiple=True, metavar="ID",
              help="Only clauses of this document (id, title or alias); repeatable.")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Only clauses in this language: en, zh, zh-Hans, zh-Hant.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many clauses to show.")
@format_option(("text", "json", "jsonl", "csv"))
@click.option("--color/--no-color", default=None,
              help="Highlight the shared words [default: on a terminal].")
@archive_options
def similar(clause_id: str, docs: tuple[str, ...], langs: tuple[str, ...], limit: int, fmt: str,
            color: bool | None, archive: Archive) -> None:
    """The clauses worded most like CLAUSE_ID: the search engine's more-like-this, on its
    most distinctive words. Quick, and in its own language only; 'recur' judges meaning
    across languages.

    \b
    Examples:
        initiative-archive similar shanghai-public-library-regulations-2024/art_4/para_1
        initiative-archive similar kunming-2013/op_3 --doc nanning-2012 --format json
    """
    from . import render
    from .cli import use_color
    from .engine import Filters
    from .model import SearchResult

    view, hits = archive.similar(clause_id, limit, Filters(docs=list(docs), langs=list(langs)))
    for message in view.notices:
        note(message)
    if fmt == "text":
        echo(render.similar_text(view.clause.id, hits, use_color(color)),
             color=use_color(color))
    else:
        echo(render.search_data(SearchResult(query=view.clause.id, total=len(hits), hits=hits),
                                fmt))


@cli.command()
@click.argument("docs", nargs=-1, required=True, metavar="DOC_A DOC_B [DOC_C...]")
@_threshold_options
@format_option(("text", "json", "csv"))
@archive_options
def compare(docs: tuple[str, ...], threshold: float | None, cross_threshold: float | None,
            fmt: str,
            archive: Archive) -> None:
    """Documents side by side: each clause of the first with its best match in each
    other document, or "new"; then what the others say that the first does not.

    \b
    Examples:
        initiative-archive compare nanning-2012 kunming-2013
        initiative-archive compare beijing-library-regulations-2002 \\
            shanghai-public-library-regulations-2024 --format csv
    """
    from . import render_recur

    if not 2 <= len(docs) <= 4:
        raise click.UsageError("compare takes two to four documents")
    with _embedding_progress(archive) as progress:
        result = archive.compare(list(docs), _thresholds(threshold, cross_threshold), progress)
    if fmt == "json":
        echo(render_recur.compare_json(result))
    elif fmt == "csv":
        echo(render_recur.compare_csv(result))
    else:
        echo(render_recur.compare_text(result, None if sys.stdout.isatty() else 80))


@cli.command()
@_threshold_options
@click.option("--min-docs", type=click.IntRange(min=2), default=2, show_default=True,
              help="Only themes stated in at least this many documents.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw a timeline of the themes against documents (.png or .svg).")
@format_option(("text", "json", "csv"))
@archive_options
def themes(threshold: float | None, cross_threshold: float | None, min_docs: int,
           plot: Path | None,
           fmt: str, archive: Archive) -> None:
    """The proposals that recur across the archive: groups of clauses of several
    documents that state the same thing, with their concepts, documents and the
    first and last date they appear.

    \b
    Examples:
        initiative-archive themes
        initiative-archive themes --format json --plot themes.png
    """
    from . import render_recur

    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("the plot is a .png or .svg file", param_hint="--plot")
    with _embedding_progress(archive) as progress:
        found = archive.themes(_thresholds(threshold, cross_threshold), min_docs, progress)
    if plot is not None:
        from .plot import plot_themes

        plot_themes(found, plot, archive.timeline_date)
        note(f"timeline written to {plot}")
    if fmt == "json":
        echo(render_recur.themes_json(found))
    elif fmt == "csv":
        echo(render_recur.themes_csv(found))
    else:
        echo(render_recur.themes_text(found))
