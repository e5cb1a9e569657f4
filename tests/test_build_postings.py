"""A build's worker processes write the postings Whoosh would: ``indexed_terms`` gives what
the analyzers give, the prepared schema the postings the schema gives, and a build on several
processes an index with the same terms, postings, lengths and stored fields as one process."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import CORPUS, copy_corpus

import initiative_archive.backends.whoosh.store as index_module
from initiative_archive import Archive
from initiative_archive.analysis import CHARS, INDEXED, SPELL, WORDS, indexed_terms
from initiative_archive.backends.whoosh.fast_writer import prepared_schema
from initiative_archive.backends.whoosh.store import make_schema, open_generation

TEXTS = [
    "",
    "the a an",
    "The inter-library loan (馆际互借) and interlibrary loans of the libraries.",
    "第一条 为了促进公共图书馆事业发展，中华人民共和国公共图书馆法制定本法。",
    "東亞圖書館南寧倡議 the ＡＳＥＡＮ Ｌｉｂｒａｒｙ co-operation, e-book -x- a-b-c",
    "Café résumé naïve organizations digitization publications universities",
    "图书馆 the 图书馆 the 图书馆 and 图 书 馆 2012 年 11 月",
    "shall such its their our would s t",
    "𠀀𠀁 Ⅻ ½ ｶﾀｶﾅ ﬁne straße İstanbul",
]


@pytest.mark.parametrize("text", TEXTS)
def test_indexed_terms_are_what_the_analyzers_index(text):
    for analyzer, (first, terms) in zip((WORDS, CHARS, SPELL), indexed_terms(text), strict=True):
        tokens = [(t.pos, t.text) for t in analyzer(text, positions=True, mode="index")]
        assert [(first + n, term) for n, term in enumerate(terms)] == tokens
    assert INDEXED == (WORDS, CHARS, SPELL)


@pytest.mark.parametrize("text", TEXTS)
def test_the_prepared_schema_gives_the_schemas_postings(text):
    schema = make_schema()
    prepared = prepared_schema(schema)
    for name, field in schema.items():
        if field.indexed and name != "order":
            for _ in range(2):  # the second time from the ID fields' memo
                assert list(prepared[name].index(text)) == list(field.index(text)), name


def _contents(index) -> tuple[dict, dict]:
    """Every posting (by document key) and every stored document of an index."""
    ix = open_generation(os.path.realpath(index / "live"))
    with ix.reader() as reader:
        stored = {fields["key"]: fields for _, fields in reader.iter_docs()}
        keys = {docnum: fields["key"] for docnum, fields in reader.iter_docs()}
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            found = []
            while matcher.is_active():
                key = keys[matcher.id()]
                found.append((key, matcher.value(), matcher.weight(),
                              reader.doc_field_length(matcher.id(), fieldname)))
                matcher.next()
            postings[fieldname, text] = sorted(found)
    return postings, stored


def _whooshs_writer(ix, files: int):
    return ix.writer()


@pytest.fixture(scope="module")
def whooshs_build(tmp_path_factory) -> dict:
    """What Whoosh's own writer makes of the shipped corpus (the contents of its index)."""
    index = tmp_path_factory.mktemp("whoosh-writer") / "index"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_module, "_bulk_writer", _whooshs_writer)
        assert not Archive(CORPUS, index).index(rebuild=True).problems
    return _contents(index)


def test_a_build_in_this_process_indexes_what_whooshs_writer_does(shipped_index, whooshs_build):
    assert _contents(shipped_index) == whooshs_build


def test_a_build_on_several_processes_indexes_what_whooshs_writer_does(tmp_path, monkeypatch,
                                                                      whooshs_build):
    monkeypatch.setattr(index_module, "PARALLEL_BUILD_FILES", 1)
    monkeypatch.setattr(index_module, "usable_cores", lambda at_most: 2)
    report = Archive(CORPUS, tmp_path / "index").index(rebuild=True)
    assert not report.problems
    ix = open_generation(os.path.realpath(tmp_path / "index" / "live"))
    assert len(ix._segments()) == 2  # one a worker: the workers did the writing
    assert _contents(tmp_path / "index") == whooshs_build


def test_updates_in_this_process_index_what_whooshs_writer_does(tmp_path, monkeypatch):
    """Documents added, changed and removed one update at a time (deletions, new segments
    and Whoosh's merging of small segments): the index is the one Whoosh's writer leaves."""
    ids = ["kunming-2013", "nanning-2012", "prc-public-library-law-2018", "nlc-2017-prospects"]
    indexes = {}
    for name, writer in (("fast", None), ("whoosh", _whooshs_writer)):
        if writer is not None:
            monkeypatch.setattr(index_module, "_bulk_writer", writer)
        corpus = copy_corpus(tmp_path / name / "corpus", ids[:2])
        archive = Archive(corpus, tmp_path / name / "index")
        archive.index()
        for doc_id in ids[2:]:  # one more document an update
            copy_corpus(tmp_path / name / "more", [doc_id])
            (tmp_path / name / "more" / "documents" / f"{doc_id}.md").rename(
                corpus / "documents" / f"{doc_id}.md")
            shutil.rmtree(tmp_path / name / "more")
            archive.index()
        law = corpus / "documents" / "prc-public-library-law-2018.md"
        law.write_text(law.read_text(encoding="utf-8").replace("图书馆", "图书室"), "utf-8")
        (corpus / "documents" / "nanning-2012.md").unlink()
        archive.index()
        indexes[name] = tmp_path / name / "index"
    (fast, fast_docs), (whoosh, whoosh_docs) = map(_contents, indexes.values())
    assert fast == whoosh
    unstat = [{k: {f: v for f, v in doc.items() if f != "file_stat"} for k, doc in docs.items()}
              for docs in (fast_docs, whoosh_docs)]  # two copies of the corpus: other mtimes
    assert unstat[0] == unstat[1] and len(fast_docs) > 100


def test_a_build_whose_workers_spill_runs_to_disk_indexes_the_same(tmp_path, monkeypatch,
                                                                    whooshs_build):
    """Workers that hold a few kilobytes of postings at a time (a 100k-clause build holds
    more than its 256 MB) write runs and merge them: the index is the one built in memory."""
    from initiative_archive.backends.whoosh import fast_writer

    monkeypatch.setattr(index_module, "PARALLEL_BUILD_FILES", 1)
    monkeypatch.setattr(index_module, "usable_cores", lambda at_most: 2)
    monkeypatch.setattr(index_module, "BUILD_POOL_MB", 0.02)
    save = fast_writer._TermPool.save

    def save_and_say(pool) -> None:  # in the workers (forked): a file says a run was written
        if pool.terms:
            (tmp_path / f"run-{os.getpid()}-{len(pool.runs)}").touch()
        save(pool)

    monkeypatch.setattr(fast_writer._TermPool, "save", save_and_say)
    assert not Archive(CORPUS, tmp_path / "index").index(rebuild=True).problems
    assert len(list(tmp_path.glob("run-*"))) > 10
    assert _contents(tmp_path / "index") == whooshs_build
    assert not list((tmp_path / "index").rglob("*.run"))  # the runs are gone


@pytest.mark.parametrize("limit", [None, 3000])
def test_the_term_pool_gives_the_postings_in_whooshs_order(limit):
    from whoosh.filedb.filestore import RamStorage

    from initiative_archive.backends.whoosh.fast_writer import _TermPool

    postings = [(field, term.encode(), doc, 1.0, b"v%d" % doc)
                for doc in range(60) for field in ("chars", "text")
                for term in ("b", "a", "c", f"t{doc % 7}")]
    pool = _TermPool(RamStorage(), None)
    if limit:
        pool.limit = limit  # bytes: spills runs to storage, merged at the end
    for posting in postings:
        pool.add(posting)
    assert bool(pool.runs) == bool(limit)
    assert list(pool.iter_postings()) == sorted(postings)


def test_postings_added_a_block_at_a_time_are_written_as_one_at_a_time(tmp_path):
    """``_add_by_block`` writes the bytes whoosh3's ``add_posting`` writes, block statistics
    and term statistics included: terms of 1 to 300 postings (blocks are 128), weights,
    values and lengths of every kind a field has."""
    import random

    from whoosh.codec import default_codec
    from whoosh.filedb.filestore import RamStorage

    from initiative_archive.backends.whoosh.fast_writer import _add_by_block, block_writer

    rng = random.Random(13)
    schema = make_schema()
    terms = []
    for n, size in enumerate([1, 2, 127, 128, 129, 255, 256, 257, 300, 5]):
        docs = sorted(rng.sample(range(2000), size))
        terms.append((f"t{n:03d}".encode(), [
            (d, float(rng.choice([1, 1, 2, 7])),
             rng.choice([None, b"", bytes([rng.randrange(256)])])) for d in docs]))
    lengths = {d: rng.choice([0, 1, 5, 40, 300]) for d in range(2000)}

    def written(add) -> dict[str, bytes]:
        codec, storage = default_codec(), RamStorage()
        segment = codec.new_segment(storage, "MAIN")
        writer = codec.field_writer(storage, segment)
        writer.start_field("text", schema["text"])
        for text, postings in terms:
            writer.start_term(text)
            add(writer, postings)
            writer.finish_term()
        writer.finish_field()
        writer.close()
        return {name.rsplit(".", 1)[1]: storage.open_file(name).read() for name in storage.list()}

    def one_at_a_time(writer, postings):
        for docnum, weight, value in postings:
            writer.add(docnum, weight, b"" if value is None else value, lengths[docnum])

    def by_block(writer, postings):
        block_writer(writer._postwriter)
        _add_by_block(writer._postwriter, postings, lengths.__getitem__)

    assert written(by_block) == written(one_at_a_time)
