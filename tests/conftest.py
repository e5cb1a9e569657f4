"""Shared fixtures: isolated locations, one index over the shipped corpus, CLI helpers.

Every test runs with INITIATIVE_ARCHIVE_CORPUS and INITIATIVE_ARCHIVE_INDEX pointing into its own
tmp_path, so nothing ever reads or writes the repository's index/. Tests that want the shipped
corpus name it explicitly (``CORPUS``) together with the session index built once here.

The shipped corpus is what a user has after ``fetch --mirror ../shared/sources``: the committed
files plus the catalogued third-party texts, which the repository never holds. It is assembled
once per test run in a temporary folder, the texts read from ``../shared/sources`` (or the folder
INITIATIVE_ARCHIVE_TEST_MIRROR names).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from initiative_archive import Archive
from initiative_archive.backends.whoosh.store import make_schema as _make_schema
from initiative_archive.cli import main
from initiative_archive.config import CORPUS_ENV, INDEX_ENV
from initiative_archive.fetch import fetch

ROOT = Path(__file__).resolve().parents[1]
REPO_CORPUS = ROOT / "corpus"
MIRROR = Path(os.environ.get("INITIATIVE_ARCHIVE_TEST_MIRROR")
              or ROOT.parent / "shared" / "sources")
COMMITTED_IDS = {"nanning-2012", "kunming-2013", "nlc-2017-prospects"}
CATALOGUED_IDS = {
    "prc-public-library-law-2018",
    "prc-public-cultural-services-law-2016",
    "beijing-library-regulations-2002",
    "shanghai-public-library-regulations-2024",
    "shanghai-public-cultural-services-regulations-2020",
    "prc-public-cultural-sports-facilities-regulations-2003",
}
SHIPPED_IDS = COMMITTED_IDS | CATALOGUED_IDS


def assemble_shipped_corpus(dest: Path) -> Path:
    """The committed corpus copied to ``dest`` (its fetched texts left behind), then every
    catalogued text fetched into it from the mirror."""
    shutil.copytree(REPO_CORPUS, dest, ignore=shutil.ignore_patterns("external", ".*.lock"))
    refused = [f"{o.doc_id}: {o.reason}" for o in fetch(dest, mirror=str(MIRROR))
               if o.status == "refused"]
    if refused:
        raise RuntimeError(f"the tests need the catalogued texts from {MIRROR}: "
                           + "; ".join(refused))
    return dest


_SHIPPED_HOME = Path(tempfile.mkdtemp(prefix="initiative-archive-shipped-"))
atexit.register(shutil.rmtree, _SHIPPED_HOME, True)
CORPUS = assemble_shipped_corpus(_SHIPPED_HOME / "corpus")
SOURCES = CORPUS / "sources"

# Hypothesis keeps caches in .hypothesis/ of the working folder: keep them out of the repository,
# and keep no example database. No deadline: the first Chinese example may load jieba.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "initiative-archive-hypothesis")
settings.register_profile("archive", database=None, deadline=None, max_examples=60)
settings.load_profile("archive")


@pytest.fixture(autouse=True)
def isolated_locations(tmp_path, monkeypatch):
    """Point the default corpus and index at empty folders of this test's own."""
    monkeypatch.setenv(CORPUS_ENV, str(tmp_path / "env-corpus"))
    monkeypatch.setenv(INDEX_ENV, str(tmp_path / "env-index"))
    monkeypatch.delenv("INITIATIVE_ARCHIVE_DEBUG", raising=False)


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory) -> Path:
    """The shipped corpus indexed once for the whole session (read-only for tests)."""
    index = tmp_path_factory.mktemp("shipped") / "index"
    report = Archive(CORPUS, index).index()
    assert not report.problems, [p.message for p in report.problems]
    return index


@pytest.fixture(scope="session")
def shipped(shipped_index) -> Archive:
    return Archive(CORPUS, shipped_index)


def positional_schema():
    """The index's schema, its ``chars`` field keeping positions as it once did: what
    Whoosh's own ``Phrase`` needs, to compare phrases checked on tokens with."""
    from whoosh.fields import TEXT

    from initiative_archive.analysis import CHARS

    schema = _make_schema()
    schema.remove("chars")
    schema.add("chars", TEXT(analyzer=CHARS, phrase=True, multitoken_query="phrase"))
    return schema


def positional_archive(corpus: Path, index: Path) -> Archive:
    """An archive whose index keeps the ``chars`` field's positions (``positional_schema``);
    its updates keep them too."""
    from initiative_archive.backends.whoosh import store

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "make_schema", positional_schema)
        archive = Archive(corpus, index)
        archive.index(rebuild=True)
    return archive


@pytest.fixture(scope="session")
def positional(tmp_path_factory) -> Archive:
    """The shipped corpus indexed once with the ``chars`` field's positions."""
    return positional_archive(CORPUS, tmp_path_factory.mktemp("positional") / "index")


@pytest.fixture
def shipped_args(shipped_index) -> list[str]:
    """--corpus/--index options naming the shipped corpus and its session index."""
    return ["--corpus", str(CORPUS), "--index", str(shipped_index)]


def copy_corpus(dest: Path, doc_ids: list[str]) -> Path:
    """A corpus folder at ``dest`` holding copies of some shipped documents."""
    (dest / "documents").mkdir(parents=True)
    for doc_id in doc_ids:
        found = [p for p in (CORPUS / "documents", CORPUS / "external" / "documents")
                 if (p / f"{doc_id}.md").is_file()]
        shutil.copy(found[0] / f"{doc_id}.md", dest / "documents")
    return dest


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_main(capsys):
    """Run the console entry point ``main(argv)`` as a user would: exit code and both streams."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def assert_one_error_line(run: Run) -> None:
    """A failure the user can act on: exit 1, one 'Error: ...' line on stderr, no traceback."""
    assert run.code == 1, (run.code, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert "unexpected" not in run.stderr, run.stderr  # main()'s catch-all for bugs


def pdf_file(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF made of ``objects`` (object n is ``objects[n - 1]``, 1 the catalog), with its
    cross-reference table; ``trailer`` adds entries such as ``/Info 7 0 R``."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer, xref)
    return bytes(out)
