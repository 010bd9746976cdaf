"""The coordinators' search of their organization: people (name or email), programs (name)
and relationships (either person's name). It lives on this floor because it reads both
``programs`` and ``relationships``; every query is scoped to the organization in the URL
and cut at ``SEARCH_LIMIT`` rows per group, so the page runs a fixed number of queries."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mentorship.filters import FilterForm, SearchField
from mentorship.tenancy import coordinator_required
from relationships import selectors

MIN_LENGTH = 2


class OrganizationSearchForm(FilterForm):
    q = SearchField(label="Search people, programs and relationships")


@require_GET
@coordinator_required
def organization_search(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = OrganizationSearchForm(request.GET)
    query = (form.values.get("q") or "").strip()
    context = {"form": form, "query": query, "filter_errors": form.error_list(), "too_short": False}
    if query and len(query) < MIN_LENGTH:
        context["too_short"] = True
    elif query:
        context["results"] = selectors.organization_search(organization=request.organization, query=query)
    context["min_length"] = MIN_LENGTH
    return render(request, "relationships/search.html", context)
