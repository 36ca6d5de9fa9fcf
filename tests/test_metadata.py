"""Head metadata: canonical, Open Graph, Twitter card, JSON-LD that no content can break out of."""

import json
import re

import extruct
import pytest

from conftest import ACTOR_YAML, FACTS_YAML, PAGE_MD, SITE_YAML, SOURCE_YAML, build, messages
from explainer.metadata import script_json

# Everything that could end a <script> element, open a comment or end a JavaScript line early.
HOSTILE = '</script><script>alert(1)</script><!-- x & y \u2028 \u2029 "q" \\ end'
HOSTILE_CORE = "</script><script>alert(1)</script><!--"  # plain-text fields fold U+2028 into a space
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML string


def json_ld_blocks(html: str) -> list[str]:
    return JSON_LD.findall(html)


def test_script_json_escapes_everything_that_could_end_the_script():
    text = script_json({"a": HOSTILE})
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text
    assert json.loads(text) == {"a": HOSTILE}


FIELDS = [
    ("content/site.yaml", SITE_YAML, "title: Test explainer", "title: {}"),
    ("content/site.yaml", SITE_YAML, "publisher: Test newsroom", "publisher: {}"),
    ("content/pages/index.md", PAGE_MD, "title: Home", "title: {}"),
    ("content/pages/index.md", PAGE_MD, "summary: The home page.", "summary: {}"),
    ("content/facts/weather.yaml", FACTS_YAML, "statement: The sky was blue on Tuesday.", "statement: {}"),
    ("content/sources/paper.yaml", SOURCE_YAML, "title: A newspaper article", "title: {}"),
    ("content/sources/paper.yaml", SOURCE_YAML, "publisher: The Paper", "publisher: {}"),
    ("content/sources/paper.yaml", SOURCE_YAML, "kind: news", "kind: news\nauthors: [{}]"),
    ("content/actors/alice.yaml", ACTOR_YAML, "name: Alice Example", "name: {}"),
    ("content/actors/alice.yaml", ACTOR_YAML, "role: Mayor", "role: {}"),
]


@pytest.mark.parametrize("path, text, old, new", FIELDS, ids=[f"{f[0].split('/')[-1]}:{f[3].split(':')[0]}" for f in FIELDS])
def test_hostile_text_in_any_field_that_reaches_json_ld_stays_inside_it(make_project, path, text, old, new):
    project = make_project({path: text.replace(old, new.format(yaml_string(HOSTILE)), 1)})
    result = build(project)
    assert result.ok, messages(result)
    reached = 0
    for page in (project / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for block in json_ld_blocks(html):
            data = json.loads(block)  # a block cut short by a stray </script> would not parse
            reached += any(HOSTILE_CORE in value for value in _strings(data))
            assert not re.search("[<>&\u2028\u2029]", block)
        assert html.count("<script") == html.count("</script>")
    assert reached, "the hostile text never reached JSON-LD: the test would prove nothing"


def test_a_hostile_source_url_stays_inside_json_ld(make_project):
    url = "https://example.com/a</script><script>alert(1)</script>"
    project = make_project({"content/sources/paper.yaml": SOURCE_YAML.replace(
        "url: https://example.com/article", f"url: '{url}'\narchive_url: '{url}/archived'")})
    assert build(project).ok
    data = json.loads(json_ld_blocks((project / "site/facts/sky-blue/index.html").read_text())[0])
    assert data["citation"][0]["url"] == url
    about = json.loads(json_ld_blocks((project / "site/sources/paper/index.html").read_text())[0])["about"]
    assert about["url"] == url and about["archivedAt"] == url + "/archived"


def _strings(data) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return [data] if isinstance(data, str) else []


def extract(project, path):
    html = (project / "site" / path).read_text(encoding="utf-8")
    return extruct.extract(html, base_url=f"https://example.org/{path}", syntaxes=["json-ld", "opengraph"], uniform=True)


def test_json_ld_types_and_citations_read_by_extruct(make_project):
    facts = FACTS_YAML.replace('  date: "2022-11-01"', '  date: "2022-11-01"\n  updated: "2023-01-05"', 1)
    second_source = SOURCE_YAML.replace("id: paper", "id: tweet").replace("kind: news", "kind: social-post") \
        .replace("https://example.com/article", "https://social.example/post/1") + "authors: [Alice Example]\n"
    facts += ("- id: alice-posted\n  statement: Alice posted about rain.\n  kind: fact\n"
              "  citations: [{source: tweet, quote: Rain is coming}]\n")
    page = PAGE_MD.replace("order: 1", "order: 1\nupdated: \"2023-02-01\"") + "She posted too [@alice-posted].\n"
    project = make_project({"content/facts/weather.yaml": facts, "content/sources/tweet.yaml": second_source,
                            "content/pages/index.md": page})
    result = build(project)
    assert result.ok, messages(result)

    home = extract(project, "index.html")["json-ld"]
    assert [item["@type"] for item in home] == ["NewsArticle"]
    article = home[0]
    assert article["headline"] == "Home" and article["url"] == "https://example.org/"
    assert article["dateModified"] == "2023-02-01" and article["inLanguage"] == "en"
    assert article["publisher"] == {"@type": "Organization", "name": "Test newsroom"}
    # A citation names the work (the notes on the page say who published it, in which language).
    assert article["citation"] == [
        {"@type": "NewsArticle", "name": "A newspaper article", "url": "https://example.com/article",
         "datePublished": "2022-11-28"},
        {"@type": "SocialMediaPosting", "name": "A newspaper article", "url": "https://social.example/post/1",
         "datePublished": "2022-11-28"}]

    fact = extract(project, "facts/sky-blue/index.html")["json-ld"][0]
    assert fact["@type"] == "Article" and fact["headline"] == "The sky was blue on Tuesday."
    assert fact["dateModified"] == "2023-01-05" and [c["name"] for c in fact["citation"]] == ["A newspaper article"]
    assert extract(project, "sources/paper/index.html")["json-ld"][0]["@type"] == "WebPage"
    about = extract(project, "sources/tweet/index.html")["json-ld"][0]["about"]
    assert about["publisher"] == {"@type": "Organization", "name": "The Paper"}
    assert about["author"] == [{"@type": "Person", "name": "Alice Example"}]
    actor = extract(project, "actors/alice/index.html")["json-ld"][0]
    assert actor["@type"] == "ProfilePage" and actor["mainEntity"]["@type"] == "Person"
    assert extract(project, "404.html")["json-ld"] == []
    assert extract(project, "search/index.html")["json-ld"] == []


def test_canonical_open_graph_and_twitter_tags(make_project):
    project = make_project({"content/site.yaml": SITE_YAML.replace("https://example.org/", "https://news.example/x/")})
    assert build(project).ok
    html = (project / "site/facts/sky-blue/index.html").read_text()
    for tag in ('<html lang="en">',
                '<link rel="canonical" href="https://news.example/x/facts/sky-blue/">',
                '<meta property="og:url" content="https://news.example/x/facts/sky-blue/">',
                '<meta property="og:type" content="article">',
                '<meta property="og:title" content="The sky was blue on Tuesday.">',
                '<meta property="og:site_name" content="Test explainer">',
                '<meta name="twitter:card" content="summary">',
                '<link rel="alternate" type="application/atom+xml" title="Test explainer: updates and corrections" '
                'href="../../feed.xml">'):
        assert tag in html
    assert "twitter:title" not in html and "twitter:description" not in html  # X falls back to og:
    og = extract(project, "index.html")["opengraph"][0]
    assert og["@type"] == "website" and og["og:description"] == "The home page."
    # 404.html is served at any address: no canonical URL. Hosts send it with status 404, which keeps
    # it out of search indexes; a noindex tag would only cost it Lighthouse's SEO score.
    not_found = (project / "site/404.html").read_text()
    assert 'rel="canonical"' not in not_found and 'og:url' not in not_found
    assert 'name="robots"' not in not_found
