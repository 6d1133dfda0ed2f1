"""taskflow.markdown: the one renderer for user Markdown (descriptions, comments)."""

from html.parser import HTMLParser

import pytest

from taskflow.markdown import ALLOWED_TAGS, render_markdown


class _Elements(HTMLParser):
    """Every element and attribute the browser would build (escaped text is not one)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def test_common_markdown_renders():
    html = render_markdown("Some **bold**, _em_, `code` and ~~gone~~.\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<code>code</code>" in html
    assert "<s>gone</s>" in html
    assert "<ul>\n<li>one</li>" in html


def test_links_get_noopener_nofollow():
    html = render_markdown("[docs](https://example.com/a) <https://example.org>")
    assert '<a href="https://example.com/a" rel="noopener nofollow">docs</a>' in html
    assert '<a href="https://example.org" rel="noopener nofollow">' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://e.com" onclick="alert(1)">x</a>',
        "![pic](https://evil.example/pixel.png)",
        "<style>body{display:none}</style>",
    ],
)
def test_nothing_active_gets_through(source):
    for tag, attrs in _elements(render_markdown(source)):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        assert (attrs.get("href") or "https:").startswith(("https:", "http:", "mailto:"))


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;hi&lt;/b&gt;" in render_markdown("<b>hi</b>")


def test_headings_sit_below_the_page_headings():
    html = render_markdown("# One\n\n## Two\n\n###### Six")
    assert "<h3>One</h3>" in html
    assert "<h4>Two</h4>" in html
    assert "<h6>Six</h6>" in html
    assert "<h1" not in html
    assert "<h2" not in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_the_template_filter_uses_the_renderer():
    from django.template import engines

    template = engines["django"].from_string("{% load rich_text %}{{ text|markdown }}")
    assert template.render({"text": "**x** <i>"}) == render_markdown("**x** <i>")
