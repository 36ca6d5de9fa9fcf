"""What a build is asked to do (BuildOptions) and what it gives back (BuildResult).

Kept apart from pipeline.py, which imports every stage (Jinja, Markdown, the schemas): a build
that the cache finds up to date (explainer/cache.py) needs only these, and starts faster
without the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, Location, error, has_errors, warning

if TYPE_CHECKING:
    from .assets import Asset
    from .guard import FactChange
    from .i18n import Messages
    from .model import Site
    from .output import Output
    from .verify import Verification


@dataclass(frozen=True)
class BuildOptions:
    project: Path
    out: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    snapshots: Path | None = None
    use_lock: bool = True    # False while lock-snapshots verifies the quotes it is about to lock
    against: Path | None = None  # a published facts.json: changed or removed facts need a correction
    strict: bool = False     # every warning (a missing translation, an unused fact) is an error

    @property
    def out_dir(self) -> Path:
        return self.out or self.project / "site"


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    site: Site | None = None
    outputs: list[Output] = field(default_factory=list)
    verification: Verification | None = None
    assets: list[Asset] = field(default_factory=list)
    changes: list[FactChange] = field(default_factory=list)  # published facts changed since --against
    seconds: float = 0.0
    counts: str | None = None   # set when the build cache answered without loading the site
    detail: str = ""            # what the build cache saved, for the summary line
    # Each edition's Site by Output.language ("" the default, "es" made by editions.localize).
    editions: dict[str, Site] = field(default_factory=dict)
    messages: dict[str, Messages] = field(default_factory=dict)   # UI strings by language

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def content_counts(self) -> str | None:
        """'7 pages, 64 facts, 31 sources, 14 actors', or None when nothing was read."""
        site = self.site
        if site is None:
            return self.counts
        pages = sum(1 for o in self.outputs if o.kind == "page" and not o.language)
        counts = (f"{pages} pages, {len(site.facts)} facts, {len(site.sources)} sources, "
                  f"{len(site.actors)} actors")
        if site.config.translations:
            languages = site.config.languages
            counts += f" in {len(languages)} languages ({', '.join(languages)})"
        return counts

    def summary(self, verb: str) -> str:
        counts = self.content_counts()
        if counts is None:
            return f"{verb} nothing: {_count_errors(self.diagnostics)}"
        warnings = sum(1 for d in self.diagnostics if not d.is_error)
        extra = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
        if not self.ok:
            return f"{verb} nothing: {_count_errors(self.diagnostics)}{extra} ({counts} read in {self.seconds:.2f} s)"
        return f"{verb} {counts}{extra} in {self.seconds:.2f} s{self.detail}"


def _count_errors(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    return f"{errors} error{'s' * (errors != 1)}"


def missing_project_problem(project: Path) -> Diagnostic | None:
    if not (project / "content").is_dir():
        return error(Location(project / "content", 0, 0),
                     f"no content/ folder in {project}: is --project the folder that holds content/ and templates/?")
    if not (project / "templates").is_dir():
        return error(Location(project / "templates", 0, 0), f"no templates/ folder in {project}")
    return None


def snapshots_folder(project: Path, given: Path | None) -> tuple[Path | None, list[Diagnostic]]:
    """The snapshots to verify quotes against: --snapshots, else site.yaml's `snapshots`.

    A configured folder that is missing (a machine without the snapshots) is a warning, not an
    error: the site still builds, and its citations say "unchecked" as they would without one.
    """
    if given is not None:
        return given.resolve(), []
    # One setting, read without the schemas (they load slowly, and the build checks the file anyway).
    from .load import LocatedDict, load_yaml
    record, problems = load_yaml(project / "content" / "site.yaml")  # its errors come with the build
    setting = record.get("snapshots") if isinstance(record, LocatedDict) and not problems else None
    if not isinstance(setting, str) or not setting:
        return None, []
    folder = (project / setting).resolve()
    if folder.is_dir():
        return folder, []
    return None, [warning(record.location_of("snapshots"),
                          f"snapshots folder '{setting}' not found ({folder}): quotes are "
                          "shown as unchecked; give --snapshots DIR to verify them")]
