"""The live preview: serve the output folder, watch the sources, rebuild, reload the browser.

The server is handed a `builder` callable and knows nothing about building (as in mkdocs):
it watches folders, debounces their events, calls the builder on one build thread and
applies what the builder staged under a write lock, so no request ever sees half of a
rebuild. Browsers learn about rebuilds through Server-Sent Events; the script that
listens is injected into HTML responses only, never written to the output folder.
"""

from __future__ import annotations

import errno
import http.server
import json
import logging
import mimetypes
import os
import re
import socket
import threading
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol
from urllib.parse import quote, unquote, urlsplit

from watchdog.events import DirModifiedEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .content import is_ignored_name
from .heap import Heap

log = logging.getLogger(__name__)

EVENTS_PATH = "/__explainer__/events"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
RELOAD_SCRIPT = (Path(__file__).with_name("livereload.js")).read_text(encoding="utf-8")
KEEPALIVE_SECONDS = 15.0
PORT_ATTEMPTS = 20

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".pdf": "application/pdf",
    ".map": "application/json", ".webmanifest": "application/manifest+json",
}


# ---------------------------------------------------------------- what a builder returns

class StagedChanges(Protocol):
    """Files a rebuild prepared; the server moves them into its folder under the write lock."""

    def apply(self, root: Path, clean_up: bool = True) -> None: ...

    def discard(self) -> None: ...  # clean_up=False: called once readers were told to reload


@dataclass
class BuildReport:
    """What one call of the builder produced, in terms the server understands."""

    ok: bool
    errors: list[str] = field(default_factory=list)   # `path:line:col: error: message`, one per error
    changes: StagedChanges | None = None               # None: nothing to apply
    reload: str = "page"                               # page | style | none: what browsers must do
    summary: str = ""
    # Made once `changes` are served: files no page reads (facts.json...), at `deferred` paths
    # relative to the root; requests for those wait until its changes are in place.
    later: Callable[[], "BuildReport"] | None = None
    deferred: tuple[str, ...] = ()
    show: Callable[[], None] | None = None  # prints its problems in the terminal: called when it is applied


Builder = Callable[[set[Path] | None], BuildReport]


# ---------------------------------------------------------------- requests to files

def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class Resolved:
    """Where a request path leads: a file inside the root, a redirect, or nothing (None file)."""

    file: Path | None = None
    redirect: str | None = None


def request_segments(target: str) -> tuple[str, list[str]] | None:
    """A request target's decoded path and its segments; None for one that could leave the root."""
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        return None
    try:
        decoded = unquote(path, errors="strict")  # once: %252e stays the literal name %2e
    except UnicodeDecodeError:
        return None
    if "\x00" in decoded or "\\" in decoded:
        return None
    segments = [s for s in decoded.split("/") if s not in ("", ".")]
    if any(s == ".." or s.startswith(".") for s in segments):
        return None
    return decoded, segments


def resolve_request(root: Path, target: str) -> Resolved:
    """Map a request target to a file inside root; anything that could leave root resolves to nothing."""
    parsed = request_segments(target)
    if parsed is None:
        return Resolved()
    decoded, segments = parsed
    real_root = os.path.realpath(root)
    candidate = os.path.realpath(os.path.join(real_root, *segments))
    if not _is_inside(candidate, real_root):
        return Resolved()  # a symlink pointing out of the output folder
    if os.path.isdir(candidate):
        if not decoded.endswith("/"):
            return Resolved(redirect="/" + "/".join(quote(s) for s in segments) + ("/" if segments else ""))
        candidate = os.path.realpath(os.path.join(candidate, "index.html"))
        if not _is_inside(candidate, real_root):
            return Resolved()
    return Resolved(file=Path(candidate)) if os.path.isfile(candidate) else Resolved()


def _is_inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


_BODY_END = re.compile(rb"</body\s*>", re.I)


def inject_script(html: bytes, script: str) -> bytes:
    """Put a script before the last </body> (or at the end): only in responses, never on disk."""
    tag = script.encode("utf-8")
    matches = list(_BODY_END.finditer(html))
    if not matches:
        return html + tag
    at = matches[-1].start()
    return html[:at] + tag + html[at:]


# ---------------------------------------------------------------- locks and state

# The build thread starts a rebuild after this long without a change, and applies it if the
# debouncer's whole quiet time then passes without one (PreviewServer._build_loop).
SPECULATE_AFTER = 0.02
DEFERRED_WAIT_SECONDS = 30.0  # a held request is answered after this even if the deferred files never came

class ReadWriteLock:
    """Many readers or one writer; a waiting writer goes first so rebuilds are not starved."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._condition.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


@dataclass(frozen=True)
class PreviewState:
    """What browsers are told: the served build's number and the last build's errors."""

    version: int = 0            # changes whenever anything below changes
    generation: int = 0         # successful builds applied that changed files
    page_generation: int = 0    # the last of those that changed more than stylesheets
    errors: tuple[str, ...] = ()

    def event(self, instance: str) -> str:
        data = json.dumps({"instance": instance, "generation": self.generation,
                           "page_generation": self.page_generation, "errors": list(self.errors)})
        return f"event: state\ndata: {data}\n\n"


class ReloadHub:
    """The preview state, and a way for event streams to wait until it changes."""

    def __init__(self) -> None:
        self.instance = uuid.uuid4().hex[:12]
        self._condition = threading.Condition()
        self._state = PreviewState()
        self.closed = False

    @property
    def state(self) -> PreviewState:
        with self._condition:
            return self._state

    def publish(self, changed: bool, reload: str, errors: Iterable[str]) -> PreviewState:
        with self._condition:
            old = self._state
            generation = old.generation + (1 if changed else 0)
            page_generation = generation if changed and reload != "style" else old.page_generation
            errors = tuple(errors)
            if (generation, page_generation, errors) != (old.generation, old.page_generation, old.errors):
                self._state = PreviewState(old.version + 1, generation, page_generation, errors)
                self._condition.notify_all()
            return self._state

    def wait_for_change(self, version: int, timeout: float) -> PreviewState:
        with self._condition:
            self._condition.wait_for(lambda: self.closed or self._state.version != version, timeout)
            return self._state

    def close(self) -> None:
        with self._condition:
            self.closed = True
            self._condition.notify_all()


# ---------------------------------------------------------------- HTTP

FALLBACK_404 = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>"
                "<body><h1>Not found</h1><p>Nothing has been built at this address (yet).</p></body></html>")


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD for files in the output folder, plus the reload event stream."""

    server: "PreviewHTTPServer"
    server_version = "explainer-preview"
    timeout = 30  # seconds a client may stay silent while sending its request
    # A request line that cannot be parsed is answered with a status line and headers: the
    # stdlib's default, HTTP/0.9, sends a bare body, and would serve `GET /` without headers.
    default_request_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(send_body=False)

    def refuse_method(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = refuse_method  # noqa: N815

    def respond(self, send_body: bool) -> None:
        preview = self.server.preview
        if urlsplit(self.path).path == EVENTS_PATH and send_body:
            self.stream_events()
            return
        given_up = False
        while True:
            given_up = given_up or not preview.wait_for_deferred(self.path)
            with preview.lock.reading():
                if not given_up and preview.is_deferred(self.path):  # held again while this waited for the lock
                    continue
                resolved = resolve_request(preview.root, self.path)
                if resolved.redirect is not None:
                    self.send_response(301)
                    self.send_header("Location", resolved.redirect)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, path = 200, resolved.file
                if path is None:
                    status, path = 404, preview.root / "404.html"
                try:
                    body = path.read_bytes()
                    kind = content_type(path)
                except OSError:
                    body, kind = FALLBACK_404.encode("utf-8"), CONTENT_TYPES[".html"]
                state = preview.hub.state
            break
        if kind.startswith("text/html"):
            body = inject_script(body, preview.reload_script(state))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def stream_events(self) -> None:
        """Server-Sent Events: the current state at once, then every change, until either side leaves."""
        hub = self.server.preview.hub
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        state = hub.state
        try:
            self.wfile.write(b"retry: 1000\n\n" + state.event(hub.instance).encode("utf-8"))
            self.wfile.flush()
            while not hub.closed:
                new = hub.wait_for_change(state.version, KEEPALIVE_SECONDS)
                if hub.closed:
                    break
                if new.version != state.version:
                    state = new
                    self.wfile.write(state.event(hub.instance).encode("utf-8"))
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (ConnectionError, OSError):
            pass  # the browser went away


class PreviewHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    preview: "PreviewServer"

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-response is ordinary; anything else is logged, never fatal.
        log.debug("request from %s failed", client_address, exc_info=True)


def bind(host: str, port: int) -> tuple[PreviewHTTPServer, int]:
    """Bind to host:port, or the next free port; return the server and the port it got."""
    last_error: OSError | None = None
    for attempt in range(PORT_ATTEMPTS if port else 1):
        try:
            server = _make_server(host, port + attempt)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last_error = exc
            continue
        actual = server.server_address[1]
        if attempt:
            log.warning(f"port {port} is in use: serving on port {actual} instead")
        return server, actual
    raise OSError(errno.EADDRINUSE, f"ports {port} to {port + PORT_ATTEMPTS - 1} are all in use; "
                                   f"choose another with --port") from last_error


def server_url(server: http.server.HTTPServer) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/"


def _make_server(host: str, port: int) -> PreviewHTTPServer:
    class Server(PreviewHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return Server((host, port), PreviewHandler)


# ---------------------------------------------------------------- watching and debouncing

class Debouncer:
    """Collect changed paths; hand them over once no new change came for `quiet` seconds."""

    def __init__(self, quiet: float, longest: float = 2.0) -> None:
        self.quiet = quiet
        self.longest = longest  # a never-ending stream of changes still rebuilds this often
        self._condition = threading.Condition()
        self._pending: set[Path] = set()
        self._last = 0.0
        self.changes = 0  # every change ever added: settled() tells whether any came after a count
        self.taken = 0    # the count when next_batch last handed a batch over
        self.began = 0.0  # when the burst of that batch began (its first change was waited for)
        self.stopped = False

    def add(self, path: Path) -> None:
        with self._condition:
            self._pending.add(path)
            self._last = time.monotonic()
            self.changes += 1
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self.stopped = True
            self._condition.notify_all()

    def next_batch(self, idle: float | None = None, quiet: float | None = None) -> set[Path] | None:
        """Block until a batch of changes has settled (no change for `quiet` seconds, by default
        the debouncer's); None once stopped, an empty set when no change came within `idle`
        seconds (None: wait as long as it takes)."""
        quiet = self.quiet if quiet is None else min(quiet, self.quiet)
        with self._condition:
            if not self._condition.wait_for(lambda: self._pending or self.stopped, idle):
                return set()
            first = time.monotonic()
            while not self.stopped:
                now = time.monotonic()
                remaining = min(self._last + quiet - now, first + self.longest - now)
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            if self.stopped:
                return None
            batch, self._pending = self._pending, set()
            self.taken, self.began = self.changes, first
            return batch

    def pending(self) -> bool:
        with self._condition:
            return bool(self._pending)

    def settled(self, seen: int) -> bool:
        """Wait until `quiet` seconds passed since the last change; False at once if a change
        came after the count `seen` (or the debouncer stopped)."""
        with self._condition:
            while not self.stopped and self.changes == seen:
                remaining = self._last + self.quiet - time.monotonic()
                if remaining <= 0:
                    return True
                self._condition.wait(remaining)
            return False


class Watcher(FileSystemEventHandler):
    """Watch folders of a project recursively; a watched folder deleted and created again is watched again."""

    def __init__(self, project: Path, folders: Iterable[str], on_change: Callable[[Path], None]) -> None:
        self.project = project
        self.folders = tuple(folders)
        self.on_change = on_change
        self.observer = Observer()
        self._watches: dict[str, object] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        # watchdog warns when a folder comes back at a path it watched before ("Callback with id
        # ... already exists ... It will be Overwritten"): the new watch replacing the old is right.
        warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
        # A shallow watch on the project notices watched folders appearing and disappearing.
        self.observer.schedule(self, str(self.project), recursive=False)
        for folder in self.folders:
            self._watch(folder)
        self.observer.start()

    def stop(self) -> None:
        if self.observer.is_alive():  # not yet started when Ctrl-C comes during the first build
            self.observer.stop()
            self.observer.join(timeout=5)

    def _watch(self, folder: str) -> None:
        path = self.project / folder
        with self._lock:
            old = self._watches.pop(folder, None)
            if old is not None:
                try:
                    self.observer.unschedule(old)  # type: ignore[arg-type]
                except (KeyError, OSError):
                    pass
            if path.is_dir():
                try:
                    self._watches[folder] = self.observer.schedule(self, str(path), recursive=True)
                except OSError as exc:
                    log.warning(f"cannot watch {path}: {exc}")

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or isinstance(event, DirModifiedEvent):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            try:
                parts = path.relative_to(self.project).parts
            except ValueError:
                continue
            if not parts or parts[0] not in self.folders:
                continue
            if len(parts) == 1 and event.is_directory:
                self._watch(parts[0])  # the folder itself came or went
            if any(is_ignored_name(part) for part in parts[1:]):
                continue
            self.on_change(path)


# ---------------------------------------------------------------- the whole preview

class PreviewServer:
    """Serve `root`, rebuild with `builder` when watched folders change, tell browsers."""

    def __init__(self, root: Path, builder: Builder, http_server: PreviewHTTPServer,
                 watch: tuple[Path, Iterable[str]] | None = None, quiet: float = 0.05) -> None:
        self.root = root
        self.builder = builder
        self.http = http_server
        self.http.preview = self
        self.lock = ReadWriteLock()
        # Request paths of files a rebuild makes after its pages are served (BuildReport.later).
        self._deferred: frozenset[str] = frozenset()
        self._deferred_done = threading.Condition()
        self._stopping = False
        self._working = threading.Event()  # set while the build thread makes or applies a rebuild
        self._finished = 0  # the debouncer's count of the last batch the build thread is done with
        self.hub = ReloadHub()
        self.debouncer = Debouncer(quiet)
        self.watcher = Watcher(watch[0], watch[1], self.debouncer.add) if watch else None
        self.builds = 0
        self.heap = Heap()
        self._threads: list[threading.Thread] = []
        self._serving = False

    @property
    def url(self) -> str:
        return server_url(self.http)

    def reload_script(self, state: PreviewState) -> str:
        config = json.dumps({"instance": self.hub.instance, "generation": state.generation,
                             "pageGeneration": state.page_generation, "events": EVENTS_PATH})
        config = config.replace("<", "\\u003c")
        return (f'<script id="explainer-live-reload">window.__explainerLive = {config};\n'
                f"{RELOAD_SCRIPT}</script>")

    def build(self, changed: set[Path] | None) -> BuildReport:
        """Run the builder once and apply its result; never raises for a failed build."""
        return self._apply(self._run(changed))

    def _run(self, changed: set[Path] | None) -> BuildReport:
        try:
            with self.heap.rebuilding():
                return self.builder(changed)
        except Exception as exc:  # a bug in the builder must not stop the preview
            log.exception("the rebuild crashed")
            return BuildReport(ok=False, errors=[f"internal error while building: {type(exc).__name__}: {exc}"])

    def _apply(self, report: BuildReport) -> BuildReport:
        """Move a rebuild's files in and tell the browsers (or show its errors)."""
        self.builds += 1  # counted before anyone can see its result
        if report.show is not None:
            report.show()
        if report.ok and report.changes is not None:
            with self.lock.writing():
                try:
                    report.changes.apply(self.root, clean_up=False)
                except OSError as exc:
                    report.changes.discard()
                    self._cannot_move_in(exc, "page")
                    return report
                self._hold(report.deferred if report.later is not None else ())  # before any reader sees the pages
                self.hub.publish(True, report.reload, ())
            report.changes.discard()  # the replaced files' blocks are freed once browsers are reloading
            if report.summary:
                log.info(report.summary)  # the pages' line before the data files'
            if report.later is not None:
                self._finish(report.later)
        else:
            if report.changes is not None:
                report.changes.discard()
            self.hub.publish(False, report.reload, report.errors)
            if report.summary:
                log.info(report.summary)
        self.heap.after_build(report.ok)  # which also hands freed memory back to the system
        return report

    def _cannot_move_in(self, exc: OSError, reload: str) -> None:
        """A full disk, a folder removed under us: report it in the terminal and the overlay, keep serving."""
        log.error(f"error: cannot update the preview's files in {self.root}: {exc}")
        self.hub.publish(True, reload, [f"{self.root}: error: cannot update the preview's files: {exc}"])

    def is_deferred(self, target: str) -> bool:
        """Whether a request asks for a file the rebuild whose pages are served has not made yet."""
        if not self._deferred:
            return False
        parsed = request_segments(target)
        return parsed is not None and "/".join(parsed[1]) in self._deferred

    def wait_for_deferred(self, target: str) -> bool:
        """Hold such a request until the file is in place (nobody sees it older than the pages);
        False if it was not in place after DEFERRED_WAIT_SECONDS."""
        with self._deferred_done:
            return self._deferred_done.wait_for(lambda: not self.is_deferred(target), DEFERRED_WAIT_SECONDS)

    def _hold(self, paths: Iterable[str]) -> None:
        with self._deferred_done:
            self._deferred = frozenset(paths) if not self._stopping else frozenset()

    def _finish(self, later: Callable[[], BuildReport]) -> None:
        """Make and apply what a rebuild deferred; the requests held for it go on either way."""
        try:
            try:
                with self.heap.rebuilding():
                    report = later()
            except Exception as exc:  # a bug in the builder must not stop the preview
                log.exception("the rebuild crashed")
                self.hub.publish(False, "none", [f"internal error while building: {type(exc).__name__}: {exc}"])
                return
            if report.changes is not None:
                try:
                    with self.lock.writing():
                        report.changes.apply(self.root, clean_up=False)
                except OSError as exc:
                    self._cannot_move_in(exc, "none")
                finally:
                    report.changes.discard()
            if report.summary:
                log.info(report.summary)
        finally:
            with self._deferred_done:
                self._deferred = frozenset()
                self._deferred_done.notify_all()

    def start(self) -> None:
        """Build once, then serve and watch in background threads."""
        self.build(None)
        self._serving = True
        self._spawn(self.http.serve_forever, "explainer-http")
        self._spawn(self._build_loop, "explainer-build")
        if self.watcher is not None:
            self.watcher.start()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _build_loop(self) -> None:
        """Rebuild once a burst of changes has settled, starting as soon as it seems to have.

        The rebuild starts after SPECULATE_AFTER seconds without a change, and its result is
        applied only if none came before the debouncer's whole quiet time ran out; else it is
        discarded (as changes never moved in, the next rebuild makes them again) and the
        burst goes on. A save thus waits for the longer of the two, not for both.
        """
        while True:
            batch = self.debouncer.next_batch(self.heap.idle_wait(), SPECULATE_AFTER)
            if batch is None:
                return
            if not batch:  # no change for a while: the writer is reading
                self.heap.collect()
                continue
            started = self.debouncer.began  # `longest` counts from the burst's start
            self._working.set()
            try:
                self._settle(batch, started)
            finally:
                self._finished = self.debouncer.taken
                self._working.clear()

    def _settle(self, batch: set[Path] | None, started: float) -> None:
        """Rebuild speculatively until a result holds for the whole quiet time (see _build_loop)."""
        while batch is not None:
            seen = self.debouncer.taken
            report = self._run(batch)
            settled = self.debouncer.settled(seen)
            if not self.debouncer.stopped and (settled or time.monotonic() - started >= self.debouncer.longest):
                self._apply(report)
                return
            if report.changes is not None:
                report.changes.discard()
            more = self.debouncer.next_batch(None, SPECULATE_AFTER)
            batch = None if more is None else batch | more

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until no rebuild is being made or applied (its deferred files included) and no
        change waits for one; False after `timeout` seconds. For tests and benchmarks."""
        def quiet() -> bool:
            return (not self._working.is_set() and not self.debouncer.pending()
                    and self.debouncer.taken == self._finished)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if quiet():
                time.sleep(0.05)  # a change the watcher may still be delivering
                if quiet():
                    return True
            time.sleep(0.01)
        return False

    def stop(self) -> None:
        """Stop watching, building and serving; open event streams end."""
        if self.watcher is not None:
            self.watcher.stop()
        self.debouncer.stop()
        with self._deferred_done:  # requests held for deferred files are answered now, and none is held again
            self._stopping = True
            self._deferred = frozenset()
            self._deferred_done.notify_all()
        self.hub.close()
        if self._serving:
            self.http.shutdown()
        self.http.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self.heap.release()
