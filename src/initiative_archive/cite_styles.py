"""The citation styles and parts on offer: apart from cite.py, so that the command line can
list them in its options without loading the formatter (a search never cites)."""

STYLES = ("chicago", "chicago-author-date", "apa", "mla", "bibtex", "ris", "csl-json")
PROSE = ("chicago", "chicago-author-date", "apa", "mla")  # the styles written as sentences
PARTS = ("note", "bibliography", "both")
