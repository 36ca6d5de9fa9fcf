"""Static assets: CSS and JS get a content hash in their names, so hosts can cache them forever.

CSS and JS are published minified (comments and spaces out, by rcssmin and rjsmin), since every
page loads them within its weight budget; static/ keeps the readable sources.

Templates ask for an asset by its source name (`asset_url('static/style.css')`) and get the
fingerprinted one (`static/style.3f2a1b9c0d.css`). Other static files (images, fonts, PDFs)
keep their names, so Markdown pages can link to them as they are.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin

FINGERPRINTED_SUFFIXES = (".css", ".js")
HASH_LENGTH = 10

# url(...) with or without quotes, and @import "..." (which may also be written with url()).
_CSS_REFERENCE = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


@dataclass(frozen=True)
class Asset:
    """One published static file: the name templates use, where it is written, and its bytes."""

    name: str     # the source name, as templates ask for it: static/style.css
    path: str     # the published path: static/style.3f2a1b9c0d.css
    data: bytes
    origin: Path  # the file it comes from, for error messages
    sha256: str   # of data: the preview compares it instead of hashing the bytes again


def is_fingerprinted(name: str) -> bool:
    return name.endswith(FINGERPRINTED_SUFFIXES)


def fingerprinted_path(name: str, data: bytes) -> str:
    """static/style.css + its bytes -> static/style.<first 10 hex digits of SHA-256>.css."""
    return _named_by(name, hashlib.sha256(data).hexdigest())


def _named_by(name: str, sha256: str) -> str:
    stem, suffix = posixpath.splitext(name)
    return f"{stem}.{sha256[:HASH_LENGTH]}{suffix}"


def make_asset(name: str, data: bytes, origin: Path) -> Asset:
    sha256 = hashlib.sha256(data).hexdigest()
    return Asset(name, _named_by(name, sha256) if is_fingerprinted(name) else name, data, origin, sha256)


def plan_assets(files: list[tuple[str, Path]]) -> list[Asset]:
    """Read the static files; CSS references to other CSS or JS files follow their new names."""
    sources = {name: path.read_bytes() for name, path in files}
    origins = dict(files)
    assets: dict[str, Asset] = {}

    def resolve(name: str, visiting: frozenset[str] = frozenset()) -> Asset:
        if name in assets:
            return assets[name]
        data = sources[name]
        if name.endswith(".css"):
            data = _rewrite_css(name, data, sources, lambda other: resolve(other, visiting | {name})
                                if other not in visiting else None)
        data = minified(name, data)
        assets[name] = make_asset(name, data, origins[name])
        return assets[name]

    for name in sorted(sources):
        resolve(name)
    return [assets[name] for name in sorted(assets)]


def minified(name: str, data: bytes) -> bytes:
    """CSS and JS without comments and needless spaces; other files as they are."""
    if name.endswith(".css"):
        return rcssmin.cssmin(data.decode("utf-8")).encode("utf-8")
    if name.endswith(".js"):
        return rjsmin.jsmin(data.decode("utf-8")).encode("utf-8")
    return data


def _rewrite_css(name: str, data: bytes, sources: dict[str, bytes], resolve) -> bytes:
    """Point url() and @import at the fingerprinted names of other static CSS and JS files."""
    text = data.decode("utf-8")
    folder = posixpath.dirname(name)

    def replace(match: re.Match) -> str:
        reference = match.group(2) or match.group(4)
        if not _is_local(reference):
            return match.group(0)
        path, _, rest = reference.partition("#")
        path, _, query = path.partition("?")
        target = posixpath.normpath(posixpath.join(folder, path))
        if target not in sources or not is_fingerprinted(target):
            return match.group(0)
        asset = resolve(target)
        if asset is None:  # an @import cycle: leave this reference as written
            return match.group(0)
        new = posixpath.relpath(asset.path, folder or ".") + (f"?{query}" if query else "") + (f"#{rest}" if rest else "")
        return match.group(0).replace(reference, new)

    return _CSS_REFERENCE.sub(replace, text).encode("utf-8")


def _is_local(reference: str) -> bool:
    return not (re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", reference) or reference.startswith(("/", "#")))
