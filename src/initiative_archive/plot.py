"""``themes --plot``: a timeline of recurring proposals against documents (matplotlib, loaded
only when a plot is asked for)."""

from __future__ import annotations

from pathlib import Path

from .recur import Theme


def plot_themes(themes: list[Theme], path: Path, dated) -> None:
    """One row per theme, a point per document where it appears, at the document's date (the
    adopting meeting's, where there is one); saved as PNG or SVG by the file's suffix."""
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    _use_cjk_font(font_manager, matplotlib)
    import datetime as dt

    def when(doc) -> dt.date | None:
        text = dated(doc)
        parts = [int(x) for x in text.split("-")] if text else []
        return dt.date(*(parts + [1, 1])[:3]) if parts else None

    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.45 * len(themes) + 1.2)))
    for row, theme in enumerate(themes):
        points = sorted({(when(p.document), p.document.id) for p in theme.members
                         if when(p.document)})
        xs = [x for x, _ in points]
        ax.plot(xs, [row] * len(xs), "-", color="0.75", zorder=1)
        ax.scatter(xs, [row] * len(xs), s=40, zorder=2)
        for x, doc_id in points:
            ax.annotate(doc_id, (x, row), fontsize=6, xytext=(0, 6),
                        textcoords="offset points", ha="center")
    ax.set_yticks(range(len(themes)))
    ax.set_yticklabels([", ".join(t.concepts[:3]) or f"theme {i}"
                        for i, t in enumerate(themes, 1)], fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_title("Recurring proposals across documents")
    fig.tight_layout()
    from io import BytesIO

    from .atomic import write_atomic

    buffer = BytesIO()
    fig.savefig(buffer, format=path.suffix.lower().lstrip("."))
    plt.close(fig)
    write_atomic(path, buffer.getvalue())  # a new file renamed into place: never via a link


def _use_cjk_font(font_manager, matplotlib) -> None:
    """Chinese labels need a CJK font; use one if the machine has it."""
    for name in ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "SimHei"):
        if any(f.name == name for f in font_manager.fontManager.ttflist):
            matplotlib.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
            return
