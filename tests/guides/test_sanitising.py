"""Guide text is sanitised: scripts, event handlers and javascript: links end up inert."""

import re
from html.parser import HTMLParser

import pytest

ENGLISH = """\
---
week: 1
title: "<script>alert('title')</script> Hello"
summary: 'Click <a href="javascript:alert(1)" onclick="alert(2)">here</a>'
agenda:
  check-in: 10
---

Intro with a [bad link](javascript:alert(3)) and `<script>alert(4)</script>` as code.

## Check-in {#check-in}

- [another](JaVaScRiPt:alert(5))
- <javascript:alert(6)>
- ![image](javascript:alert(7))
- [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)
- [fine](https://example.org/ok)

[ref]: vbscript:alert(9)
"""

# Raw HTML is a structure error: the Dutch file is refused and readers get the English.
DUTCH = """\
---
week: 1
title: Hallo
summary: Een zin.
agenda:
  check-in: 10
translation:
  status: complete
---

<script>alert('nl')</script>

## Check-in {#check-in}

<b onclick="alert('nl2')">Klik</b>
"""


@pytest.fixture
def hostile_guides(tmp_path, app_config):
    """A guide folder whose files try to smuggle in scripts."""
    root = tmp_path / "hostile"
    (root / "en").mkdir(parents=True)
    (root / "nl").mkdir()
    (root / "en" / "week-01.md").write_text(ENGLISH, encoding="utf-8")
    (root / "nl" / "week-01.md").write_text(DUTCH, encoding="utf-8")
    app_config["WOL_GUIDES_DIR"] = str(root)
    return root


class _Elements(HTMLParser):
    """Collects every element's tag and attributes as a browser would see them."""

    def __init__(self):
        """Start with no elements."""
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        """Keep every start tag with its attributes."""
        self.elements.append((tag, attrs))


def assert_inert(html: str) -> None:
    """No script element, no event handler attribute, no script URL in any link."""
    parser = _Elements()
    parser.feed(html)
    scripts = [attrs for tag, attrs in parser.elements if tag == "script"]
    handlers = [
        (tag, name) for tag, attrs in parser.elements for name, _v in attrs if name.startswith("on")
    ]
    urls = [
        value or ""
        for _tag, attrs in parser.elements
        for name, value in attrs
        if name in ("href", "src", "action", "formaction")
    ]
    assert scripts == []
    assert handlers == []
    assert [u for u in urls if re.match(r"\s*(javascript|vbscript|data):", u, re.I)] == []


@pytest.mark.parametrize(
    "path", ["/guides/en/week/1", "/guides/nl/week/1", "/guides/en/", "/guides/nl/"]
)
def test_hostile_guide_renders_inert(hostile_guides, client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True))


def test_hostile_text_is_shown_as_text(hostile_guides, client):
    html = client.get("/guides/en/week/1").get_data(as_text=True)

    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Hello" in html
    assert "<code>&lt;script&gt;alert(4)&lt;/script&gt;</code>" in html
    assert '<a href="https://example.org/ok" rel="noopener noreferrer">fine</a>' in html


def test_refused_translation_falls_back_to_the_english(hostile_guides, client):
    html = client.get("/guides/nl/week/1").get_data(as_text=True)

    assert '<article class="guide" lang="en"' in html
    assert "Klik" not in html
