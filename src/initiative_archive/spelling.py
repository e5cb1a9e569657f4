"""British -> American spelling, so that ``digitisation`` and ``digitization`` meet.

Applied to lower-cased English words before stemming. Suffix rules cover ``-isation``,
``-ise``, ``-yse``; a word list covers ``-our``, ``-re`` and the rest. Words that end in
``-ise`` in American English too (``promise``, ``exercise``) are left alone.
"""

from __future__ import annotations

import re

_WORDS = {
    "catalogue": "catalog", "catalogues": "catalogs", "catalogued": "cataloged",
    "cataloguing": "cataloging", "cataloguer": "cataloger", "cataloguers": "catalogers",
    "programme": "program", "programmes": "programs", "centre": "center", "centres": "centers",
    "metre": "meter", "metres": "meters", "theatre": "theater", "theatres": "theaters",
    "licence": "license", "licences": "licenses", "defence": "defense", "offence": "offense",
    "judgement": "judgment", "ageing": "aging", "grey": "gray", "enrol": "enroll",
    "enrolment": "enrollment", "fulfil": "fulfill", "fulfilment": "fulfillment",
    "travelled": "traveled", "travelling": "traveling", "cancelled": "canceled",
    "modelling": "modeling", "labelled": "labeled", "labelling": "labeling",
    "dialogue": "dialog", "analogue": "analog", "practise": "practice", "practised": "practiced",
    "archaeology": "archeology", "encyclopaedia": "encyclopedia", "mediaeval": "medieval",
}
_OUR = {"colour", "favour", "honour", "labour", "behaviour", "neighbour", "harbour", "humour",
        "rumour", "vapour", "vigour", "endeavour", "flavour", "savour", "armour", "parlour",
        "odour", "valour", "rigour", "clamour", "splendour", "saviour"}
_ISE_WORDS = {
    "advertise", "advise", "apprise", "arise", "chastise", "circumcise", "comprise", "compromise",
    "concise", "demise", "despise", "devise", "disguise", "enterprise", "excise", "exercise",
    "expertise", "franchise", "improvise", "incise", "likewise", "merchandise", "otherwise",
    "paradise", "precise", "premise", "promise", "raise", "reprise", "revise", "rise", "supervise",
    "surmise", "surprise", "televise", "treatise", "wise", "noise", "praise", "cruise", "poise",
    "guise", "bruise", "clockwise", "porpoise", "tortoise", "mortise", "valise", "anise",
    "appraise", "upraise", "sunrise", "moonrise", "stepwise", "crosswise",
}
_ISE = re.compile(r"^(\w{3,}?)is(e|es|ed|ing|ation|ations|er|ers|able)$")
_YSE = re.compile(r"^(anal|paral|catal|dial|electrol|hydrol)ys(e|es|ed|ing|er|ers)$")


def american(word: str) -> str:
    """The American spelling of an English word (lower case), or the word itself."""
    if word in _WORDS:
        return _WORDS[word]
    for base in _OUR:
        if word.startswith(base):
            return base[:-2] + "or" + word[len(base):]
    m = _ISE.match(word)
    if m:
        stem, ending = m.groups()
        if ending in ("e", "es", "ed", "ing", "er", "ers", "able"):
            base = stem + "ise"
            if base in _ISE_WORDS or any(base.endswith(w) for w in _ISE_WORDS if len(w) > 4):
                return word
        return f"{stem}iz{ending}"
    m = _YSE.match(word)
    if m:
        return f"{m.group(1)}yz{m.group(2)}"
    return word
