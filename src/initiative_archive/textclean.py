"""Text that is safe to show on a terminal: no control characters from documents, file names or
options.

A terminal obeys escape sequences wherever they come from: ``ESC ] 0 ;`` sets the window title,
others move the cursor or rewrite what is already shown. So every character a terminal could act
on is removed: the C0 controls except newline and tab (ESC and CR among them), DEL, the C1
controls (U+0080-U+009F: U+009B is a one-character CSI on some terminals), and the bidirectional
overrides and isolates, which make text read in another order than it is stored ("Trojan
source"). Ordinary marks such as the zero-width joiner stay: Chinese and English text needs none
of the removed characters.

The archive's own colours are added after cleaning (see ``render.mark``), never cleaned away.
"""

from __future__ import annotations

import re

#: C0 controls but \t and \n, DEL, C1 controls, bidi embeddings/overrides/isolates, LRM/RLM/ALM.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without the characters a terminal would act on (newlines and tabs kept)."""
    return UNSAFE.sub("", text)


def has_controls(text: str) -> bool:
    return UNSAFE.search(text) is not None


def clean_value(value):
    """Strings, and strings inside lists and dicts, cleaned; anything else as it is."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value
