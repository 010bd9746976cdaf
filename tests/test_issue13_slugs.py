"""Issue 13, item 10: nobody learns whether an organization exists by trying its address.

Starting an organization used to answer "That address is already taken" for an existing
slug. Now the founder's address is the stem they choose plus four random characters, so
the answer is the same whether or not the stem is somebody's address; and every page
under /o/<slug>/ answers an outsider the same for an existing and a made-up slug.
"""

import re

import pytest
from django_scopes import scopes_disabled

from programs.models import Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = re.compile(r"/o/(?P<stem>[a-z0-9-]+)-(?P<suffix>[a-z2-9]{4})/")


@pytest.fixture
def existing():
    organization = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    MembershipFactory(organization=organization, is_coordinator=True)
    return organization


def _create(client, slug: str, name: str = "Founders' Society"):
    return client.post(
        "/organizations/new/",
        {"name": name, "slug": slug, "contact_email": "office@founders.example.org", "description": ""},
    )


def _shape(response) -> tuple:
    """What an outsider can tell from an answer: its status, where it leads (with the
    address's stem kept and its random part left out)."""
    location = response.get("Location", "")
    match = ADDRESS.fullmatch(location)
    return (response.status_code, bool(match), match and match.group("stem"))


def test_creating_an_existing_and_a_new_address_answer_the_same(client, existing):
    founder = UserFactory()
    client.force_login(founder)
    taken = _create(client, "alpha")
    fresh = _create(client, "zulu")
    # Both are created, each at the stem asked for plus a random ending; nothing says why.
    assert _shape(taken) == (302, True, "alpha")
    assert _shape(fresh) == (302, True, "zulu")
    for response in (taken, fresh):
        page = client.get(response["Location"])
        assert page.status_code == 200
        text = page.content.decode().lower()
        assert "taken" not in text and "already" not in text and "exists" not in text
    with scopes_disabled():
        created = set(Membership.objects.filter(user=founder).values_list("organization__slug", flat=True))
        # The existing organization is untouched and the founder is not in it.
        assert "alpha" not in created and len(created) == 2
        assert Organization.objects.get(slug="alpha").name == "Alpha Surgical Society"


def test_an_address_typed_with_the_random_ending_of_an_existing_one_is_still_new(client, existing):
    """Even the full address of an existing organization, typed as the stem, is answered
    with a new address that has its own random ending."""
    client.force_login(UserFactory())
    with scopes_disabled():
        first = Organization.objects.get(slug="alpha")
    response = _create(client, first.slug)
    assert _shape(response) == (302, True, "alpha")
    assert response["Location"] != "/o/alpha/"


def test_an_empty_address_is_made_from_the_name(client):
    client.force_login(UserFactory())
    response = _create(client, "", name="Société de Chirurgie")
    assert _shape(response) == (302, True, "societe-de-chirurgie")


def _page(response) -> bytes:
    """The page without what differs on every request anyway (CSP nonces, CSRF tokens)."""
    return re.sub(rb'(nonce|value)="[^"]*"', b"", response.content)


@pytest.mark.parametrize("path", ["", "members/", "programs/", "settings/", "invitations/", "programs/x/mentors/"])
def test_an_outsider_gets_the_same_answer_for_an_existing_and_a_made_up_organization(client, existing, path):
    client.force_login(UserFactory())
    real = client.get(f"/o/alpha/{path}")
    made_up = client.get(f"/o/no-such-organization-here/{path}")
    assert real.status_code == made_up.status_code == 404
    assert _page(real) == _page(made_up)
    posted = client.post(f"/o/alpha/{path}", {})
    assert posted.status_code == 404 and _page(posted) == _page(made_up)
    client.logout()
    anonymous_real = client.get(f"/o/alpha/{path}")
    anonymous_made_up = client.get(f"/o/no-such-organization-here/{path}")
    assert anonymous_real.status_code == anonymous_made_up.status_code == 302
    assert anonymous_real["Location"].replace("alpha", "X") == anonymous_made_up["Location"].replace(
        "no-such-organization-here", "X"
    )
