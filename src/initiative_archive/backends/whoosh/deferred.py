"""Whoosh's English inflection table, loaded when first used rather than by every search.

``whoosh.query`` imports ``variations`` from ``whoosh.lang.morph_en`` for its ``Variations``
query, which this project never makes; importing that module compiles its table of English
word endings, about 10 ms of every cold search. ``defer`` registers a stand-in under its name
before ``whoosh.query`` is first imported: the stand-in's ``variations`` imports the real
module when it is first called, puts it in its place, and answers as it does.
"""

from __future__ import annotations

import importlib
import sys
import types

MORPH_EN = "whoosh.lang.morph_en"


def defer() -> None:
    """Stand in for ``whoosh.lang.morph_en`` until its ``variations`` is called (nothing is
    done once the real module is loaded)."""
    if MORPH_EN in sys.modules:
        return
    stand_in = types.ModuleType(MORPH_EN, "Stands in for whoosh.lang.morph_en until used.")
    stand_in.variations = _variations  # type: ignore[attr-defined]
    sys.modules[MORPH_EN] = stand_in


def real_morph_en() -> types.ModuleType:
    """The real ``whoosh.lang.morph_en``, imported now if the stand-in holds its place."""
    module = sys.modules.get(MORPH_EN)
    if module is None or getattr(module, "variations", None) is _variations:
        sys.modules.pop(MORPH_EN, None)
        module = importlib.import_module(MORPH_EN)
    return module


def _variations(word: str) -> set[str]:
    return real_morph_en().variations(word)
