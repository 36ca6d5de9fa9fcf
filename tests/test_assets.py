"""Assets: content hashes in CSS and JS names, CSS references that follow them, unknown assets."""

import hashlib
import re

from conftest import build, messages
from explainer.assets import fingerprinted_path, minified, plan_assets


def write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return [(f"static/{name}", folder / name) for name in sorted(files)]


def test_css_and_js_names_carry_a_hash_of_their_content():
    digest = hashlib.sha256(b"body{}").hexdigest()[:10]
    assert fingerprinted_path("static/style.css", b"body{}") == f"static/style.{digest}.css"
    assert fingerprinted_path("static/js/app.min.js", b"x") == f"static/js/app.min.{hashlib.sha256(b'x').hexdigest()[:10]}.js"


def test_css_references_follow_the_new_names_and_other_files_keep_theirs(tmp_path):
    files = write(tmp_path, {
        "base.css": "body { color: black }",
        "style.css": '@import "base.css";\n@import url(\'print/print.css\') print;\n'
                     "h1 { background: url(img/logo.png) } .x { background: url(https://example.org/a.png) }",
        "print/print.css": "@import '../base.css';",
        "img/logo.png": b"\x89PNG",
        "app.js": "console.log(1)",
    })
    assets = {a.name: a for a in plan_assets(files)}
    base, style, printed = assets["static/base.css"], assets["static/style.css"], assets["static/print/print.css"]
    assert re.fullmatch(r"static/base\.[0-9a-f]{10}\.css", base.path)
    assert assets["static/img/logo.png"].path == "static/img/logo.png"
    assert re.fullmatch(r"static/app\.[0-9a-f]{10}\.js", assets["static/app.js"].path)
    text = style.data.decode()
    assert f'@import "{base.path.removeprefix("static/")}";' in text
    assert f"@import url('{printed.path.removeprefix('static/')}') print;" in text
    assert "url(img/logo.png)" in text and "url(https://example.org/a.png)" in text
    assert printed.data.decode() == f"@import '../{base.path.removeprefix('static/')}'"  # minified: no last ";"
    # The hash is of the rewritten file, so a change in base.css changes style.css's name too.
    write(tmp_path, {"base.css": "body { color: navy }"})
    changed = {a.name: a for a in plan_assets(files)}
    assert changed["static/style.css"].path != style.path


def test_an_import_cycle_is_left_as_written(tmp_path):
    files = write(tmp_path, {"a.css": "@import 'b.css';", "b.css": "@import 'a.css';"})
    assets = {a.name: a for a in plan_assets(files)}
    assert len(assets) == 2 and all(re.search(r"\.[0-9a-f]{10}\.css$", a.path) for a in assets.values())


def test_the_built_site_links_to_fingerprinted_assets(make_project):
    project = make_project()
    assert build(project).ok
    html = (project / "site/index.html").read_text()
    css = re.search(r'<link rel="stylesheet" href="(static/style\.[0-9a-f]{10}\.css)">', html).group(1)
    assert (project / "site" / css).read_bytes() == minified("static/style.css", (project / "static/style.css").read_bytes())
    assert not (project / "site/static/style.css").exists()
    search = (project / "site/search/index.html").read_text()
    script = re.search(r'<script src="\.\./(static/search\.[0-9a-f]{10}\.js)" defer>', search).group(1)
    assert (project / "site" / script).read_bytes() == minified("static/search.js", (project / "static/search.js").read_bytes())
    # A changed stylesheet gets a new name; the rest of the site keeps its names.
    (project / "static/style.css").write_text("body { color: red }\n")
    assert build(project).ok
    assert css not in (project / "site/index.html").read_text()
    assert script in (project / "site/search/index.html").read_text()


def test_an_unknown_asset_is_an_error_at_the_template_line(make_project):
    project = make_project()
    base = (project / "templates/base.html").read_text()
    (project / "templates/base.html").write_text(base.replace("static/style.css", "static/missing.css"))
    found = messages(build(project))
    assert found and found[0].startswith("templates/base.html:")
    assert "asset_url('static/missing.css'): no such file in static/" in found[0]


def test_css_and_js_are_published_minified_and_other_files_as_they_are(tmp_path):
    files = write(tmp_path, {
        "style.css": "/* A comment for writers. */\nbody {\n  color: black;  /* why */\n}\n\na::after { content: \" /* kept */ \" }\n",
        "app.js": "// Greets.\nfunction greet(name) {\n  /* say it */\n  return \"hi // \" + name;\n}\n",
        "notes.txt": "  spaced  /* as is */\n",
    })
    assets = {a.name: a for a in plan_assets(files)}
    assert assets["static/style.css"].data == b'body{color:black}a::after{content:" /* kept */ "}'
    assert assets["static/app.js"].data == b'function greet(name){return"hi // "+name;}'
    assert assets["static/notes.txt"].data == b"  spaced  /* as is */\n"
    assert assets["static/style.css"].path == fingerprinted_path("static/style.css", assets["static/style.css"].data)
