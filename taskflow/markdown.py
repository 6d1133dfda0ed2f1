"""The one Markdown renderer for user text (task descriptions, comments).

markdown-it-py parses CommonMark (plus tables and strikethrough) with raw HTML off;
nh3 then sanitises the result against a short allow-list, so even a parser bug cannot
let a script, a style or an event handler through. Links get
``rel="noopener nofollow"`` (nh3's ``link_rel``) and only http(s)/mailto targets.
Headings are moved down two levels (``#`` becomes <h3>): the page owns its <h1>/<h2>.
The source text is what is stored and what the API returns; this is for display only.
markdown-it-py is imported on the first render, not at start-up: only pages that show
user text need it, and it is about 0.1 s of every worker's cold start.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import nh3
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

HEADING_SHIFT = 2
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(text: str | None) -> SafeString:
    """Markdown source → sanitised HTML, safe to put in a page as is."""
    if not text:
        return SafeString("")
    parser = _parser()
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"
    html = parser.renderer.render(tokens, parser.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow",
    )
    # Marked safe only here, after nh3: the allow-list above is what makes it safe.
    return SafeString(clean)  # nosec B703
