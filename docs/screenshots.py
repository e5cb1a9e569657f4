"""Screenshots of the web interface's main pages for the README, taken in a headless browser.

    .venv/bin/python docs/screenshots.py [--corpus corpus] [--index DIR] [--out docs]

Serves the archive on 127.0.0.1 (a free port, in a thread), waits for the themes, and saves
search.png, document.png, compare.png and themes.png. Needs Debian's chromium at
/usr/bin/chromium (apt-get install chromium fonts-noto-cjk) and playwright (the test extra).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from initiative_archive import Archive
from initiative_archive.web import create_app

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = [
    ("search", "/?q=resource+sharing", None),
    ("document", "/c/kunming-2013/op_2", None),
    ("compare", "/compare?doc=nanning-2012&doc=kunming-2013", None),
    ("themes", "/themes", "figure.timeline img"),
]


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(here.parent / "corpus"))
    parser.add_argument("--index", default=str(Path(tempfile.gettempdir())
                                               / "initiative-archive-screenshots-index"))
    parser.add_argument("--out", default=str(here))
    options = parser.parse_args()
    archive = Archive(options.corpus, options.index)
    archive.ensure_index()
    app = create_app(archive)
    themes = app.extensions["initiative_archive"].themes
    themes.start()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    while themes.get() is None and not themes.error:
        time.sleep(0.5)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900},
                                    device_scale_factor=1)
            for name, url, wait_for in PAGES:
                page.goto(base + url)
                page.wait_for_load_state("networkidle")
                if wait_for:
                    page.wait_for_selector(wait_for)
                path = Path(options.out) / f"{name}.png"
                page.screenshot(path=str(path))
                print(f"wrote {path}")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
