"""The corpus under attack (issue 9): revisions land whole, nothing is written through a link or
outside the corpus, front matter cannot stall every command, ingest writes only what the
reader accepts, and names never collide.

Each test reproduces an attack on a real corpus in tmp_path, through the real command.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from initiative_archive.corpus import Corpus

LAW = """---
id: test-law
title: Test Law on Libraries
date: '2020-01-01'
kind: law
lang: en
---

Article 1. Libraries shall share their resources.

Article 2. Libraries shall train their staff.
"""


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A working folder holding ./corpus, with one document ingested, as a user's would."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "law.md").write_text(LAW, encoding="utf-8")
    return tmp_path


def ingest(run_main, home: Path, *args: str, corpus: str = "corpus"):
    return run_main("--corpus", corpus, "--index", str(home / "index"), "ingest", *args)


def revised(title: str = "Test Law on Libraries", article_2: str = "train their staff") -> str:
    return LAW.replace("Test Law on Libraries", title).replace("train their staff", article_2)


@pytest.mark.parametrize("how", ["relative", "symlink", "environment"])
def test_replace_through_a_relative_or_linked_corpus_path(run_main, home, monkeypatch, how):
    assert ingest(run_main, home, "law.md").code == 0
    corpus = "corpus"
    if how == "symlink":
        (home / "linked").symlink_to(home / "corpus")
        corpus = "linked"
    if how == "environment":
        monkeypatch.setenv("INITIATIVE_ARCHIVE_CORPUS", "corpus")
    (home / "law.md").write_text(revised(article_2="train their staff every year"), "utf-8")
    args = ("law.md", "--replace")
    result = (run_main("--index", str(home / "index"), "ingest", *args) if how == "environment"
              else ingest(run_main, home, *args, corpus=corpus))
    assert result.code == 0, result.stdout + result.stderr
    doc = Corpus(home / "corpus").find("test-law")
    assert "every year" in doc.body
    assert (home / "corpus" / doc.source["file"]).read_text("utf-8") == revised(
        article_2="train their staff every year")
    assert (home / "corpus" / "sources" / "test-law.md").read_text("utf-8") == LAW  # kept


def test_a_revision_that_fails_half_way_leaves_text_and_source_as_they_were(run_main, home):
    assert ingest(run_main, home, "law.md").code == 0
    corpus = home / "corpus"
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    (corpus / "history" / "test-law.yaml").mkdir(parents=True)  # the history cannot be written
    (home / "law.md").write_text(revised(article_2="close on Sundays"), "utf-8")
    result = ingest(run_main, home, "law.md", "--replace")
    assert result.code == 1
    after = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    assert after == before  # no new source copy, no document change


def test_a_link_planted_at_the_source_copy_is_replaced_not_written_through(run_main, home):
    outside = home / "outside.txt"
    outside.write_text("precious", "utf-8")
    (home / "corpus" / "sources").mkdir(parents=True)
    (home / "corpus" / "sources" / "test-law.md").symlink_to(outside)
    assert ingest(run_main, home, "law.md").code == 0
    assert outside.read_text("utf-8") == "precious"
    copy = home / "corpus" / "sources" / "test-law.md"
    assert not copy.is_symlink() and copy.read_text("utf-8") == LAW


@pytest.mark.parametrize("folder", ["sources", "history", "documents"])
def test_a_corpus_folder_that_leads_outside_is_refused(run_main, home, folder):
    assert ingest(run_main, home, "law.md").code == 0
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    target = home / "corpus" / folder
    if target.exists():
        for path in target.iterdir():
            path.rename(elsewhere / path.name)
        target.rmdir()
    target.symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    (home / "law.md").write_text(revised(article_2="open at night"), "utf-8")
    result = ingest(run_main, home, "law.md", "--replace")
    assert result.code == 1
    assert "outside" in result.stdout + result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_a_metadata_only_replace_updates_the_metadata(run_main, home):
    assert ingest(run_main, home, "law.md").code == 0
    (home / "law.md").write_text(revised(title="Test Law on Public Libraries"), "utf-8")
    plain = ingest(run_main, home, "law.md")
    assert plain.code == 1 and "--replace" in plain.stdout
    result = ingest(run_main, home, "law.md", "--replace")
    assert result.code == 0 and "replaced" in result.stdout
    assert Corpus(home / "corpus").find("test-law").title == "Test Law on Public Libraries"


def test_ingest_refuses_what_the_corpus_reader_would_refuse(run_main, home):
    (home / "odd.md").write_text(LAW.replace("id: test-law", "id: odd\nmeeting: [1]"), "utf-8")
    result = ingest(run_main, home, "odd.md")
    assert result.code == 1
    assert "'meeting' should be text" in result.stdout
    assert not (home / "corpus" / "documents" / "odd.md").exists()


def test_an_alias_that_is_another_documents_name_is_refused_and_checked(run_main, home):
    assert ingest(run_main, home, "law.md").code == 0
    squatter = LAW.replace("id: test-law\ntitle: Test Law on Libraries",
                           "id: squatter\ntitle: Squatter\naliases: [Test Law on Libraries]")
    (home / "squatter.md").write_text(squatter.replace("share", "pool"), "utf-8")
    result = ingest(run_main, home, "squatter.md")
    assert result.code == 1
    assert "alias 'Test Law on Libraries' is a name of test-law" in result.stdout
    planted = home / "corpus" / "documents" / "squatter.md"
    planted.write_text(squatter.replace("share", "pool"), "utf-8")  # as a git pull might
    checked = run_main("--corpus", "corpus", "check")
    assert checked.code == 1 and "the names of two documents collide" in checked.stdout
    shown = run_main("--corpus", "corpus", "--index", str(home / "index"), "show",
                     "Test Law on Libraries")
    assert "test-law ·" in shown.stdout  # the title wins over the alias


@pytest.mark.parametrize("front", [
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
    "".join(f"k{i}: v\n" for i in range(200_000)),
    "deep: " + "[" * 60 + "]" * 60 + "\n",
], ids=["alias-bomb", "200k-keys", "deep"])
def test_front_matter_already_in_the_corpus_cannot_stall_every_command(run_main, home, front):
    assert ingest(run_main, home, "law.md").code == 0
    bad = home / "corpus" / "documents" / "bad.md"
    bad.write_text(f"---\nid: bad\ntitle: Bad\n{front}---\n\nArticle 1. Text.\n", "utf-8")
    args = ["--corpus", "corpus", "--index", str(home / "index")]
    started = time.monotonic()
    search = run_main(*args, "search", "libraries")
    docs = run_main(*args, "docs")
    checked = run_main(*args, "check")
    assert time.monotonic() - started < 10
    assert search.code == 0 and "test-law/art_1" in search.stdout
    assert "bad.md" in search.stderr  # a warning names the file it skipped
    assert docs.code == 0 and "test-law" in docs.stdout
    assert checked.code == 1 and "bad.md: front matter" in checked.stdout


def test_new_corpus_files_follow_the_umask(run_main, home):
    old = os.umask(0o022)
    try:
        assert ingest(run_main, home, "law.md").code == 0
    finally:
        os.umask(old)
    for path in (home / "corpus").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_control_characters_from_yaml_escapes_and_options_never_reach_the_corpus(run_main,
                                                                                 home):
    escaped = LAW.replace("title: Test Law on Libraries",
                          'title: "Test\\e]0;owned\\x07 Law"\naliases: ["Al\\x1b[2Jias"]')
    (home / "law.md").write_text(escaped, "utf-8")
    assert ingest(run_main, home, "law.md").code == 0
    (home / "other.md").write_text(LAW.replace("test-law", "other").replace("share", "lend"),
                                   "utf-8")
    assert ingest(run_main, home, "other.md", "--title", "Other\x1b]2;x\x07 Law").code == 0
    stored = "".join(p.read_text("utf-8") for p in (home / "corpus/documents").iterdir())
    assert "\x1b" not in stored and "\x07" not in stored
    docs = run_main("--corpus", "corpus", "--index", str(home / "index"), "docs")
    assert "Test]0;owned Law" in docs.stdout and "Other]2;x Law" in docs.stdout


def test_a_file_swapped_for_a_link_after_listing_is_not_read(home, tmp_path):
    """Paths are resolved when listed; the file is then opened without following a link, so
    a swap in between is refused instead of archiving the link's target."""
    from initiative_archive.errors import IngestError
    from initiative_archive.readers import read_source

    secret = tmp_path / "secret.txt"
    secret.write_text("1. a secret the corpus must never hold\n", "utf-8")
    listed = home / "law.md"
    listed.unlink()
    listed.symlink_to(secret)  # the swap
    with pytest.raises(IngestError, match="is a link"):
        read_source(listed)


def test_ingest_budget_options_reach_the_readers(run_main, home):
    import docx

    document = docx.Document()
    for n in range(30):
        document.add_paragraph(f"{n + 1}. Libraries shall cooperate, clause {n + 1}.")
    document.save(home / "many.docx")
    refused = ingest(run_main, home, "many.docx", "--max-paragraphs", "10")
    assert refused.code == 1 and "--max-paragraphs" in refused.stdout
    assert ingest(run_main, home, "many.docx").code == 0


def test_hidden_files_of_an_ingested_folder_are_skipped_and_said_so(run_main, home):
    inbox = home / "inbox"
    (inbox / ".git").mkdir(parents=True)
    (inbox / ".git" / "notes.txt").write_text("1. Never read.\n", "utf-8")
    (inbox / ".draft.txt").write_text("1. Not yet.\n", "utf-8")
    (inbox / "accord.txt").write_text("1. Libraries share.\n", "utf-8")
    result = ingest(run_main, home, "inbox")
    assert result.code == 0, result.stdout
    assert "skipped   inbox/.git: a hidden folder (not entered)" in result.stdout
    assert "skipped   inbox/.draft.txt: a hidden file (not read)" in result.stdout
    assert "1 archived, 2 skipped" in result.stdout


def test_control_characters_written_as_html_references_are_removed(run_main, home):
    page = ("<html><head><title>Accord&#x1b;]0;owned&#7;</title></head><body>"
            "<p>1. Libraries share&#x1b;[2J their &#x9b;31mresources.</p></body></html>")
    (home / "accord.html").write_text(page, "utf-8")
    result = ingest(run_main, home, "accord.html")
    assert result.code == 0, result.stdout
    stored = (home / "corpus" / "documents" / "accord.md").read_text("utf-8")
    assert "\x1b" not in stored and "\x9b" not in stored and "\x07" not in stored
    assert "share[2J their \u203a31mresources" in stored  # &#x9b; is › in HTML (cp1252)
