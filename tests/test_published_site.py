"""The repository's real site, built and checked as a host and a validator see it.

The Nu Html Checker (vnu.jar, npm vnu-jar), linkchecker (PyPI) and extruct read the built
site; the site must also work under a sub-path (served from a folder one level up) and
from disk, and make no request to any other host. Figures are printed (pytest -s or -rA).
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import extruct
import feedparser
import jsonschema
import lxml.html
import pytest
import yaml
from lxml import etree

from browser_support import static_server
from conftest import PAGE_MD, build, messages
from explainer.export import export_schema
from explainer.pipeline import BuildOptions, build_site
from site_checks import (FETCHING_ATTRIBUTES, REPO, VNU_JAR, css_urls, head, html_files, is_absolute,
                         linkchecker_command, page_links, skip_or_fail)

SUB_PATH_BASE = "https://example.org/explainer/"
EXPECTED_JSON_LD = {"page": "NewsArticle", "fact": "Article", "source": "WebPage", "actor": "ProfilePage"}


def build_real_site(out: Path, base_url: str | None = None) -> Path:
    result = build_site(BuildOptions(REPO, out=out, base_url=base_url))
    assert result.ok, [d.format() for d in result.diagnostics]
    return out


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Path:
    return build_real_site(tmp_path_factory.mktemp("real") / "site")


def translations() -> list[str]:
    """The languages of the real site's other editions, each built under its own folder."""
    return list(yaml.safe_load((REPO / "content/site.yaml").read_text(encoding="utf-8")).get("translations") or [])


def kind_of(relative: str) -> str:
    parts = relative.split("/")
    if len(parts) > 1 and parts[0] in translations():  # es/facts/ID/index.html is a fact page too
        parts = parts[1:]
        relative = "/".join(parts)
    if relative in ("404.html", "search/index.html"):
        return "utility"
    if len(parts) != 3:  # permalinks are facts/ID/index.html; a page may be sources/index.html
        return "page"
    return {"facts": "fact", "sources": "source", "actors": "actor"}.get(parts[0], "page")


# ---------------------------------------------------------------- the Nu Html Checker

def run_vnu(*paths: Path) -> list[dict]:
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        skip_or_fail(f"the Nu Html Checker needs java and {VNU_JAR.relative_to(REPO)} (npm ci)")
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--skip-non-html", "--format", "json", *map(str, paths)],
                         capture_output=True, text=True, timeout=600)
    report = json.loads(run.stderr or run.stdout)  # vnu writes its JSON report to stderr
    return report["messages"]


def test_every_page_of_the_real_site_passes_the_nu_html_checker(real_site, tmp_path):
    # A page with a known error, checked in the same run, shows the checker really reads the files.
    canary = tmp_path / "canary.html"
    canary.write_text("<!doctype html><html lang=en><title>x</title><p id=a><p id=a>", encoding="utf-8")
    found = run_vnu(real_site, canary)
    errors: dict[str, list[str]] = {}
    for message in found:
        if message["type"] == "error" or message.get("subType") == "fatal":
            path = Path(urlsplit(message["url"]).path)
            errors.setdefault(str(path), []).append(f"{message.get('lastLine')}: {message['message']}")
    assert str(canary) in errors, "the checker did not report the canary page's duplicate id"
    pages = html_files(real_site)
    site_errors = {path: found for path, found in errors.items() if path != str(canary)}
    warnings = sum(1 for m in found if m["type"] != "error" and str(canary) not in m["url"])
    print(f"\nvnu: {len(pages)} pages checked, {sum(map(len, site_errors.values()))} errors, {warnings} warnings")
    assert site_errors == {}


# ---------------------------------------------------------------- links and anchors

def run_linkchecker(site: Path, tmp_path: Path) -> tuple[list[dict], int]:
    command = linkchecker_command()
    if command is None:
        skip_or_fail("linkchecker is not installed (pip install -e '.[test]')")
    config = tmp_path / "linkcheckerrc"
    # A host that answers with a LinkChecker header may be checked at maxrequestspersecond
    # instead of linkchecker's politeness delay (0.1-0.6 s a request).
    config.write_text("[checking]\nmaxrequestspersecond=1000\n[AnchorCheck]\n", encoding="utf-8")
    config.chmod(0o644)
    tmp_path.chmod(0o755)  # linkchecker drops root privileges to 'nobody' and must still read its config
    with static_server(site, headers={"LinkChecker": "explainer-tests"}) as url:
        run = subprocess.run([command, "--config", str(config), "--no-status", "--verbose", "--output", "csv",
                              "--timeout", "20", url], capture_output=True, text=True, timeout=600)
    lines = [line for line in run.stdout.splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))
    for row in rows:
        row["internal"] = row["url"].startswith(url)
    return rows, run.returncode


def broken(rows: list[dict]) -> list[str]:
    return [f"{row['parentname']} -> {row['urlname']}: {row['result']} {row['warningstring']}".strip()
            for row in rows if row["internal"] and (row["valid"] != "True" or "Anchor" in row["warningstring"])]


def test_the_link_checker_reports_broken_links_and_anchors(make_project, tmp_path):
    # linkchecker skips same-page links (href="#x"); the sub-path test below checks those.
    page = PAGE_MD + "\n[a missing page](missing/index.html) and [a missing anchor](facts/sky-blue/index.html#nowhere).\n"
    project = make_project({"content/pages/index.md": page})
    assert build(project).ok
    rows, code = run_linkchecker(project / "site", tmp_path)
    problems = broken(rows)
    assert code == 1
    assert any("missing/index.html: 404" in p for p in problems), problems
    assert any("#nowhere" in p and "Anchor" in p for p in problems), problems


def test_the_real_site_has_no_broken_internal_link_or_anchor(real_site, tmp_path):
    rows, code = run_linkchecker(real_site, tmp_path)
    internal = [row for row in rows if row["internal"]]
    anchors = [row for row in internal if "#" in row["urlname"]]
    print(f"\nlinkchecker: {len(rows)} URLs, {len(internal)} internal ({len(anchors)} with an anchor), "
          f"{len(rows) - len(internal)} external not fetched, {len(broken(rows))} broken")
    assert broken(rows) == []
    assert code == 0
    checked_pages = {urlsplit(row["url"]).path for row in internal}
    assert {f"/{p.relative_to(real_site).as_posix()}" for p in html_files(real_site)} - checked_pages <= {"/404.html"}


# ---------------------------------------------------------------- structured data

def test_json_ld_and_open_graph_of_every_real_page_read_by_extruct(real_site):
    counts: dict[str, int] = {}
    for path in html_files(real_site):
        relative = path.relative_to(real_site).as_posix()
        data = extruct.extract(path.read_text(encoding="utf-8"), base_url=f"https://example.org/{relative}",
                               syntaxes=["json-ld", "opengraph"], uniform=True)
        kind = kind_of(relative)
        types = [item.get("@type") for item in data["json-ld"]]
        if kind == "utility":
            assert types == [], relative
            continue
        assert types == [EXPECTED_JSON_LD[kind]], relative
        item = data["json-ld"][0]
        if kind in ("page", "fact"):
            assert item["citation"] or kind == "page", relative
            assert all(c["url"].startswith("http") and c["name"] for c in item["citation"])
        og = data["opengraph"][0]  # extruct's uniform shape: og:type becomes @type
        assert og["og:url"].startswith("https://") and og["og:title"] and og["@type"] in ("article", "website")
        counts[EXPECTED_JSON_LD[kind]] = counts.get(EXPECTED_JSON_LD[kind], 0) + 1
    print(f"\nextruct: JSON-LD types {counts}")
    assert counts.get("NewsArticle") and counts.get("Article")


# ---------------------------------------------------------------- head metadata; base_url only where needed

def site_config() -> dict:
    return yaml.safe_load((REPO / "content" / "site.yaml").read_text(encoding="utf-8"))


def meta(document, key: str) -> str | None:
    found = document.xpath(f"//head/meta[@name='{key}' or @property='{key}']/@content")
    return found[0] if found else None


# Where an absolute URL of the site itself belongs: what crawlers and link previews read.
# hreflang alternates must be absolute (search engines ignore relative ones)
ABSOLUTE_PLACES = ("//link[@rel='canonical'] | //meta[@property='og:url'] | //script[@type='application/ld+json']"
                   " | //link[@rel='alternate'][@hreflang]")


def test_every_real_page_has_its_head_metadata_and_absolute_urls_only_there(real_site):
    config = site_config()
    base, languages = config["base_url"], {config["language"], *config.get("translations", [])}
    problems, checked = [], 0
    for path in html_files(real_site):
        relative = path.relative_to(real_site).as_posix()
        document = lxml.html.fromstring(path.read_bytes())
        is_404 = relative.rsplit("/", 1)[-1] == "404.html"
        missing = [key for key in ("description", "og:type", "og:title", "og:description", "og:site_name",
                                   "twitter:card") if not meta(document, key)]  # X falls back to og: for the rest
        if not document.findtext(".//head/title", "").strip():
            missing.append("title")
        if document.get("lang") not in languages:
            missing.append(f"lang={document.get('lang')!r}")
        canonical = document.xpath("//link[@rel='canonical']/@href")
        clean = base + relative.removesuffix("index.html")  # the address hosts serve the file at
        if is_404:
            if canonical:
                missing.append("404.html: no canonical link")
        elif canonical != [clean] or meta(document, "og:url") != clean:
            missing.append(f"canonical and og:url {clean}: found {canonical} and {meta(document, 'og:url')}")
        for element in document.xpath(ABSOLUTE_PLACES):
            element.getparent().remove(element)
        for element in document.iter():
            for attribute in ("href", "src", "action", "content"):
                value = element.get(attribute, "")
                if value.startswith(base) or (value.startswith("/") and not is_404):
                    missing.append(f"<{element.tag} {attribute}={value}> is not relative")
        problems += [f"{relative}: {item}" for item in missing]
        checked += 1
    print(f"\nhead metadata: {checked} pages checked, {len(problems)} problems")
    assert problems == []


def test_the_real_sources_page_links_to_the_data_export(real_site):
    page = real_site / "sources" / "index.html"
    links = {value for _, _, value, _ in page_links(page.read_text(encoding="utf-8")).urls}
    for name in ("facts.json", "facts.csv", "facts.schema.json"):
        assert f"../{name}" in links, name
        assert (real_site / name).stat().st_size > 0


# ---------------------------------------------------------------- sitemap, feed and export

def test_the_real_sitemap_feed_and_export_are_valid(real_site):
    # sitemaps.org's XSD, with the xhtml:link element of hreflang alternates (tests/schemas/README.md).
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "sitemap-with-alternates.xsd")))
    sitemap = etree.parse(str(real_site / "sitemap.xml"))
    assert schema.validate(sitemap), schema.error_log
    listed = sitemap.getroot().findall("{http://www.sitemaps.org/schemas/sitemap/0.9}url")
    pages = [p for p in html_files(real_site) if kind_of(p.relative_to(real_site).as_posix()) != "utility"]
    assert len(listed) == len(pages)
    robots = (real_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {site_config()['base_url']}sitemap.xml" in robots.splitlines()
    feed = feedparser.parse((real_site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title
    data = json.loads((real_site / "facts.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(export_schema())).validate(data)
    assert len(data["facts"]) == len(list((real_site / "facts").iterdir()))
    languages = translations()
    if languages:  # every URL names itself and its other editions, and x-default
        for url in listed:
            links = {link.get("hreflang") for link in url.findall("{http://www.w3.org/1999/xhtml}link")}
            assert links == {"en", *languages, "x-default"}, url.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    print(f"\nsitemap: {len(listed)} URLs, valid against sitemap.xsd; feed: atom10, {len(feed.entries)} entries; "
          f"facts.json: {len(data['facts'])} facts, {len(data['sources'])} sources, valid against its schema")


# ---------------------------------------------------------------- editions

def test_every_page_of_every_edition_is_paired_with_its_other_languages(real_site):
    """lang, hreflang both ways and the language switcher, on every page of the real site."""
    languages = translations()
    if not languages:
        pytest.skip("content/site.yaml declares no translations")
    base = yaml.safe_load((REPO / "content/site.yaml").read_text(encoding="utf-8"))["base_url"]
    default = yaml.safe_load((REPO / "content/site.yaml").read_text(encoding="utf-8")).get("language", "en")
    problems, checked = [], 0
    for path in html_files(real_site):
        relative = path.relative_to(real_site).as_posix()
        if relative == "404.html":
            continue
        language = relative.split("/")[0] if relative.split("/")[0] in languages else default
        same_page = relative.removeprefix(f"{language}/") if language != default else relative
        found = head(path.read_text(encoding="utf-8"))
        expected = {lang: urljoin(base, ("" if lang == default else f"{lang}/")
                                  + same_page.removesuffix("index.html")) for lang in [default, *languages]}
        expected["x-default"] = expected[default]
        if found.html_lang != language:
            problems.append(f"{relative}: <html lang={found.html_lang!r}>")
        if found.hreflang != expected:
            problems.append(f"{relative}: hreflang {found.hreflang}")
        switched = {a.get("hreflang"): posixpath.normpath(posixpath.join(posixpath.dirname(relative), a["href"]))
                    for a in found.switcher}
        wanted = {lang: ("" if lang == default else f"{lang}/") + same_page
                  for lang in [default, *languages] if lang != language}
        if switched != wanted:
            problems.append(f"{relative}: the switcher goes to {switched}, not {wanted}")
        problems += [f"{relative}: {target} is missing" for target in wanted.values()
                     if not (real_site / target).is_file()]
        checked += 1
    print(f"\neditions: {checked} pages in {1 + len(languages)} languages, each paired with its alternates")
    assert problems == []
    assert checked == len(html_files(real_site)) - 1


# ---------------------------------------------------------------- no third-party requests

def names_only(rel: str) -> bool:
    """A <link> that names an address without loading it: canonical and hreflang alternates."""
    words = set(rel.lower().split())
    return bool(words) and words <= {"canonical", "alternate"}


def third_party_requests(site: Path) -> list[str]:
    """Every absolute URL the browser would fetch by itself: scripts, styles, images, frames, CSS url()."""
    found = []
    for path in html_files(site):
        links = page_links(path.read_text(encoding="utf-8"))
        for tag, attribute, value, rel in links.urls:
            if (tag, attribute) in FETCHING_ATTRIBUTES and is_absolute(value) and not names_only(rel):
                found.append(f"{path.relative_to(site)}: <{tag} {attribute}={value}>")
        found += [f"{path.relative_to(site)}: inline CSS {url}" for css in links.css for url in css_urls(css)
                  if is_absolute(url) and not url.startswith("data:")]
    for path in sorted(site.rglob("*.css")):
        found += [f"{path.relative_to(site)}: {url}" for url in css_urls(path.read_text(encoding="utf-8"))
                  if is_absolute(url) and not url.startswith("data:")]
    for path in sorted(site.rglob("*.js")):
        if path.name.startswith(("search-index.", "search-index-")):
            continue  # data: page text, not code
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(site)}: {scheme}" for scheme in ("http://", "https://") if scheme in text]
    return found


def test_the_scan_for_third_party_requests_finds_them(tmp_path):
    (tmp_path / "index.html").write_text(
        '<link rel="canonical" href="https://example.org/"><a href="https://example.com/source">ok</a>'
        '<link rel="alternate" hreflang="es" href="https://example.org/es/">'
        '<link rel="alternate stylesheet" href="https://styles.example/dark.css">'
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//fonts.example/css">'
        '<img srcset="a.png 1x, https://img.example/b.png 2x"><div style="background: url(https://t.example/p.gif)">'
        '<iframe src="https://video.example/"></iframe>', encoding="utf-8")
    (tmp_path / "style.css").write_text("@import 'https://fonts.example/font.css'; a { background: url(data:x) }")
    found = third_party_requests(tmp_path)
    assert len(found) == 7, found


def test_the_real_site_makes_no_third_party_request(real_site):
    assert third_party_requests(real_site) == []


# ---------------------------------------------------------------- sub-path and disk

XML_URL = re.compile(r'<loc>([^<]+)</loc>|href="([^"]+)"')


def xml_urls(text: str) -> list[str]:
    return [loc or href for loc, href in XML_URL.findall(text)]


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            return response.status, response.headers.get_content_type(), body.decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, "", ""


def internal_targets(page_url: str, html: str, public_base: str, served_base: str) -> list[str]:
    """The internal URLs a page links to or loads, resolved against where it is served."""
    targets = []
    for _, _, value, _ in page_links(html).urls:
        if value.startswith(public_base):  # canonical and og:url name the public address
            value = served_base + value[len(public_base):]
        elif is_absolute(value):
            continue  # a source's own address, not part of this site
        targets.append(urljoin(page_url, value))
    return targets


def test_a_sub_path_build_works_served_from_the_folder_above(tmp_path):
    root = tmp_path / "host-root"
    site = build_real_site(root / "explainer", base_url=SUB_PATH_BASE)
    with static_server(root) as server:
        served_base = server + "explainer/"
        queue = [served_base, served_base + "404.html", served_base + "sitemap.xml", served_base + "feed.xml"]
        seen: dict[str, tuple[int, str, str]] = {}
        anchors: list[tuple[str, str]] = []
        while queue:
            url, fragment = urldefrag(queue.pop())
            if fragment:
                anchors.append((url, fragment))
            if url in seen:
                continue
            assert urlsplit(url).path.startswith("/explainer/"), f"a link leaves the sub-path: {url}"
            seen[url] = fetch(url)
            status, content_type, body = seen[url]
            assert status == 200, url
            if content_type == "text/html":
                queue += internal_targets(url, body, SUB_PATH_BASE, served_base)
            elif url.endswith(".css"):
                queue += [urljoin(url, u) for u in css_urls(body) if not is_absolute(u)]
            elif url.endswith(".xml"):  # sitemap and feed: absolute public URLs of our own pages
                queue += [served_base + u[len(SUB_PATH_BASE):] for u in xml_urls(body) if u.startswith(SUB_PATH_BASE)]
        for url, fragment in anchors:
            assert fragment in page_links(seen[url][2]).ids, f"{url}#{fragment}: no such anchor"
        # 404.html is served at any missing address: its links must work from any depth.
        not_found = seen[served_base + "404.html"][2]
        for depth_url in (served_base + "no/such/page/", served_base + "a/b/c/d.html"):
            for target in internal_targets(depth_url, not_found, SUB_PATH_BASE, served_base):
                target = urldefrag(target)[0]
                if target == depth_url:
                    continue  # a link within the page itself, such as the skip link
                assert urlsplit(target).path.startswith("/explainer/") and fetch(target)[0] == 200, target
    pages = {f"{served_base}{p.relative_to(site).as_posix()}" for p in html_files(site)}
    assert pages - set(seen) <= {served_base + "index.html"}  # the home page was fetched as explainer/
    print(f"\nsub-path: {len(seen)} URLs fetched under /explainer/, {len(anchors)} anchors checked")


def test_every_link_of_the_real_site_opens_a_file_from_disk(real_site):
    """file:// has no directory index: each internal link must name an existing file."""
    missing, checked = [], 0
    for path in html_files(real_site):
        if path.name == "404.html" and path.parent == real_site:
            continue  # served by hosts at any depth; it links from the site's root path
        relative = path.relative_to(real_site).as_posix()
        links = page_links(path.read_text(encoding="utf-8"))
        for _, _, value, rel in links.urls:
            if is_absolute(value) or value.startswith("#"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), urldefrag(value)[0].split("?")[0]))
            checked += 1
            if target.startswith("..") or not (real_site / target).is_file():
                missing.append(f"{relative}: {value}")
    print(f"\ndisk: {checked} relative links checked")
    assert missing == []
    assert checked > 0
