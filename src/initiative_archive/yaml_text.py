"""YAML read with libyaml's parser where PyYAML has it, reported by PyYAML's own parser.

Every search reads the catalogue, and an ingest or a rebuild reads every document's front
matter: libyaml parses in a tenth of the time (the same safe constructor, so the same values).
A text libyaml refuses is parsed again by the Python parser, so an error names its line and
problem exactly as before.
"""

from __future__ import annotations

from typing import Any


def load_yaml(text: str) -> Any:
    import yaml  # PyYAML costs a command ~15 ms to import: only readers of YAML load it

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError:
        return yaml.safe_load(text)
