"""Citing and checking: a clause's or document's citations in every style (with copy buttons),
a download of BibTeX, RIS or CSL-JSON for the clauses a reader selected, and ``verify`` as a
page where a draft is pasted and each quotation judged."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, render_template, request

from ..cite import PART_LABELS, cite
from ..cite_styles import PROSE
from ..errors import QueryError
from ..verify import is_empty, scan_quotations
from .app import archive, state
from .forms import diff_runs

pages = Blueprint("citing", __name__)
DATA_FORMATS = {"bibtex": ("BibTeX", "bib", "application/x-bibtex"),
                "ris": ("RIS", "ris", "application/x-research-info-systems"),
                "csl-json": ("CSL-JSON", "json", "application/vnd.citationstyles.csl+json")}
MAX_SELECTED = 200
STYLE_NAMES = {"chicago": "Chicago (notes and bibliography)",
               "chicago-author-date": "Chicago (author-date)", "apa": "APA", "mla": "MLA"}


def citations(item_id: str) -> dict[str, Any]:
    """Everything the cite page shows for one id: each prose style's two parts, the data."""
    target = archive().citable(item_id)
    styles = [{"style": style, "name": STYLE_NAMES[style],
               "parts": [(PART_LABELS[style][i], cite([target], style, part).strip())
                         for i, part in enumerate(("note", "bibliography"))]}
              for style in PROSE]
    data = [{"style": style, "name": name, "text": cite([target], style).strip()}
            for style, (name, _, _) in DATA_FORMATS.items()]
    return {"target": target, "item_id": item_id, "styles": styles, "data": data}


@pages.route("/cite/<path:item_id>")
def cite_page(item_id: str) -> Any:
    context = citations(item_id)
    template = "cite_partial.html" if request.args.get("partial") else "cite.html"
    return render_template(template, **context)


@pages.route("/download")
def download() -> Any:
    """The selected clauses (``id`` repeated) cited as BibTeX, RIS or CSL-JSON, as a file."""
    ids = list(dict.fromkeys(i.strip() for i in request.args.getlist("id") if i.strip()))
    fmt = request.args.get("format", "bibtex")
    if fmt not in DATA_FORMATS:
        raise QueryError(f"format {fmt!r} is not one of {', '.join(DATA_FORMATS)}")
    if not ids:
        raise QueryError("no clause is selected", "tick the clauses to cite, then download")
    if len(ids) > MAX_SELECTED:
        raise QueryError(f"{len(ids)} clauses are selected; at most {MAX_SELECTED} at once")
    text = cite([archive().citable(i) for i in ids], fmt)
    _, suffix, mime = DATA_FORMATS[fmt]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", ids[0] if len(ids) == 1 else "citations")
    return Response(text, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="{name}.{suffix}"'})


@pages.route("/verify", methods=["GET", "POST"])
def verify() -> Any:
    if request.method == "GET":
        return render_template("verify.html", draft="", results=None, skipped=[], error="")
    draft = request.form.get("draft", "")
    whole = request.form.get("mode") == "quotation"
    if is_empty(draft):
        return render_template("verify.html", draft=draft, results=None, skipped=[],
                               error="the text is empty: paste a draft or a quotation",
                               whole=whole), 400
    quotes, skipped = ([draft.strip()], []) if whole else scan_quotations(draft)
    if not quotes:
        note = (f" ({len(skipped)} too short to check)" if skipped else "")
        return render_template(
            "verify.html", draft=draft, results=None, skipped=skipped, whole=whole,
            error=f"no quotation to check in the draft{note}: put each quotation in “…”, "
                  "\"…\", 「…」 or 『…』, or check the whole text as one quotation"), 400
    with state().index_lock:
        verdicts = archive().verify_all(quotes)
    results = []
    for v in verdicts:
        note = cite([archive().citable(v.clause.id)], "chicago", "note").strip() \
            if v.clause is not None else ""
        results.append({"verdict": v, "citation": note, "diff": diff_runs(v.diff)})
    exact = sum(v.status == "exact" for v in verdicts)
    return render_template("verify.html", draft=draft, results=results, skipped=skipped,
                           exact=exact, error="", whole=whole)
