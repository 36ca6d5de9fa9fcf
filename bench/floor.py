"""The floor of a build: the project's Markdown pages through Python-Markdown and a trivial template.

What any Python generator of these pages must at least spend: read each page, convert its
body with Python-Markdown (the same extensions the build uses: extra, smarty, sane_lists,
toc), put it through a one-line Jinja template and write it to disk, in one process. No
facts, notes, navigation, permalink pages or validation.

    python bench/floor.py PROJECT OUT
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jinja2
import markdown
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

TEMPLATE = ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>\n'
            "<body><main>{{ content }}</main></body></html>\n")


def render_floor(project: Path, out: Path) -> int:
    """Write OUT/<page>/index.html for every page of PROJECT; return how many."""
    md = markdown.Markdown(extensions=["extra", "smarty", "sane_lists", "toc"],
                           extension_configs={"toc": {"slugify": slugify_unicode, "permalink": "#",
                                                      "permalink_title": "Link to this section",
                                                      "toc_depth": "2-3"}},
                           output_format="html")
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    count = 0
    for path in sorted((project / "content" / "pages").glob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        title = front.split("title: ", 1)[1].split("\n", 1)[0].strip('"')
        html = template.render(title=title, content=Markup(md.reset().convert(body)))
        target = out / path.stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        count += 1
    return count


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    count = render_floor(Path(argv[0]), Path(argv[1]))
    print(f"floor: {count} pages in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
