"""Journey (issue 20): a coordinator connects the organization's identity provider in the
browser; a new person signs in at the provider and lands in the organization as a member,
with the name and institution the provider sent. The providers are real processes on
loopback (tests/sso/idp_support.py)."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from mentorship.models import User
from programs.models import Membership, Profile
from tests.browser.conftest import axe_violations
from tests.browser.journey_support import sign_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.sso.conftest import ACCOUNTS, CLIENT
from tests.sso.idp_support import OIDCProvider, SAMLProvider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loopback_dns(settings):
    """The DNS server the domain verification asks: it answers the TXT records the coordinator
    is told to add (tests/sso/dns_support.py)."""
    from tests.sso.dns_support import LoopbackDNS

    server = LoopbackDNS()
    settings.SSO_DNS_NAMESERVERS = [server.nameserver]
    yield server
    server.stop()


def verify_domain(office, dns) -> None:
    """Add the TXT record the connection page shows, and press Verify."""
    record = office.locator(".sso-txt-record").first.inner_text().strip()
    assert record.startswith("mentorship-domain-verification=")
    dns.publish("uni.example", record)
    office.get_by_role("button", name="Verify uni.example").click()
    expect(office.get_by_role("alert")).to_contain_text("uni.example is verified")
    expect(office.locator("#sso-domains")).to_contain_text("Verified")


@pytest.fixture
def journey_settings(settings, live_server, loopback_dns):
    settings.SITE_URL = live_server.url
    settings.SSO_ALLOW_PRIVATE_URLS = True
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"  # the live server's callback address
    return settings


@pytest.fixture
def oidc_provider(live_server, journey_settings):
    provider = OIDCProvider(clients=[CLIENT], accounts=ACCOUNTS, redirect_prefix=f"{live_server.url}/accounts/oidc/")
    yield provider
    provider.stop()


def open_sso_settings(page, organization) -> None:
    page.get_by_role("link", name=organization.name).click()
    page.get_by_role("button", name="Program office").click()
    page.get_by_role("link", name="Organization settings").click()
    page.get_by_role("link", name="Single sign-on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on")


def person_context(browser, live_server):
    """The person signing in: a browser of their own. Their pages on our site are checked
    with axe-core at the end; the provider's own pages are not ours to check."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    return context, page, errors


def test_coordinator_connects_oidc_and_a_new_person_signs_in_and_joins(
    make_page, browser, live_server, oidc_provider, loopback_dns
):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")

    office = make_page()
    sign_in(office, coordinator.user.email)
    open_sso_settings(office, society)
    office.get_by_role("link", name="Connect OpenID Connect").click()
    office.locator("#id_name").fill("University login")
    office.locator("#id_discovery_url").fill(oidc_provider.discovery_url)
    office.locator("#id_client_id").fill(CLIENT["client_id"])
    office.locator("#id_client_secret").fill(CLIENT["client_secret"])
    office.locator("#id_allowed_domains").fill("uni.example")
    office.locator("#id_institution_attribute").fill("institution")
    office.get_by_role("button", name="Connect").click()
    expect(office.get_by_role("alert")).to_contain_text("Connected “University login”")
    expect(office.locator("#sso-redirect-uri")).to_contain_text(f"{live_server.url}/accounts/oidc/")
    expect(office.locator("#id_client_secret")).to_have_value("")  # never shown back
    expect(office.locator("#sso-domains")).to_contain_text("Not verified")
    verify_domain(office, loopback_dns)
    office.get_by_role("button", name="Test the connection").click()
    expect(office.get_by_role("alert")).to_contain_text("OK: the discovery document")

    context, person, errors = person_context(browser, live_server)
    ours = []
    person.goto("/accounts/login/")
    ours.append(person.url)
    person.get_by_role("link", name="Sign in with your organization").click()
    ours.append(person.url)
    person.get_by_label("Your work email").fill("ada@uni.example")
    person.get_by_role("button", name="Continue").click()
    # At the identity provider (oidc-provider's login form, then its consent).
    expect(person).to_have_url(re.compile(re.escape(oidc_provider.issuer)))
    person.locator("input[name=login]").fill("ada")
    person.locator("input[name=password]").fill("anything")
    person.locator("button[type=submit]").click()
    person.get_by_role("button", name="Continue").click()
    # Back here, in the organization.
    expect(person.get_by_role("heading", level=1)).to_have_text("Western Surgical Society")
    ours.append(person.url)
    expect(person.get_by_text("Ada Okafor").first).to_be_visible()

    user = User.objects.get(email="ada@uni.example")
    assert user.full_name == ACCOUNTS["ada"]["name"]
    with scopes_disabled():
        membership = Membership.objects.get(organization=society, user=user)
        assert Profile.objects.get(membership=membership).institution == "Uni Hospital"

    # The organization's own start page signs them in again with one button.
    context.clear_cookies()
    person.goto("/sso/o/western/")
    ours.append(person.url)
    person.get_by_role("button", name="Sign in with University login").click()
    person.locator("input[name=login]").fill("ada")
    person.locator("input[name=password]").fill("anything")
    person.locator("button[type=submit]").click()
    continue_button = person.get_by_role("button", name="Continue")
    if continue_button.count():
        continue_button.click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Western Surgical Society")
    with scopes_disabled():
        assert Membership.objects.filter(organization=society, user=user).count() == 1

    accessibility = axe_violations(context, ours)
    context.close()
    assert errors == [] and accessibility == []


def test_coordinator_connects_saml_and_a_new_person_signs_in_and_joins(
    make_page, browser, live_server, journey_settings, tmp_path, loopback_dns
):
    idp = SAMLProvider(folder=tmp_path, accounts=ACCOUNTS)
    try:
        society = OrganizationFactory(name="Eastern Medical Society", slug="eastern")
        coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Sam Ortiz")

        office = make_page()
        sign_in(office, coordinator.user.email)
        open_sso_settings(office, society)
        office.get_by_role("link", name="Connect SAML 2.0").click()
        office.locator("#id_name").fill("Campus SAML")
        office.locator("#id_metadata_url").fill(idp.metadata_url)
        office.locator("#id_allowed_domains").fill("uni.example")
        office.locator("#id_name_attribute").fill(idp.NAME_ATTRIBUTE)
        office.locator("#id_institution_attribute").fill(idp.INSTITUTION_ATTRIBUTE)
        office.get_by_role("button", name="Connect").click()
        expect(office.get_by_role("alert")).to_contain_text("Connected “Campus SAML”")
        expect(office.locator("#sso-acs-url")).to_contain_text(f"{live_server.url}/accounts/saml/")
        expect(office.locator("#sso-entity-id")).to_contain_text("/metadata/")
        verify_domain(office, loopback_dns)

        context, person, errors = person_context(browser, live_server)
        person.goto("/sso/o/eastern/")
        ours = [person.url]
        person.get_by_role("button", name="Sign in with Campus SAML").click()
        expect(person).to_have_url(re.compile(re.escape(idp.base)))
        person.get_by_label("Username").fill("ada")
        person.get_by_role("button", name="Sign in at the IdP").click()
        expect(person.get_by_role("heading", level=1)).to_have_text("Eastern Medical Society")
        ours.append(person.url)

        user = User.objects.get(email="ada@uni.example")
        assert user.full_name == ACCOUNTS["ada"]["name"]
        with scopes_disabled():
            membership = Membership.objects.get(organization=society, user=user)
            assert Profile.objects.get(membership=membership).institution == "Uni Hospital"
        accessibility = axe_violations(context, ours)
        context.close()
        assert errors == [] and accessibility == []
    finally:
        idp.stop()


def test_sso_only_sends_a_password_sign_in_to_the_organization_sign_in(page, journey_settings):
    from sso.models import IdentityProvider, Kind
    from sso.services.connections import sync_app
    from tests.sso.world import verified_domain

    society = OrganizationFactory(name="Northern Society", slug="northern")
    member = MembershipFactory(organization=society, user__email="ada@uni.example")
    with scopes_disabled():
        connection = IdentityProvider.objects.create(
            organization=society,
            kind=Kind.OIDC,
            name="University login",
            discovery_url="https://idp.uni.example/",
            client_id="c",
            client_secret="s",
            allowed_domains=["uni.example"],
            sso_only=True,
        )
        sync_app(connection)
        verified_domain(society, "uni.example")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("sign in through Northern Society’s single sign-on (University login)")).to_be_visible()
    page.get_by_role("link", name="Sign in with your organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your organization")
