"""Attacks on the output (issue 9, items 6 and 11): control characters from a document, a file
name or an option never reach the terminal, and JSON is always strict, valid UTF-8 JSON.

Each test first plants the attack in a corpus of its own, then runs the real command."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS

from initiative_archive.render import mark, search_text, to_csv, to_json
from initiative_archive.textclean import strip_controls

HOSTILE_FRONT_MATTER = """\
blob: !!binary aGVsbG8gd29ybGQ=
odd: !!binary //79
tags: !!set {alpha: null, beta: null}
ratio: .nan
ceiling: .inf
floor: -.inf
"""
ESCAPES = '"Kunming \\e]0;owned\\a Initiative \\e[2J\\x9b31m \\u202e evil"'


def _strict(text: str):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def _terminal_safe(text: str) -> None:
    assert strip_controls(text) == text, repr([c for c in text if strip_controls(c) == ""])


@pytest.fixture
def hostile(tmp_path):
    """A corpus with kunming-2013 whose front matter holds YAML's odd types and escapes."""
    corpus = tmp_path / "corpus"
    (corpus / "documents").mkdir(parents=True)
    text = (CORPUS / "documents" / "kunming-2013.md").read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    head = head.replace("\ntitle: ", f"\ntitle: {ESCAPES}\nold_title: ", 1)
    (corpus / "documents" / "kunming-2013.md").write_text(
        f"{head}\n{HOSTILE_FRONT_MATTER}---\n{body}", encoding="utf-8")
    return ["--corpus", str(corpus), "--index", str(tmp_path / "index")]


def test_show_json_is_strict_with_binary_sets_and_nan(run_main, hostile):
    run = run_main("show", "kunming-2013", "--format", "json", *hostile)
    assert run.code == 0, run.stderr
    data = _strict(run.stdout)
    assert data["blob"] == "hello world"
    assert sorted(data["tags"]) == ["alpha", "beta"]
    assert data["ratio"] is None and data["ceiling"] is None
    _terminal_safe(run.stdout)
    run.stdout.encode("utf-8")


def test_export_lines_are_strict_json(run_main, hostile):
    run = run_main("export", *hostile)
    assert run.code == 0, run.stderr
    records = [_strict(line) for line in run.stdout.splitlines()]
    assert records[0]["front_matter"]["tags"] == ["alpha", "beta"]
    _terminal_safe(run.stdout)


def test_export_csv_has_no_control_characters(run_main, hostile):
    run = run_main("export", "--format", "csv", *hostile)
    assert run.code == 0, run.stderr
    _terminal_safe(run.stdout)


def test_search_json_with_undecodable_query_bytes_is_utf8(run_main, shipped_args):
    query = b"library \xff\xfe".decode("utf-8", "surrogateescape")  # as argv gives them
    for fmt in ("json", "jsonl", "csv", "text"):
        run = run_main("search", query, "--format", fmt, *shipped_args)
        assert run.code == 0, run.stderr
        run.stdout.encode("utf-8")  # no lone surrogate left
        if fmt == "json":
            assert _strict(run.stdout)["query"].startswith("library")


@pytest.mark.parametrize("command", [["show", "kunming-2013"], ["docs"],
                                     ["search", "inter-library loan"],
                                     ["search", "inter-library loan", "--color"],
                                     ["cite", "kunming-2013"], ["cite", "kunming-2013/op_1"],
                                     ["cite", "kunming-2013", "--style", "bibtex"],
                                     ["cite", "kunming-2013", "--style", "ris"]])
def test_text_output_carries_no_escape_from_a_document(run_main, hostile, command):
    run = run_main(*command, *hostile)
    if run.code == 2 and "--color" in command:  # the option may be named otherwise
        pytest.skip(run.stderr)
    assert run.code == 0, run.stderr
    if command[0] in ("show", "docs"):
        assert "owned" in run.stdout  # the title is shown, its escapes are not
    if "--color" in command:
        assert "\x1b[1;33m" in run.stdout  # our own colour stays
        assert "\x1b]" not in run.stdout and "\x1b[2J" not in run.stdout
        return
    _terminal_safe(run.stdout + run.stderr)


def test_a_control_character_in_the_query_is_not_echoed(run_main, shipped_args):
    run = run_main("search", "zzqx\x1b]0;owned\x07", *shipped_args)
    assert run.code == 0, run.stderr
    _terminal_safe(run.stdout)


def test_highlights_keep_their_place_when_controls_are_stripped():
    text = "a\x1b[2Jb library c"
    start = text.index("library")
    marked = mark(text, [(start, start + 7)], color=True)
    assert marked == "a[2Jb \x1b[1;33mlibrary\x1b[0m c"


def test_json_and_csv_helpers_refuse_nothing():
    data = {"b": b"\x00\xff", "s": {3, 1}, "n": float("nan"), 1: "x\ud800", "c": "\x9b\x1b"}
    parsed = _strict(to_json(data))
    assert parsed["s"] == [1, 3] and parsed["n"] is None and parsed["1"] == "x\ufffd"
    assert parsed["c"] == "\x9b\x1b"  # the data is kept, escaped
    _terminal_safe(to_json(data))
    _terminal_safe(to_csv([{"t": "=1+\x1b[2J"}], ["t"]))


def test_json_safe_reads_subclasses_as_their_base_types():
    """Subclasses of the common types (read past the fast path on exact types) are made safe
    as those types are: a string's lone surrogate, a dict's odd keys, a float's infinity."""
    import datetime
    from collections import OrderedDict

    from initiative_archive.render import json_safe

    class Text(str):
        pass

    class Score(float):
        pass

    data = OrderedDict([("t", Text("x\ud800")), ("f", Score("inf")), ("b", True),
                        ("l", (1, [2.5, float("-inf")])), (("k", 1), "tuple key"),
                        ("d", datetime.date(2012, 10, 23)), ("n", None)])
    assert json_safe(data) == {"t": "x\ufffd", "f": None, "b": True, "l": [1, [2.5, None]],
                               '["k", 1]': "tuple key", "d": "2012-10-23", "n": None}
    assert type(json_safe(Text("abc"))) is str


def test_strip_controls_keeps_text_newlines_and_tabs():
    assert strip_controls("条\t款\n第一\u200d条\x1b\x07\x7f\x85\u202e") == "条\t款\n第一\u200d条"


def test_search_text_without_colour_is_plain(shipped):
    result = shipped.search("inter-library loan", limit=1)
    out = search_text(result)
    assert "\x1b" not in out

