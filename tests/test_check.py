"""`check` passes on the shipped corpus and names each problem in a corpus broken on purpose."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from initiative_archive.check import check_corpus
from initiative_archive.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_shipped_corpus_passes():
    assert check_corpus(CORPUS) == []


def test_check_command_exits_0_on_the_shipped_corpus(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--corpus", str(CORPUS),
                                      "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.stdout


@pytest.fixture
def broken(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BREAKAGES = [
    ("documents/kunming-2013.md", "date: '2013-11'", "date: 'November 2013'",
     "kunming-2013.md: date 'November 2013' is not ISO 8601"),
    ("documents/kunming-2013.md", "kind: initiative", "kind: manifesto",
     "unknown kind 'manifesto'"),
    ("documents/kunming-2013.md", "lang: en", "lang: English", "language 'English'"),
    ("documents/kunming-2013.md", "id: kunming-2013", "id: nanning-2012",
     "document id 'nanning-2012' is also used by"),
    ("documents/kunming-2013.md", "meeting: forum-asia-library-directors-2013",
     "meeting: no-such-meeting", "meeting 'no-such-meeting' is not a meeting record"),
    ("documents/kunming-2013.md", "file: sources/nlc-2017-regional-cooperation.txt",
     "file: sources/missing.txt", "source file 'sources/missing.txt' is not in the corpus"),
    ("documents/kunming-2013.md", "title: Kunming", "title: [Kunming",
     "kunming-2013.md: broken front matter at line"),
    ("meetings/cdnlao-04.yaml", "series: CDNLAO", "series: ''", "lacks 'series'"),
    ("meetings/china-asean-culture-forum-2012.yaml", "  - nanning-2012", "  - nanning-2099",
     "adopted document 'nanning-2099' is not in the corpus"),
    ("meetings/cdnlao-04.yaml", "date: '1989-12-05'", "date: '1989-13-05'",
     "date '1989-13-05' is not an ISO 8601 date"),
]


@pytest.mark.parametrize("relpath, old, new, expected", BREAKAGES,
                         ids=[b[3][:40] for b in BREAKAGES])
def test_check_names_each_problem(broken, relpath, old, new, expected):
    edit(broken / relpath, old, new)
    problems = check_corpus(broken)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("key", ["adopted", "promulgated", "amended", "in_force"])
def test_every_date_of_the_front_matter_is_checked(broken, key):
    edit(broken / "documents/kunming-2013.md", "date: '2013-11'",
         f"date: '2013-11'\n{key}: 'soon'")
    problems = check_corpus(broken)
    assert f"documents/kunming-2013.md: {key} 'soon' is not an ISO 8601 date" in problems, \
        problems


def test_repeated_clause_numbering_is_reported(broken):
    doc = broken / "documents" / "kunming-2013.md"
    edit(doc, "2. Strengthen the cooperation", "1. Strengthen the cooperation")
    problems = check_corpus(broken)
    assert any("numbering repeats" in p and "kunming-2013/op_1_2" in p for p in problems), \
        problems


def test_check_command_fails_with_one_line_per_problem(broken, tmp_path):
    edit(broken / "documents/kunming-2013.md", "kind: initiative", "kind: manifesto")
    edit(broken / "meetings/cdnlao-04.yaml", "series: CDNLAO", "series: ''")
    result = CliRunner().invoke(cli, ["check", "--corpus", str(broken),
                                      "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert any("manifesto" in line for line in lines)


def test_meetings_json_holds_the_records_the_corpus_issue_names(tmp_path):
    result = CliRunner().invoke(cli, ["meetings", "--format", "json", "--corpus", str(CORPUS),
                                      "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0
    meetings = {m["id"]: m for m in json.loads(result.stdout)["meetings"]}
    assert len(meetings) >= 8
    fourth = meetings["cdnlao-04"]
    assert fourth["date"].startswith("1989") and "Beijing" in fourth["place"]
    assert meetings["china-asean-culture-forum-2012"]["adopted"] == ["nanning-2012"]
    assert meetings["forum-asia-library-directors-2013"]["adopted"] == ["kunming-2013"]


def test_disagreeing_sources_are_both_kept():
    import yaml

    forum = yaml.safe_load((CORPUS / "meetings/china-asean-culture-forum-2012.yaml")
                           .read_text(encoding="utf-8"))
    dates = [s["says"] for s in forum["statements"] if s["about"] == "date"]
    assert any("2012-09-11" in d for d in dates)
    assert any("10-14 September" in d for d in dates)
    series = yaml.safe_load((CORPUS / "series/cdnlao.yaml").read_text(encoding="utf-8"))
    says = " ".join(s["says"] for s in series["statements"])
    assert "every year" in says.lower() and "two to three years" in says


def test_meetings_filter_by_series_date_and_participant(tmp_path):
    args = ["--corpus", str(CORPUS), "--index", str(tmp_path / "ix"), "--format", "json"]
    runner = CliRunner()
    cdnlao = json.loads(runner.invoke(cli, ["meetings", "--series", "CDNLAO", *args]).stdout)
    assert cdnlao["meetings"] and all(m["series"] == "CDNLAO" for m in cdnlao["meetings"])
    recent = json.loads(runner.invoke(cli, ["meetings", "--from", "2016", *args]).stdout)
    assert all(m.get("date", "9999") >= "2016" for m in recent["meetings"])
    cambodia = json.loads(runner.invoke(cli, ["meetings", "--participant", "Cambodia",
                                              *args]).stdout)
    assert [m["id"] for m in cambodia["meetings"]] == ["china-asean-culture-forum-2012"]
