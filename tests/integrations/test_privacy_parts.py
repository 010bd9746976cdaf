"""The integrations app's part of a person's export and erasure: the calendar links."""

import io
import json
import zipfile

import pytest
from django_scopes import scopes_disabled

from integrations.services.calendar import feed_create, feed_for_token
from privacy.services.erasure import erase_membership
from privacy.services.exports import build_zip
from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_the_export_lists_the_calendar_links_without_their_token(org_a):
    member = MembershipFactory(organization=org_a)
    _old, old_token = feed_create(user=member.user)
    _new, new_token = feed_create(user=member.user)
    archive = zipfile.ZipFile(io.BytesIO(build_zip(member.user)))
    data = json.loads(archive.read("data.json"))
    links = data["account"]["calendar_links"]
    assert [bool(link["revoked_at"]) for link in links] == [True, False]
    assert {link["starts_with"] for link in links} == {old_token[:8], new_token[:8]}
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert old_token.encode() not in everything and new_token.encode() not in everything


@pytest.mark.django_db
def test_erasure_revokes_the_link_once_no_organization_holds_the_person(org_a, org_b):
    first = MembershipFactory(organization=org_a)
    second = MembershipFactory(organization=org_b, user=first.user)
    _feed, token = feed_create(user=first.user)
    with scopes_disabled():
        erase_membership(first, cause="request")
    assert feed_for_token(token) is not None  # organization B still holds them: B's meetings stay in the feed
    with scopes_disabled():
        erase_membership(second, cause="request")
    assert feed_for_token(token) is None
