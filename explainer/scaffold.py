"""`new`: start a fact, source, actor or page with every required field in place."""

from __future__ import annotations

import os
import re
from pathlib import Path


ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KIND_FOLDERS = {"fact": "facts", "source": "sources", "actor": "actors", "page": "pages"}

_TEMPLATES = {
    "fact": """\
# yaml-language-server: $schema={schema}
id: {id}
statement: "TODO: one sentence in neutral words; for a claim, say who claims what."
kind: fact  # fact | claim | denial | quote | law | ruling
# by: actor-id  # required for claim, denial and quote: who asserts it
date: "TODO"  # YYYY-MM-DD, or YYYY-MM or YYYY when only that much is known
topics: []
# responds_to: fact-id  # for a denial or counter-claim: the claim it answers
citations:
  - source: TODO-source-id
    quote: "TODO: the words of the source, copied exactly"
    # locator: "paragraph 3"
""",
    "source": """\
# yaml-language-server: $schema={schema}
id: {id}
title: "TODO: the headline or document title, exactly"
publisher: "TODO"
authors: []
published: "TODO"  # YYYY-MM-DD
url: "TODO: https://..."
# archive_url: "https://web.archive.org/..."
accessed: "TODO"  # YYYY-MM-DD, the day you read it
kind: news  # news | press-release | social-post | statute | regulation | court-ruling | court-filing | government-statement | agency-guidance | interview | commentary | report | video
# snapshot: "file-name.txt"  # a plain-text copy in the --snapshots folder
""",
    "actor": """\
# yaml-language-server: $schema={schema}
id: {id}
name: "TODO"
role: "TODO: title or position at the time"
description: "TODO: one or two neutral sentences."
kind: person  # person | organization
citations:
  - source: TODO-source-id
    quote: "TODO: the words of the source that support the role and description"
""",
    "page": """\
---
# yaml-language-server: $schema={schema}
title: "TODO"
slug: {id}
summary: "TODO: one sentence for search results and link previews."
order: 100
draft: true
---

TODO: write the page. Cite every statement of fact with a reference such as `[@fact-id]`.
""",
}


class ScaffoldError(Exception):
    """The entry cannot be created; the message says why."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def scaffold(project: Path, kind: str, entry_id: str) -> Path:
    """Create the new entry's file and return its path; never overwrite anything."""
    if not ID_PATTERN.match(entry_id):
        raise ScaffoldError(f"'{entry_id}' is not a valid id: use kebab-case, such as bukele-tweet-2021",
                            usage=True)
    folder = project / "content" / KIND_FOLDERS[kind]
    target = folder / (f"{entry_id}.md" if kind == "page" else f"{entry_id}.yaml")
    if target.exists():
        raise ScaffoldError(f"{target} already exists; nothing was written")
    # Loaded here, not with the module: the command line imports KIND_FOLDERS for every command.
    from .content import gather
    from .schema import schema_path
    site, _ = gather(project)
    if site is not None:
        existing = _existing_location(site, kind, entry_id)
        if existing:
            raise ScaffoldError(f"'{entry_id}' is already used at {existing}; nothing was written")
    folder.mkdir(parents=True, exist_ok=True)
    schema = os.path.relpath(schema_path("page" if kind == "page" else kind), folder)
    text = _TEMPLATES[kind].format(id=entry_id, schema=Path(schema).as_posix())
    with open(target, "x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
        handle.write(text)
    return target


def _existing_location(site, kind: str, entry_id: str):
    if kind == "page":
        return next((p.location for p in site.pages if p.slug == entry_id), None)
    for entries in (site.facts, site.sources, site.actors):
        if entry_id in entries:
            return entries[entry_id].location
    return None
