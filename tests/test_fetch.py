"""The catalogue of third-party texts and ``fetch``: the laws come in at run time, never from the
repository, and only when their bytes are exactly the catalogued ones.

Mirrors are real: the folder ../shared/sources, a copy of it with one file broken, and the same
folder served over http on 127.0.0.1 by a thread running ``http.server``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import CATALOGUED_IDS, CORPUS, MIRROR, REPO_CORPUS, SHIPPED_IDS, assert_one_error_line

from initiative_archive import Archive
from initiative_archive.catalog import audit_catalog, load_catalog

SMALL = "prc-public-cultural-sports-facilities-regulations-2003"  # the smallest catalogued file
FINGERPRINTS = json.loads((Path(__file__).parent / "data" / "law_clauses_e90cc03.json")
                          .read_text(encoding="utf-8"))["clauses"]


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The committed corpus alone: no catalogued text fetched yet."""
    dest = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, dest, ignore=shutil.ignore_patterns("external", ".*.lock"))
    return dest


@pytest.fixture
def fetch_cli(run_main, corpus, tmp_path):
    def run(*args: str):
        return run_main("--corpus", str(corpus), "--index", str(tmp_path / "index"), "fetch",
                        *args)
    return run


def edit_catalog(corpus: Path, change) -> None:
    path = corpus / "catalog.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["texts"]:
        change(entry)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def external_files(corpus: Path) -> list[str]:
    root = corpus / "external"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                  ) if root.exists() else []


# -- the texts, as they were ------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", sorted(FINGERPRINTS))
def test_law_clause_ids_and_texts_are_what_they_were_before_the_laws_left(doc_id, shipped):
    """Every id and text of the three laws as commit e90cc03 gave them (fingerprints, not
    copies), but for the title notes, whose old preamble ids now lead to note ids."""
    before = FINGERPRINTS[doc_id]
    now = {c.id: fingerprint(c.text) for c in shipped.clauses(shipped.document(doc_id))}
    renamed = {f"{doc_id}/{old}": f"{doc_id}/{new}"
               for old, new in load_catalog(CORPUS).find(doc_id).retired_ids.items()}
    assert renamed and set(renamed) <= set(before)
    assert {renamed.get(cid, cid): fp for cid, fp in before.items()} == now


def test_a_law_has_title_notes_not_a_preamble(shipped):
    clauses = shipped.clauses(shipped.document("prc-public-library-law-2018"))
    assert [c.id.split("/")[1] for c in clauses if c.role == "note"] == ["note_1", "note_2"]
    assert not [c for c in clauses if c.role == "preamble"]


def test_show_an_old_preamble_id_says_where_its_words_went(run_main, shipped_args):
    result = run_main(*shipped_args, "show", "prc-public-library-law-2018/preamble_2")
    assert result.code == 0
    assert ("prc-public-library-law-2018/preamble_2 is a retired id: its words are now at "
            "prc-public-library-law-2018/note_2") in result.stderr
    assert "prc-public-library-law-2018/note_2" in result.stdout


@pytest.mark.parametrize("style", ["chicago", "apa", "mla", "ris", "bibtex", "csl-json"])
def test_citing_a_title_note_does_not_call_it_preambular(run_main, shipped_args, style):
    result = run_main(*shipped_args, "cite", "beijing-library-regulations-2002/note_1",
                      "--style", style)
    assert result.code == 0, result.stderr
    assert "title note 1" in result.stdout and "题注第一段" in result.stdout
    assert "preamb" not in result.stdout.lower() and "序言" not in result.stdout


def test_the_shipped_corpus_lists_nine_documents(run_main, shipped_args):
    result = run_main(*shipped_args, "docs", "--format", "json")
    rows = json.loads(result.stdout)["documents"]
    assert {r["doc_id"] for r in rows} == SHIPPED_IDS and len(rows) == 9
    assert all(r["fetched"] and r["clauses"] > 0 for r in rows)


# -- fetch from a folder -------------------------------------------------------------------------


def test_fetch_from_a_folder_then_again_does_nothing(fetch_cli, corpus, run_main, tmp_path):
    first = fetch_cli("--mirror", str(MIRROR))
    assert first.code == 0, first.stderr
    assert first.stdout.count("fetched ") == len(CATALOGUED_IDS)
    docs = run_main("--corpus", str(corpus), "--index", str(tmp_path / "index"), "docs",
                    "--format", "json")
    assert {r["doc_id"] for r in json.loads(docs.stdout)["documents"]} == SHIPPED_IDS
    for name in CATALOGUED_IDS:
        kept = corpus / "external" / "sources" / f"{name}-zh.md"
        assert kept.read_bytes() == (MIRROR / kept.name).read_bytes()
    stamps = {p: p.stat().st_mtime_ns for p in (corpus / "external").rglob("*")}

    second = fetch_cli()  # no mirror, no network needed: everything is present
    assert second.code == 0, second.stderr
    assert second.stdout.count("unchanged ") == len(CATALOGUED_IDS)
    assert {p: p.stat().st_mtime_ns for p in (corpus / "external").rglob("*")} == stamps


def test_a_corrupted_file_in_the_mirror_is_refused_and_the_others_fetched(fetch_cli, corpus,
                                                                          tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    broken = mirror / "beijing-library-regulations-2002-zh.md"
    broken.write_bytes(broken.read_bytes().replace("图书馆".encode(), "圖書館".encode(), 1))
    result = fetch_cli("--mirror", str(mirror))
    assert result.code == 1
    line = next(x for x in result.stdout.splitlines() if "beijing" in x)
    assert line.startswith("refused")
    assert hashlib.sha256(broken.read_bytes()).hexdigest() in line
    assert "46a2458eb20bf12833225b54bc941b2c37be6f1e74e5af9c8f1c76aa49c6714c" in line
    assert not any("beijing" in f for f in external_files(corpus))
    assert result.stdout.count("fetched ") == len(CATALOGUED_IDS) - 1
    archive = Archive(corpus, tmp_path / "index")
    assert "beijing-library-regulations-2002" not in {d.id for d in archive.documents()}


def test_a_mirror_that_lacks_a_file(fetch_cli, corpus, tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    (mirror / f"{SMALL}-zh.md").unlink()
    result = fetch_cli("--mirror", str(mirror))
    assert result.code == 1
    assert f"refused    {SMALL}: the mirror has no {SMALL}-zh.md" in result.stdout
    assert result.stdout.count("fetched ") == len(CATALOGUED_IDS) - 1


def test_no_network_and_no_mirror_is_one_line_naming_mirror(fetch_cli, corpus):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connection refused, as with no network
    edit_catalog(corpus, lambda e: e.update(url=f"https://127.0.0.1:{port}/{e['file']}"))
    result = fetch_cli()
    assert_one_error_line(result)
    assert "--mirror" in result.stderr and "cannot reach 127.0.0.1" in result.stderr
    assert not (corpus / "external").exists()


def test_an_unknown_id_is_a_usage_error_listing_the_catalogue(fetch_cli):
    result = fetch_cli("no-such-law")
    assert result.code == 2
    assert "no-such-law" in result.stderr
    assert all(doc_id in result.stderr for doc_id in CATALOGUED_IDS)


def test_a_file_over_the_size_limit_is_refused(fetch_cli, corpus):
    result = fetch_cli(SMALL, "--mirror", str(MIRROR), "--max-bytes", "4096")
    assert result.code == 1
    assert "larger than the limit of 4,096 bytes" in result.stdout
    assert external_files(corpus) == []


def test_a_file_that_is_not_utf8_is_refused_even_with_its_own_hash(fetch_cli, corpus, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    gbk = (MIRROR / f"{SMALL}-zh.md").read_text(encoding="utf-8").encode("gb18030")
    (mirror / f"{SMALL}-zh.md").write_bytes(gbk)
    digest = hashlib.sha256(gbk).hexdigest()
    edit_catalog(corpus, lambda e: e.update(sha256=digest) if e["id"] == SMALL else None)
    result = fetch_cli(SMALL, "--mirror", str(mirror))
    assert result.code == 1
    assert "is not UTF-8" in result.stdout
    assert external_files(corpus) == []


def test_a_file_laid_out_otherwise_than_catalogued_is_refused(fetch_cli, corpus):
    edit_catalog(corpus, lambda e: e["layout"].update(articles=35) if e["id"] == SMALL else None)
    result = fetch_cli(SMALL, "--mirror", str(MIRROR))
    assert result.code == 1
    assert "not laid out as catalogued: articles 1-34 (34), not 1-35" in result.stdout
    assert external_files(corpus) == []


def test_a_changed_catalogue_entry_is_applied_without_downloading(fetch_cli, corpus, run_main,
                                                                  tmp_path):
    assert fetch_cli(SMALL, "--mirror", str(MIRROR)).code == 0
    source = corpus / "external" / "sources" / f"{SMALL}-zh.md"
    stamp = source.stat().st_mtime_ns
    edit_catalog(corpus, lambda e: e.update(aliases=[*e.get("aliases", []), "设施条例"])
                 if e["id"] == SMALL else None)
    result = fetch_cli(SMALL)  # no mirror: the file is there, only the metadata changed
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"updated    {SMALL}")
    assert source.stat().st_mtime_ns == stamp
    shown = run_main("--corpus", str(corpus), "--index", str(tmp_path / "index"), "docs",
                     "设施条例", "--format", "json")
    assert [r["doc_id"] for r in json.loads(shown.stdout)["documents"]] == [SMALL]


def test_a_stray_partial_download_is_never_used(fetch_cli, corpus):
    sources = corpus / "external" / "sources"
    sources.mkdir(parents=True)
    partial = (MIRROR / f"{SMALL}-zh.md").read_bytes()[:3000]
    (sources / f".{SMALL}-zh.md.abc123.tmp").write_bytes(partial)
    (sources / f"{SMALL}-zh.md").write_bytes(partial)  # as a crash of another tool might leave
    result = fetch_cli(SMALL, "--mirror", str(MIRROR))
    assert result.code == 0, result.stdout
    assert result.stdout.startswith(f"fetched    {SMALL}")
    assert (sources / f"{SMALL}-zh.md").read_bytes() == (MIRROR / f"{SMALL}-zh.md").read_bytes()


# -- what the other commands say of texts not fetched ------------------------------------------


def test_docs_marks_and_search_notes_the_texts_not_fetched(run_main, corpus, tmp_path):
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    docs = run_main(*args, "docs")
    assert docs.code == 0
    missing = [line for line in docs.stdout.splitlines() if "not fetched" in line]
    assert len(missing) == len(CATALOGUED_IDS) + 1  # each text, then the hint
    assert "initiative-archive fetch" in missing[-1]
    search = run_main(*args, "search", "digital library", "--limit", "1")
    assert search.code == 0
    notes = [line for line in search.stderr.splitlines() if "not fetched" in line]
    assert notes == [f"note: {len(CATALOGUED_IDS)} catalogued texts are not fetched yet and "
                     "not searched (run 'initiative-archive fetch')"]
    shown = run_main(*args, "show", "公共图书馆法")
    assert_one_error_line(shown)
    assert "catalogued but not fetched yet" in shown.stderr


def test_check_validates_the_catalogue_and_the_fetched_bytes(run_main, fetch_cli, corpus,
                                                             tmp_path):
    assert fetch_cli(SMALL, "--mirror", str(MIRROR)).code == 0
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert run_main(*args, "check").code == 0
    kept = corpus / "external" / "sources" / f"{SMALL}-zh.md"
    kept.write_bytes(kept.read_bytes() + b"\n")
    edit_catalog(corpus, lambda e: e.update(sha256="abc") if e["id"].startswith("beijing")
                 else None)
    result = run_main(*args, "check")
    assert result.code == 1
    assert "beijing-library-regulations-2002: sha256 is not 64 lower-case hex digits" in (
        result.stdout)
    assert f"external/sources/{SMALL}-zh.md: SHA-256" in result.stdout


def test_check_names_a_repeated_id_or_file_but_not_an_entry_that_lacks_both(corpus):
    path = corpus / "catalog.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = data["texts"][0]
    data["texts"] += ["not a mapping", {"title": "no id, no file"}, {"title": "nor this"},
                      {**first, "id": "another-id"}, {**first, "file": first["id"]}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    twice = [p for p in audit_catalog(corpus)[0] if "catalogued twice" in p]
    assert twice == [f"catalog.yaml: file {first['file']!r} is catalogued twice",
                     f"catalog.yaml: id {first['id']!r} is catalogued twice"]


# -- fetch over http -----------------------------------------------------------------------------


class _DroppingHandler(http.server.SimpleHTTPRequestHandler):
    """Announces the whole file, sends half of it, and hangs up."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = Path(self.translate_path(self.path))
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, *args) -> None:
        pass


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(folder: Path, handler=_QuietHandler) -> str:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_fetch_over_http_end_to_end(fetch_cli, corpus, serve, run_main, tmp_path):
    base = serve(MIRROR)
    result = fetch_cli("--mirror", base)
    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.count("fetched ") == len(CATALOGUED_IDS)
    hits = run_main("--corpus", str(corpus), "--index", str(tmp_path / "index"), "search",
                    "总分馆制", "--format", "json", "--limit", "50")
    found = {h["doc_id"] for h in json.loads(hits.stdout)["hits"]}
    assert {"shanghai-public-library-regulations-2024", "prc-public-library-law-2018"} <= found


def test_fetch_over_http_refuses_a_wrong_hash(fetch_cli, corpus, serve, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    good = (MIRROR / f"{SMALL}-zh.md").read_bytes()
    (mirror / f"{SMALL}-zh.md").write_bytes(good.replace("国务院".encode(), b"State", 1))
    result = fetch_cli(SMALL, "--mirror", serve(mirror))
    assert result.code == 1
    assert "is not the catalogue's" in result.stdout
    assert external_files(corpus) == []


def test_fetch_over_http_never_uses_a_download_cut_halfway(fetch_cli, corpus, serve):
    result = fetch_cli(SMALL, "--mirror", serve(MIRROR, _DroppingHandler))
    assert result.code == 1
    assert "broke off" in result.stdout
    assert external_files(corpus) == []


def test_ingest_refuses_the_id_of_a_catalogued_text(run_main, corpus, tmp_path):
    fake = tmp_path / "fake.txt"
    fake.write_text("第一条 这不是那部法律。\n", encoding="utf-8")
    result = run_main("--corpus", str(corpus), "--index", str(tmp_path / "index"), "ingest",
                      str(fake), "--id", "prc-public-library-law-2018", "--replace")
    assert result.code == 1
    assert "is a catalogued text" in result.stdout and "fetch" in result.stdout
    assert not (corpus / "documents" / "prc-public-library-law-2018.md").exists()


def test_an_empty_mirror_is_a_usage_error(fetch_cli, corpus):
    result = fetch_cli("--mirror", "")
    assert result.code == 2 and not (corpus / "external").exists()
