"""`build.py serve`: an IncrementalBuilder behind the PreviewServer, in a temporary folder.

The preview never writes into the project's site/: it builds into a temporary folder
that is removed on exit, with base_url set to the address it serves, so canonical links
and the 404 page work locally. It shows drafts only with --drafts, like `build`.
"""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path
from types import FrameType
from typing import Any, Callable

from .diagnostics import Diagnostic
from .incremental import IncrementalBuilder
from .options import BuildOptions
from .serve import LOCAL_HOSTS, BuildReport, PreviewHTTPServer, PreviewServer, bind, server_url

log = logging.getLogger(__name__)
WATCHED_FOLDERS = ("content", "templates", "static")
# An editor's save (temporary file, rename, backup removal) takes a few milliseconds;
# waiting this long after the last event turns it, or a git checkout, into one rebuild.
DEBOUNCE_SECONDS = 0.05
SLOW_SECONDS = 0.25
# Whole-site data files no page reads: a save's pages are served first, and these a moment
# later; the server holds requests for them until they are in place (serve.PreviewServer).
DEFERRED_KINDS = ("facts_json", "facts_csv", "feed", "sitemap", "robots", "facts_schema")


class PreviewBuilder:
    """The builder callable the server is given: rebuild, print problems, report."""

    def __init__(self, options: BuildOptions) -> None:
        self.engine = IncrementalBuilder(options, long_lived=True)
        self._warnings: list[str] = []

    def __call__(self, changed: set[Path] | None) -> BuildReport:
        rebuild = self.engine.rebuild(changed, defer=DEFERRED_KINDS if self.engine.builds else ())
        result = rebuild.result
        errors = [d for d in result.diagnostics if d.is_error]
        warnings = [d.format() for d in result.diagnostics if not d.is_error]

        def show() -> None:
            """The terminal's lines, once the server applies this rebuild (it may drop it: serve.PreviewServer)."""
            if warnings != self._warnings:  # warnings once, not after every save
                print_lines(warnings)
                self._warnings = warnings
            print_lines([d.format() for d in errors])
        if not result.ok:
            summary = result.summary("Rebuilt") if self.engine.builds == 0 else _failed(errors)
            return BuildReport(ok=False, errors=[overlay_text(d) for d in errors], summary=summary, show=show)
        if self.engine.builds == 1:
            summary = result.summary("Built")
        else:
            deleted = len(rebuild.changes.deleted) if rebuild.changes else 0
            summary = (f"Rebuilt {len(rebuild.rendered)} of {len(result.outputs)} files"
                       f"{f', removed {deleted}' if deleted else ''} in {result.seconds * 1000:.0f} ms")
            if result.seconds >= SLOW_SECONDS:  # say where the time went
                summary += " (" + ", ".join(f"{phase} {ms:.0f}" for phase, ms in rebuild.timings.items()) + ")"
        later = rebuild.later
        if later is None:
            return BuildReport(ok=True, changes=rebuild.changes, reload=rebuild.reload, summary=summary, show=show)

        def finish() -> BuildReport:
            done = later()
            return BuildReport(ok=True, changes=done.changes, reload="none",
                               summary=f"Then {len(done.rendered)} site-wide data files in {done.timings['deferred']:.0f} ms")
        return BuildReport(ok=True, changes=rebuild.changes, reload=rebuild.reload, summary=summary,
                           later=finish, deferred=rebuild.deferred, show=show)


def _failed(errors: list[Diagnostic]) -> str:
    count = len(errors)
    return f"Rebuild failed with {count} error{'s' * (count != 1)}: still serving the last good build"


def overlay_text(diagnostic: Diagnostic) -> str:
    """`path:line:col: error: message` with the offending line under it, as in the terminal."""
    return diagnostic.format()


def print_lines(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr, flush=True)


def make_preview(project: Path, http_server: PreviewHTTPServer, out: Path, drafts: bool = False,
                 quiet: float = DEBOUNCE_SECONDS, snapshots: Path | None = None) -> PreviewServer:
    """A preview of project served by http_server from out (call start() on it)."""
    options = BuildOptions(project, out=out, base_url=server_url(http_server), drafts=drafts, snapshots=snapshots)
    return PreviewServer(out, PreviewBuilder(options), http_server, watch=(project, WATCHED_FOLDERS), quiet=quiet)


def run_preview(project: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
                drafts: bool = False, snapshots: Path | None = None) -> int:
    """Serve until Ctrl-C; exit status 0 after a clean stop, 1 if the server cannot start."""
    if host not in LOCAL_HOSTS:
        log.warning(f"warning: serving on {host}: anyone who can reach this machine can read the preview"
                    f"{' (drafts included)' if drafts else ''}; the default, 127.0.0.1, keeps it to this computer")
    try:
        http_server, _ = bind(host, port)
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="explainer-preview-"))
    server = make_preview(project, http_server, folder / "site", drafts=drafts, snapshots=snapshots)
    stop = threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = (signal.getsignal(signal.SIGINT), _on_terminate(stop.set)) if in_main_thread else None
    try:
        log.info(f"Building {project} ...")
        server.start()
        log.info(f"Serving on {server.url} (press Ctrl-C to stop)")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the cleanup
        log.info("Stopping ...")
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGINT, previous[0])
            signal.signal(signal.SIGTERM, previous[1])
    log.info("Stopped.")
    return 0


def _on_terminate(handler: Callable[[], None]) -> Any:
    """Treat SIGTERM like Ctrl-C: stop cleanly."""
    def on_signal(signum: int, frame: FrameType | None) -> None:
        handler()
    return signal.signal(signal.SIGTERM, on_signal)
