"""YAML read with libyaml's parser where PyYAML has it, reported by PyYAML's own parser.

Every search reads the catalogue, and an ingest or a rebuild reads every document's front
matter: libyaml parses in a tenth of the time (the same safe constructor, so the same values).
A text libyaml refuses is parsed again by the Python parser, so an error names its line and
problem exactly as before. The two parsers do not accept quite the same texts (libyaml takes
some tabs PyYAML refuses), so whatever checks a text before it is loaded reads the events of
the parser that will load it (``yaml_events``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _fast_loader():
    import yaml  # PyYAML costs a command ~15 ms to import: only readers of YAML load it

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_fast_loader())  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeError):
        return yaml.safe_load(text)


def yaml_events(text: str) -> Iterator[Any]:
    """The parser events of ``text`` as ``load_yaml`` reads it: libyaml's, or PyYAML's where
    libyaml refuses it (whose error, if it refuses too, reaches the caller)."""
    import yaml

    try:
        events = list(yaml.parse(text, Loader=_fast_loader()))
    except (yaml.YAMLError, UnicodeError):
        yield from yaml.parse(text)
        return
    yield from events


def dump_yaml(data: Any, **options: Any) -> str:
    """``yaml.safe_dump(data, **options)`` written by libyaml's emitter (a fifth of the time:
    an ingest writes every document's front matter), which writes what PyYAML's writes; the
    Python emitter's text where libyaml's does not read back as ``data``."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", None)
    if dumper is not None:
        try:
            text = yaml.dump(data, Dumper=dumper, **options)
            if load_yaml(text) == data:
                return text
        except (yaml.YAMLError, UnicodeError, ValueError):
            pass
    return yaml.safe_dump(data, **options)
