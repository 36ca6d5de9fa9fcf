"""The command line: build, check, serve, new. Exit 0 ok, 1 content errors, 2 usage errors."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from .cache import CACHE_FOLDER, cached_build
from .diagnostics import Diagnostic, display_path
from .parallel import default_jobs
from .options import BuildOptions, BuildResult, missing_project_problem, snapshots_folder
from .scaffold import KIND_FOLDERS, ScaffoldError, scaffold

log = logging.getLogger("explainer")
COMMANDS = ("build", "check", "serve", "lock-snapshots", "new")

DESCRIPTION = """\
Build a static explainer site in which every statement links to a cited, quoted source.
With no command, `build` runs."""


AGAINST_HELP = ("a facts.json published before: every fact whose statement changed or that is gone "
                "must be named in a new entry of content/corrections.yaml")
STRICT_HELP = ("treat every warning as an error: in particular, fail when a translation (content/LANG/) "
               "lacks a page, fact, actor, source note or correction that the default language has")


def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=None, metavar="DIR",
                        help="the folder that holds content/ and templates/ "
                             "(default: the folder of build.py; for python -m explainer, the current folder)")


def _add_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", type=_positive, default=default_jobs(), metavar="N",
                        help="render in N processes (default: the number of CPUs, here %(default)s; "
                             "1 renders in this process). The output is the same for any N")


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into site/ (the default)",
                                description="Validate all content, render every page and swap the new site in "
                                            "at once. On any error the previous site stays untouched.")
    _add_project(build)
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: PROJECT/site)")
    build.add_argument("--base-url", metavar="URL", type=base_url_argument,
                       help="the absolute http(s) URL the site is published at, such as "
                            "https://example.github.io/explainer/ (overrides base_url in content/site.yaml); "
                            "used only for canonical links, Open Graph, the sitemap, the feed and the data export")
    build.add_argument("--drafts", action="store_true", help="include pages marked draft: true")
    build.add_argument("--snapshots", type=Path, metavar="DIR",
                       help="verify quotes against the plain-text snapshots in DIR "
                            "(default: 'snapshots' in content/site.yaml, if set)")
    build.add_argument("--against", type=Path, metavar="FACTS_JSON", help=AGAINST_HELP)
    _add_jobs(build)
    build.add_argument("--no-cache", action="store_true",
                       help=f"render everything, neither reading nor writing PROJECT/{CACHE_FOLDER} (the cache "
                            "of what the last build read and wrote, used to render only what changed)")
    build.add_argument("--strict", action="store_true", help=STRICT_HELP)

    check = commands.add_parser("check", help="validate everything, write nothing",
                                description="Load, validate and render all content in memory. Writes nothing.")
    _add_project(check)
    check.add_argument("--snapshots", type=Path, metavar="DIR",
                       help="verify every quote of a source that names a snapshot against the file in DIR "
                            "(default: 'snapshots' in content/site.yaml, if set)")
    check.add_argument("--against", type=Path, metavar="FACTS_JSON", help=AGAINST_HELP)
    _add_jobs(check)
    check.add_argument("--strict", action="store_true", help=STRICT_HELP)

    serve = commands.add_parser(
        "serve", help="preview the site: rebuild on every save, reload the browser",
        description="Build the site into a temporary folder and serve it. Every save under content/, "
                    "templates/ or static/ rebuilds what changed and reloads open pages; a failed rebuild "
                    "shows its errors over the page and keeps the last good version. Nothing is written "
                    "to site/. Stop with Ctrl-C.")
    _add_project(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this computer only; any other "
                            "address lets others on the network read the preview)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port to listen on (default: 8000; if it is busy, the next free one)")
    serve.add_argument("--open", action="store_true", help="open the preview in a web browser")
    serve.add_argument("--drafts", action="store_true", help="include pages marked draft: true")
    serve.add_argument("--snapshots", type=Path, metavar="DIR",
                       help="verify quotes against the snapshots in DIR (default: 'snapshots' in content/site.yaml)")

    lock = commands.add_parser("lock-snapshots", help="verify quotes and record each snapshot's SHA-256",
                               description="Verify every quote against the snapshots in DIR, then write the "
                                           "SHA-256 of each snapshot a source names to content/snapshots.lock. "
                                           "Later checks with --snapshots fail when a snapshot no longer "
                                           "matches its entry. Writes nothing when a quote does not verify.")
    _add_project(lock)
    lock.add_argument("--snapshots", type=Path, metavar="DIR",
                      help="the folder of plain-text snapshots that sources name "
                           "(default: 'snapshots' in content/site.yaml)")

    new = commands.add_parser("new", help="scaffold a fact, source, actor or page",
                              description="Create content/<kind>s/ID.yaml (or content/pages/ID.md) with every "
                                          "required field and placeholders to fill in. Never overwrites.")
    new.add_argument("kind", choices=sorted(KIND_FOLDERS), help="what to create")
    new.add_argument("id", help="kebab-case id (for a page: its slug)")
    _add_project(new)
    return parser


def base_url_argument(value: str) -> str:
    """--base-url must be an absolute http(s) URL; it always ends with / (a folder)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or any(c.isspace() for c in value):
        raise argparse.ArgumentTypeError(f"not an absolute http(s) URL of a folder: '{value}' "
                                         "(for example https://example.org/explainer/)")
    return value if value.endswith("/") else value + "/"


def normalise_argv(argv: list[str]) -> list[str]:
    """Make `build` the default command: `build.py --drafts` means `build.py build --drafts`."""
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        return ["build", *argv]
    return argv


def print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=sys.stderr)


def _finish(result: BuildResult, verb: str) -> int:
    if result.changes:  # only with --against
        from .guard import describe
        for change in result.changes:
            if change.covered_by is not None:
                log.info(describe(change))
    print_diagnostics(result.diagnostics)
    log.info(result.summary(verb))
    return 0 if result.ok else 1


def main(argv: list[str] | None = None, default_project: Path | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr, force=True)
    args = make_parser().parse_args(normalise_argv(list(sys.argv[1:] if argv is None else argv)))
    project = (args.project or default_project or Path.cwd()).resolve()
    if args.command == "new":
        try:
            path = scaffold(project, args.kind, args.id)
        except ScaffoldError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2 if exc.usage else 1
        print(f"created {display_path(path)}")
        return 0
    problem = missing_project_problem(project)
    if problem is not None:
        print(f"error: {problem.message}", file=sys.stderr)
        return 2
    snapshots, problems = snapshots_folder(project, args.snapshots)
    print_diagnostics(problems)
    if args.command == "serve":
        from .preview import run_preview  # the server and watchdog load only when serving
        return run_preview(project, host=args.host, port=args.port, open_browser=args.open, drafts=args.drafts,
                           snapshots=snapshots)
    if args.command == "lock-snapshots":
        if snapshots is None:
            print("error: lock-snapshots needs the snapshots: give --snapshots DIR "
                  "(or 'snapshots' in content/site.yaml)", file=sys.stderr)
            return 2
        return _lock(BuildOptions(project, snapshots=snapshots))
    # The stages load only where they run: a build the cache finds up to date needs none of them.
    if args.command == "check":
        from .pipeline import check_site
        return _finish(check_site(BuildOptions(project, snapshots=snapshots,
                                               against=_absolute(args.against), strict=args.strict), args.jobs),
                       "Checked")
    options = BuildOptions(project, out=_absolute(args.out), base_url=args.base_url, drafts=args.drafts,
                           snapshots=snapshots, against=_absolute(args.against), strict=args.strict)
    if args.no_cache:
        from .pipeline import build_site
        result = build_site(options, args.jobs)
    else:
        result = cached_build(options, args.jobs)
    code = _finish(result, "Built")
    if result.ok:
        log.info(f"The site is in {display_path(options.out_dir)}/")
    return code


def _lock(options: BuildOptions) -> int:
    from .lock import lock_path
    from .pipeline import lock_snapshots
    result, update = lock_snapshots(options, dt.date.today().isoformat())
    print_diagnostics(result.diagnostics)
    if update is None:
        log.info(result.summary("Locked"))
        return 1
    log.info(f"Locked {update} in {display_path(lock_path(options.project))}")
    return 0


def _absolute(path: Path | None) -> Path | None:
    return path.resolve() if path is not None else None
