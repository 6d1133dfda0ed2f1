"""``{% load routes %}``: Django's ``{% url %}`` with its answers kept per process.

``reverse()`` walks the resolver and reads the script prefix, the URLconf and the
language on every call: base.html's ~25 links were ~8% of a task list's CPU. A URL
without arguments is reversed once per (name, current app, script prefix, URLconf,
language); one with a single id argument once around a marker (``id_url``). Anything
else, and every error, is Django's own tag."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.core.signals import setting_changed
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language

register = template.Library()

_ID_MARKER = "TASKIDMARKER"
_URLS: dict[tuple[Any, ...], str] = {}


def _clear(**kwargs: Any) -> None:
    _URLS.clear()


setting_changed.connect(_clear, dispatch_uid="routes-url-cache")


def _key(
    view_name: str, current_app: str | None, env: tuple[Any, ...] | None = None
) -> tuple[Any, ...]:
    return (view_name, current_app, *(env or _env()))


def _env() -> tuple[Any, ...]:
    return (get_script_prefix(), get_urlconf(), get_language())


def _request_env(context: template.Context) -> tuple[Any, ...]:
    """``_env()`` read once per request: each of the three is an asgiref ``Local`` read
    (~13 µs for the three on our machine) and a page has ~30 links. Middleware sets
    them before the view runs, and no template here switches the language (there are
    no per-language URL patterns either)."""
    request = getattr(context, "request", None)
    if request is None:
        return _env()
    env = request.__dict__.get("_routes_env")
    if env is None:
        env = request._routes_env = _env()
    return env


def id_url(view_name: str, object_id: Any, current_app: str | None = None) -> str:
    """``reverse(view_name, args=[object_id])`` for a route whose one argument is a
    ``<str:...>`` id, without walking the resolver per call."""
    return fill_id(id_shape(view_name, current_app), view_name, object_id, current_app)


def id_shape(
    view_name: str, current_app: str | None = None, env: tuple[Any, ...] | None = None
) -> str:
    """The route reversed around a marker ('' where the marker does not fit): a page
    that links many rows asks once and fills it in per row (``fill_id``)."""
    key = ("id", *_key(view_name, current_app, env))
    shape = _URLS.get(key)
    if shape is None:
        try:
            shape = reverse(view_name, args=[_ID_MARKER], current_app=current_app)
        except NoReverseMatch:
            shape = ""  # not a <str:...> route (an int, a pattern): reverse() every time
        _URLS[key] = shape
    return shape


def fill_id(shape: str, view_name: str, object_id: Any, current_app: str | None = None) -> str:
    text = str(object_id)
    if not shape or not text or "/" in text or _ID_MARKER in text:
        # The resolver's own answer (or error).
        return reverse(view_name, args=[text], current_app=current_app)
    if not (text.isascii() and text.isalnum()):  # ids are; anything else as reverse() quotes
        text = quote(text, safe=RFC3986_SUBDELIMS + "/~:@")
    return shape.replace(_ID_MARKER, text)


class CachedURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        literal = isinstance(self.view_name.var, str) and not self.view_name.filters
        if not literal or self.kwargs or len(self.args) > 1 or self.asvar:
            return super().render(context)
        view_name = self.view_name.var
        try:
            current_app = context.request.current_app  # as Django's tag
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        env = _request_env(context)
        if self.args:
            shape = id_shape(view_name, current_app, env)
            url = fill_id(shape, view_name, self.args[0].resolve(context), current_app)
        else:
            key = _key(view_name, current_app, env)
            url = _URLS.get(key)
            if url is None:
                url = _URLS[key] = reverse(view_name, current_app=current_app)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> CachedURLNode:
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
