"""The README's examples are real: each shown command, run on the shipped corpus, prints
exactly the output the README shows beneath it."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from click.testing import CliRunner
from conftest import CATALOGUED_IDS, MIRROR, REPO_CORPUS, ROOT

from initiative_archive.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```sh\n([^`]*?)\n```\n\n```text\n([^`]*?)```", README)


def test_the_readme_shows_examples_with_output():
    assert len(EXAMPLES) >= 2


FETCH_LINE = next(line for line in README.splitlines()
                  if re.match(r"^\.venv/bin/initiative-archive fetch\b", line))


@pytest.fixture(scope="module")
def fresh_clone_args(tmp_path_factory) -> list[str]:
    """The corpus of a fresh clone, before any fetch: the committed files alone, indexed."""
    home = tmp_path_factory.mktemp("fresh-clone")
    shutil.copytree(REPO_CORPUS, home / "corpus",
                    ignore=shutil.ignore_patterns("external", ".*.lock"))
    return ["--corpus", str(home / "corpus"), "--index", str(home / "index")]


@pytest.mark.parametrize("command, output", EXAMPLES, ids=[e[0][-40:] for e in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(command, output, shipped_args,
                                                      fresh_clone_args):
    """Examples above the README's fetch line run on a fresh clone; those below, after it."""
    line = command.split("&&")[-1].split("#")[0]
    args = shlex.split(line)
    args = args[args.index(next(a for a in args if a.endswith("initiative-archive"))) + 1:]
    before_fetch = README.index(command) < README.index(FETCH_LINE)
    result = CliRunner().invoke(cli, [*args, *(fresh_clone_args if before_fetch
                                               else shipped_args)])
    assert result.exit_code == 0, result.output
    assert result.stdout == output


def test_the_readme_fetches_the_laws_before_its_chinese_examples(run_main, tmp_path):
    """The README's fetch line, run as CI runs it (from the mirror), brings in every catalogued
    text; and no Chinese example comes before it."""
    fetch_line = FETCH_LINE
    first_chinese = min(README.index(cmd) for cmd, _ in EXAMPLES if re.search(r"[\u4e00-\u9fff]",
                                                                               cmd))
    assert README.index(fetch_line) < first_chinese
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, corpus, ignore=shutil.ignore_patterns("external", ".*.lock"))
    args = shlex.split(fetch_line.split("#")[0])[1:]
    result = run_main("--corpus", str(corpus), "--index", str(tmp_path / "index"), *args,
                      "--mirror", str(MIRROR))
    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.count("fetched ") == len(CATALOGUED_IDS)
