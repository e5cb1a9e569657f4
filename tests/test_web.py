"""The web interface (``serve``): every page through Flask's test client on the shipped corpus,
escaping of what documents hold, errors as messages; then a real headless browser (Debian's
chromium driven by Playwright) searching, reading, comparing and copying a citation.

One application serves the whole module. Themes compare every clause with every other (about
half a minute on the shipped corpus), so the module's application is given the themes of the
three initiatives, grouped by the library's own ``recur.themes``; the page that says they are
still being computed is tested on its own.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import REPO_CORPUS, assert_one_error_line, copy_corpus

from initiative_archive import Archive
from initiative_archive.recur import themes as group_themes
from initiative_archive.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
INITIATIVES = ["nanning-2012", "kunming-2013", "nlc-2017-prospects"]


@pytest.fixture(scope="module")
def app(shipped):
    app = create_app(shipped)
    state = app.extensions["initiative_archive"]
    profiles = [p for doc in INITIATIVES for p in shipped.profiles()[doc]]
    state.themes.result = group_themes(profiles, shipped.timeline_date)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    return body


def alert(body: str) -> str:
    """The message of the page's error box, unescaped."""
    import html

    found = re.search(r'class="error" role="alert">(.*?)</div>', body, re.S)
    assert found, body[:2000]
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()


# -- search --------------------------------------------------------------------------------------

def test_home_page_has_a_labelled_search_form_and_lists_documents(client):
    body = page(client, "/")
    assert '<label for="q">Query</label>' in body and 'id="q" name="q"' in body
    for name in ("doc", "kind", "lang", "role", "from", "to"):
        assert f'name="{name}"' in body
    assert 'href="/d/prc-public-library-law-2018" lang="zh-Hans"' in body
    assert '<html lang="en">' in body


def test_english_search_shows_highlighted_hits_with_title_date_and_label(client, shipped):
    body = page(client, "/?q=resource+sharing")
    expected = shipped.search("resource sharing", limit=20)
    assert f"{expected.total} clauses match" in body
    first = expected.hits[0].clause
    assert f'href="/d/{first.doc_id}#{first.path}"' in body
    assert "<mark>" in body and 'lang="en"' in body
    assert "Nanning Initiative of East Asian Libraries" in body and "2012-09-11" in body
    assert 'value="resource sharing"' in body  # the form shows the query it ran


def test_chinese_search_in_traditional_script_finds_simplified_clauses(client):
    body = page(client, "/?q=圖書館資源共享&lang=zh")
    assert re.search(r'<p class="text" lang="zh-Hans">[^<]*<mark>', body)
    assert "上海市公共图书馆条例" in body
    assert '<option value="zh" selected>' in body


def test_cross_lingual_hits_are_marked_via_glossary_and_can_be_turned_off(client):
    body = page(client, "/?q=legal+deposit")
    assert "via glossary" in body and 'class="hit role-operative via"' in body
    plain = page(client, "/?q=legal+deposit&noexpand=1")
    assert "via glossary" not in plain
    assert 'name="noexpand" value="1" checked' in plain


def test_hits_grouped_by_document(client):
    body = page(client, "/?q=资源共享&group=doc")
    groups = re.findall(r'<section class="group">\s*<h3><a href="/d/([^"]+)"', body)
    assert len(groups) == len(set(groups)) >= 2


def test_paging_keeps_the_query_in_the_url(client, shipped):
    total = shipped.search("资源共享", limit=1).total
    assert total > 20
    body = page(client, "/?q=资源共享&page=2")
    assert '<ol class="hits" start="21">' in body
    assert 'rel="prev" href="/?q=%E8%B5%84%E6%BA%90%E5%85%B1%E4%BA%AB"' in body
    assert "Page 2" in body


def test_filters_reach_the_search(client):
    body = page(client, "/?q=library&doc=kunming-2013&role=preamble")
    ids = re.findall(r'<code class="id">([^<]+)</code>', body)
    assert ids and all(i.startswith("kunming-2013/preamble_") for i in ids)
    assert '<option value="kunming-2013" selected' in body


@pytest.mark.parametrize("url, message", [
    ("/?q=**", None),  # the query error's own message
    ("/?q=library&from=2012-13", "the date from '2012-13' is not YYYY, YYYY-MM or YYYY-MM-DD"),
    ("/?q=library&from=2014&to=2012", "the date from 2014 is after the date to 2012"),
    ("/?q=library&page=0", "page '0' is not a page number from 1 to 50"),
    ("/?q=library&kind=poem", "kind 'poem' is not one of"),
])
def test_search_errors_are_messages_on_the_page(client, shipped, url, message):
    body = page(client, url, 400)
    if message is None:
        from initiative_archive.errors import QueryError

        with pytest.raises(QueryError) as raised:
            shipped.search("**")
        message = raised.value.message
    assert message in alert(body)
    assert 'id="q"' in body  # the form is still there to correct the query


def test_an_unknown_document_filter_is_a_message(client):
    assert "no document called 'atlantis'" in alert(page(client, "/?q=library&doc=atlantis",
                                                         400))


# -- documents and clauses -----------------------------------------------------------------------

def test_document_page_has_clauses_in_order_with_anchors_parts_and_provenance(client, shipped):
    body = page(client, "/d/kunming-2013")
    clauses = [c for c in shipped.clauses(shipped.document("kunming-2013")) if c.role != "heading"]
    anchors = re.findall(r'<div class="clause [^"]*" id="([^"]+)"', body)
    assert anchors == [c.path for c in clauses]
    assert body.index('<h2 class="part" lang="en">Preamble</h2>') < body.index('id="preamble_1"')
    assert body.index('id="preamble_1"') < body.index("Operative part") < body.index('id="op_1"')
    assert "Provenance" in body and "sources/nlc-2017-regional-cooperation.txt" in body
    assert 'href="/sources#forum-asia-library-directors-2013"' in body


def test_a_law_is_marked_chinese_with_its_articles(client):
    body = page(client, "/d/prc-public-library-law-2018")
    assert '<h1 lang="zh-Hans">中华人民共和国公共图书馆法</h1>' in body
    assert 'id="art_33/para_2/item_1"' in body
    assert '<div class="clauses" lang="zh-Hans">' in body


def test_a_title_or_alias_redirects_to_the_documents_id(client):
    response = client.get("/d/Kunming Initiative")
    assert response.status_code == 302 and response.location.endswith("/d/kunming-2013")


def test_clause_url_shows_the_clause_in_its_document(client):
    body = page(client, "/c/prc-public-library-law-2018/art_33/para_2/item_1")
    assert 'class="clause role-operative depth-2 target" id="art_33/para_2/item_1"' in body
    assert 'aria-current="true"' in body
    assert 'id="art_1"' in body  # the whole document
    assert 'data-target="art_33/para_2/item_1"' in body


def test_a_retired_clause_id_says_where_its_words_are_now(client):
    body = page(client, "/c/nlc-2017-prospects/sec_1/op_1")
    assert "nlc-2017-prospects/sec_1/op_1 was given other words by the revision" in body
    assert 'id="op_1"' in body


def test_unknown_document_and_clause_are_404_messages(client):
    assert "no document called 'atlantis'" in alert(page(client, "/d/atlantis", 404))
    assert "no clause 'kunming-2013/op_99'" in alert(page(client, "/c/kunming-2013/op_99", 404))
    assert "not found" in alert(page(client, "/no/such/page", 404)).lower()


# -- compare, recurrences, themes ------------------------------------------------------------------

def test_compare_the_two_initiatives_side_by_side(client, shipped):
    body = page(client, "/compare?doc=nanning-2012&doc=kunming-2013")
    cmp = shipped.compare(["nanning-2012", "kunming-2013"])
    assert body.count("<th scope=\"col\">") == 2
    rows = re.findall(r"<tr>\s*<td>", body)
    assert len(rows) >= len(cmp.rows)
    matched = [r for r in cmp.rows if r.matches["kunming-2013"]]
    assert matched and f'href="/c/{matched[0].matches["kunming-2013"].profile.clause.id}"' in body
    assert "New in" in body or "Everything in" in body


def test_compare_form_and_its_errors(client):
    body = page(client, "/compare")
    assert '<label for="doc-0">Document A</label>' in body
    five = "&".join(f"doc={d}" for d in ["nanning-2012", "kunming-2013", "nlc-2017-prospects",
                                         "prc-public-library-law-2018",
                                         "beijing-library-regulations-2002"])
    assert "two to four documents, not 5" in alert(page(client, f"/compare?{five}", 400))
    assert "two documents or more" in alert(page(
        client, "/compare?doc=kunming-2013&doc=kunming-2013", 400))


def test_recurrences_of_a_clause(client, shipped):
    _, found = shipped.recur("prc-public-library-law-2018/art_30")
    body = page(client, "/recur/prc-public-library-law-2018/art_30")
    assert "Where else this is stated" in body
    for r in found:
        assert r.profile.clause.id in body
    heading = alert(page(client, "/recur/prc-public-library-law-2018/chp_1", 404))
    assert "is a heading, not a proposal or provision" in heading


def test_themes_page_and_its_timeline(client, app):
    themes = app.extensions["initiative_archive"].themes.result
    body = page(client, "/themes")
    assert body.count('<li id="theme-') == len(themes)
    assert '<img src="/themes/timeline.svg" alt="Timeline' in body
    svg = client.get("/themes/timeline.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.lstrip().startswith(b"<?xml") and b"<svg" in svg.data
    png = client.get("/themes/timeline.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")


def test_themes_page_while_they_are_computed(shipped):
    app = create_app(shipped)
    app.extensions["initiative_archive"].themes.start = lambda: None  # never finishes here
    client = app.test_client()
    body = page(client, "/themes")
    assert '<meta http-equiv="refresh" content="5">' in body and "being computed" in body
    assert client.get("/themes/timeline.png").status_code == 503


# -- citing and verifying --------------------------------------------------------------------------

def test_cite_page_gives_every_style_with_copy_buttons(client, shipped):
    from initiative_archive.cite import cite

    body = page(client, "/cite/kunming-2013/op_2")
    target = shipped.citable("kunming-2013/op_2")
    import html

    for style in ("chicago", "chicago-author-date", "apa", "mla"):
        for part in ("note", "bibliography"):
            assert html.escape(cite([target], style, part).strip(), quote=True) in body
    assert body.count('class="copy" hidden') >= 11
    assert "@" in body and "TY  - " in body
    partial = page(client, "/cite/kunming-2013/op_2?partial=1")
    assert "<html" not in partial and "Chicago (notes and bibliography)" in partial


def test_download_citations_of_selected_clauses(client):
    import bibtexparser
    import rispy

    response = client.get("/download?id=kunming-2013/op_2&id=nanning-2012/op_1&format=bibtex")
    assert response.status_code == 200
    assert 'attachment; filename="citations.bib"' in response.headers["Content-Disposition"]
    library = bibtexparser.parse_string(response.get_data(as_text=True))
    keys = {e.key for e in library.entries}
    assert {"kunming-2013-op-2", "nanning-2012-op-1"} <= keys
    ris = client.get("/download?id=kunming-2013/op_2&format=ris")
    assert rispy.loads(ris.get_data(as_text=True))
    assert ris.headers["Content-Disposition"].endswith('filename="kunming-2013-op_2.ris"')
    csl = client.get("/download?id=kunming-2013/op_2&format=csl-json")
    assert csl.get_json()
    assert "no clause is selected" in alert(page(client, "/download?format=ris", 400))
    assert "format 'doc'" in alert(page(client, "/download?id=kunming-2013/op_2&format=doc",
                                        400))


def test_every_clause_can_be_cited_and_selected(client, shipped):
    body = page(client, "/d/nanning-2012")
    n = len([c for c in shipped.clauses(shipped.document("nanning-2012")) if c.role != "heading"])
    assert body.count('<details class="cite-inline"') == n
    assert body.count('name="id" value="nanning-2012/') == n
    assert '<form id="cite-select" class="download" action="/download"' in body


def test_verify_a_draft(client):
    draft = ("They resolved to “Strengthen cooperation in the construction of digital "
             "libraries and the construction and sharing of resources.” and to “strengthen "
             "cooperation in the construction of paper libraries and the sharing of resources”, "
             "and “the moon is made of green cheese and libraries everywhere agree with it”.")
    response = client.post("/verify", data={"draft": draft})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    statuses = re.findall(r'<span class="badge ([a-z-]+)">', body)
    assert statuses == ["exact", "differs", "not-found"]
    assert "<del" in body and "<ins" in body
    assert 'href="/c/kunming-2013/op_3"' in body
    assert "1 of 3 quotations exact" in body


def test_verify_errors_are_messages(client):
    empty = client.post("/verify", data={"draft": "   "})
    assert empty.status_code == 400 and "the text is empty" in alert(empty.get_data(True))
    none = client.post("/verify", data={"draft": "no quotation here at all"})
    assert "no quotation to check" in alert(none.get_data(True))
    whole = client.post("/verify", data={"draft": "Strengthen cooperation in the construction "
                                         "of digital libraries", "mode": "quotation"})
    assert '<span class="badge exact">' in whole.get_data(True)
    big = client.post("/verify", data={"draft": "x" * 1_100_000})
    assert big.status_code == 413 and "too long" in alert(big.get_data(True))


# -- meetings and sources --------------------------------------------------------------------------

def test_sources_page_lists_meetings_with_their_documents(client):
    body = page(client, "/sources")
    assert '<article class="meeting" id="china-asean-culture-forum-2012">' in body
    assert re.search(r'id="china-asean-culture-forum-2012">.*?href="/d/nanning-2012"', body, re.S)
    assert '<tr class="unfetched">' not in body  # the shipped corpus has everything fetched


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """A corpus whose one document has markup in its title and body, beside a catalogue
    whose texts are not fetched."""
    root = tmp_path_factory.mktemp("hostile")
    corpus = copy_corpus(root / "corpus", [])
    shutil.copy(REPO_CORPUS / "catalog.yaml", corpus)
    (corpus / "documents" / "evil.md").write_text(
        "---\nid: evil\ntitle: '<script>alert(\"t\")</script> & <b>bold</b>'\ndate: '2020'\n"
        "lang: en\nkind: initiative\nissuer: '<img src=x onerror=alert(2)>'\n---\n\n"
        "1. Libraries shall <img src=x onerror=alert(1)> share resources "
        "</p><script>alert(3)</script>.\n", encoding="utf-8")
    return create_app(Archive(corpus, root / "index"))


@pytest.mark.parametrize("url", ["/", "/?q=share+resources", "/d/evil", "/c/evil/op_1",
                                 "/cite/evil/op_1", "/sources"])
def test_everything_from_documents_is_escaped(hostile_app, url):
    body = page(hostile_app.test_client(), url)
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>bold" not in body
    assert "&lt;script&gt;alert" in body or url == "/?q=share+resources" and "&lt;img" in body


def test_catalogued_texts_not_fetched_are_listed(hostile_app):
    body = page(hostile_app.test_client(), "/sources")
    assert body.count('<tr class="unfetched">') == 6
    assert "6 catalogued texts are not fetched yet" in body


def test_a_bug_is_a_message_not_a_traceback(shipped, monkeypatch):
    app = create_app(shipped)
    archive = app.extensions["initiative_archive"].archive

    class Broken:
        def __getattr__(self, name):
            if name == "lookup":
                def fail(*args):
                    raise RuntimeError("secret internals")
                return fail
            return getattr(archive, name)

    app.extensions["initiative_archive"].archive = Broken()
    body = page(app.test_client(), "/d/kunming-2013", 500)
    assert "unexpected RuntimeError" in alert(body) and "secret internals" not in body


def test_security_headers_and_host_check(shipped):
    app = create_app(shipped, trusted_hosts=["127.0.0.1", "localhost"])
    client = app.test_client()
    response = client.get("/", headers={"Host": "localhost:8000"})
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400


def test_serve_is_a_command_and_flask_loads_only_for_it():
    import subprocess
    import sys

    code = ("import sys; from initiative_archive.cli import cli; "
            "assert 'serve' in cli.commands; print('flask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_serve_on_a_busy_port_is_one_error_line(run_main, shipped_args):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_main("serve", "--port", str(busy.getsockname()[1]), *shipped_args)
    assert_one_error_line(result)
    assert "cannot listen on 127.0.0.1:" in result.stderr


def test_loopback_detection():
    from initiative_archive.web.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


# -- in a real browser -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(app):
    """The module's application on 127.0.0.1 and a free port, in a thread."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="browser tests need playwright (pip install '.[test]')")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(base_url=server, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_browser_search_in_english(tab):
    tab.goto("/")
    tab.get_by_label("Query").fill("resource sharing")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("ol.hits li.hit")
    assert "q=resource+sharing" in tab.url
    assert "clauses match" in tab.locator("#results-heading").inner_text()
    assert tab.locator("li.hit mark").count() > 0


def test_browser_search_in_chinese_with_chinese_fonts(tab):
    tab.goto("/")
    tab.get_by_label("Query").fill("资源共享")
    tab.get_by_label("Language", exact=True).select_option("zh")
    tab.get_by_role("button", name="Search").click()
    tab.wait_for_selector("li.hit p.text[lang='zh-Hans'] mark")
    assert "lang=zh" in tab.url
    font = tab.locator("li.hit p.text[lang='zh-Hans']").first.evaluate(
        "el => getComputedStyle(el).fontFamily")
    assert "Noto Sans CJK SC" in font


def test_browser_opens_a_hits_document_at_its_clause(tab):
    tab.goto("/?q=union+catalogue")
    hit = tab.locator("li.hit").first
    clause_id = hit.locator("code.id").inner_text()
    hit.locator("a.label").click()
    doc_id, path = clause_id.split("/", 1)
    tab.wait_for_url(f"**/d/{doc_id}#{path}")
    target = tab.locator(":target")
    assert target.get_attribute("id") == path
    assert target.is_visible()
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < tab.viewport_size["height"]


def test_browser_compares_the_two_initiatives(tab):
    tab.goto("/compare")
    tab.get_by_label("Document A").select_option("nanning-2012")
    tab.get_by_label("Document B").select_option("kunming-2013")
    tab.get_by_role("button", name="Compare").click()
    tab.wait_for_selector("table.compare")
    headers = tab.locator("table.compare thead th").all_inner_texts()
    assert len(headers) == 2 and "Nanning" in headers[0] and "Kunming" in headers[1]
    assert tab.locator("table.compare td.match").count() > 0


def test_browser_copies_a_citation(tab, shipped):
    from initiative_archive.cite import cite

    tab.goto("/c/kunming-2013/op_2")
    clause = tab.locator("div.clause.target")
    clause.locator("summary", has_text="Cite").click()
    button = clause.get_by_role("button", name="Copy the Chicago (notes and bibliography) note")
    button.click()
    tab.wait_for_function("() => document.querySelector('button.copy.done') !== null")
    copied = tab.evaluate("() => navigator.clipboard.readText()")
    assert copied == cite([shipped.citable("kunming-2013/op_2")], "chicago", "note").strip()
