"""List pages and dashboards run a bounded number of queries, whatever the data size."""

import pytest

from programs.nav import HOME_SUMMARIES
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

# Every page: session, user, membership + organization (middleware), my memberships
# (switcher). Then the page's own: count + page for lists; on the dashboard the member
# counts, programs, my applications, my mentorships, open invitations, recent activity,
# and the to-do list: one query per kind (applications, meetings to log, agendas, offers,
# requests, votes, signatures, surveys), whatever the data size.
# The navigation's to-do count costs other pages nothing: the dashboard shows the list it
# has, other pages ask /nav/badges/ once loaded. The home page lists what waits in each
# organization, for at most HOME_SUMMARIES of them (six queries each for a coordinator);
# "/?all=1" because a person in one organization is sent to its dashboard.
MAX_QUERIES = {
    # with the programs asking for a shortlist: the ranking to-do and the dashboard's link; the
    # to-do list's circle agreements and speed events (issue 19): one query each
    "/o/alpha/": 22,
    "/o/alpha/members/": 7,
    "/o/alpha/invitations/": 7,
    "/o/alpha/nav/badges/": 4 + 9 + 1,  # session, user, membership; the to-do list (nine kinds); the bell
    "/?all=1": 7 + HOME_SUMMARIES * 9,
}


def _grow(org, n):
    for _ in range(n):
        MembershipFactory(organization=org, is_committee=True)
        InvitationFactory(organization=org)


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("path", list(MAX_QUERIES))
def test_pages_have_a_bounded_query_count(client, coordinator_a, django_assert_max_num_queries, size, path):
    _grow(coordinator_a.organization, size)
    for i in range(size // 10):  # the switcher grows with the person's organizations
        MembershipFactory(user=coordinator_a.user, organization=OrganizationFactory(slug=f"extra-{i}"))
    client.force_login(coordinator_a.user)
    with django_assert_max_num_queries(MAX_QUERIES[path]):
        response = client.get(path)
    assert response.status_code == 200
