"""``{% url %}`` with the reversed addresses remembered (a built-in library, see settings).

A page names the same few dozen addresses on every request (the navigation alone has about
twenty), and reversing one costs tens of microseconds. An address depends only on the view's
name, its arguments, the URLconf and the script prefix, so this tag keeps each one it has
reversed, per process, and answers the same as Django's ``{% url %}`` (same syntax, same
``as var``, the same error when nothing matches). Arguments other than strings and integers (a model
instance, say) are reversed each time.
"""

from functools import lru_cache

from django import template
from django.template.defaulttags import URLNode, url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString

register = template.Library()
_KEYS = {str, int, SafeString}


@lru_cache(maxsize=8192)
def _reverse(view_name, args: tuple, kwargs: tuple, current_app, urlconf, prefix) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app, urlconf=urlconf)


def cached_reverse(view_name, args=(), kwargs=None, current_app=None) -> str:
    kwargs = kwargs or {}
    if not all(type(value) in _KEYS for value in (*args, *kwargs.values())) or not isinstance(view_name, str):
        # A model instance, a lazy string...: its text may change, so it is not a key.
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key_kwargs = tuple(sorted(kwargs.items()))
    return _reverse(view_name, tuple(args), key_kwargs, current_app, get_urlconf(), get_script_prefix())


class CachedURLNode(URLNode):
    def render(self, context):
        from django.urls import NoReverseMatch
        from django.utils.html import conditional_escape

        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        address = ""
        try:
            address = cached_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = address
            return ""
        return conditional_escape(address) if context.autoescape else address


@register.tag("url")
def cached_url(parser, token):
    node = url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
