import pytest

from tests.integrations.support import Receiver


@pytest.fixture(autouse=True)
def local_webhooks(settings):
    """Development's rule for these tests: the receiver listens on loopback over http."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    settings.WEBHOOK_RETRY_DELAYS = [1, 1, 1]
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running
