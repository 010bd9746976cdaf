import pytest

from tests.sso.idp_support import OIDCProvider

ACCOUNTS = {
    "ada": {"email": "ada@uni.example", "email_verified": True, "name": "Ada Okafor", "institution": "Uni Hospital"},
    "ben": {"email": "ben@uni.example", "email_verified": False, "name": "Ben Unverified"},
    "eve": {"email": "eve@elsewhere.example", "email_verified": True, "name": "Eve Outside"},
}
CLIENT = {"client_id": "mentorship", "client_secret": "s3cret-for-tests"}


@pytest.fixture
def sso_settings(settings):
    settings.SSO_ALLOW_PRIVATE_URLS = True
    return settings


def _provider(request, **kwargs):
    provider = OIDCProvider(clients=[CLIENT], accounts=ACCOUNTS, **kwargs)
    request.addfinalizer(provider.stop)
    return provider


@pytest.fixture
def oidc_idp(request, sso_settings):
    return _provider(request, redirect_prefix="https://testserver/accounts/oidc/")


@pytest.fixture
def oidc_idp_factory(request, sso_settings):
    return lambda **kwargs: _provider(request, **kwargs)


@pytest.fixture
def saml_idp_factory(request, sso_settings, tmp_path):
    from tests.sso.idp_support import SAMLProvider

    def make(**kwargs):
        provider = SAMLProvider(folder=tmp_path, accounts=ACCOUNTS, **kwargs)
        request.addfinalizer(provider.stop)
        return provider

    return make


@pytest.fixture
def saml_idp(saml_idp_factory):
    return saml_idp_factory()
