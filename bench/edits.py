"""The edits the benchmarks time: one fact, one page, one template, each different every time.

Each function changes one file of a project made by bench/generate.py and returns its path.
"""

from __future__ import annotations

import re
from pathlib import Path

FACT_ID = "fact-00042"        # in content/facts/facts-0004.yaml; cited by pages and shown on its source's page
PAGE = "page-00003"           # an ordinary page (it has a fact block)
TEMPLATE = "source.html"      # used by the source pages only


def edit_fact(project: Path, run: int) -> Path:
    """Reword the statement of FACT_ID."""
    path = project / "content" / "facts" / "facts-0004.yaml"
    statement = re.compile(rf'(- id: {FACT_ID}\n  statement: ")(?:Edited \d+: )?')
    text, count = statement.subn(lambda m: f"{m.group(1)}Edited {run}: ", path.read_text(encoding="utf-8"), count=1)
    assert count == 1, f"no statement of {FACT_ID} in {path}"
    path.write_text(text, encoding="utf-8")
    return path


def edit_page(project: Path, run: int) -> Path:
    """Reword the first sentence of PAGE's body."""
    path = project / "content" / "pages" / f"{PAGE}.md"
    text = path.read_text(encoding="utf-8")
    front_end = text.index("\n---\n", 4) + len("\n---\n\n")
    body = re.sub(r"^(?:Edited \d+\. )?", f"Edited {run}. ", text[front_end:], count=1)
    path.write_text(text[:front_end] + body, encoding="utf-8")
    return path


def edit_template(project: Path, run: int) -> Path:
    """Change TEMPLATE (a comment at its end: every page it renders must be rendered again)."""
    path = project / "templates" / TEMPLATE
    text = re.sub(r"\{# benchmark edit \d+ #\}\n$", "", path.read_text(encoding="utf-8"))
    path.write_text(f"{text}{{# benchmark edit {run} #}}\n", encoding="utf-8")
    return path


EDITS = {"one-fact": edit_fact, "one-page": edit_page, "one-template": edit_template}
