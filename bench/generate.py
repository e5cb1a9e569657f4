"""Generate a realistic bilingual corpus for the benchmark: documents of 50 numbered clauses.

The sentences are real: the English clauses of ``corpus/documents/*.md`` and the articles of the
Chinese laws, read at run time from ``../shared/sources/*-zh.md`` (third-party files, never
copied into the repository). They are recombined and lightly varied so that the corpus is not a
thousand copies of the same text: clauses are spliced from fragments of two or three source
sentences, numbers and place names are swapped, and the order is shuffled. Every document is
drawn from its own ``random.Random(f"{seed}-{n}")``, so a corpus is deterministic for a seed and
the 1k corpus is the first 20 documents of the 10k one.

Documents alternate English ("1. ...") and Chinese ("第一条 ..."), with YAML front matter, in a
folder that ``initiative-archive ingest DIR`` accepts. Beside it the generator writes the same
clauses as JSON lines (for the FTS5 side) and one extra document (for the incremental update).

Run: .venv/bin/python bench/generate.py --size 10k --out /tmp/bench-10k [--seed 13]

Layout of OUT:
    documents/<id>.md    the corpus to ingest (size / 50 documents)
    clauses.jsonl        {"doc_id", "clause_id", "lang", "text"} per clause, in order
    extra/<id>.md        one more document, for the incremental update
    extra.jsonl          its clauses
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = ROOT.parent / "shared" / "sources"
CLAUSES_PER_DOC = 50
DEFAULT_SEED = 13

EN_PLACES = ["Kunming", "Nanning", "Guangxi", "Yunnan", "Beijing", "Shanghai", "Brunei Darussalam",
             "Cambodia", "Indonesia", "Laos", "Malaysia", "Myanmar", "Philippines", "Singapore",
             "Thailand", "Vietnam", "Republic of Korea"]
EN_NEW_PLACES = ["Bangkok", "Hanoi", "Seoul", "Tokyo", "Jakarta", "Manila", "Kuala Lumpur",
                 "Vientiane", "Phnom Penh", "Yangon", "Ulaanbaatar", "Kathmandu", "Colombo",
                 "Dhaka", "Astana", "Tashkent", "Hangzhou", "Chengdu", "Xi'an", "Guangzhou",
                 "Mongolia", "Nepal", "Sri Lanka", "Bangladesh", "Kazakhstan", "Japan", "India",
                 "Pakistan", "Uzbekistan", "Bhutan"] + EN_PLACES
ZH_PLACES = ["北京市", "上海市"]
ZH_NEW_PLACES = ["天津市", "重庆市", "广州市", "深圳市", "南京市", "杭州市", "成都市", "武汉市",
                 "西安市", "昆明市", "南宁市", "长沙市", "沈阳市", "济南市", "福州市", "厦门市",
                 "合肥市", "郑州市", "哈尔滨市", "贵阳市", "兰州市", "拉萨市", "北京市", "上海市"]
EN_TITLES = ["Initiative on {topic}", "Declaration on {topic}", "Resolution on {topic}",
             "Joint Statement on {topic}", "Memorandum on {topic}"]
EN_TOPICS = ["Library Cooperation", "Resource Sharing", "Digital Libraries",
             "the Preservation of Collections", "Professional Training", "Inter-library Loan",
             "the Exchange of Publications", "Union Catalogues", "Reading Promotion"]
ZH_TITLES = ["{place}公共图书馆条例", "{place}公共文化服务保障条例", "{place}图书馆服务规定",
             "{place}古籍保护办法", "{place}全民阅读促进条例", "{place}公共文化设施管理办法"]
ZH_DIGITS = "零一二三四五六七八九"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Pools:
    """Source sentences, split into fragments at commas and semicolons."""

    en: list[list[str]]
    zh: list[list[str]]


def parse_size(text: str) -> int:
    """'1k' -> 1000, '100k' -> 100000, '2500' -> 2500."""
    text = text.strip().lower()
    if text.endswith("k"):
        return int(float(text[:-1]) * 1000)
    return int(text)


def body(path: Path) -> str:
    """The text after a Markdown file's front matter (or the whole text if it has none)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5:]
    return text


def english_sentences(corpus: Path) -> list[str]:
    sentences = []
    for path in sorted((corpus / "documents").glob("*.md")):
        for line in body(path).splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            line = re.sub(r"^(\d+\.|-)\s+", "", line)
            for sentence in re.split(r"(?<=[.;:])\s+(?=[A-Z])", line):
                if len(sentence.split()) >= 6:
                    sentences.append(sentence.rstrip(";:,. ") + ".")
    return sentences


def chinese_sentences(sources: Path) -> list[str]:
    sentences = []
    for path in sorted(sources.glob("*-zh.md")):
        in_body = False
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if "INFO END" in line:
                in_body = True
                continue
            if not in_body or not line or line.startswith(("#", "（", "(")):
                continue
            line = re.sub(r"^第[零一二三四五六七八九十百]+条\s*", "", line)
            for sentence in re.findall(r"[^。]+。?", line):
                if len(sentence) >= 12:
                    sentences.append(sentence.rstrip("。；：，") + "。")
    return sentences


def load_pools(corpus: Path, sources: Path) -> Pools:
    zh_files = sorted(sources.glob("*-zh.md"))
    if not zh_files:
        sys.exit(f"Error: no Chinese sources (*-zh.md) in {sources}; pass --sources DIR")
    en = [re.split(r"(?<=[,;])\s+", s) for s in english_sentences(corpus)]
    zh = [re.findall(r"[^，；]+[，；]?", s) for s in chinese_sentences(sources)]
    return Pools(en=en, zh=zh)


def chinese_numeral(n: int) -> str:
    """1..999 as Chinese numerals (第二十三条)."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    out = ""
    if hundreds:
        out += ZH_DIGITS[hundreds] + "百"
        if tens == 0 and units:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else ZH_DIGITS[tens]) + "十"
    if units:
        out += ZH_DIGITS[units]
    return out or "零"


def splice(rng: random.Random, pool: list[list[str]], joiner: str) -> str:
    """A sentence made of the opening fragments of one source sentence and the closing
    fragments of another (or one sentence whole)."""
    first = rng.choice(pool)
    if len(first) < 2 or rng.random() < 0.35:
        return joiner.join(first)
    second = rng.choice(pool)
    cut = rng.randint(1, len(first) - 1)
    start = rng.randint(0, len(second) - 1) if len(second) > 1 else 0
    tail = second[start:]
    if joiner == " " and not tail[0].split()[0].isupper() and tail[0][:1].isupper():
        tail = [tail[0][0].lower() + tail[0][1:], *tail[1:]]
    return joiner.join(first[:cut] + tail)


def vary_english(rng: random.Random, text: str) -> str:
    text = re.sub(r"\b(19|20)\d\d\b", lambda m: str(rng.randint(1990, 2030)), text)
    text = re.sub(r"\b\d{1,3}\b", lambda m: str(rng.randint(2, 60)), text)
    for place in EN_PLACES:
        if place in text:
            text = text.replace(place, rng.choice(EN_NEW_PLACES))
    return text


def vary_chinese(rng: random.Random, text: str) -> str:
    text = re.sub(r"\d+", lambda m: str(rng.randint(1, 90)), text)
    text = re.sub(r"[一二三四五六七八九十]+(?=[日年个次])",
                  lambda m: chinese_numeral(rng.randint(1, 60)), text)
    for place in ZH_PLACES:
        if place in text:
            text = text.replace(place, rng.choice(ZH_NEW_PLACES))
    return text


def english_clause(rng: random.Random, pools: Pools) -> str:
    parts = [splice(rng, pools.en, " ") for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    text = " ".join(p.rstrip(",;") if p.endswith((".", ",", ";")) else p for p in parts)
    text = re.sub(r"[,;]\s*$", ".", text.strip())
    if not text.endswith("."):
        text += "."
    return vary_english(rng, text[0].upper() + text[1:])


def chinese_clause(rng: random.Random, pools: Pools) -> str:
    parts = [splice(rng, pools.zh, "") for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    text = "".join(p.rstrip("，；。") + "。" for p in parts)
    return vary_chinese(rng, text)


def document(seed: int, n: int, pools: Pools) -> tuple[str, str, str, list[str]]:
    """Document number n: (id, lang, markdown, clause texts)."""
    rng = random.Random(f"{seed}-{n}")
    year = rng.randint(1990, 2024)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if n % 2 == 0:
        lang, doc_id = "en", f"bench-en-{n:05d}"
        title = (f"{rng.choice(EN_NEW_PLACES)} "
                 f"{rng.choice(EN_TITLES).format(topic=rng.choice(EN_TOPICS))} ({year}, no. {n})")
        clauses = [english_clause(rng, pools) for _ in range(CLAUSES_PER_DOC)]
        lines = [f"{i}. {text}" for i, text in enumerate(clauses, 1)]
        kind = rng.choice(["initiative", "declaration", "resolution"])
    else:
        lang, doc_id = "zh-Hans", f"bench-zh-{n:05d}"
        title = rng.choice(ZH_TITLES).format(place=rng.choice(ZH_NEW_PLACES)) + f"（第{n}号）"
        clauses = [chinese_clause(rng, pools) for _ in range(CLAUSES_PER_DOC)]
        lines = [f"第{chinese_numeral(i)}条 {text}" for i, text in enumerate(clauses, 1)]
        kind = rng.choice(["law", "regulation"])
    front = (f"---\nid: {doc_id}\ntitle: {json.dumps(title, ensure_ascii=False)}\n"
             f"date: '{date}'\nlang: {lang}\nkind: {kind}\n---\n\n")
    return doc_id, lang, front + "\n\n".join(lines) + "\n", clauses


def write_documents(out: Path, folder: str, jsonl: str, numbers: range, seed: int,
                    pools: Pools) -> int:
    (out / folder).mkdir(parents=True, exist_ok=True)
    count = 0
    with open(out / jsonl, "w", encoding="utf-8") as lines:
        for n in numbers:
            doc_id, lang, markdown, clauses = document(seed, n, pools)
            (out / folder / f"{doc_id}.md").write_text(markdown, encoding="utf-8")
            for i, text in enumerate(clauses, 1):
                path = f"op_{i}" if lang == "en" else f"art_{i}"
                record = {"doc_id": doc_id, "clause_id": f"{doc_id}/{path}", "lang": lang,
                          "text": text}
                lines.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    return count


def generate(size: int, out: Path, seed: int = DEFAULT_SEED,
             corpus: Path = ROOT / "corpus", sources: Path = DEFAULT_SOURCES) -> dict:
    """Write a corpus of `size` clauses (rounded up to whole documents) into `out`."""
    pools = load_pools(corpus, sources)
    docs = -(-size // CLAUSES_PER_DOC)
    clauses = write_documents(out, "documents", "clauses.jsonl", range(docs), seed, pools)
    write_documents(out, "extra", "extra.jsonl", range(docs, docs + 1), seed, pools)
    digest = hashlib.sha256(json.dumps([pools.en, pools.zh], ensure_ascii=False).encode())
    return {"size": size, "documents": docs, "clauses": clauses, "seed": seed,
            "source_sentences": {"en": len(pools.en), "zh": len(pools.zh),
                                 "sha256": digest.hexdigest()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1k", help="clauses: 1k, 10k, 100k or a number")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (new)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES,
                        help="folder of the Chinese laws (*-zh.md) [../shared/sources]")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        sys.exit(f"Error: {args.out} is not empty")
    print(json.dumps(generate(parse_size(args.size), args.out, args.seed,
                              sources=args.sources)))


if __name__ == "__main__":
    main()
