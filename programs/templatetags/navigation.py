"""``{% main_nav %}``: the main navigation of templates/base.html (templates/includes/nav.html).

In an organization the navigation is the same for the same person on pages of the same name
until the organization's or the site's data changes (names, memberships, committee programs,
the to-do counts it shows on the dashboard), so it is kept: ``freshness.cached_fragment``,
with a placeholder for the sign-out form's CSRF token. Rendering it was about a fifth of a
portal page's server time. Elsewhere (signed out, the home page, account pages) it is
rendered each time, from the page's own context.
"""

from django import template

from mentorship import freshness

register = template.Library()

NAV_TEMPLATE = "includes/nav.html"


@register.simple_tag(takes_context=True)
def main_nav(context) -> str:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if membership is None or organization is None or user is None or not user.is_authenticated:
        return context.template.engine.get_template(NAV_TEMPLATE).render(context)
    nav = context.get("nav")
    # What else the navigation shows depends on: the page's name (the active link) and whether
    # this page has the to-do list (the dashboard shows its counts at once; other pages ask).
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name if match else "") or ""
    known = bool(nav is not None and nav.known)

    def values() -> dict:
        return {
            "request": request,
            "user": user,
            "my_memberships": context.get("my_memberships"),
            "nav": nav,
            "site_name": context.get("site_name"),
        }

    return freshness.cached_fragment(request, "nav", f"{membership.pk}:{url_name}:{int(known)}", NAV_TEMPLATE, values)
