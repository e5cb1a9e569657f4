"""The README's examples are real: each shown command, run on the shipped corpus, prints
exactly the output the README shows beneath it."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner
from conftest import CORPUS

from initiative_archive.cli import cli

README = (CORPUS.parent / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```sh\n([^`]*?)\n```\n\n```text\n([^`]*?)```", README)


def test_the_readme_shows_examples_with_output():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("command, output", EXAMPLES, ids=[e[0][-40:] for e in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(command, output, shipped_args):
    line = command.split("&&")[-1].split("#")[0]
    args = shlex.split(line)
    args = args[args.index(next(a for a in args if a.endswith("initiative-archive"))) + 1:]
    result = CliRunner().invoke(cli, [*args, *shipped_args])
    assert result.exit_code == 0, result.output
    assert result.stdout == output
