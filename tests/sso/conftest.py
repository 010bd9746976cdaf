import pytest

from tests.sso.idp_support import OIDCProvider

ACCOUNTS = {
    "ada": {"email": "ada@uni.example", "email_verified": True, "name": "Ada Okafor", "institution": "Uni Hospital"},
    "ben": {"email": "ben@uni.example", "email_verified": False, "name": "Ben Unverified"},
    "eve": {"email": "eve@elsewhere.example", "email_verified": True, "name": "Eve Outside"},
}
CLIENT = {"client_id": "mentorship", "client_secret": "s3cret-for-tests"}


@pytest.fixture
def loopback_dns(request, settings):
    """A DNS server on loopback that the domain verification asks (SSO_DNS_NAMESERVERS)."""
    from tests.sso.dns_support import LoopbackDNS

    server = LoopbackDNS()
    request.addfinalizer(server.stop)
    settings.SSO_DNS_NAMESERVERS = [server.nameserver]
    return server


@pytest.fixture
def sso_settings(settings, loopback_dns):
    settings.SSO_ALLOW_PRIVATE_URLS = True
    return settings


def _provider(request, **kwargs):
    provider = OIDCProvider(clients=[CLIENT], accounts=ACCOUNTS, **kwargs)
    request.addfinalizer(provider.stop)
    return provider


@pytest.fixture
def oidc_idp(request, sso_settings, loopback_dns):
    provider = _provider(request, redirect_prefix="https://testserver/accounts/oidc/")
    provider.dns = loopback_dns  # connect() verifies the domains through it
    return provider


@pytest.fixture
def oidc_idp_factory(request, sso_settings, loopback_dns):
    def make(**kwargs):
        provider = _provider(request, **kwargs)
        provider.dns = loopback_dns
        return provider

    return make


@pytest.fixture
def saml_idp_factory(request, sso_settings, tmp_path):
    from tests.sso.idp_support import SAMLProvider

    def make(**kwargs):
        provider = SAMLProvider(folder=tmp_path, accounts=ACCOUNTS, **kwargs)
        request.addfinalizer(provider.stop)
        provider.dns = request.getfixturevalue("loopback_dns")
        return provider

    return make


@pytest.fixture
def saml_idp(saml_idp_factory):
    return saml_idp_factory()
