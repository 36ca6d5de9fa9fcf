"""Generate a synthetic explainer project for benchmarks: N pages, M facts, K sources.

Sizes follow the performance issue: pages of 400-800 words, each citing 5-20 facts;
facts of one or two citations with quotes; a block of facts on some pages. The same
arguments and seed always give the same files, byte for byte, so figures compare.

    python bench/generate.py OUT --pages 4000 [--facts 8000] [--sources 500] [--seed 1]

Every fact is cited by some page and every source by some fact, so the project builds
without errors. The repository's templates/ and static/ are copied in.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

WORDS = (
    "the council said that a report on election spending was published after the hearing while "
    "officials in the district described new rules for foreign donations and campaign advertising "
    "several members asked whether the agency had reviewed its records before the vote the court "
    "noted that earlier filings were incomplete and the ministry denied any involvement in the "
    "matter according to documents seen by reporters the budget for local offices rose during the "
    "year and a spokesperson declined to comment on the timing of the statement voters in two "
    "counties received letters describing the process observers from abroad followed the count "
    "closely and lawyers for both sides argued about the meaning of the statute"
).split()
KINDS = ("fact",) * 6 + ("claim",) * 2 + ("quote", "law", "ruling")
FACTS_PER_FILE = 10


@dataclass(frozen=True)
class Sizes:
    pages: int
    facts: int
    sources: int
    actors: int
    topics: int


def default_sizes(pages: int) -> Sizes:
    """Realistic ratios: two facts and an eighth of a source per page, a topic per twenty facts."""
    facts = max(10, 2 * pages)
    return Sizes(pages=pages, facts=facts, sources=max(3, pages // 8), actors=max(2, pages // 40),
                 topics=max(2, facts // 20))


def sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def quote_yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fact_id(number: int) -> str:
    return f"fact-{number:05d}"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def site_yaml(sizes: Sizes) -> str:
    return (f"title: Synthetic explainer ({sizes.pages} pages)\n"
            "description: A generated project for benchmarks.\n"
            "language: en\nbase_url: https://example.org/bench/\npublisher: Bench newsroom\n"
            "license: CC BY 4.0\n")


def source_yaml(number: int, rng: random.Random) -> str:
    year, month, day = 2015 + number % 9, 1 + number % 12, 1 + number % 28
    return (f"id: source-{number:04d}\n"
            f"title: {quote_yaml(sentence(rng, 5, 10)[:-1])}\n"
            f"publisher: Publisher {number % 37}\n"
            f'published: "{year}-{month:02d}-{day:02d}"\n'
            f"url: https://news.example.com/{year}/{number:04d}/article\n"
            f'accessed: "2025-01-{1 + number % 28:02d}"\n'
            "kind: news\n")


def actor_yaml(number: int, rng: random.Random, sources: int) -> str:
    return (f"id: actor-{number:03d}\n"
            f"name: Person {number}\n"
            f"role: Official number {number}\n"
            f"description: {quote_yaml(sentence(rng))}\n"
            "citations:\n"
            f"  - source: source-{number % sources:04d}\n"
            f"    quote: {quote_yaml(sentence(rng, 6, 12))}\n")


def fact_yaml(number: int, rng: random.Random, sizes: Sizes) -> str:
    kind = KINDS[number % len(KINDS)]
    answered = -1
    if number % 50 == 49:  # a denial answering the nearest claim before it
        behind = (number - KINDS.index("claim")) % len(KINDS)
        answered = number - (behind or len(KINDS))
    if answered >= 0:
        kind = "denial"
    lines = [f"- id: {fact_id(number)}",
             f"  statement: {quote_yaml(sentence(rng, 10, 28))}",
             f"  kind: {kind}"]
    if kind in ("claim", "quote", "denial"):
        lines.append(f"  by: actor-{rng.randrange(sizes.actors):03d}")
    if answered >= 0:
        lines.append(f"  responds_to: {fact_id(answered)}")
    lines.append(f'  date: "{2016 + number % 8}-{1 + number % 12:02d}-{1 + number % 28:02d}"')
    # Every topic is used: fact i has topic i mod T, and sometimes one more.
    topics = sorted({f"topic-{number % sizes.topics:03d}"}
                    | ({f"topic-{rng.randrange(sizes.topics):03d}"} if rng.random() < 0.5 else set()))
    lines.append(f"  topics: [{', '.join(topics)}]")
    lines.append("  citations:")
    # Every source is cited: fact i cites source i mod K first, then maybe one more at random.
    cited = [number % sizes.sources] + ([rng.randrange(sizes.sources)] if rng.random() < 0.4 else [])
    for source in dict.fromkeys(cited):
        lines.append(f"    - source: source-{source:04d}")
        lines.append(f"      quote: {quote_yaml(sentence(rng, 10, 30))}")
    return "\n".join(lines) + "\n"


def page_md(number: int, rng: random.Random, sizes: Sizes) -> str:
    slug = "index" if number == 0 else f"page-{number:05d}"
    # Every fact is cited: page i cites the facts i, i+N, i+2N, ... first, then random ones.
    own = list(range(number, sizes.facts, sizes.pages))
    cited = own + [rng.randrange(sizes.facts) for _ in range(rng.randint(5, 20) - len(own))]
    words = rng.randint(400, 800)
    paragraphs, written, refs = [], 0, iter(cited)
    while written < words:
        if len(paragraphs) % 4 == 1:
            paragraphs.append(f"## {sentence(rng, 2, 5)[:-1]}")
        sentences = []
        for _ in range(rng.randint(3, 6)):
            text = sentence(rng)
            written += len(text.split())
            ref = next(refs, None)
            sentences.append(text[:-1] + (f" [@{fact_id(ref)}]." if ref is not None else "."))
        paragraphs.append(" ".join(sentences))
    leftover = [fact_id(r) for r in refs]
    if leftover:
        paragraphs.append("See also " + "; ".join(f"[@{r}]" for r in leftover) + ".")
    if number % 25 == 3:
        topic = f"topic-{rng.randrange(sizes.topics):03d}"
        paragraphs.append(f"::: facts\ntemplate: timeline\ntopics: [{topic}]\n:::")
    front = (f"---\ntitle: {quote_yaml(f'Page {number}: ' + sentence(rng, 3, 7)[:-1])}\nslug: {slug}\n"
             f"summary: {quote_yaml(sentence(rng))}\norder: {number + 1}\n---\n\n")
    return front + "\n\n".join(paragraphs) + "\n"


def generate(out: Path, sizes: Sizes, seed: int = 1) -> Path:
    """Write the project into OUT (which must not exist yet) and return it."""
    if out.exists():
        raise FileExistsError(f"{out} exists: choose a new folder")
    rng = random.Random(seed)
    shutil.copytree(REPO / "templates", out / "templates")
    shutil.copytree(REPO / "static", out / "static")
    content = out / "content"
    write(content / "site.yaml", site_yaml(sizes))
    for number in range(sizes.sources):
        write(content / "sources" / f"source-{number:04d}.yaml", source_yaml(number, rng))
    for number in range(sizes.actors):
        write(content / "actors" / f"actor-{number:03d}.yaml", actor_yaml(number, rng, sizes.sources))
    facts = [fact_yaml(number, rng, sizes) for number in range(sizes.facts)]
    for start in range(0, sizes.facts, FACTS_PER_FILE):
        write(content / "facts" / f"facts-{start // FACTS_PER_FILE:04d}.yaml",
              "".join(facts[start:start + FACTS_PER_FILE]))
    for number in range(sizes.pages):
        name = "index" if number == 0 else f"page-{number:05d}"
        write(content / "pages" / f"{name}.md", page_md(number, rng, sizes))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to create")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--facts", type=int, help="default: 2 per page")
    parser.add_argument("--sources", type=int, help="default: 1 per 8 pages")
    parser.add_argument("--actors", type=int, help="default: 1 per 40 pages")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = default_sizes(args.pages)
    sizes = Sizes(pages=args.pages, facts=args.facts or sizes.facts, sources=args.sources or sizes.sources,
                  actors=args.actors or sizes.actors, topics=max(2, (args.facts or sizes.facts) // 20))
    try:
        generate(args.out, sizes, args.seed)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {sizes.pages} pages, {sizes.facts} facts, {sizes.sources} sources, "
          f"{sizes.actors} actors into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
