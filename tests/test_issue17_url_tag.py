"""Issue 17, cheaper pages: the built-in ``{% url %}`` remembers the addresses it reversed and
answers exactly as Django's tag does."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from mentorship.templatetags import url_cache as url_tags


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_the_same_addresses_as_reverse_and_remembered():
    url_tags._reverse.cache_clear()
    expected = reverse("mentorship_detail", kwargs={"org_slug": "alpha", "pk": 7})
    source = "{% url 'mentorship_detail' org_slug=slug pk=pk %}"
    assert render(source, slug="alpha", pk=7) == expected
    assert render(source, slug="alpha", pk=7) == expected
    assert url_tags._reverse.cache_info().hits >= 1
    # Another organization, another address: the key holds every argument.
    assert render(source, slug="beta", pk=7) == reverse("mentorship_detail", kwargs={"org_slug": "beta", "pk": 7})
    assert render("{% url 'home' %}") == reverse("home")


def test_as_var_and_a_missing_view_behave_as_djangos_tag():
    assert render("{% url 'no-such-view' as missing %}[{{ missing }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-view' %}")
    assert render("{% url 'home' as there %}<{{ there }}>") == f"<{reverse('home')}>"


def test_arguments_that_are_not_plain_values_are_not_keys():
    class Slug:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    url_tags._reverse.cache_clear()
    slug = Slug("alpha")
    first = render("{% url 'organization_dashboard' org_slug=slug %}", slug=slug)
    slug.text = "gamma"  # same object, new text: a new address
    assert render("{% url 'organization_dashboard' org_slug=slug %}", slug=slug) != first
    assert url_tags._reverse.cache_info().currsize == 0


def test_an_address_is_escaped_like_djangos():
    source = "{% url 'organization_dashboard' org_slug=slug %}"
    assert render(source, slug="a-b") == reverse("organization_dashboard", kwargs={"org_slug": "a-b"})
